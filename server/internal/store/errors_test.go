package store_test

import (
	"context"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// Driver errors become domain errors by their codes on both databases: a
// second row with a taken key is a conflict, a row that points at nothing
// is invalid.
func TestDriverErrorsAreClassifiedByCode(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		d := domain.District{ID: domain.NewID(), Name: "District", TimeZone: "America/Chicago", Settings: domain.DefaultDistrictSettings()}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateDistrict(ctx, d) }); err != nil {
			t.Fatal(err)
		}
		err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateDistrict(ctx, d) })
		if domain.ErrorCode(err) != domain.EConflict {
			t.Errorf("a district made twice: %v, want a conflict", err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			return tx.CreateSchool(ctx, domain.School{ID: domain.NewID(), DistrictID: domain.NewID(), Name: "Nowhere", Active: true})
		})
		if domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("a school of no district: %v, want invalid", err)
		}
	})
}
