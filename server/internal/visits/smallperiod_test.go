package visits_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
	"github.com/walkthrough-edu/walkthrough/server/internal/visits"
)

// everyPeriodKept is the district settings with a minimum of one
// observation, so that a test of something else sees every observation.
func everyPeriodKept() domain.DistrictSettings {
	s := domain.DefaultDistrictSettings()
	s.MinCellSize = 1
	return s
}

// A supervisor's drill-down lists only the observations of the school
// periods the trend counts: a week with fewer observations than the
// district's minimum is left out of the list and of a read by id, as it is
// left out of the cell, while the principal, who sees the teachers, reads
// all of them.
func TestDrillDownLeavesOutTheSmallPeriodsTheCellLeavesOut(t *testing.T) {
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
		settings := domain.DefaultDistrictSettings() // a minimum of 5
		// Week one (Monday 2025-09-08) has five observations, week two two.
		week1, week2 := time.Date(2025, 9, 8, 14, 0, 0, 0, time.UTC), time.Date(2025, 9, 15, 14, 0, 0, 0, time.UTC)
		var large, small []string
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateDistrict(ctx, domain.District{ID: district, Name: "D", TimeZone: "UTC", Settings: settings}); err != nil {
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
			for i := range 7 {
				at, ids := week1.Add(time.Duration(i)*time.Hour), &large
				if i >= 5 {
					at, ids = week2.Add(time.Duration(i)*time.Hour), &small
				}
				level := 1 + i%4
				o := domain.Observation{ID: domain.NewID(), DistrictID: district, SchoolID: school, TeacherID: teacher.ID, ObserverID: coach.ID,
					RubricVersionID: v.ID, Kind: domain.KindClassroom, Status: domain.ObservationSubmitted, StartedAt: at, Rev: 1,
					Scores: []domain.Score{{IndicatorKey: "academic_discourse", Level: &level}}}
				if err := tx.PutObservation(ctx, o); err != nil {
					return err
				}
				*ids = append(*ids, o.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		svc := visits.NewService(s)
		from, to := time.Date(2025, 9, 8, 0, 0, 0, 0, time.UTC), time.Date(2025, 9, 22, 0, 0, 0, 0, time.UTC)
		listed := func(p auth.Principal, limit int) []string {
			t.Helper()
			os, err := svc.Observations(ctx, p, visits.ObservationQuery{From: from, To: to, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, o := range os {
				ids = append(ids, o.ID)
			}
			slices.Sort(ids)
			return ids
		}
		want := slices.Sorted(slices.Values(large))
		if got := listed(auth.Principal{User: sup}, 100); !slices.Equal(got, want) {
			t.Fatalf("the supervisor's drill-down lists %v, want the large week's %v", got, want)
		}
		// Paging past the small week still fills a page: the newest two
		// (the small week's) are left out, the page has three of the others.
		if got := listed(auth.Principal{User: sup}, 3); len(got) != 3 || slices.ContainsFunc(got, func(id string) bool { return slices.Contains(small, id) }) {
			t.Fatalf("a page of three for the supervisor: %v (small week %v)", got, small)
		}
		for _, id := range small {
			if _, err := svc.Observation(ctx, auth.Principal{User: sup}, id); domain.ErrorCode(err) != domain.ENotFound {
				t.Fatalf("the supervisor read an observation of the small week by id: %v", err)
			}
		}
		if _, err := svc.Observation(ctx, auth.Principal{User: sup}, large[0]); err != nil {
			t.Fatalf("the supervisor reads an observation of the large week: %v", err)
		}
		if got := listed(auth.Principal{User: pri}, 100); len(got) != 7 {
			t.Fatalf("the principal lists %d observations, want all 7", len(got))
		}
		// The supervisor's heat-map cell counts what the drill-down lists.
		res, err := trends.NewService(s).Trend(ctx, auth.Principal{User: sup}, trends.Query{From: from, To: to, Bucket: "range", Group: []string{"school", "dimension"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Cells) != 1 {
			t.Fatalf("the supervisor's heat map has %d cells, want the one dimension scored", len(res.Cells))
		}
		cell := res.Cells[0]
		if cell.Observations == nil || *cell.Observations != int64(len(want)) || cell.LeftOut != 1 {
			t.Fatalf("the supervisor's cell: %+v, want %d observations and one period left out", cell, len(want))
		}
	})
}
