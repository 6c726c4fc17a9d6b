package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// TestPushesRememberOnlyCommittedPublishedVersions reads versions as a
// push does (in a batch, which remembers published versions across
// pushes): a draft read by a push and published afterwards reads as
// published, a version published in a transaction that rolled back is
// never found, and a remembered version is still not another district's.
func TestPushesRememberOnlyCommittedPublishedVersions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		inPush := func(districtID, id string) (domain.RubricVersion, error) {
			t.Helper()
			var v domain.RubricVersion
			var readErr error
			err := s.InBatch(ctx, func(b *store.Batch) error {
				return b.Step(ctx, func(tx *store.Tx) error {
					v, readErr = tx.RubricVersion(ctx, districtID, id)
					return nil
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			return v, readErr
		}
		draft := domain.BuiltinFramework()
		draft.ID, draft.RubricID, draft.DistrictID, draft.Status, draft.Version = domain.NewID(), f.rubric.RubricID, f.district.ID, domain.RubricDraft, f.rubric.Version+1
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateRubricVersion(ctx, draft) }); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{f.rubric.ID, draft.ID} {
			if _, err := inPush(f.district.ID, id); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.PublishRubricVersion(ctx, f.district.ID, draft.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if v, err := inPush(f.district.ID, draft.ID); err != nil || v.Status != domain.RubricPublished {
			t.Errorf("the draft read by a push, then published, reads as %q (%v)", v.Status, err)
		}

		// A version published in a transaction that rolls back, read
		// inside it, is no version at all afterwards.
		phantom := domain.BuiltinFramework()
		phantom.ID, phantom.RubricID, phantom.DistrictID, phantom.Status, phantom.Version = domain.NewID(), f.rubric.RubricID, f.district.ID, domain.RubricDraft, f.rubric.Version+2
		undo := errors.New("undo")
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateRubricVersion(ctx, phantom); err != nil {
				return err
			}
			if _, err := tx.PublishRubricVersion(ctx, f.district.ID, phantom.ID); err != nil {
				return err
			}
			if _, err := tx.RubricVersion(ctx, f.district.ID, phantom.ID); err != nil {
				return err
			}
			return undo
		})
		if !errors.Is(err, undo) {
			t.Fatalf("the rolled-back publication: %v", err)
		}
		if _, err := inPush(f.district.ID, phantom.ID); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("a version published in a rolled-back transaction: %v, want not found", err)
		}

		// Remembered, the district's version is still not another's.
		if v, err := inPush(domain.NewID(), f.rubric.ID); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("another district read the version: %+v %v", v.ID, err)
		}
	})
}
