package httpapi

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// The contract test reads the calendar feed's body as text.
func init() { openapi3filter.RegisterBodyDecoder("text/calendar", openapi3filter.FileBodyDecoder) }

// cycleWorld is a cycle of support at school A1 run by the coach for
// teacher A1, with a follow-up the coach and the principal are invited to.
type cycleWorld struct {
	cycle, followUp string
	calendarPath    string // the coach's feed
}

const focusKey = "respectful_relationships"

func newCycleWorld(w *world) *cycleWorld {
	w.t.Helper()
	ctx := context.Background()
	cw := &cycleWorld{cycle: domain.NewID(), followUp: domain.NewID()}
	start := w.clock.now.Add(90 * 24 * time.Hour).Truncate(time.Hour)
	err := w.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutCycle(ctx, domain.Cycle{ID: cw.cycle, DistrictID: w.districtA, SchoolID: w.schoolA1, CoachID: w.users[coach].ID,
			TeacherIDs: []string{w.teacherA1}, FocusIndicatorKey: focusKey, FocusShift: "Warm, respectful talk", Status: domain.CycleActive, Rev: 1}); err != nil {
			return err
		}
		return tx.PutFollowUp(ctx, domain.FollowUp{ID: cw.followUp, DistrictID: w.districtA, CycleID: cw.cycle, SchoolID: w.schoolA1,
			TeacherID: w.teacherA1, StartsAt: start, EndsAt: start.Add(30 * time.Minute), Status: domain.FollowUpScheduled,
			ObserverIDs: []string{w.users[coach].ID, w.users[principalA].ID}, Rev: 1})
	})
	if err != nil {
		w.t.Fatal(err)
	}
	r := w.do(coach, "POST", "/api/v1/me/calendar", nil)
	if r.Code != http.StatusCreated {
		w.t.Fatalf("calendar: %d %s", r.Code, r.Body)
	}
	var feed calendarResponse
	r.decode(w.t, &feed)
	cw.calendarPath = feed.Path
	return cw
}

// cycleMatrix is the authorization matrix's rows for cycles of support.
func cycleMatrix(w *world) map[string][]probe {
	cw := newCycleWorld(w)
	ok, created, notFound, forbidden, invalid := http.StatusOK, http.StatusCreated, http.StatusNotFound, http.StatusForbidden, http.StatusUnprocessableEntity
	// The school's coaches and leaders run A1's cycles; the rest do not see them.
	runsA1 := func(status int) map[actor]int {
		return signedIn(notFound, map[actor]int{admin: status, supervisor: status, principalA: status, coach: status})
	}
	seesCycle := func(t *testing.T, w *world, a actor, r response) {
		var l listResponse[cycleResponse]
		r.decode(t, &l)
		got := slices.ContainsFunc(l.Items, func(c cycleResponse) bool { return c.ID == cw.cycle })
		if want := a == admin || a == supervisor || a == principalA || a == coach; got != want {
			t.Errorf("%s sees A1's cycle: %v, want %v", a, got, want)
		}
		for _, c := range l.Items {
			if a != admin && a != otherAdmin && c.SchoolID != w.schoolA1 {
				t.Errorf("%s sees a cycle at school %s", a, c.SchoolID)
			}
		}
	}
	hour := map[actor]int{}
	for i, a := range actors {
		hour[a] = i
	}
	return map[string][]probe{
		"GET /api/v1/cycles": {{name: "list", method: "GET", path: "/api/v1/cycles", want: signedIn(ok, nil), check: seesCycle}},
		"POST /api/v1/cycles": {{name: "open at A1", method: "POST", path: "/api/v1/cycles",
			body: map[string]any{"school_id": w.schoolA1, "coach_id": w.users[coach].ID, "teacher_ids": []string{w.teacherA1},
				"focus_indicator_key": focusKey, "focus_shift": "Students explain their thinking"},
			// District B's administrator names district A's coach and teacher: unknown there.
			want: signedIn(forbidden, map[actor]int{admin: created, supervisor: created, principalA: created, coach: created, otherAdmin: invalid})}},
		"GET /api/v1/cycles/:id": {{name: "A1's cycle", method: "GET", path: "/api/v1/cycles/" + cw.cycle, want: runsA1(ok)}},
		"PATCH /api/v1/cycles/:id": {{name: "A1's cycle", method: "PATCH", path: "/api/v1/cycles/" + cw.cycle,
			body: map[string]any{"focus_shift": "Warm, respectful talk between students"},
			want: runsA1(ok)}},
		"POST /api/v1/cycles/:id/activities": {{name: "A1's cycle", method: "POST", path: "/api/v1/cycles/" + cw.cycle + "/activities",
			body: map[string]any{"kind": "one_on_one", "occurred_on": "2026-01-05", "notes": "Planned the next lesson together."},
			want: runsA1(created)}},
		"POST /api/v1/cycles/:id/followups": {{name: "A1's cycle", method: "POST", path: "/api/v1/cycles/" + cw.cycle + "/followups",
			body: func(a actor) any {
				// Each actor books another hour, so that no booking clashes with the last.
				s := w.clock.now.Add(60 * 24 * time.Hour).Truncate(time.Hour).Add(time.Duration(hour[a]) * time.Hour)
				return map[string]any{"teacher_id": w.teacherA1, "starts_at": s, "ends_at": s.Add(30 * time.Minute)}
			},
			want: runsA1(created)}},
		"GET /api/v1/cycles/:id/evidence": {{name: "A1's cycle", method: "GET", path: "/api/v1/cycles/" + cw.cycle + "/evidence",
			// Teacher-level evidence: supervisors read school-level data only.
			want: signedIn(notFound, map[actor]int{admin: ok, supervisor: forbidden, principalA: ok, coach: ok})}},
		"GET /api/v1/followups": {{name: "mine, by next week", method: "GET", path: "/api/v1/followups?due=next_week&mine=true", want: signedIn(ok, nil),
			check: func(t *testing.T, w *world, a actor, r response) {
				var l listResponse[followUpResponse]
				r.decode(t, &l)
				for _, f := range l.Items {
					if !slices.Contains(f.ObserverIDs, w.users[a].ID) && a != coach {
						t.Errorf("%s's due list holds a follow-up they are not invited to", a)
					}
				}
			}}},
		"PATCH /api/v1/followups/:id": {{name: "A1's follow-up", method: "PATCH", path: "/api/v1/followups/" + cw.followUp,
			body: map[string]any{"notes": "Bring the tally sheet."}, want: runsA1(ok)}},
		"GET /api/v1/coaches/workload": {{name: "workload", method: "GET", path: "/api/v1/coaches/workload",
			want: signedIn(ok, map[actor]int{observer: forbidden, teacher: forbidden}),
			check: func(t *testing.T, w *world, a actor, r response) {
				var res workloadResponse
				r.decode(t, &res)
				got := slices.ContainsFunc(res.Items, func(i workloadItem) bool { return i.CoachID == w.users[coach].ID && i.OpenCycles > 0 })
				if want := a != otherAdmin; got != want {
					t.Errorf("%s sees the coach's workload: %v, want %v (%s)", a, got, want, r.Body)
				}
			}}},
		"GET /api/v1/reports/cycle-effectiveness": {{name: "report", method: "GET", path: "/api/v1/reports/cycle-effectiveness",
			want: signedIn(ok, map[actor]int{observer: forbidden, teacher: forbidden})}},
		"GET /api/v1/me/calendar":  {{name: "own feed", method: "GET", path: "/api/v1/me/calendar", want: signedIn(ok, nil)}},
		"POST /api/v1/me/calendar": {{name: "reset own feed", method: "POST", path: "/api/v1/me/calendar", want: signedIn(created, nil)}},
		"GET /api/v1/calendar/:file": {
			{name: "the coach's feed", method: "GET", path: cw.calendarPath, want: statuses(ok, nil)},
			{name: "a guessed secret", method: "GET", path: "/api/v1/calendar/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics", want: statuses(notFound, nil)},
		},
	}
}
