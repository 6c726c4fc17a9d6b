package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

func newDistrict(name string) domain.District {
	return domain.District{ID: domain.NewID(), Name: name, TimeZone: "America/Chicago", Settings: domain.DefaultDistrictSettings()}
}

// A step the database refuses is undone alone: the steps before and after
// it commit, which on PostgreSQL needs the savepoint rolled back before the
// next statement.
func TestBatchStepUndoesOnlyTheFailedStep(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			s, db := testdb.OpenWithSQL(t, dialect)
			testdb.RefuseValue(t, dialect, db, "districts", "name", "Refused", "check_violation")
			first, refused, third := newDistrict("First"), newDistrict("Refused"), newDistrict("Third")
			var stepErrs []error
			err := s.InBatch(ctx, func(b *store.Batch) error {
				for _, d := range []domain.District{first, refused, third} {
					stepErrs = append(stepErrs, b.Step(ctx, func(tx *store.Tx) error { return tx.CreateDistrict(ctx, d) }))
				}
				return nil
			})
			if err != nil {
				t.Fatalf("the batch failed: %v", err)
			}
			if stepErrs[0] != nil || stepErrs[2] != nil {
				t.Fatalf("steps: %v", stepErrs)
			}
			if stepErrs[1] == nil || errors.Is(stepErrs[1], store.ErrBatchFailed) {
				t.Fatalf("the refused step answered %v, want an error of its own", stepErrs[1])
			}
			for _, d := range []domain.District{first, third} {
				if _, err := s.District(ctx, d.ID); err != nil {
					t.Errorf("district %s: %v", d.Name, err)
				}
			}
			if _, err := s.District(ctx, refused.ID); domain.ErrorCode(err) != domain.ENotFound {
				t.Errorf("the refused district: %v, want not found", err)
			}
		})
	}
}

// A failure of the machinery ends the batch: nothing of it commits.
func TestBatchStepFailsTheBatchWhenTheMachineryFails(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		first := newDistrict("First")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stepErr error
		err := s.InBatch(ctx, func(b *store.Batch) error {
			if err := b.Step(ctx, func(tx *store.Tx) error { return tx.CreateDistrict(ctx, first) }); err != nil {
				return err
			}
			stepErr = b.Step(ctx, func(tx *store.Tx) error {
				cancel() // the client went away
				return tx.CreateDistrict(ctx, newDistrict("Second"))
			})
			return stepErr
		})
		if !errors.Is(stepErr, store.ErrBatchFailed) || err == nil {
			t.Fatalf("step %v, batch %v; want the batch failed", stepErr, err)
		}
		if _, err := s.District(context.Background(), first.ID); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("the first step committed: %v", err)
		}
	})
	// A refusal that passes (a lock timeout, a deadlock) says nothing of the
	// change: the batch is tried again rather than the change refused.
	s, db := testdb.OpenWithSQL(t, store.Postgres)
	ctx := context.Background()
	testdb.RefuseValue(t, store.Postgres, db, "districts", "name", "Locked", "lock_not_available")
	err := s.InBatch(ctx, func(b *store.Batch) error {
		return b.Step(ctx, func(tx *store.Tx) error { return tx.CreateDistrict(ctx, newDistrict("Locked")) })
	})
	if !errors.Is(err, store.ErrBatchFailed) {
		t.Errorf("a lock timeout: %v, want the batch failed", err)
	}
}
