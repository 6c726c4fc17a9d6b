package trends_test

import (
	"context"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
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
