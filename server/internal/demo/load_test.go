package demo_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/demo"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

func TestLoadIsDeterministicIdempotentAndKeepsRollupsExact(t *testing.T) {
	ctx := context.Background()
	today := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			load := func(s *store.Store) (demo.Result, map[string]int64) {
				t.Helper()
				start := time.Now()
				res, err := demo.Load(ctx, s, today)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("load on %s took %s", d, time.Since(start))
				counts, err := s.TableCounts(ctx, res.DistrictID)
				if err != nil {
					t.Fatal(err)
				}
				return res, counts
			}
			a := testdb.Open(t, d)
			res, first := load(a)
			if !res.Loaded || res.Observations < 1500 {
				t.Fatalf("first load: %+v", res)
			}
			if first["observations"] != int64(res.Observations) || first["scores"] < 10*first["observations"] || first["rollups"] == 0 {
				t.Fatalf("rows do not match the plan: %v", first)
			}
			if err := testdb.CheckRollups(ctx, a, res.DistrictID); err != nil {
				t.Fatalf("rollups differ from a recomputation: %v", err)
			}
			if len(res.SignIns) != 6 {
				t.Fatalf("want one printed sign-in per role, got %v", res.SignIns)
			}

			again, second := load(a)
			if again.Loaded || !reflect.DeepEqual(first, second) {
				t.Fatalf("a second load changed something: loaded=%v\n%v\n%v", again.Loaded, first, second)
			}

			_, other := load(testdb.Open(t, d))
			if !reflect.DeepEqual(first, other) {
				t.Fatalf("two loads of the same day differ:\n%v\n%v", first, other)
			}
		})
	}
}

func TestLoadRefusesADatabaseWithAnotherDistrict(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t, store.SQLite)
	err := s.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateDistrict(ctx, domain.District{ID: domain.NewID(), Name: "Real district", TimeZone: "UTC", Settings: domain.DefaultDistrictSettings()})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, s, time.Now()); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("want a conflict, got %v", err)
	}
}
