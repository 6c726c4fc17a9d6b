package sync_test

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// FuzzPushDecode feeds arbitrary bytes through what a push body goes
// through before it touches the database: the strict decoding the HTTP
// layer does (one JSON value, no unknown fields, nothing after it; its
// decoder is unexported, so this mirrors it), PushRequest.Validate, and for
// each change the strict decoding of its data into every entity a device
// writes, then the observation's own validation against a published
// rubric. The properties: nothing panics; a strictly decoded body means the
// same as the plain decoding; Validate never accepts more than MaxChanges
// changes or a device id that is not a UUID.
//
// Seeds are in testdata/fuzz/FuzzPushDecode; plain go test runs them.
func FuzzPushDecode(f *testing.F) {
	f.Add(validPushBody(1))
	f.Add(overLimitPushBody())
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"device_id":"` + domain.NewID() + `","changes":[{"change_id":"x","data":{"scores":[{"level":1e400}]}}]}`))

	rubric := domain.BuiltinFramework()
	rubric.Status = domain.RubricPublished
	f.Fuzz(func(t *testing.T, body []byte) {
		var req sync.PushRequest
		strictErr := decodeStrict(body, &req)
		var plain sync.PushRequest
		plainErr := json.Unmarshal(body, &plain)
		if strictErr == nil {
			if plainErr != nil {
				t.Fatalf("the strict decoder accepted what json.Unmarshal refuses: %v", plainErr)
			}
			if !reflect.DeepEqual(req, plain) {
				t.Fatalf("the strict and plain decodings differ:\n%+v\n%+v", req, plain)
			}
		}
		if plainErr != nil {
			return
		}
		err := plain.Validate()
		if len(plain.Changes) > sync.MaxChanges && domain.ErrorCode(err) != domain.ETooLarge {
			t.Fatalf("a push of %d changes: Validate answered %v, want %s", len(plain.Changes), err, domain.ETooLarge)
		}
		if err == nil && !domain.ValidID(plain.DeviceID) {
			t.Fatalf("Validate accepted device id %q", plain.DeviceID)
		}
		if err != nil {
			return
		}
		for _, c := range plain.Changes {
			for _, v := range []any{&sync.WalkthroughData{}, &sync.NextStepData{}, &sync.ActivityData{}, &sync.FollowUpData{}} {
				_ = decodeStrict(c.Data, v)
			}
			var d sync.ObservationData
			if decodeStrict(c.Data, &d) != nil {
				continue
			}
			o := domain.Observation{ID: c.ID, SchoolID: d.SchoolID, TeacherID: d.TeacherID, ObserverID: d.ObserverID,
				WalkthroughID: d.WalkthroughID, FollowUpID: d.FollowUpID, RubricVersionID: d.RubricVersionID, Kind: domain.WalkthroughKind(d.Kind),
				Grade: d.Grade, Subject: d.Subject, StartedAt: d.StartedAt.UTC(), EndedAt: d.EndedAt, Status: domain.ObservationStatus(d.Status),
				Scores: d.Scores, Evidence: d.Evidence, Tags: d.Tags}
			if o.Validate() == nil {
				_ = o.ValidateAgainst(rubric)
				_ = domain.GradeBand(o.Grade)
			}
		}
		if _, err := json.Marshal(plain); err != nil {
			t.Fatalf("a decoded push does not encode again: %v", err)
		}
	})
}

// decodeStrict reads exactly one JSON value into v, refusing unknown fields
// and trailing data, as the HTTP layer and the sync service do.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// validPushBody is a push of n observations such as a tablet sends.
func validPushBody(n int) []byte {
	level := 3
	req := sync.PushRequest{DeviceID: domain.NewID()}
	for range n {
		data, _ := json.Marshal(sync.ObservationData{SchoolID: domain.NewID(), TeacherID: domain.NewID(), RubricVersionID: domain.NewID(),
			Kind: "classroom", Grade: "3", Subject: "Mathematics", StartedAt: time.Date(2026, 9, 14, 9, 30, 0, 0, time.UTC), Status: "submitted",
			Scores:   []domain.Score{{IndicatorKey: "respectful_relationships", Level: &level, Evidence: "T: why? S: because it doubles"}, {IndicatorKey: "big_ideas"}},
			Evidence: "Students explained their strategies."})
		req.Changes = append(req.Changes, sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityObservation, Op: sync.OpUpsert, ID: domain.NewID(), Data: data})
	}
	b, _ := json.Marshal(req)
	return b
}

// overLimitPushBody is a push of one change more than the limit.
func overLimitPushBody() []byte {
	return []byte(`{"device_id":"` + domain.NewID() + `","changes":[` + strings.Repeat(`{},`, sync.MaxChanges) + `{}]}`)
}
