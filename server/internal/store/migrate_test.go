package store_test

import (
	"context"
	"io/fs"
	"reflect"
	"testing"

	"github.com/walkthrough-edu/walkthrough/migrations"
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
