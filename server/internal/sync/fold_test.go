package sync_test

import (
	"context"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// TestFoldingWaitsForAPauseInPushes pushes observations on a clock the
// test moves: the first fold runs whatever pushes do; while pushes go on,
// the deltas stay unfolded until sync.FoldAtMost has passed since the last
// fold, or until the pushes pause for sync.FoldQuiet; and the rollups with
// their deltas equal a recomputation from the raw scores at every step.
func TestFoldingWaitsForAPauseInPushes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f, err := newFixture(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now().UTC().Truncate(time.Second)
		rubric, school := f.rubrics[0], f.schools[0]
		level := rubric.levels[1]
		pushAt := func(at time.Duration) {
			t.Helper()
			f.serverNow = start.Add(at)
			o := observation{School: school, Teacher: f.teachers[school][0], Rubric: rubric.id, Kind: string(domain.KindClassroom),
				Grade: "4", Subject: "Science", Status: string(domain.ObservationSubmitted), StartedAt: start.Add(-time.Hour),
				Scores: []domain.Score{{IndicatorKey: rubric.keys[0], Level: &level}, {IndicatorKey: rubric.keys[1], Level: &level}}}
			res, err := f.push(ctx, domain.NewID(), f.upsert(domain.NewID(), 0, o))
			if err != nil || res[0].Status != sync.StatusApplied {
				t.Fatalf("push at %s: %v %+v", at, err, res)
			}
		}
		// deltas counts the district's rows in every delta table, in SQL.
		deltas := func() int64 {
			t.Helper()
			var all int64
			for _, tb := range rollup.Tables {
				q := "SELECT COUNT(*) FROM " + tb.Deltas + " WHERE district_id = ?"
				if s.Dialect() == store.Postgres {
					q = "SELECT COUNT(*) FROM " + tb.Deltas + " WHERE district_id = $1"
				}
				var n int64
				if err := s.SQL().QueryRowContext(ctx, q, f.district).Scan(&n); err != nil {
					t.Fatal(err)
				}
				all += n
			}
			return all
		}
		foldAt := func(at time.Duration, wantFolded bool) {
			t.Helper()
			f.serverNow = start.Add(at)
			before := deltas()
			folded, err := f.svc.FoldRollups(ctx)
			if err != nil {
				t.Fatal(err)
			}
			after := deltas()
			switch {
			case folded != wantFolded:
				t.Errorf("at %s: folded %v, want %v", at, folded, wantFolded)
			case before == 0:
				t.Errorf("at %s: no deltas to fold", at)
			case wantFolded && after != 0:
				t.Errorf("at %s: %d delta rows left after a fold", at, after)
			case !wantFolded && after != before:
				t.Errorf("at %s: %d delta rows, %d before a fold that was put off", at, after, before)
			}
			if err := testdb.CheckRollups(ctx, s, f.district); err != nil {
				t.Errorf("at %s: %v", at, err)
			}
		}
		second := time.Second
		pushAt(0)
		foldAt(0, true) // never folded before
		pushAt(second / 2)
		foldAt(second/2, false) // a push half a second ago, a fold as long ago
		pushAt(3 * second)
		foldAt(3*second+second/2, false) // still under FoldAtMost since the last fold
		pushAt(sync.FoldAtMost)
		foldAt(sync.FoldAtMost, true) // pushes go on, but FoldAtMost has passed
		pushAt(sync.FoldAtMost + second)
		foldAt(sync.FoldAtMost+second+sync.FoldQuiet/2, false)
		foldAt(sync.FoldAtMost+second+sync.FoldQuiet, true) // the pushes paused
	})
}
