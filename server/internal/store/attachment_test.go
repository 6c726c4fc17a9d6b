package store_test

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

func setAttachments(ctx context.Context, s *store.Store, districtID, observationID string, ids ...string) error {
	return s.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetObservationAttachments(ctx, districtID, observationID, ids)
	})
}

func markStored(ctx context.Context, s *store.Store, districtID, id, sha string) error {
	return s.InTx(ctx, func(tx *store.Tx) error {
		return tx.MarkAttachmentStored(ctx, districtID, id, "image/png", sha, 1234)
	})
}

// attachmentState is each attachment of an observation and whether it is
// stored.
func attachmentState(t *testing.T, s *store.Store, districtID, observationID string) map[string]bool {
	t.Helper()
	as, err := s.ObservationAttachments(context.Background(), districtID, observationID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for i, a := range as {
		if i > 0 && as[i-1].ID >= a.ID {
			t.Fatalf("attachments not ordered by id: %v then %v", as[i-1].ID, a.ID)
		}
		if a.ObservationID != observationID || a.DistrictID != districtID || a.CreatedAt.IsZero() {
			t.Fatalf("attachment read back wrong: %+v", a)
		}
		out[a.ID] = a.Stored()
	}
	return out
}

func sortedIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = domain.NewID()
	}
	sort.Strings(ids)
	return ids
}

func TestSetObservationAttachmentsKeepsStoredPhotosAndDropsPendingOnes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		o := f.observation(domain.ObservationDraft, 3)
		put(t, s, o)
		ids := sortedIDs(3)
		a, b, c := ids[0], ids[1], ids[2]
		d := f.district.ID
		before, err := s.TableCounts(ctx, d)
		if err != nil {
			t.Fatal(err)
		}

		// Listing an id twice makes one row.
		if err := setAttachments(ctx, s, d, o.ID, b, a, b); err != nil {
			t.Fatal(err)
		}
		if got := attachmentState(t, s, d, o.ID); !reflect.DeepEqual(got, map[string]bool{a: false, b: false}) {
			t.Fatalf("after listing a and b: %v", got)
		}
		sha := strings.Repeat("ab", 32)
		if err := markStored(ctx, s, d, a, sha); err != nil {
			t.Fatal(err)
		}
		got, err := s.Attachment(ctx, d, a)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Stored() || got.ContentType != "image/png" || got.Size != 1234 || got.SHA256 != sha || got.StoredAt.Location() != time.UTC {
			t.Fatalf("stored attachment read back wrong: %+v", got)
		}

		// Re-listing keeps a stored one stored; an unlisted pending one goes;
		// an unlisted stored one stays.
		if err := setAttachments(ctx, s, d, o.ID, a, c); err != nil {
			t.Fatal(err)
		}
		if got := attachmentState(t, s, d, o.ID); !reflect.DeepEqual(got, map[string]bool{a: true, c: false}) {
			t.Fatalf("after listing a and c: %v", got)
		}
		again, err := s.Attachment(ctx, d, a)
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("re-listing changed a stored attachment: %+v, was %+v (%v)", again, got, err)
		}
		if err := setAttachments(ctx, s, d, o.ID); err != nil {
			t.Fatal(err)
		}
		if got := attachmentState(t, s, d, o.ID); !reflect.DeepEqual(got, map[string]bool{a: true}) {
			t.Fatalf("after listing nothing: %v", got)
		}
		if _, err := s.Attachment(ctx, d, c); domain.ErrorCode(err) != domain.ENotFound {
			t.Fatalf("a dropped pending attachment must be gone, got %v", err)
		}
		if after, err := s.TableCounts(ctx, d); err != nil || after["change_log"] != before["change_log"] {
			t.Fatalf("attachments must not reach the change log: %v, was %v (%v)", after, before, err)
		}
	})
}

func TestSetObservationAttachmentsRefusesAnIDOfAnotherObservation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		d := f.district.ID
		first, second := f.observation(domain.ObservationDraft, 3), f.observation(domain.ObservationDraft, 2)
		put(t, s, first)
		put(t, s, second)
		ids := sortedIDs(2)
		if err := setAttachments(ctx, s, d, first.ID, ids[0]); err != nil {
			t.Fatal(err)
		}
		err := setAttachments(ctx, s, d, second.ID, ids[1], ids[0])
		if domain.ErrorCode(err) != domain.EConflict {
			t.Fatalf("an id of another observation must be a conflict, got %v", err)
		}
		if got := attachmentState(t, s, d, second.ID); len(got) != 0 {
			t.Fatalf("a refused listing left rows: %v", got)
		}
		if got := attachmentState(t, s, d, first.ID); !reflect.DeepEqual(got, map[string]bool{ids[0]: false}) {
			t.Fatalf("a refused listing touched the other observation: %v", got)
		}
		// Another district's observation cannot take it either.
		if err := setAttachments(ctx, s, domain.NewID(), second.ID, ids[0]); domain.ErrorCode(err) != domain.EConflict {
			t.Fatalf("got %v", err)
		}
	})
}

func TestSetObservationAttachmentsRefusesBadIDsAndUnknownObservations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		o := f.observation(domain.ObservationDraft, 3)
		put(t, s, o)
		err := setAttachments(ctx, s, f.district.ID, o.ID, domain.NewID(), "photo-1")
		if domain.ErrorCode(err) != domain.EInvalid || domain.ErrorFields(err)[0].Field != "attachment_ids" {
			t.Fatalf("a malformed id must be invalid, got %v", err)
		}
		if err := setAttachments(ctx, s, f.district.ID, domain.NewID(), domain.NewID()); domain.ErrorCode(err) != domain.ENotFound {
			t.Fatalf("an unknown observation must be not found, got %v", err)
		}
		if err := setAttachments(ctx, s, domain.NewID(), o.ID, domain.NewID()); domain.ErrorCode(err) != domain.ENotFound {
			t.Fatalf("another district's observation must be not found, got %v", err)
		}
		if got := attachmentState(t, s, f.district.ID, o.ID); len(got) != 0 {
			t.Fatalf("refused listings left rows: %v", got)
		}
	})
}

func TestMarkAttachmentStoredIsIdempotentAndNeverChangesAStoredAttachment(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		d := f.district.ID
		o := f.observation(domain.ObservationDraft, 3)
		put(t, s, o)
		id := domain.NewID()
		if err := setAttachments(ctx, s, d, o.ID, id); err != nil {
			t.Fatal(err)
		}
		sha, other := strings.Repeat("0f", 32), strings.Repeat("f0", 32)
		if err := markStored(ctx, s, d, id, sha); err != nil {
			t.Fatal(err)
		}
		first, err := s.Attachment(ctx, d, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := markStored(ctx, s, d, id, sha); err != nil {
			t.Fatalf("marking again with the same hash must succeed, got %v", err)
		}
		if err := markStored(ctx, s, d, id, other); domain.ErrorCode(err) != domain.EConflict {
			t.Fatalf("marking with another hash must be a conflict, got %v", err)
		}
		if got, err := s.Attachment(ctx, d, id); err != nil || !reflect.DeepEqual(got, first) {
			t.Fatalf("a stored attachment changed: %+v, was %+v (%v)", got, first, err)
		}
		if err := markStored(ctx, s, d, domain.NewID(), sha); domain.ErrorCode(err) != domain.ENotFound {
			t.Fatalf("marking an unknown attachment must be not found, got %v", err)
		}
		if err := markStored(ctx, s, domain.NewID(), id, sha); domain.ErrorCode(err) != domain.ENotFound {
			t.Fatalf("marking from another district must be not found, got %v", err)
		}
	})
}

func TestAttachmentAndOwnerAreScopedToTheDistrict(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		d := f.district.ID
		o := f.observation(domain.ObservationSubmitted, 3)
		put(t, s, o)
		id := domain.NewID()
		if err := setAttachments(ctx, s, d, o.ID, id); err != nil {
			t.Fatal(err)
		}
		if owner, err := s.AttachmentOwner(ctx, d, id); err != nil || owner != f.observer.ID {
			t.Fatalf("owner: %q %v", owner, err)
		}
		for name, call := range map[string]func() error{
			"attachment of another district": func() error { _, err := s.Attachment(ctx, domain.NewID(), id); return err },
			"unknown attachment":             func() error { _, err := s.Attachment(ctx, d, domain.NewID()); return err },
			"malformed attachment id":        func() error { _, err := s.Attachment(ctx, d, "nope"); return err },
			"owner in another district":      func() error { _, err := s.AttachmentOwner(ctx, domain.NewID(), id); return err },
			"owner of an unknown attachment": func() error { _, err := s.AttachmentOwner(ctx, d, domain.NewID()); return err },
			"owner of a malformed id":        func() error { _, err := s.AttachmentOwner(ctx, d, "nope"); return err },
		} {
			if err := call(); domain.ErrorCode(err) != domain.ENotFound {
				t.Errorf("%s: want not found, got %v", name, err)
			}
		}
		if as, err := s.ObservationAttachments(ctx, domain.NewID(), o.ID); err != nil || len(as) != 0 {
			t.Fatalf("another district sees attachments: %v %v", as, err)
		}

		deleted := o
		deleted.Deleted, deleted.Rev = true, o.Rev+1
		put(t, s, deleted)
		if _, err := s.AttachmentOwner(ctx, d, id); domain.ErrorCode(err) != domain.ENotFound {
			t.Fatalf("an attachment of a deleted observation must have no owner, got %v", err)
		}
	})
}
