package httpapi

import (
	"context"
	"net/http"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// putRequest stores a support request the principal asked for at school
// A1 for teacher A1.
func (w *world) putRequest(r domain.SupportRequest) string {
	w.t.Helper()
	ctx := context.Background()
	if r.ID == "" {
		r.ID = domain.NewID()
	}
	if r.DistrictID == "" {
		r.DistrictID, r.SchoolID, r.RequesterID = w.districtA, w.schoolA1, w.users[principalA].ID
		r.TeacherIDs, r.IndicatorKeys, r.Reason = []string{w.teacherA1}, []string{focusKey}, "Talk between students is rarely respectful."
	}
	if r.Status == "" {
		r.Status = domain.SupportOpen
	}
	if r.Rev == 0 {
		r.Rev = 1
	}
	if err := w.store.InTx(ctx, func(tx *store.Tx) error { return tx.PutSupportRequest(ctx, r) }); err != nil {
		w.t.Fatal(err)
	}
	return r.ID
}

// requestRev is the support request's revision now.
func (w *world) requestRev(id string) int64 {
	w.t.Helper()
	var rev int64
	err := w.store.ReadTx(context.Background(), func(tx *store.Tx) error {
		rs, err := tx.SupportRequests(context.Background(), w.districtA, []string{id})
		if err == nil && len(rs) == 1 {
			rev = rs[0].Rev
		}
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return rev
}

// supportMatrix is the authorization matrix's rows for the teacher view
// and support requests.
func supportMatrix(w *world) map[string][]probe {
	ok, created, notFound, forbidden, invalid := http.StatusOK, http.StatusCreated, http.StatusNotFound, http.StatusForbidden, http.StatusUnprocessableEntity
	asked := w.putRequest(domain.SupportRequest{})
	// Those who may see teachers see the view of their schools; a
	// supervisor never does, whatever they ask.
	seesTeachers := map[actor]int{supervisor: forbidden, observer: forbidden, teacher: forbidden}
	return map[string][]probe{
		"GET /api/v1/teacher-view": {
			{name: "own schools", method: "GET", path: "/api/v1/teacher-view?from=2026-01-01&to=2027-01-01", want: signedIn(ok, seesTeachers),
				check: func(t *testing.T, w *world, a actor, r response) {
					var v teacherViewResponse
					r.decode(t, &v)
					for _, row := range v.Items {
						if a != admin && a != otherAdmin && row.Teacher.SchoolID != w.schoolA1 {
							t.Errorf("%s sees teacher %s of school %s", a, row.Teacher.ID, row.Teacher.SchoolID)
						}
						if a == otherAdmin && row.Teacher.SchoolID != w.schoolB1 {
							t.Errorf("district B's administrator sees a teacher of district A")
						}
					}
				}},
			{name: "school A1", method: "GET", path: "/api/v1/teacher-view?school_id=" + w.schoolA1,
				want: signedIn(ok, map[actor]int{supervisor: forbidden, observer: forbidden, teacher: forbidden, otherAdmin: notFound})},
			{name: "school A2", method: "GET", path: "/api/v1/teacher-view?school_id=" + w.schoolA2,
				want: signedIn(notFound, map[actor]int{admin: ok, supervisor: forbidden, observer: forbidden, teacher: forbidden})},
		},
		"GET /api/v1/support-requests": {{name: "list", method: "GET", path: "/api/v1/support-requests", want: signedIn(ok, nil),
			check: func(t *testing.T, w *world, a actor, r response) {
				var l listResponse[supportRequestResponse]
				r.decode(t, &l)
				found := false
				for _, it := range l.Items {
					found = found || it.ID == asked
					if a != admin && a != otherAdmin && it.SchoolID != w.schoolA1 {
						t.Errorf("%s sees a request at school %s", a, it.SchoolID)
					}
					if a == supervisor && len(it.TeacherIDs) > 0 {
						t.Errorf("a supervisor reads which teachers a request names")
					}
					if (a == admin) != (it.Coaches != nil) {
						t.Errorf("%s reads coach workload beside a request: %v", a, it.Coaches != nil)
					}
				}
				if want := a == admin || a == supervisor || a == principalA; found != want {
					t.Errorf("%s sees the principal's request: %v, want %v", a, found, want)
				}
			}}},
		"POST /api/v1/support-requests": {
			{name: "for A1 as a whole", method: "POST", path: "/api/v1/support-requests",
				body: map[string]any{"school_id": w.schoolA1, "teacher_ids": []string{}, "indicator_keys": []string{focusKey},
					"reason": "Engagement is flat since fall.", "source": "heat_map"},
				// District B's administrator names a school of district A: unknown there.
				want: signedIn(forbidden, map[actor]int{admin: created, supervisor: created, principalA: created, otherAdmin: invalid})},
			{name: "for teacher A1", method: "POST", path: "/api/v1/support-requests",
				body: map[string]any{"school_id": w.schoolA1, "teacher_ids": []string{w.teacherA1}, "indicator_keys": []string{focusKey},
					"reason": "Respectful talk is rare in this room.", "source": "teacher_view"},
				// A supervisor may not see teachers, so may not name them.
				want: signedIn(forbidden, map[actor]int{admin: created, supervisor: invalid, principalA: created, otherAdmin: invalid})},
		},
		"GET /api/v1/support-requests/:id": {{name: "the principal's request", method: "GET", path: "/api/v1/support-requests/" + asked,
			want: signedIn(notFound, map[actor]int{admin: ok, supervisor: ok, principalA: ok})}},
		"PATCH /api/v1/support-requests/:id": {{name: "assign the coach", method: "PATCH", path: "/api/v1/support-requests/" + asked,
			body: func(a actor) any {
				return map[string]any{"status": "assigned", "coach_id": w.users[coach].ID, "rev": w.requestRev(asked)}
			},
			// Only whoever assigns coaches decides; the requester, the
			// supervisor and the coach (assigned by the administrator's
			// request, which runs first) read it but may not.
			want: signedIn(notFound, map[actor]int{admin: ok, supervisor: forbidden, principalA: forbidden, coach: forbidden})}},
	}
}
