package store_test

import (
	"cmp"
	"context"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/migrations"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

func TestMigrationsHaveTheSameVersionsInBothDialects(t *testing.T) {
	names := map[string][]string{}
	for _, d := range testdb.Dialects {
		fsys, err := migrations.For(d)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			names[d] = append(names[d], e.Name())
		}
	}
	if len(names[store.SQLite]) == 0 || !reflect.DeepEqual(names[store.SQLite], names[store.Postgres]) {
		t.Fatalf("migration files differ: sqlite %v, postgres %v", names[store.SQLite], names[store.Postgres])
	}
}

func TestMigrateUpDownUp(t *testing.T) {
	ctx := context.Background()
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			s := testdb.OpenEmpty(t, d)
			if ok, err := s.AtHead(ctx); err != nil || ok {
				t.Fatalf("empty database reported at head (%v, %v)", ok, err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			first, err := s.SchemaColumns(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := s.AtHead(ctx); err != nil || !ok {
				t.Fatalf("not at head after up (%v, %v)", ok, err)
			}
			if err := s.MigrateDown(ctx, true); err != nil {
				t.Fatal(err)
			}
			empty, err := s.SchemaColumns(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(empty) != 0 {
				t.Fatalf("tables left after down to zero: %v", empty)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			again, err := s.SchemaColumns(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(first, again) {
				t.Fatal("schema after up-down-up differs from the first up")
			}
			st, err := s.MigrationStatus(ctx)
			if err != nil || len(st) == 0 || !st[len(st)-1].Applied {
				t.Fatalf("status after up: %+v, %v", st, err)
			}
		})
	}
}

func TestSchemaIsTheSameInBothDialects(t *testing.T) {
	ctx := context.Background()
	schemas := map[string]map[string][]string{}
	for _, d := range testdb.Dialects {
		cols, err := testdb.Open(t, d).SchemaColumns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		schemas[d] = cols
	}
	lite, pg := schemas[store.SQLite], schemas[store.Postgres]
	if len(pg) < 25 {
		t.Fatalf("expected the whole domain, found %d tables", len(pg))
	}
	for table, cols := range pg {
		if !reflect.DeepEqual(cols, lite[table]) {
			t.Errorf("table %s: postgres %v, sqlite %v", table, cols, lite[table])
		}
	}
	for table := range lite {
		if _, ok := pg[table]; !ok {
			t.Errorf("table %s exists only in sqlite", table)
		}
	}
	for _, table := range []string{"districts", "schools", "teachers", "users", "role_grants", "rubrics", "rubric_versions",
		"rubric_dimensions", "rubric_indicators", "rubric_levels", "indicator_descriptors", "walkthroughs", "walkthrough_members",
		"observations", "scores", "attachments", "cycles", "cycle_activities", "follow_ups", "follow_up_observers", "next_steps",
		"change_log", "applied_changes", "rollups", "refresh_tokens", "devices", "audit_log"} {
		cols, ok := pg[table]
		if !ok {
			t.Errorf("table %s is missing", table)
			continue
		}
		if table != "districts" && !contains(cols, "district_id") {
			t.Errorf("tenant table %s has no district_id", table)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// TestRollupCellsKeepTheirCountsAcrossMigrations moves rollups, still in
// their deltas, down to rows per cell (every level side by side), then to a
// row per cell and level, and back up: each way, no score is lost or
// counted twice.
func TestRollupCellsKeepTheirCountsAcrossMigrations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		for _, levels := range [][]int{{2, 3, 4}, {2, 2, 1}, {4, 3}, {1}} {
			put(t, s, f.observation(domain.ObservationSubmitted, levels...))
		}
		// The first indicator is scored at levels 1, 2 and 4, the second at 2
		// and 3, the third at 1 and 4.
		const cells, cellLevels = 3, 7
		q := rollup.Query{DistrictID: f.district.ID, RubricID: f.rubric.RubricID, From: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC),
			To: time.Date(2027, 8, 1, 0, 0, 0, 0, time.UTC), Group: []string{"indicator"}}
		before, err := s.TrendLevels(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(before) != cellLevels {
			t.Fatalf("%d trend rows, want one per indicator and level: %+v", len(before), before)
		}
		rollupRows := func() int64 {
			n, err := s.Count(ctx, "rollups", f.district.ID)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := rollupRows(); n != 0 {
			t.Fatalf("%d rollup rows before the deltas are folded in", n)
		}
		if err := s.MigrateDownTo(ctx, 7); err != nil { // before the deltas
			t.Fatal(err)
		}
		if n := rollupRows(); n != cells {
			t.Fatalf("%d rollup rows after the deltas went, want one per cell", n)
		}
		if err := s.MigrateDownTo(ctx, 6); err != nil { // before cells
			t.Fatal(err)
		}
		if n := rollupRows(); n != cellLevels {
			t.Fatalf("%d rollup rows after down, want one per cell and level", n)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if n := rollupRows(); n != cells {
			t.Fatalf("%d rollup rows after up, want one per cell", n)
		}
		if err := testdb.CheckRollups(ctx, s, f.district.ID); err != nil {
			t.Fatal(err)
		}
		after, err := s.TrendLevels(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		byCell := func(a, b rollup.Row) int {
			return cmp.Or(strings.Compare(a.Group[0], b.Group[0]), cmp.Compare(a.Level, b.Level))
		}
		slices.SortFunc(before, byCell)
		slices.SortFunc(after, byCell)
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("trend before the migrations %+v, after %+v", before, after)
		}
	})
}

// TestIndicatorRollupsAreFilledByTheirMigration takes the indicator rollups
// away with their migration's Down, on scores partly folded into the
// rollups and partly still in their deltas, and brings them back with its
// Up: they equal a recomputation from the raw scores, and an indicator's
// trend is what it was.
func TestIndicatorRollupsAreFilledByTheirMigration(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		put(t, s, f.observation(domain.ObservationSubmitted, 2, 3, 4))
		put(t, s, f.observation(domain.ObservationSubmitted, 1, 3))
		if _, err := s.CompactRollups(ctx); err != nil {
			t.Fatal(err)
		}
		amended := f.observation(domain.ObservationSubmitted, 4, 4, 1)
		put(t, s, amended)
		amended.Scores, amended.Rev = amended.Scores[:1], 2
		put(t, s, amended) // its removal and its new figures in the deltas
		q := rollup.Query{DistrictID: f.district.ID, RubricID: f.rubric.RubricID, From: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC),
			To: time.Date(2027, 8, 1, 0, 0, 0, 0, time.UTC), Group: []string{"school", "indicator"}}
		before, err := s.TrendIndicators(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var scores int64
		for _, c := range before {
			scores += c.Observations
		}
		if len(before) != 3 || scores != 6 {
			t.Fatalf("trend by indicator before the migrations: %+v", before)
		}
		mustRedoMigration(t, s, 42, "indicator_rollups", f.district.ID)
		after, err := s.TrendIndicators(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("trend before the migrations %+v, after %+v", before, after)
		}
		if _, err := s.CompactRollups(ctx); err != nil {
			t.Fatal(err)
		}
		if err := testdb.CheckRollups(ctx, s, f.district.ID); err != nil {
			t.Fatal(err)
		}
	})
}

// TestMonthRollupsAreFilledByTheirMigration takes the month rollups away
// with their migration's Down, on scores partly folded and partly still in
// the deltas, and brings them back with its Up: they equal a recomputation
// from the raw scores, and the heat map and the views by month, which read
// them, are what they were.
func TestMonthRollupsAreFilledByTheirMigration(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		put(t, s, f.observation(domain.ObservationSubmitted, 2, 3, 4))
		put(t, s, f.observation(domain.ObservationSubmitted, 1, 3))
		if _, err := s.CompactRollups(ctx); err != nil {
			t.Fatal(err)
		}
		put(t, s, f.observation(domain.ObservationSubmitted, 4, 4, 1)) // in the deltas
		year := rollup.Query{DistrictID: f.district.ID, RubricID: f.rubric.RubricID, From: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC),
			To: time.Date(2027, 8, 1, 0, 0, 0, 0, time.UTC)}
		heat, months := year, year
		heat.Whole, heat.Group = true, []string{"school", "dimension"}
		months.Month, months.Group = true, []string{"indicator"}
		read := func() ([]rollup.DimensionCell, []rollup.DimensionCell, []rollup.Row) {
			t.Helper()
			h, err := s.TrendDimensions(ctx, heat)
			if err != nil {
				t.Fatal(err)
			}
			m, err := s.TrendIndicators(ctx, months)
			if err != nil {
				t.Fatal(err)
			}
			o, err := s.TrendObservations(ctx, rollup.Query{DistrictID: year.DistrictID, RubricID: year.RubricID, From: year.From, To: year.To, Whole: true, Group: []string{"school"}})
			if err != nil {
				t.Fatal(err)
			}
			// The district's line of "not observed": the district's table.
			d, err := s.TrendObservations(ctx, year)
			if err != nil {
				t.Fatal(err)
			}
			return h, m, append(o, d...)
		}
		h0, m0, o0 := read()
		if len(h0) == 0 || len(m0) == 0 || len(o0) != 2 || o0[0].N != 3 || o0[1].N != 3 {
			t.Fatalf("before the migrations: heat map %+v, by month %+v, observations %+v", h0, m0, o0)
		}
		mustRedoMigration(t, s, 46, "dimension_month_rollups", f.district.ID)
		if h, m, o := read(); !reflect.DeepEqual(h0, h) || !reflect.DeepEqual(m0, m) || !reflect.DeepEqual(o0, o) {
			t.Fatalf("before the migrations %+v %+v %+v, after %+v %+v %+v", h0, m0, o0, h, m, o)
		}
		if _, err := s.CompactRollups(ctx); err != nil {
			t.Fatal(err)
		}
		if err := testdb.CheckRollups(ctx, s, f.district.ID); err != nil {
			t.Fatal(err)
		}
		if h, m, o := read(); !reflect.DeepEqual(h0, h) || !reflect.DeepEqual(m0, m) || !reflect.DeepEqual(o0, o) {
			t.Fatalf("before folding %+v %+v %+v, after %+v %+v %+v", h0, m0, o0, h, m, o)
		}
	})
}

// mustRedoMigration migrates down to version, checks that table went with
// the migration after it, migrates up again and checks the district's
// rollups against their recomputation from raw rows.
func mustRedoMigration(t *testing.T, s *store.Store, version int64, table, districtID string) {
	t.Helper()
	ctx := context.Background()
	if err := s.MigrateDownTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Count(ctx, table, districtID); err == nil {
		t.Fatalf("%s outlived its migration's Down", table)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := testdb.CheckRollups(ctx, s, districtID); err != nil {
		t.Fatal(err)
	}
}
