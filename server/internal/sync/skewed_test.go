package sync_test

import (
	"context"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
)

// TestSkewedObservationCountsInItsRealWeek pushes an observation from a
// tablet whose clock is a year ahead: it is kept with the device's start,
// counted in the week it really happened, and the week a year away has
// nothing. Amending it from the tablet after its clock was put right, and
// deleting it, take from the week it was added to; an observation from a
// right clock is counted at its own start.
func TestSkewedObservationCountsInItsRealWeek(t *testing.T) {
	const year = 365 * 24 * time.Hour
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f, err := newFixture(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		f.serverNow = now
		d, err := s.District(ctx, f.district)
		if err != nil {
			t.Fatal(err)
		}
		loc := d.Location()
		rubric := f.rubrics[0]
		school := f.schools[0]
		level := rubric.levels[2]
		obs := func(started time.Time) observation {
			return observation{School: school, Teacher: f.teachers[school][0], Rubric: rubric.id, Kind: string(domain.KindClassroom),
				Grade: "3", Subject: "Mathematics", Status: string(domain.ObservationSubmitted), StartedAt: started,
				Scores: []domain.Score{{IndicatorKey: rubric.keys[0], Level: &level}}}
		}
		// observationsIn counts the submitted observations a weekly trend
		// of the school gives the week that starts at week.
		observationsIn := func(week time.Time) int64 {
			t.Helper()
			from := time.Date(week.Year(), week.Month(), week.Day(), 0, 0, 0, 0, time.UTC)
			res, err := trends.NewService(s).Trend(ctx, auth.SystemPrincipal(f.district), trends.Query{From: from, To: from.AddDate(0, 0, 7),
				Bucket: "week", Group: []string{"school"}, SchoolIDs: []string{school}, RubricID: rubric.rubric})
			if err != nil {
				t.Fatal(err)
			}
			var n int64
			for _, c := range res.Cells {
				if c.Observations != nil {
					n += *c.Observations
				}
			}
			return n
		}
		checkRollups := func(when string) {
			t.Helper()
			if err := s.CheckRollups(ctx, f.district); err != nil {
				t.Fatalf("%s: rollups differ from the recomputation: %v", when, err)
			}
		}
		mustApply := func(res []sync.Result, err error) []sync.Result {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Status != sync.StatusApplied {
					t.Fatalf("push: %+v", r)
				}
			}
			return res
		}

		// The visit was two days ago; the tablet's clock says a year later.
		real := now.Add(-2 * 24 * time.Hour).Add(-3 * time.Hour)
		device := real.Add(year)
		realWeek, deviceWeek := domain.WeekStart(real, loc), domain.WeekStart(device, loc)
		tablet, deviceNow := domain.NewID(), now.Add(year)
		skewed := domain.NewID()
		mustApply(f.pushAt(ctx, tablet, &deviceNow, f.upsert(skewed, 0, obs(device))))

		got, err := s.Observation(ctx, f.district, skewed)
		if err != nil {
			t.Fatal(err)
		}
		if !got.StartedAt.Equal(device) || !got.CountedAt.Equal(real) || !got.ClockSkewed || got.ReceivedAt.Before(now) {
			t.Fatalf("stored started %v counted %v skewed %v received %v; want started %v counted %v skewed",
				got.StartedAt, got.CountedAt, got.ClockSkewed, got.ReceivedAt, device, real)
		}
		if n := observationsIn(realWeek); n != 1 {
			t.Errorf("the week it happened counts %d observations, want 1", n)
		}
		if n := observationsIn(deviceWeek); n != 0 {
			t.Errorf("the week a year away counts %d observations, want 0", n)
		}
		checkRollups("after the push")

		// An observation from a right clock is counted at its own start.
		right := now.Add(-20 * 24 * time.Hour)
		plain := domain.NewID()
		mustApply(f.pushAt(ctx, domain.NewID(), &now, f.upsert(plain, 0, obs(right))))
		if got, err := s.Observation(ctx, f.district, plain); err != nil || !got.StartedAt.Equal(right) || !got.CountedAt.Equal(right) || got.ClockSkewed {
			t.Fatalf("an observation from a right clock: started %v counted %v skewed %v (%v)", got.StartedAt, got.CountedAt, got.ClockSkewed, err)
		}

		// The tablet's clock is put right (and it is an older client that
		// does not stamp its pushes); it amends the observation, whose
		// start it still holds: nothing moves between weeks.
		amended := obs(device)
		higher := rubric.levels[3]
		amended.Scores = append(amended.Scores, domain.Score{IndicatorKey: rubric.keys[1], Level: &higher})
		mustApply(f.pushAt(ctx, tablet, nil, f.upsert(skewed, 1, amended)))
		if got, err := s.Observation(ctx, f.district, skewed); err != nil || !got.CountedAt.Equal(real) || !got.ClockSkewed || len(got.Scores) != 2 {
			t.Fatalf("after the amend: counted %v skewed %v, %d scores (%v)", got.CountedAt, got.ClockSkewed, len(got.Scores), err)
		}
		if n, m := observationsIn(realWeek), observationsIn(deviceWeek); n != 1 || m != 0 {
			t.Errorf("after the amend the week it happened counts %d, the week a year away %d; want 1 and 0", n, m)
		}
		checkRollups("after the amend")
		if _, err := s.CompactRollups(ctx); err != nil {
			t.Fatal(err)
		}
		checkRollups("after folding the deltas in")

		mustApply(f.pushAt(ctx, tablet, &now, f.remove(skewed, 2)))
		if n, m := observationsIn(realWeek), observationsIn(deviceWeek); n != 0 || m != 0 {
			t.Errorf("after the delete the week it happened counts %d, the week a year away %d; want none", n, m)
		}
		if n := observationsIn(domain.WeekStart(right, loc)); n != 1 {
			t.Errorf("the right clock's week counts %d, want 1", n)
		}
		checkRollups("after the delete")
		if _, err := s.CompactRollups(ctx); err != nil {
			t.Fatal(err)
		}
		checkRollups("after folding the delete in")
	})
}
