package visits_test

import (
	"context"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
	"github.com/walkthrough-edu/walkthrough/server/internal/visits"
)

func TestSupervisorsReadEvidenceWithoutTheTeacher(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		district, school := domain.NewID(), domain.NewID()
		teacher := domain.Teacher{ID: domain.NewID(), DistrictID: district, SchoolID: school, FamilyName: "Rivera", Active: true}
		mk := func(role domain.Role, email string) domain.User {
			return domain.User{ID: domain.NewID(), DistrictID: district, Email: email, Name: email, Active: true,
				Grants: []domain.RoleGrant{{Role: role, SchoolID: school}}}
		}
		coach, sup, pri := mk(domain.RoleCoach, "c@example.org"), mk(domain.RoleSupervisor, "s@example.org"), mk(domain.RolePrincipal, "p@example.org")
		v := domain.BuiltinFramework()
		v.ID, v.RubricID, v.DistrictID, v.Status = domain.NewID(), domain.NewID(), district, domain.RubricPublished
		level := 3
		o := domain.Observation{ID: domain.NewID(), DistrictID: district, SchoolID: school, TeacherID: teacher.ID, ObserverID: coach.ID,
			RubricVersionID: v.ID, Kind: domain.KindClassroom, Status: domain.ObservationSubmitted, StartedAt: time.Now().Add(-time.Hour), Rev: 1,
			Evidence: "Students compared two strategies.", Scores: []domain.Score{{IndicatorKey: "academic_discourse", Level: &level}}}
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
			for _, u := range []domain.User{coach, sup, pri} {
				if err := tx.CreateUser(ctx, u); err != nil {
					return err
				}
			}
			if err := tx.CreateRubricVersion(ctx, v); err != nil {
				return err
			}
			return tx.PutObservation(ctx, o)
		})
		if err != nil {
			t.Fatal(err)
		}
		svc := visits.NewService(s)
		got, err := svc.Observation(ctx, auth.Principal{User: sup}, o.ID)
		if err != nil || got.TeacherID != "" || got.Evidence != o.Evidence {
			t.Fatalf("supervisor: %+v %v", got, err)
		}
		list, err := svc.Observations(ctx, auth.Principal{User: sup}, visits.ObservationQuery{})
		if err != nil || len(list) != 1 || list[0].TeacherID != "" {
			t.Fatalf("supervisor's list: %+v %v", list, err)
		}
		if _, err := svc.Observations(ctx, auth.Principal{User: sup}, visits.ObservationQuery{TeacherIDs: []string{teacher.ID}}); domain.ErrorCode(err) != domain.ENotFound {
			t.Fatalf("a supervisor filtered by teacher: %v", err)
		}
		got, err = svc.Observation(ctx, auth.Principal{User: pri}, o.ID)
		if err != nil || got.TeacherID != teacher.ID {
			t.Fatalf("principal: %+v %v", got, err)
		}
	})
}
