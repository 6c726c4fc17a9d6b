package attachments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/walkthrough-edu/walkthrough/server/internal/blob"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// CopyReport counts what Copy did, so far or in all.
type CopyReport struct {
	Total   int64    // stored attachments in the database
	Copied  int64    // copied and verified in the target
	Present int64    // already in the target with the right bytes
	Missing []string // keys whose bytes the source does not hold
}

// Done is how many attachments Copy has dealt with.
func (r CopyReport) Done() int64 { return r.Copied + r.Present + int64(len(r.Missing)) }

// copyPage is how many attachments Copy reads from the database at a time.
const copyPage = 500

// Copy copies the bytes of every stored attachment of every district from
// one blob store to another, for a move from the data directory to a
// bucket (or back). Each attachment's bytes are checked against the SHA-256
// the database recorded when they arrived: read from the source, and read
// back from the target once written. An attachment the target already holds
// with the right bytes is left alone, so Copy may be run again after an
// interruption and again just before switching over.
//
// Copy stops with an error, writing nothing for that attachment, when the
// source's bytes or the target's existing bytes are not the ones recorded:
// bytes that differ are never overwritten or spread. An attachment the
// source does not hold is listed in the report's Missing and the copy goes
// on. progress, when not nil, is called after each attachment.
func Copy(ctx context.Context, s *store.Store, from, to blob.Store, progress func(CopyReport)) (CopyReport, error) {
	var r CopyReport
	total, err := s.CountStoredAttachments(ctx)
	if err != nil {
		return r, err
	}
	r.Total = total
	page := store.Keyset{Limit: copyPage}
	for {
		list, err := s.StoredAttachments(ctx, page)
		if err != nil {
			return r, err
		}
		for _, a := range list {
			if err := copyOne(ctx, a, from, to, &r); err != nil {
				return r, err
			}
			if progress != nil {
				progress(r)
			}
		}
		if len(list) < copyPage {
			return r, nil
		}
		last := list[len(list)-1]
		page.After = []string{last.DistrictID, last.ID}
	}
}

func copyOne(ctx context.Context, a store.Attachment, from, to blob.Store, r *CopyReport) error {
	key := Key(a.DistrictID, a.ID)
	got, err := hashOf(ctx, to, key)
	switch {
	case domain.ErrorCode(err) == domain.ENotFound:
	case err != nil:
		return fmt.Errorf("attachments: read %s in the target: %w", key, err)
	case got == a.SHA256:
		r.Present++
		return nil
	default:
		return fmt.Errorf("attachments: the target holds %s with other bytes (SHA-256 %s, recorded %s): refusing to overwrite it", key, got, a.SHA256)
	}
	src, err := from.Open(ctx, key)
	if domain.ErrorCode(err) == domain.ENotFound {
		r.Missing = append(r.Missing, key)
		return nil
	}
	if err != nil {
		return fmt.Errorf("attachments: read %s in the source: %w", key, err)
	}
	defer src.Close()
	// The target keeps nothing when its reader fails, and this one fails
	// at the end when the bytes are not the recorded ones.
	body := &checkedReader{r: src, h: sha256.New(), want: a.SHA256, max: a.Size, tooLarge: func() error {
		return fmt.Errorf("the source holds more than the %d bytes recorded", a.Size)
	}}
	if err := to.Put(ctx, key, body); err != nil {
		if body.err != nil && !errors.Is(body.err, io.EOF) {
			return fmt.Errorf("attachments: %s in the source is not what was recorded (%v): refusing to copy it", key, body.err)
		}
		return fmt.Errorf("attachments: write %s to the target: %w", key, err)
	}
	if !body.verified {
		return fmt.Errorf("attachments: the target stopped before the end of %s", key)
	}
	if got, err := hashOf(ctx, to, key); err != nil || got != a.SHA256 {
		return fmt.Errorf("attachments: %s read back from the target does not match its SHA-256 (%s, %v)", key, got, err)
	}
	r.Copied++
	return nil
}

// hashOf is the lower-case hex SHA-256 of a blob.
func hashOf(ctx context.Context, s blob.Store, key string) (string, error) {
	rc, err := s.Open(ctx, key)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
