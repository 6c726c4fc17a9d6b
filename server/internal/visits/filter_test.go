package visits_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
	"github.com/walkthrough-edu/walkthrough/server/internal/visits"
)

// A trend's cell names a kind, a grade band and a subject; the observations
// behind it are listed with the same filters.
func TestObservationsFilterAsTrendsDo(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		district, school := domain.NewID(), domain.NewID()
		teacher := domain.Teacher{ID: domain.NewID(), DistrictID: district, SchoolID: school, FamilyName: "Rivera", Active: true}
		sup := domain.User{ID: domain.NewID(), DistrictID: district, Email: "s@example.org", Name: "S", Active: true,
			Grants: []domain.RoleGrant{{Role: domain.RoleSupervisor, SchoolID: school}}}
		coach := domain.User{ID: domain.NewID(), DistrictID: district, Email: "c@example.org", Name: "C", Active: true,
			Grants: []domain.RoleGrant{{Role: domain.RoleCoach, SchoolID: school}}}
		v := domain.BuiltinFramework()
		v.ID, v.RubricID, v.DistrictID, v.Status = domain.NewID(), domain.NewID(), district, domain.RubricPublished
		level := 2
		type spec struct {
			kind           domain.WalkthroughKind
			grade, subject string
		}
		specs := []spec{
			{domain.KindClassroom, "3", "Mathematics"},
			{domain.KindClassroom, "K", "Mathematics"},
			{domain.KindLeadership, "4", "ELA"},
			{domain.KindClassroom, "5", "ELA"},
		}
		ids := make([]string, len(specs))
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateDistrict(ctx, domain.District{ID: district, Name: "D", TimeZone: "UTC", Settings: everyPeriodKept()}); err != nil {
				return err
			}
			if err := tx.CreateSchool(ctx, domain.School{ID: school, DistrictID: district, Name: "S", Active: true}); err != nil {
				return err
			}
			if err := tx.CreateTeachers(ctx, []domain.Teacher{teacher}); err != nil {
				return err
			}
			for _, u := range []domain.User{sup, coach} {
				if err := tx.CreateUser(ctx, u); err != nil {
					return err
				}
			}
			if err := tx.CreateRubricVersion(ctx, v); err != nil {
				return err
			}
			for i, sp := range specs {
				ids[i] = domain.NewID()
				o := domain.Observation{ID: ids[i], DistrictID: district, SchoolID: school, TeacherID: teacher.ID, ObserverID: coach.ID,
					RubricVersionID: v.ID, Kind: sp.kind, Grade: sp.grade, Subject: sp.subject, Status: domain.ObservationSubmitted,
					StartedAt: time.Now().Add(-time.Duration(i+1) * time.Hour), Rev: 1,
					Scores: []domain.Score{{IndicatorKey: "academic_discourse", Level: &level}}}
				if err := tx.PutObservation(ctx, o); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		svc := visits.NewService(s)
		list := func(q visits.ObservationQuery) []string {
			t.Helper()
			os, err := svc.Observations(ctx, auth.Principal{User: sup}, q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range os {
				got = append(got, o.ID)
			}
			sort.Strings(got)
			return got
		}
		want := func(idx ...int) []string {
			var w []string
			for _, i := range idx {
				w = append(w, ids[i])
			}
			sort.Strings(w)
			return w
		}
		cases := []struct {
			name string
			q    visits.ObservationQuery
			want []string
		}{
			{"kind", visits.ObservationQuery{Kind: "classroom"}, want(0, 1, 3)},
			{"grade band", visits.ObservationQuery{GradeBand: domain.GradeBandUpper}, want(0, 2, 3)},
			{"subject", visits.ObservationQuery{Subject: "ELA"}, want(2, 3)},
			{"all three", visits.ObservationQuery{Kind: "classroom", GradeBand: domain.GradeBandUpper, Subject: "ELA"}, want(3)},
			{"none match", visits.ObservationQuery{Kind: "informal"}, nil},
		}
		for _, c := range cases {
			if got := list(c.q); len(got) != len(c.want) || (len(got) > 0 && !equal(got, c.want)) {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
		}
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
