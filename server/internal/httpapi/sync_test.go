package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// obsChange is a pushed observation by the coach of school A1.
func (w *world) obsChange(id string, baseRev int64, levels ...int) sync.Change {
	scores := []map[string]any{}
	keys := domain.BuiltinFramework().IndicatorKeys()
	for i, l := range levels {
		scores = append(scores, map[string]any{"indicator_key": keys[i], "level": l, "evidence": "T: why? S: because it doubles"})
	}
	data, _ := json.Marshal(map[string]any{
		"school_id": w.schoolA1, "teacher_id": w.teacherA1, "rubric_version_id": w.rubricA, "kind": "classroom",
		"grade": "3", "subject": "Mathematics", "started_at": w.clock.now.Add(-time.Hour).UTC().Format(time.RFC3339),
		"status": "submitted", "scores": scores, "evidence": "Students explained their strategies.",
	})
	return sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityObservation, Op: sync.OpUpsert, ID: id, BaseRev: baseRev, Data: data}
}

// added is how many rows each table gained since base.
func added(base, now map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range now {
		out[k] = v - base[k]
	}
	return out
}

func (w *world) push(a actor, device string, changes ...sync.Change) (int, sync.PushResponse) {
	w.t.Helper()
	r := w.do(a, "POST", "/api/v1/sync/push", sync.PushRequest{DeviceID: device, Changes: changes})
	var res sync.PushResponse
	if r.Code == 200 {
		r.decode(w.t, &res)
		if len(res.Results) != len(changes) {
			w.t.Fatalf("%d results for %d changes", len(res.Results), len(changes))
		}
	}
	return r.Code, res
}

func (w *world) pull(a actor, cursor string) sync.PullResponse {
	w.t.Helper()
	var all sync.PullResponse
	for {
		r := w.do(a, "GET", "/api/v1/sync/pull?limit=50&cursor="+cursor, nil)
		if r.Code != 200 {
			w.t.Fatalf("pull: %d %s", r.Code, r.Body)
		}
		var page sync.PullResponse
		r.decode(w.t, &page)
		all.Changes = append(all.Changes, page.Changes...)
		all.Cursor, cursor = page.Cursor, page.Cursor
		if !page.More {
			return all
		}
	}
}

func resultStatuses(res sync.PushResponse) []string {
	var out []string
	for _, r := range res.Results {
		out = append(out, r.Status)
	}
	return out
}

func TestPushLostAcknowledgementAnswersDuplicate(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		base := w.counts()
		device := domain.NewID()
		batch := []sync.Change{w.obsChange(domain.NewID(), 0, 3, 2, 4), w.obsChange(domain.NewID(), 0, 1, 1)}
		code, first := w.push(coach, device, batch...)
		if code != 200 || first.Results[0].Status != "applied" || first.Results[1].Status != "applied" {
			t.Fatalf("first push: %d %+v", code, first)
		}
		_, second := w.push(coach, device, batch...)
		if s := resultStatuses(second); s[0] != "duplicate" || s[1] != "duplicate" || second.Results[0].Rev != first.Results[0].Rev {
			t.Fatalf("retry: %+v", second)
		}
		c := added(base, w.counts())
		if c["observations"] != 2 || c["scores"] != 5 {
			t.Fatalf("rows after a retried push: %v", c)
		}
		if err := testdb.CheckRollups(context.Background(), w.store, w.districtA); err != nil {
			t.Fatal(err)
		}
		// The same change id with another payload is refused.
		reused := w.obsChange(batch[0].ID, 0, 4, 4, 4)
		reused.ChangeID = batch[0].ChangeID
		_, res := w.push(coach, device, reused)
		if res.Results[0].Status != "rejected" || res.Results[0].Error.Code != "change_id_reused" {
			t.Fatalf("a reused change id with other content: %+v", res.Results[0])
		}
	})
}

func TestPushParallelDuplicatesMakeOneRow(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		base := w.counts()
		ch := w.obsChange(domain.NewID(), 0, 2, 3)
		body, _ := json.Marshal(sync.PushRequest{DeviceID: domain.NewID(), Changes: []sync.Change{ch}})
		const n = 8
		got := make([]string, n)
		var wg gosync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := httptest.NewRequest("POST", "/api/v1/sync/push", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+w.access[coach])
				rec := httptest.NewRecorder()
				w.handler.ServeHTTP(rec, req)
				var res sync.PushResponse
				json.Unmarshal(rec.Body.Bytes(), &res)
				if rec.Code == 200 {
					got[i] = res.Results[0].Status
				} else {
					got[i] = fmt.Sprint(rec.Code)
				}
			}()
		}
		wg.Wait()
		applied := 0
		for _, s := range got {
			switch s {
			case "applied":
				applied++
			case "duplicate":
			default:
				t.Errorf("unexpected answer %s", s)
			}
		}
		if n := added(base, w.counts())["observations"]; applied != 1 || n != 1 {
			t.Fatalf("%d applied of %v; %d rows", applied, got, n)
		}
	})
}

func TestPushOneBadChangeDoesNotBlockTheOthers(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		base := w.counts()
		var batch []sync.Change
		for i := range 50 {
			ch := w.obsChange(domain.NewID(), 0, 1+i%4, 2)
			if i == 25 {
				ch = w.obsChange(domain.NewID(), 0, 9, 2) // level 9 is off the scale
			}
			batch = append(batch, ch)
		}
		_, res := w.push(coach, domain.NewID(), batch...)
		applied := 0
		for i, r := range res.Results {
			if r.ChangeID != batch[i].ChangeID {
				t.Fatalf("results out of order at %d", i)
			}
			if r.Status == "applied" {
				applied++
			}
		}
		bad := res.Results[25]
		if applied != 49 || bad.Status != "rejected" || bad.Error.Field != "data.scores[0].level" {
			t.Fatalf("applied %d, the bad one: %+v", applied, bad)
		}
		if c := added(base, w.counts()); c["observations"] != 49 || c["scores"] != 98 {
			t.Fatalf("rows: %v", c)
		}
	})
}

func TestPushStaleBaseRevIsAConflict(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		id := domain.NewID()
		w.push(coach, domain.NewID(), w.obsChange(id, 0, 2, 2))
		_, res := w.push(coach, domain.NewID(), w.obsChange(id, 1, 3, 3)) // rev 2 now
		if res.Results[0].Status != "applied" || res.Results[0].Rev != 2 {
			t.Fatalf("amend: %+v", res.Results[0])
		}
		_, res = w.push(coach, domain.NewID(), w.obsChange(id, 1, 4, 4)) // made on rev 1
		r := res.Results[0]
		if r.Status != "conflict" || r.Current == nil || r.Current.Rev != 2 {
			t.Fatalf("stale edit: %+v", r)
		}
		o, _ := w.store.Observation(context.Background(), w.districtA, id)
		if *o.Scores[0].Level != 3 || o.Rev != 2 {
			t.Fatalf("the server record was overwritten: %+v", o.Scores)
		}
		// Someone else may not amend it at all.
		_, res = w.push(observer, domain.NewID(), w.obsChange(id, 2, 1, 1))
		if res.Results[0].Status != "forbidden" {
			t.Fatalf("another observer amended: %+v", res.Results[0])
		}
	})
}

func TestPushEditOfADeletedRecordIsGone(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		id := domain.NewID()
		w.push(coach, domain.NewID(), w.obsChange(id, 0, 2, 2))
		del := sync.Change{ChangeID: domain.NewID(), Entity: "observation", Op: "delete", ID: id, BaseRev: 1}
		_, res := w.push(coach, domain.NewID(), del)
		if res.Results[0].Status != "applied" {
			t.Fatalf("delete: %+v", res.Results[0])
		}
		_, res = w.push(coach, domain.NewID(), w.obsChange(id, 1, 4, 4))
		if res.Results[0].Status != "gone" {
			t.Fatalf("edit of a deleted record: %+v", res.Results[0])
		}
		_, res = w.push(coach, domain.NewID(), w.obsChange(id, 2, 4, 4))
		if res.Results[0].Status != "gone" {
			t.Fatalf("edit on the tombstone's rev: %+v", res.Results[0])
		}
		o, _ := w.store.Observation(context.Background(), w.districtA, id)
		if err := testdb.CheckRollups(context.Background(), w.store, w.districtA); !o.Deleted || err != nil {
			t.Fatal("a deleted observation came back")
		}
	})
}

func TestPushRejectsWhatIsOutOfScopeOrOffTheRubric(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		base := w.counts()
		mutate := func(field string, value any) sync.Change {
			ch := w.obsChange(domain.NewID(), 0, 2, 3)
			var m map[string]any
			json.Unmarshal(ch.Data, &m)
			m[field] = value
			ch.Data, _ = json.Marshal(m)
			return ch
		}
		unknown := w.obsChange(domain.NewID(), 0, 2)
		unknown.Data = bytes.Replace(unknown.Data, []byte(`"respectful_relationships"`), []byte(`"mind_reading"`), 1)
		cases := []struct {
			name  string
			ch    sync.Change
			field string
		}{
			{"teacher of another school", mutate("teacher_id", w.teacherA2), "data.teacher_id"},
			{"teacher of another district", mutate("teacher_id", w.teacherB1), "data.teacher_id"},
			{"another school", mutate("school_id", w.schoolA2), "data.school_id"},
			{"another district's rubric", mutate("rubric_version_id", w.rubricB), "data.rubric_version_id"},
			{"a draft rubric", mutate("rubric_version_id", w.draftA), "data.rubric_version_id"},
			{"off the scale", w.obsChange(domain.NewID(), 0, 0), "data.scores[0].level"},
			{"unknown indicator", unknown, "data.scores[0].indicator_key"},
			{"unknown field", mutate("colour", "blue"), "data.colour"},
		}
		for _, c := range cases {
			_, res := w.push(coach, domain.NewID(), c.ch)
			r := res.Results[0]
			if r.Status != "rejected" || r.Error == nil || r.Error.Field != c.field {
				t.Errorf("%s: %+v %+v", c.name, r, r.Error)
			}
		}
		if c := added(base, w.counts()); c["observations"] != 0 || c["scores"] != 0 || c["rollups"]+c["rollup_deltas"] != 0 {
			t.Fatalf("a rejected change wrote rows: %v", c)
		}
		// A teacher may not score at all.
		_, res := w.push(teacher, domain.NewID(), w.obsChange(domain.NewID(), 0, 2))
		if res.Results[0].Status != "rejected" {
			t.Fatalf("a teacher scored an observation: %+v", res.Results[0])
		}
	})
}

func TestPushLimits(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		base := w.counts()
		var many []sync.Change
		for range sync.MaxChanges + 1 {
			many = append(many, w.obsChange(domain.NewID(), 0, 1))
		}
		if code, _ := w.push(coach, domain.NewID(), many...); code != 413 {
			t.Fatalf("%d changes: %d", len(many), code)
		}
		big := w.obsChange(domain.NewID(), 0, 1)
		big.Data = bytes.Replace(big.Data, []byte(`"Students explained their strategies."`), []byte(`"`+strings.Repeat("x", sync.MaxPushBytes)+`"`), 1)
		if code, _ := w.push(coach, domain.NewID(), big); code != 413 {
			t.Fatalf("a body over 5 MiB: %d", code)
		}
		if added(base, w.counts())["observations"] != 0 {
			t.Fatal("an oversized push wrote rows")
		}
	})
}

func TestPullAfterPush(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		snapshot := w.pull(coach, "")
		kinds := map[string]int{}
		for _, r := range snapshot.Changes {
			kinds[r.Entity]++
		}
		if kinds["school"] != 1 || kinds["teacher"] != 1 || kinds["rubric_version"] != 1 {
			t.Fatalf("the coach's snapshot: %v", kinds)
		}
		id, other := domain.NewID(), domain.NewID()
		w.push(coach, domain.NewID(), w.obsChange(id, 0, 3, 3), w.obsChange(other, 0, 2))
		w.push(coach, domain.NewID(), sync.Change{ChangeID: domain.NewID(), Entity: "observation", Op: "delete", ID: other, BaseRev: 1})

		// A second device of the same user, from the cursor it had.
		got := w.pull(coach, snapshot.Cursor)
		seen := map[string]sync.Record{}
		for _, r := range got.Changes {
			seen[r.ID] = r
		}
		if r := seen[id]; r.Entity != "observation" || r.Rev != 1 || r.Deleted || r.Data == nil {
			t.Fatalf("the new observation did not arrive: %+v", got.Changes)
		}
		if r := seen[other]; !r.Deleted || r.Rev != 2 {
			t.Fatalf("the tombstone did not arrive: %+v", seen[other])
		}
		// Nothing more after the new cursor.
		if again := w.pull(coach, got.Cursor); len(again.Changes) != 0 {
			t.Fatalf("changes seen twice: %+v", again.Changes)
		}
		// The administrator of another district and the observer (another
		// author) never receive the coach's observation.
		for _, a := range []actor{otherAdmin, observer, supervisor} {
			for _, r := range w.pull(a, "").Changes {
				if r.ID == id {
					t.Errorf("%s received the coach's observation", a)
				}
				if a == otherAdmin && (r.ID == w.schoolA1 || r.ID == w.teacherA1) {
					t.Errorf("%s received district A's roster", a)
				}
			}
		}
		if r := w.do(coach, "GET", "/api/v1/sync/pull?cursor=not-a-cursor", nil); r.Code != 422 {
			t.Fatalf("a bad cursor: %d", r.Code)
		}
	})
}

func TestPullAnswersGoneForACursorOlderThanTheHorizon(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		old := w.pull(coach, "").Cursor
		id := domain.NewID()
		w.push(coach, domain.NewID(), w.obsChange(id, 0, 3))
		w.push(coach, domain.NewID(), sync.Change{ChangeID: domain.NewID(), Entity: "observation", Op: "delete", ID: id, BaseRev: 1})
		if _, err := w.store.CompactChangeLog(ctx, w.districtA, -time.Hour); err != nil {
			t.Fatal(err)
		}
		if r := w.do(coach, "GET", "/api/v1/sync/pull?cursor="+old, nil); r.Code != 410 {
			t.Fatalf("a cursor from before compacted tombstones: %d %s", r.Code, r.Body)
		}
		snap := w.pull(coach, "")
		if len(snap.Changes) == 0 {
			t.Fatal("a fresh snapshot is empty")
		}
	})
}

func TestPutObservationAppliesOneChange(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ch := w.obsChange(domain.NewID(), 0, 2, 2)
		body := map[string]any{"change_id": ch.ChangeID, "device_id": domain.NewID(), "base_rev": 0, "data": json.RawMessage(ch.Data)}
		if r := w.do(coach, "PUT", "/api/v1/observations/"+ch.ID, body); r.Code != 200 {
			t.Fatalf("put: %d %s", r.Code, r.Body)
		}
		if r := w.do(coach, "PUT", "/api/v1/observations/"+ch.ID, body); r.Code != 200 || !strings.Contains(r.Body.String(), "duplicate") {
			t.Fatalf("put again: %d %s", r.Code, r.Body)
		}
		body["change_id"] = domain.NewID()
		r := w.do(coach, "PUT", "/api/v1/observations/"+ch.ID, body)
		var conflict struct {
			Problem
			Current sync.Record `json:"current"`
		}
		r.decode(t, &conflict)
		if r.Code != 409 || r.Header().Get("Content-Type") != "application/problem+json" || conflict.Code != "conflict" ||
			conflict.CurrentRev != 1 || conflict.Current.ID != ch.ID || conflict.Current.Rev != 1 || conflict.Current.Data == nil {
			t.Fatalf("stale put: %d %s", r.Code, r.Body)
		}
		del := sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityObservation, Op: sync.OpDelete, ID: ch.ID, BaseRev: 1}
		if code, res := w.push(coach, domain.NewID(), del); code != 200 || res.Results[0].Status != sync.StatusApplied {
			t.Fatalf("delete: %d %+v", code, res)
		}
		body["change_id"], body["base_rev"] = domain.NewID(), 2
		r = w.do(coach, "PUT", "/api/v1/observations/"+ch.ID, body)
		var gone Problem
		r.decode(t, &gone)
		if r.Code != 410 || r.Header().Get("Content-Type") != "application/problem+json" || gone.Code != "gone" {
			t.Fatalf("a put on a deleted observation: %d %s", r.Code, r.Body)
		}
	})
}
