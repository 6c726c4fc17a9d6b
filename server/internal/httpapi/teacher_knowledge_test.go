package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// TestWhatARoleMayKnowOfATeacher holds one rule wherever a teacher shows:
// coverage names teachers with the exact time of their last visit, so it
// is for the schools whose teachers the caller sees. A principal reads it
// for their school, and nothing of another school: not its coverage, its
// observations or its cycles' evidence. A supervisor, who reads school
// figures, gets no teacher's name, id or visit time from coverage or a
// cycle's evidence, and the observations they drill into carry no
// teacher. Every refusal carries nothing of the record.
func TestWhatARoleMayKnowOfATeacher(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		// A visit at each school at a minute no other record has, and a
		// cycle at each school.
		visitA1 := time.Date(2027, 2, 3, 14, 37, 0, 0, time.UTC)
		visitA2 := time.Date(2027, 2, 4, 15, 41, 0, 0, time.UTC)
		obsA1, obsA2 := domain.NewID(), domain.NewID()
		cycleA1, cycleA2 := domain.NewID(), domain.NewID()
		level := 3
		err := w.store.InTx(ctx, func(tx *store.Tx) error {
			for _, o := range []struct{ id, school, teacher string }{{obsA1, w.schoolA1, w.teacherA1}, {obsA2, w.schoolA2, w.teacherA2}} {
				at := visitA1
				if o.id == obsA2 {
					at = visitA2
				}
				if err := tx.PutObservation(ctx, domain.Observation{ID: o.id, DistrictID: w.districtA, SchoolID: o.school, TeacherID: o.teacher,
					ObserverID: w.users[admin].ID, RubricVersionID: w.rubricA, Kind: domain.KindClassroom, Status: domain.ObservationSubmitted,
					StartedAt: at, ReceivedAt: at, Rev: 1, Scores: []domain.Score{{IndicatorKey: focusKey, Level: &level}}}); err != nil {
					return err
				}
			}
			for _, c := range []struct{ id, school, teacher string }{{cycleA1, w.schoolA1, w.teacherA1}, {cycleA2, w.schoolA2, w.teacherA2}} {
				if err := tx.PutCycle(ctx, domain.Cycle{ID: c.id, DistrictID: w.districtA, SchoolID: c.school, CoachID: w.users[admin].ID,
					TeacherIDs: []string{c.teacher}, FocusIndicatorKey: focusKey, Status: domain.CycleActive, Rev: 1}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// What would give a teacher away: their names, ids and the minutes
		// of their visits, in any form the API writes a time.
		secretsOf := map[string][]string{
			w.schoolA1: {"Rivera", w.teacherA1, visitA1.Format("2006-01-02T15:04"), visitA1.In(chicago(t)).Format("2006-01-02T15:04")},
			w.schoolA2: {"Okafor", w.teacherA2, visitA2.Format("2006-01-02T15:04"), visitA2.In(chicago(t)).Format("2006-01-02T15:04")},
		}
		tells := func(body string, school string) string {
			for _, s := range secretsOf[school] {
				if strings.Contains(body, s) {
					return s
				}
			}
			return ""
		}
		type probe struct {
			who    actor
			path   string
			status int
			hidden string // the school whose teachers the answer must not show
		}
		coverage := "/api/v1/coverage?from=2027-03-01"
		for _, p := range []probe{
			{supervisor, coverage, http.StatusForbidden, w.schoolA1},
			{supervisor, coverage + "&school_id=" + w.schoolA1, http.StatusForbidden, w.schoolA1},
			{supervisor, "/api/v1/cycles/" + cycleA1 + "/evidence", http.StatusForbidden, w.schoolA1},
			// One visit is a school period below the minimum: not opened.
			{supervisor, "/api/v1/observations/" + obsA1, http.StatusNotFound, w.schoolA1},
			{supervisor, "/api/v1/observations?school_id=" + w.schoolA1, http.StatusOK, w.schoolA1},
			{supervisor, "/api/v1/observations/" + obsA2, http.StatusNotFound, w.schoolA2},
			{supervisor, "/api/v1/cycles/" + cycleA2 + "/evidence", http.StatusNotFound, w.schoolA2},
			{principalA, coverage, http.StatusOK, w.schoolA2},
			{principalA, coverage + "&school_id=" + w.schoolA2, http.StatusNotFound, w.schoolA2},
			{principalA, "/api/v1/observations/" + obsA2, http.StatusNotFound, w.schoolA2},
			{principalA, "/api/v1/observations", http.StatusOK, w.schoolA2},
			{principalA, "/api/v1/cycles/" + cycleA2, http.StatusNotFound, w.schoolA2},
			{principalA, "/api/v1/cycles/" + cycleA2 + "/evidence", http.StatusNotFound, w.schoolA2},
		} {
			r := w.do(p.who, "GET", p.path, nil)
			if r.Code != p.status {
				t.Errorf("%s GET %s: %d, want %d: %s", p.who, p.path, r.Code, p.status, r.Body)
			}
			if s := tells(r.Body.String(), p.hidden); s != "" {
				t.Errorf("%s GET %s gives away %q: %s", p.who, p.path, s, r.Body)
			}
		}
		// With every school period kept, the supervisor opens the visit
		// (school-level evidence), without its teacher.
		w.keepEveryPeriod()
		if r := w.do(supervisor, "GET", "/api/v1/observations/"+obsA1, nil); r.Code != 200 || strings.Contains(r.Body.String(), "Rivera") || strings.Contains(r.Body.String(), w.teacherA1) {
			t.Errorf("the supervisor's observation: %d %s", r.Code, r.Body)
		}
		// The same questions answer where the role may know: the principal's
		// coverage names the school's teacher with the exact time of the
		// visit, so the probes above could have caught a leak.
		r := w.do(principalA, "GET", coverage, nil)
		var l listResponse[coverageItem]
		r.decode(t, &l)
		found := false
		for _, it := range l.Items {
			if it.Teacher.ID == w.teacherA1 {
				found = it.LastObserved != nil && it.LastObserved.Equal(visitA1)
			}
		}
		if !found || !strings.Contains(r.Body.String(), "Rivera") {
			t.Errorf("the principal's coverage does not name their teacher with the time of the last visit: %s", r.Body)
		}
		if r := w.do(admin, "GET", "/api/v1/observations/"+obsA2, nil); r.Code != 200 || tells(r.Body.String(), w.schoolA2) == "" {
			t.Errorf("the administrator's observation does not name its teacher: %d %s", r.Code, r.Body)
		}
	})
}

func chicago(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
