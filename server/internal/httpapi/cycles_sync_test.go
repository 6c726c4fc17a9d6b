package httpapi

import (
	"net/http"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// A coach completes a cycle on a tablet offline and reopens it later: the
// changes reach the server through sync, checked district, then scope,
// then revision, with the same rules as PATCH /cycles/{id}.
func TestCompleteAndReopenACycleThroughSync(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		c := w.openCycle(w.teacherA1)
		if c.StartedOn == nil {
			t.Fatal("an active cycle has a start")
		}
		started := c.StartedOn.Time
		expect := func(res sync.PushResponse, status, field string) sync.Result {
			t.Helper()
			r := res.Results[0]
			if r.Status != status || (field != "" && (r.Error == nil || r.Error.Field != field)) {
				t.Fatalf("want %s on %q, got %+v %+v", status, field, r, r.Error)
			}
			return r
		}
		data := c.CycleData
		done := data
		done.Status, done.Outcome, done.OutcomeEvidence = "completed", "seen", "  Students answered each other in 3 of 4 visits.  "
		// Offline on the day it began; the device says so.
		done.EndedOn = &sync.Date{Time: started}

		// Completed needs an outcome.
		noOutcome := done
		noOutcome.Outcome = ""
		_, res := w.push(coach, domain.NewID(), change("cycle", c.ID, c.Rev, noOutcome))
		expect(res, "rejected", "data.outcome")

		// The school, coach and focus stay as the cycle was opened.
		moved := done
		moved.FocusIndicatorKey = "academic_discourse"
		_, res = w.push(coach, domain.NewID(), change("cycle", c.ID, c.Rev, moved))
		expect(res, "rejected", "data.focus_indicator_key")

		// Another district learns nothing of it; a reader who does not run it may not change it.
		_, res = w.push(otherAdmin, domain.NewID(), change("cycle", c.ID, c.Rev, done))
		if r := expect(res, "forbidden", ""); r.Current != nil || r.Rev != 0 {
			t.Fatalf("a refusal to another district carries the record: %+v", r)
		}
		_, res = w.push(observer, domain.NewID(), change("cycle", c.ID, c.Rev, done))
		if r := expect(res, "forbidden", ""); r.Current != nil {
			t.Fatalf("a refusal carries the record: %+v", r)
		}

		// A new cycle is planned or active, never opened completed, and never deleted.
		_, res = w.push(coach, domain.NewID(), change("cycle", domain.NewID(), 0, done))
		expect(res, "rejected", "data.status")
		_, res = w.push(coach, domain.NewID(), sync.Change{ChangeID: domain.NewID(), Entity: "cycle", Op: sync.OpDelete, ID: c.ID, BaseRev: c.Rev})
		expect(res, "rejected", "op")

		// The coach completes it.
		_, res = w.push(coach, domain.NewID(), change("cycle", c.ID, c.Rev, done))
		r := expect(res, "applied", "")
		get := func() (got cycleResponse) {
			w.do(coach, "GET", "/api/v1/cycles/"+c.ID, nil).decode(t, &got)
			return got
		}
		got := get()
		if got.Status != "completed" || got.Outcome != "seen" || got.OutcomeEvidence != "Students answered each other in 3 of 4 visits." ||
			got.EndedOn == nil || !got.EndedOn.Equal(started) || got.Rev != r.Rev {
			t.Fatalf("completed: %+v ended %v", got, got.EndedOn)
		}
		if p := pulled(w, coach, c.ID); p == nil || p.Rev != r.Rev {
			t.Fatalf("the coach's other devices do not receive the completed cycle: %+v", p)
		}

		// A change made on the revision before is a conflict that shows the server's cycle.
		_, res = w.push(coach, domain.NewID(), change("cycle", c.ID, c.Rev, data))
		if cr := expect(res, "conflict", ""); cr.Current == nil || cr.Current.Rev != r.Rev {
			t.Fatalf("conflict without the current record: %+v", cr)
		}

		// Reopened, it has no outcome and no end; an outcome on an open cycle is refused.
		reopen := done
		reopen.Status, reopen.EndedOn = "active", nil
		_, res = w.push(coach, domain.NewID(), change("cycle", c.ID, r.Rev, reopen))
		expect(res, "rejected", "data.outcome")
		reopen.Outcome, reopen.OutcomeEvidence = "", ""
		_, res = w.push(coach, domain.NewID(), change("cycle", c.ID, r.Rev, reopen))
		r = expect(res, "applied", "")
		got = get()
		if got.Status != "active" || got.Outcome != "" || got.EndedOn != nil || got.StartedOn == nil || !got.StartedOn.Equal(started) {
			t.Fatalf("reopened: %+v", got)
		}

		// An end the device dates in the future is the district's today.
		later := done
		later.EndedOn = &sync.Date{Time: started.AddDate(0, 0, 5)}
		_, res = w.push(coach, domain.NewID(), change("cycle", c.ID, r.Rev, later))
		expect(res, "applied", "")
		got = get()
		if got.EndedOn == nil || got.EndedOn.After(time.Now().Add(24*time.Hour)) {
			t.Fatalf("ended in the future: %+v", got.EndedOn)
		}

		// PATCH takes the same path: the principal abandons it.
		p := w.do(principalA, "PATCH", "/api/v1/cycles/"+c.ID, map[string]any{"status": "abandoned", "outcome": ""})
		if p.Code != http.StatusOK {
			t.Fatalf("abandon: %d %s", p.Code, p.Body)
		}
	})
}

// A coach's device opens a cycle of support, offline perhaps, through a
// push: the coach is the caller, at a school of theirs, with its teachers
// and a published focus; the supervisor sees it. Another district learns
// nothing of it, an observer may not open one, and the same cycle opened
// twice is a conflict.
func TestOpenACycleThroughSync(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		id := domain.NewID()
		data := sync.CycleData{SchoolID: w.schoolA1, TeacherIDs: []string{w.teacherA1}, FocusIndicatorKey: focusKey,
			FocusShift: "  Students build on each other's ideas  ", Status: "active"}
		first := func(res sync.PushResponse) sync.Result {
			t.Helper()
			if len(res.Results) != 1 {
				t.Fatalf("results: %+v", res)
			}
			return res.Results[0]
		}

		// Refused with nothing of the cycle: another district, an observer,
		// a teacher of another school, a cycle opened completed.
		if _, res := w.push(otherAdmin, domain.NewID(), change("cycle", id, 0, data)); first(res).Status != "forbidden" || first(res).Current != nil {
			t.Fatalf("another district: %+v", res)
		}
		if _, res := w.push(observer, domain.NewID(), change("cycle", id, 0, data)); first(res).Status == "applied" {
			t.Fatalf("an observer opened a cycle: %+v", res)
		}
		other := data
		other.TeacherIDs = []string{w.teacherA2}
		if _, res := w.push(coach, domain.NewID(), change("cycle", id, 0, other)); first(res).Status != "rejected" {
			t.Fatalf("a teacher of another school: %+v", res)
		}
		someoneElse := data
		someoneElse.CoachID = w.users[observer].ID
		if _, res := w.push(coach, domain.NewID(), change("cycle", id, 0, someoneElse)); first(res).Status != "rejected" || first(res).Error.Field != "data.coach_id" {
			t.Fatalf("a cycle for another coach: %+v", res)
		}

		// The coach opens it.
		_, res := w.push(coach, domain.NewID(), change("cycle", id, 0, data))
		if r := first(res); r.Status != "applied" || r.Rev != 1 {
			t.Fatalf("open: %+v %+v", r, r.Error)
		}
		var got cycleResponse
		if r := w.do(supervisor, "GET", "/api/v1/cycles/"+id, nil); r.Code != 200 {
			t.Fatalf("the supervisor reads it: %d %s", r.Code, r.Body)
		} else {
			r.decode(t, &got)
		}
		if got.CoachID != w.users[coach].ID || got.Status != "active" || got.StartedOn == nil || got.FocusShift != "Students build on each other's ideas" ||
			len(got.TeacherIDs) != 1 || got.TeacherIDs[0] != w.teacherA1 {
			t.Fatalf("the opened cycle: %+v", got)
		}
		if rec := pulled(w, coach, id); rec == nil || rec.Rev != 1 {
			t.Fatalf("the coach's pull: %+v", rec)
		}

		// Opened a second time from revision 0: a conflict.
		if _, res := w.push(coach, domain.NewID(), change("cycle", id, 0, data)); first(res).Status != "conflict" {
			t.Fatalf("opened twice: %+v", res)
		}
	})
}
