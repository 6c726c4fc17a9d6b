package sync

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/strictjson"
)

func TestDecodeDataNamesTheField(t *testing.T) {
	for _, c := range []struct {
		data, field, message string
		v                    any
	}{
		{`{"scores":[{"indicator_key":"a"},{"indicator_key":"b","level":"3"}]}`, "data.scores[1].level", "must be a whole number", &ObservationData{}},
		{`{"scores":[{"indicator_key":"a","level":2.5}]}`, "data.scores[0].level", "must be a whole number", &ObservationData{}},
		{`{"started_at":"yesterday"}`, "data.started_at", "must be a date and time such as 2026-09-14T09:30:00Z", &ObservationData{}},
		{`{"date":"2026-13-01"}`, "data.date", "must be a date such as 2026-09-01", &WalkthroughData{}},
		{`{"due_on":7}`, "data.due_on", "must be a date such as 2026-09-01", &NextStepData{}},
		{`{"evidence":"a","Evidence":"b"}`, "data.Evidence", "is not a field of this entity", &ObservationData{}},
		{`{"scores":[{"indicator_key":"a","Level":1}]}`, "data.scores[0].Level", "is not a field of this entity", &ObservationData{}},
		{`{"evidence":"a","evidence":"b"}`, "data.evidence", "is given twice", &ObservationData{}},
		{`{"tags":["a","b\u0000"]}`, "data.tags[1]", domain.NULMessage, &ObservationData{}},
		{`{"evidence":"a"} {}`, "data", "holds more than one JSON value", &ObservationData{}},
		{`[]`, "data", "must be an object", &ObservationData{}},
	} {
		var o *outcome
		if err := decodeData([]byte(c.data), c.v); !errors.As(err, &o) || o.r.Error.Field != c.field || o.r.Error.Message != c.message {
			t.Errorf("%s: got %v %+v, want %s %q", c.data, err, o, c.field, c.message)
		}
	}
	var w WalkthroughData
	if err := decodeData([]byte(`{"date":"2026-09-01","lead_id":null}`), &w); err != nil || w.Date.Format(time.DateOnly) != "2026-09-01" {
		t.Errorf("a date: %v %v", err, w.Date)
	}
	var n NextStepData
	if err := decodeData([]byte(`{"due_on":null}`), &n); err != nil || n.DueOn != nil {
		t.Errorf("no date: %v %v", err, n.DueOn)
	}
}

// BenchmarkDecodePush measures what the server does with a large push
// before it touches the database: the body decoded strictly into a
// PushRequest (as the HTTP layer does), then each change's data into
// ObservationData and its payload hash (as applying a change does).
func BenchmarkDecodePush(b *testing.B) {
	body := pushBody(200, 15)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var req PushRequest
		if err := strictjson.Decode(body, &req); err != nil {
			b.Fatal(err)
		}
		for _, c := range req.Changes {
			var d ObservationData
			if err := decodeData(c.Data, &d); err != nil {
				b.Fatal(err)
			}
			_ = c.payloadHash()
		}
	}
}

// pushBody is a push of n observations of k scores each, every score with
// evidence, as a tablet sends after a day of walkthroughs.
func pushBody(n, k int) []byte {
	req := PushRequest{DeviceID: domain.NewID()}
	for i := range n {
		d := ObservationData{SchoolID: domain.NewID(), TeacherID: domain.NewID(), ObserverID: domain.NewID(), RubricVersionID: domain.NewID(),
			Kind: "classroom", Grade: "4", Subject: "Mathematics", StartedAt: time.Date(2026, 9, 14, 9, 30, i%60, 0, time.UTC), Status: "submitted",
			Evidence: "Students explained their strategies to a partner; the teacher asked “how do you know?” twice.", Tags: []string{"math talk", "small groups"}}
		end := d.StartedAt.Add(20 * time.Minute)
		d.EndedAt = &end
		for j := range k {
			level := 1 + (i+j)%4
			d.Scores = append(d.Scores, domain.Score{IndicatorKey: fmt.Sprintf("indicator_%02d", j), Level: &level,
				Evidence: strings.Repeat(fmt.Sprintf("T: why does %d double? S: because \"two groups\" — é. ", j), 2)})
		}
		data, err := json.Marshal(d)
		if err != nil {
			panic(err)
		}
		req.Changes = append(req.Changes, Change{ChangeID: domain.NewID(), Entity: EntityObservation, Op: OpUpsert, ID: domain.NewID(), Data: data})
	}
	body, err := json.Marshal(req)
	if err != nil {
		panic(err)
	}
	return body
}
