package sync_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/strictjson"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// FuzzPushDecode feeds arbitrary bytes through what a push body goes
// through before it touches the database: strictjson.Decode, which the
// HTTP handler uses to read the body, PushRequest.Validate, and for each
// change the decoding of its data that applying it does (decodeData) into
// every entity a device writes, then the observation's own validation
// against a published rubric. The properties: nothing panics; what the
// strict decoder accepts, body or data, encoding/json accepts and reads as
// the same value; it accepts no object that names a key twice, in the same
// case or another; Validate never accepts more than MaxChanges changes or a
// device id that is not a UUID.
//
// Seeds are in testdata/fuzz/FuzzPushDecode; plain go test runs them.
func FuzzPushDecode(f *testing.F) {
	f.Add(validPushBody(1))
	f.Add(overLimitPushBody())
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"device_id":"` + domain.NewID() + `","changes":[{"change_id":"x","data":{"scores":[{"level":1e400}]}}]}`))
	// Text encoding/json refuses that decoders built on scanners of their
	// own have taken: a leading comma or colon, a cut-short literal.
	f.Add([]byte(`,{"email":"a","Email":"c","grants":[{"role":"coach","ROLE":"district_admin"}]}`))
	f.Add([]byte(`:{"device_id":"` + domain.NewID() + `","changes":[]}`))
	f.Add([]byte(`nul`))
	// Keys given twice, in the same case and in another, in the body and in
	// a change's data.
	f.Add([]byte(`{"device_id":"` + domain.NewID() + `","device_id":"` + domain.NewID() + `","changes":[]}`))
	f.Add([]byte(`{"device_id":"` + domain.NewID() + `","Device_ID":"x","changes":[{"op":"upsert","OP":"delete"}]}`))
	f.Add(bytes.Replace(validPushBody(1), []byte(`"evidence":`), []byte(`"Evidence":"x","evidence":`), 1))
	f.Add(bytes.Replace(validPushBody(1), []byte(`"evidence":`), []byte(`"evidence":"x","evidence":`), 1))
	f.Add(bytes.Replace(validPushBody(1), []byte(`"level":3`), []byte(`"level":3,"LEVEL":1`), 1))

	rubric := domain.BuiltinFramework()
	rubric.Status = domain.RubricPublished
	f.Fuzz(func(t *testing.T, body []byte) {
		var req sync.PushRequest
		strictErr := strictjson.Decode(body, &req)
		var plain sync.PushRequest
		plainErr := json.Unmarshal(body, &plain)
		if strictErr == nil {
			if plainErr != nil {
				t.Fatalf("the strict decoder accepted what json.Unmarshal refuses: %v", plainErr)
			}
			if !reflect.DeepEqual(req, plain) {
				t.Fatalf("the strict and plain decodings differ:\n%+v\n%+v", req, plain)
			}
			// The data of changes is kept raw, to be decoded by entity:
			// there only a key given twice in the same case is refused.
			if key, found := keyTwice(body, isChangeData, strings.EqualFold); found {
				t.Fatalf("the strict decoder accepted %q given twice", key)
			}
			if key, found := keyTwice(body, nil, func(a, b string) bool { return a == b }); found {
				t.Fatalf("the strict decoder accepted %q given twice in a change's data", key)
			}
		}
		if strictErr != nil {
			return
		}
		err := req.Validate()
		if len(req.Changes) > sync.MaxChanges && domain.ErrorCode(err) != domain.ETooLarge {
			t.Fatalf("a push of %d changes: Validate answered %v, want %s", len(req.Changes), err, domain.ETooLarge)
		}
		if err == nil && !domain.ValidID(req.DeviceID) {
			t.Fatalf("Validate accepted device id %q", req.DeviceID)
		}
		if err != nil {
			return
		}
		for _, c := range req.Changes {
			for _, entity := range []func() any{
				func() any { return &sync.WalkthroughData{} }, func() any { return &sync.NextStepData{} },
				func() any { return &sync.ActivityData{} }, func() any { return &sync.FollowUpData{} },
				func() any { return &sync.ObservationData{} },
			} {
				strict, plain := entity(), entity()
				if sync.DecodeData(c.Data, strict) != nil {
					continue
				}
				if err := json.Unmarshal(c.Data, plain); err != nil {
					t.Fatalf("decodeData accepted %q, which json.Unmarshal refuses: %v", c.Data, err)
				}
				if !reflect.DeepEqual(strict, plain) {
					t.Fatalf("the strict and plain decodings of %q differ:\n%+v\n%+v", c.Data, strict, plain)
				}
				if key, found := keyTwice(c.Data, nil, strings.EqualFold); found {
					t.Fatalf("decodeData accepted %q given twice in %q", key, c.Data)
				}
			}
			var d sync.ObservationData
			if sync.DecodeData(c.Data, &d) != nil {
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
		if _, err := json.Marshal(req); err != nil {
			t.Fatalf("a decoded push does not encode again: %v", err)
		}
	})
}

// isChangeData tells the path of a change's data in a push body.
func isChangeData(path []string) bool {
	return len(path) == 3 && path[0] == "changes" && path[2] == "data"
}

// keyTwice walks valid JSON text, with encoding/json's tokens, and answers
// a key some object names twice, keys compared with same; values at the
// paths skip tells are not looked into.
func keyTwice(text []byte, skip func(path []string) bool, same func(a, b string) bool) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(text))
	var walk func(path []string) (string, bool)
	walk = func(path []string) (string, bool) {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		switch tok {
		case json.Delim('{'):
			var keys []string
			for dec.More() {
				kt, _ := dec.Token()
				key, _ := kt.(string)
				for _, k := range keys {
					if same(k, key) {
						return key, true
					}
				}
				keys = append(keys, key)
				p := append(path, key) // read, never kept, by the value's walk
				if skip != nil && skip(p) {
					var raw json.RawMessage
					_ = dec.Decode(&raw)
					continue
				}
				if key, found := walk(p); found {
					return key, true
				}
			}
			_, _ = dec.Token()
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if key, found := walk(append(path, strconv.Itoa(i))); found {
					return key, true
				}
			}
			_, _ = dec.Token()
		}
		return "", false
	}
	return walk(nil)
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
