package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/demo"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// TestTrendDimensionsEqualTheFineRollups checks the dimension rollups'
// cells against the same query summed from the rollups keyed by indicator,
// over ranges that start and end inside weeks and months, for every
// bucket, grouping and school filter the dimension rollups serve, the
// deltas not folded and then folded (views by month and over a range read
// the whole months from the month rollups, which hold only what is
// folded).
func TestTrendDimensionsEqualTheFineRollups(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		res, err := demo.Load(ctx, s, time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		rubricID, err := s.LatestPublishedRubric(ctx, res.DistrictID)
		if err != nil {
			t.Fatal(err)
		}
		schools, err := s.Schools(ctx, domain.DistrictScope(res.DistrictID), store.Keyset{})
		if err != nil || len(schools) < 2 {
			t.Fatalf("schools: %v, %v", schools, err)
		}
		day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
		ranges := [][2]time.Time{{day(8, 1), day(12, 1)}, {day(8, 1), day(9, 1)}, {day(8, 1), day(9, 2)}, {day(9, 2), day(10, 15)}, {day(9, 30), day(11, 4)}}
		shapes := []struct {
			group     []string
			dimension string
		}{{[]string{"dimension"}, ""}, {[]string{"school", "dimension"}, ""}, {[]string{"dimension", "school"}, ""}, {[]string{"school"}, "classroom_culture"}, {nil, "classroom_culture"}}
		filters := [][]string{nil, {schools[0].ID}, {schools[0].ID, schools[1].ID}, {}}
		for _, folded := range []bool{false, true} {
			if folded {
				if _, err := s.CompactRollups(ctx); err != nil {
					t.Fatal(err)
				}
				if err := testdb.CheckRollups(ctx, s, res.DistrictID); err != nil {
					t.Fatal(err)
				}
			}
			cells := 0
			for _, r := range ranges {
				for _, bucket := range []string{"week", "month", "range"} {
					for _, sh := range shapes {
						for _, ids := range filters {
							q := rollup.Query{DistrictID: res.DistrictID, RubricID: rubricID, From: r[0], To: r[1], SchoolIDs: ids,
								Dimension: sh.dimension, Month: bucket == "month", Whole: bucket == "range", Group: sh.group}
							name := fmt.Sprintf("folded %v, %s to %s by %s, group %v, dimension %q, schools %v", folded, r[0].Format(time.DateOnly), r[1].Format(time.DateOnly), bucket, sh.group, sh.dimension, ids)
							got, err := s.TrendDimensions(ctx, q)
							if err != nil {
								t.Fatalf("%s: %v", name, err)
							}
							for _, c := range mustEqualTheFineRollups(t, s, name, q, got) {
								if c.Observations <= 0 {
									t.Fatalf("%s: cell %s %v counts %d observations", name, c.Bucket.Format(time.DateOnly), c.Group, c.Observations)
								}
							}
							cells += len(got)
						}
					}
				}
			}
			if cells == 0 {
				t.Fatal("no cells compared")
			}
		}
	})
}

// TestTrendIndicatorsEqualTheFineRollups checks the indicator rollups'
// cells against the same query summed from the rollups keyed by grade
// band, subject and kind, over ranges that start and end inside weeks and
// months, for every bucket, grouping, filter and school filter the
// indicator rollups serve, the deltas not folded and then folded.
func TestTrendIndicatorsEqualTheFineRollups(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		res, err := demo.Load(ctx, s, time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		rubricID, err := s.LatestPublishedRubric(ctx, res.DistrictID)
		if err != nil {
			t.Fatal(err)
		}
		schools, err := s.Schools(ctx, domain.DistrictScope(res.DistrictID), store.Keyset{})
		if err != nil || len(schools) < 2 {
			t.Fatalf("schools: %v, %v", schools, err)
		}
		v := domain.BuiltinFramework() // the demo's framework
		indicator := v.Dimensions[0].Indicators[0].Key
		day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
		ranges := [][2]time.Time{{day(8, 1), day(12, 1)}, {day(9, 2), day(10, 15)}, {day(9, 30), day(11, 4)}}
		shapes := []struct {
			group                []string
			dimension, indicator string
		}{{[]string{"indicator"}, "", ""}, {[]string{"school", "indicator"}, "", ""}, {[]string{"indicator", "school"}, "", ""},
			{[]string{"dimension", "indicator"}, "", ""}, {[]string{"school", "indicator"}, v.Dimensions[0].Key, ""},
			{[]string{"school"}, "", indicator}, {nil, "", indicator}, {[]string{"school", "dimension"}, "", indicator}}
		filters := [][]string{nil, {schools[0].ID}, {schools[0].ID, schools[1].ID}, {}}
		for _, folded := range []bool{false, true} {
			if folded {
				if _, err := s.CompactRollups(ctx); err != nil {
					t.Fatal(err)
				}
			}
			cells := 0
			for _, r := range ranges {
				for _, bucket := range []string{"week", "month", "range"} {
					for _, sh := range shapes {
						for _, ids := range filters {
							q := rollup.Query{DistrictID: res.DistrictID, RubricID: rubricID, From: r[0], To: r[1], SchoolIDs: ids,
								Dimension: sh.dimension, Indicator: sh.indicator, Month: bucket == "month", Whole: bucket == "range", Group: sh.group}
							name := fmt.Sprintf("folded %v, %s to %s by %s, group %v, dimension %q, indicator %q, schools %v", folded, r[0].Format(time.DateOnly),
								r[1].Format(time.DateOnly), bucket, sh.group, sh.dimension, sh.indicator, ids)
							if !q.IndicatorTrendable() {
								t.Fatalf("%s: not answered from the indicator rollups", name)
							}
							got, err := s.TrendIndicators(ctx, q)
							if err != nil {
								t.Fatalf("%s: %v", name, err)
							}
							for _, c := range mustEqualTheFineRollups(t, s, name, q, got) {
								var scores int64
								for _, n := range c.Levels {
									scores += n
								}
								if c.Observations != scores {
									t.Fatalf("%s: cell %s %v counts %d observations for %d scores", name, c.Bucket.Format(time.DateOnly), c.Group, c.Observations, scores)
								}
							}
							cells += len(got)
						}
					}
				}
			}
			if cells == 0 {
				t.Fatal("no cells compared")
			}
		}
	})
}

// mustEqualTheFineRollups checks that cells, read from the dimension or
// the indicator rollups for q, have the levels of the same query summed
// from the finely keyed rollups, in bucket and group order, and answers
// them.
func mustEqualTheFineRollups(t *testing.T, s *store.Store, name string, q rollup.Query, cells []rollup.DimensionCell) []rollup.DimensionCell {
	t.Helper()
	rows, err := s.TrendLevels(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	want := map[string]*[rollup.MaxLevel + 1]int64{}
	for _, row := range rows {
		k := row.Bucket.Format(time.DateOnly) + " " + strings.Join(row.Group, " ")
		if want[k] == nil {
			want[k] = &[rollup.MaxLevel + 1]int64{}
		}
		want[k][row.Level] += row.N
	}
	if len(cells) != len(want) {
		t.Fatalf("%s: %d cells, the fine rollups have %d", name, len(cells), len(want))
	}
	for i, c := range cells {
		k := c.Bucket.Format(time.DateOnly) + " " + strings.Join(c.Group, " ")
		if w := want[k]; w == nil || *w != c.Levels {
			t.Fatalf("%s: cell %s has %v, the fine rollups %v", name, k, c.Levels, w)
		}
		if i > 0 {
			prev := cells[i-1]
			if c.Bucket.Before(prev.Bucket) || c.Bucket.Equal(prev.Bucket) && slices.Compare(c.Group, prev.Group) <= 0 {
				t.Fatalf("%s: cell %s comes after %s %v", name, k, prev.Bucket.Format(time.DateOnly), prev.Group)
			}
		}
	}
	return cells
}
