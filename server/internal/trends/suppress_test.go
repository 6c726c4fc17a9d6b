package trends_test

import (
	"context"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
)

// smallWorld is a district with a minimum cell of 5 and schools S1 (3
// observations in one week), S2 (10), S4 (1) and S3 (6, outside the
// supervisor's scope).
type smallWorld struct {
	district                     string
	s1, s2, s3, s4               string
	supervisor, principal, coach auth.Principal
}

func newSmallWorld(t *testing.T, s *store.Store) smallWorld {
	t.Helper()
	ctx := context.Background()
	w := smallWorld{district: domain.NewID(), s1: domain.NewID(), s2: domain.NewID(), s3: domain.NewID(), s4: domain.NewID()}
	user := func(grants ...domain.RoleGrant) domain.User {
		return domain.User{ID: domain.NewID(), DistrictID: w.district, Email: domain.NewID()[24:] + "@example.org", Name: "U", Active: true, Grants: grants}
	}
	sup := user(domain.RoleGrant{Role: domain.RoleSupervisor, SchoolID: w.s1}, domain.RoleGrant{Role: domain.RoleSupervisor, SchoolID: w.s2}, domain.RoleGrant{Role: domain.RoleSupervisor, SchoolID: w.s4})
	pri := user(domain.RoleGrant{Role: domain.RolePrincipal, SchoolID: w.s1})
	coach := user(domain.RoleGrant{Role: domain.RoleCoach, SchoolID: w.s1}, domain.RoleGrant{Role: domain.RoleCoach, SchoolID: w.s2}, domain.RoleGrant{Role: domain.RoleCoach, SchoolID: w.s3})
	w.supervisor, w.principal, w.coach = auth.Principal{User: sup}, auth.Principal{User: pri}, auth.Principal{User: coach}
	v := domain.BuiltinFramework()
	v.ID, v.RubricID, v.DistrictID, v.Status = domain.NewID(), domain.NewID(), w.district, domain.RubricPublished
	monday := time.Date(2026, 10, 5, 15, 0, 0, 0, time.UTC)
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateDistrict(ctx, domain.District{ID: w.district, Name: "Small", TimeZone: "UTC", Settings: domain.DefaultDistrictSettings()}); err != nil {
			return err
		}
		for i, id := range []string{w.s1, w.s2, w.s3, w.s4} {
			if err := tx.CreateSchool(ctx, domain.School{ID: id, DistrictID: w.district, Name: "School " + string(rune('1'+i)), Active: true}); err != nil {
				return err
			}
		}
		for _, u := range []domain.User{sup, pri, coach} {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		if err := tx.CreateRubricVersion(ctx, v); err != nil {
			return err
		}
		for school, n := range map[string]int{w.s1: 3, w.s2: 10, w.s3: 6, w.s4: 1} {
			teacher := domain.Teacher{ID: domain.NewID(), DistrictID: w.district, SchoolID: school, FamilyName: "T", Active: true}
			if err := tx.CreateTeachers(ctx, []domain.Teacher{teacher}); err != nil {
				return err
			}
			for i := range n {
				level := 1 + i%4
				o := domain.Observation{ID: domain.NewID(), DistrictID: w.district, SchoolID: school, TeacherID: teacher.ID, ObserverID: coach.ID,
					RubricVersionID: v.ID, Kind: domain.KindClassroom, Status: domain.ObservationSubmitted, StartedAt: monday.Add(time.Duration(i) * time.Hour),
					Rev: 1, Scores: []domain.Score{{IndicatorKey: "respectful_relationships", Level: &level}}}
				if err := tx.PutObservation(ctx, o); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestSmallCellsAreSuppressedForRolesThatMayNotSeeTeachers(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		w := newSmallWorld(t, s)
		svc := trends.NewService(s)
		q := trends.Query{From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Group: []string{"school"}}
		byschool := func(r trends.Result) map[string]trends.Cell {
			m := map[string]trends.Cell{}
			for _, c := range r.Cells {
				m[c.Group["school"]] = c
			}
			return m
		}

		sup, err := svc.Trend(ctx, w.supervisor, q)
		if err != nil {
			t.Fatal(err)
		}
		cells := byschool(sup)
		if _, ok := cells[w.s3]; ok {
			t.Fatal("the supervisor sees a school outside their assignment")
		}
		if c := cells[w.s1]; !c.Suppressed || c.Mean != nil || c.Levels != (trends.Levels{}) || c.Observations != nil {
			t.Fatalf("the 3-observation cell is not suppressed: %+v", c)
		}
		if c := cells[w.s4]; !c.Suppressed {
			t.Fatalf("the 1-observation cell is not suppressed: %+v", c)
		}
		// S2 shown would give S1 and S4 away together (4 observations): the
		// supervisor's own total (14) less S2 (10), or the district's (20)
		// less S2 and S3.
		if c := cells[w.s2]; !c.Suppressed {
			t.Fatalf("S2's cell would let S1's and S4's be recovered from a total: %+v", c)
		}
		// The same query without the school grouping (the level bars beside
		// the heat map) less the school cells shown gives away nothing small.
		whole := q
		whole.Group = nil
		tot, err := svc.Trend(ctx, w.supervisor, whole)
		if err != nil {
			t.Fatal(err)
		}
		if len(tot.Cells) != 1 || tot.Cells[0].Suppressed || tot.Cells[0].Observations == nil || *tot.Cells[0].Observations != 14 {
			t.Fatalf("the supervisor's schools together: %+v", tot.Cells)
		}
		left := *tot.Cells[0].Observations
		for _, c := range sup.Cells {
			if !c.Suppressed {
				left -= *c.Observations
			}
		}
		if left > 0 && left < 5 {
			t.Fatalf("the total less the cells shown gives away %d observations", left)
		}
		if len(sup.District) != 1 || sup.District[0].Observations == nil || *sup.District[0].Observations != 20 {
			t.Fatalf("district figure: %+v", sup.District)
		}

		pri, err := svc.Trend(ctx, w.principal, q)
		if err != nil {
			t.Fatal(err)
		}
		if c := byschool(pri)[w.s1]; c.Suppressed || c.Observations == nil || *c.Observations != 3 {
			t.Fatalf("the principal must see their own school's small cell: %+v", c)
		}
		if len(pri.Cells) != 1 {
			t.Fatalf("the principal sees other schools: %+v", pri.Cells)
		}

		if _, err := svc.Trend(ctx, auth.Principal{User: domain.User{ID: domain.NewID(), DistrictID: w.district,
			Grants: []domain.RoleGrant{{Role: domain.RoleObserver, SchoolID: w.s1}}}}, q); domain.ErrorCode(err) != domain.EForbidden {
			t.Fatalf("an observer may read trends: %v", err)
		}
	})
}
