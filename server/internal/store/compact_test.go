package store_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// TestTrendsAreTheSameBeforeAndAfterTheDeltasAreFolded reads every kind of
// trend while amends and deletes are still deltas (some cells adding up to
// nothing) and again after CompactRollups folded them in: the answers are
// the same, the deltas are gone, and a second compaction finds nothing.
func TestTrendsAreTheSameBeforeAndAfterTheDeltasAreFolded(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		kept := f.observation(domain.ObservationSubmitted, 2, 3, 4)
		gone := f.observation(domain.ObservationSubmitted, 1, 1)
		gone.Subject, gone.StartedAt = "Science", kept.StartedAt.AddDate(0, 0, 14)
		put(t, s, kept)
		put(t, s, gone)
		if n, err := s.CompactRollups(ctx); err != nil || n == 0 {
			t.Fatalf("folded %d delta rows: %v", n, err)
		}
		amended := f.observation(domain.ObservationSubmitted, 4, 4)
		amended.ID, amended.Rev = kept.ID, 2
		put(t, s, amended)
		gone.Deleted, gone.Rev = true, 2
		put(t, s, gone)

		q := rollup.Query{DistrictID: f.district.ID, RubricID: f.rubric.RubricID, From: time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC),
			To: time.Date(2027, 8, 2, 0, 0, 0, 0, time.UTC)}
		type answers struct {
			levels, observations []rollup.Row
			dimensions           []rollup.DimensionCell
		}
		read := func() answers {
			t.Helper()
			var a answers
			var err error
			byLevel := q
			byLevel.Group = []string{"subject", "indicator"}
			if a.levels, err = s.TrendLevels(ctx, byLevel); err != nil {
				t.Fatal(err)
			}
			bySubject := q
			bySubject.Group = []string{"subject"}
			if a.observations, err = s.TrendObservations(ctx, bySubject); err != nil {
				t.Fatal(err)
			}
			byDimension := q
			byDimension.Group = []string{"school", "dimension"}
			if a.dimensions, err = s.TrendDimensions(ctx, byDimension); err != nil {
				t.Fatal(err)
			}
			for _, rows := range [][]rollup.Row{a.levels, a.observations} {
				slices.SortFunc(rows, func(x, y rollup.Row) int {
					if c := x.Bucket.Compare(y.Bucket); c != 0 {
						return c
					}
					if c := slices.Compare(x.Group, y.Group); c != 0 {
						return c
					}
					return x.Level - y.Level
				})
			}
			return a
		}
		before := read()
		// Only the amended observation counts: its two scores at level 4, in
		// one week, one subject, one dimension cell.
		if len(before.levels) != 2 || len(before.observations) != 1 || before.observations[0].N != 1 || len(before.dimensions) != 1 {
			t.Fatalf("read with the deltas: %+v", before)
		}
		if n, err := s.CompactRollups(ctx); err != nil || n == 0 {
			t.Fatalf("folded %d delta rows: %v", n, err)
		}
		if after := read(); !reflect.DeepEqual(before, after) {
			t.Fatalf("with the deltas %+v\nfolded in %+v", before, after)
		}
		c, err := s.TableCounts(ctx, f.district.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c["rollup_deltas"]+c["rollup_observation_deltas"]+c["dimension_rollup_deltas"] != 0 || c["rollups"] != 2 || c["rollup_observations"] != 1 {
			t.Fatalf("rows after folding: %v", c)
		}
		if n, err := s.CompactRollups(ctx); err != nil || n != 0 {
			t.Fatalf("a second compaction folded %d rows: %v", n, err)
		}
	})
}
