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

		// A cycle is opened online, never through a push, and never deleted.
		_, res = w.push(coach, domain.NewID(), change("cycle", domain.NewID(), 0, done))
		expect(res, "rejected", "id")
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
