// Package attachments receives the photos of student work that devices
// upload beside their observations: `PUT /api/v1/attachments/{id}` with the
// bytes and their SHA-256. An observation lists its attachments' ids when it
// syncs; the bytes follow separately, once, and never change afterwards.
package attachments

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/blob"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// DefaultMaxBytes is the largest attachment accepted when NewService is given
// no limit: well above a tablet's compressed photo, below the 16 MiB body
// limit the reverse-proxy examples in docs/operations.md set.
const DefaultMaxBytes = 10 << 20

// sniffLen is how much of the body http.DetectContentType looks at.
const sniffLen = 512

// Service stores attachments' bytes in a blob store and records them in the
// database.
type Service struct {
	store    *store.Store
	blobs    blob.Store
	maxBytes int64
}

// NewService returns a Service that keeps bytes in blobs and accepts at most
// maxBytes per attachment (DefaultMaxBytes when maxBytes is not positive).
func NewService(s *store.Store, blobs blob.Store, maxBytes int64) *Service {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Service{store: s, blobs: blobs, maxBytes: maxBytes}
}

// MaxBytes is the largest attachment the service accepts.
func (s *Service) MaxBytes() int64 { return s.maxBytes }

// Key is the blob key under which an attachment's bytes are kept.
func Key(districtID, id string) string { return "attachments/" + districtID + "/" + id }

// tmpKey is a fresh key for an upload that is not verified yet. It lives
// under attachments/ so that it is on the same volume as the final key and
// the move to it is one rename.
func tmpKey() string { return "attachments/tmp/" + domain.NewID() }

// Put stores the bytes of attachment id. The attachment must be listed by an
// observation of the caller's district, and the caller must be that
// observation's observer or a district administrator; otherwise it is not
// found. contentType must be one of the image types allowed and match what
// the bytes are; sha256Hex is the lower-case hex SHA-256 of the body, which
// is checked before anything is kept.
//
// The body is streamed to a temporary blob while it is hashed and counted;
// the blob store's Put keeps nothing when the body turns out too large or
// its hash wrong. Only a verified blob is renamed to Key(district, id), in
// the transaction that marks the attachment stored, so that of two racing
// uploads only the one that marks the row places its bytes.
//
// Put is idempotent: an attachment already stored with the same hash is
// answered with created false and nothing is rewritten; one stored with
// another hash is an EConflict, since an attachment never changes. Nothing
// is appended to the change log.
func (s *Service) Put(ctx context.Context, p auth.Principal, id, contentType, sha256Hex string, body io.Reader) (store.Attachment, bool, error) {
	if !domain.ValidID(id) {
		return store.Attachment{}, false, domain.Invalid("the attachment id is not valid", domain.FieldError{Field: "id", Message: "must be a UUID"})
	}
	mediaType, err := allowedType(contentType)
	if err != nil {
		return store.Attachment{}, false, err
	}
	if !validSHA256(sha256Hex) {
		return store.Attachment{}, false, domain.Invalid("the SHA-256 is not valid",
			domain.FieldError{Field: "sha256", Message: "must be 64 lower-case hexadecimal digits"})
	}
	districtID := p.DistrictID()
	observerID, err := s.store.AttachmentOwner(ctx, districtID, id)
	if err != nil {
		return store.Attachment{}, false, err
	}
	if observerID != p.User.ID && !p.IsAdmin() {
		// The same answer as for an attachment that does not exist.
		return store.Attachment{}, false, domain.Errorf(domain.ENotFound, "attachment not found")
	}
	a, err := s.store.Attachment(ctx, districtID, id)
	if err != nil {
		return store.Attachment{}, false, err
	}
	final := Key(districtID, id)
	if a.Stored() {
		if a.SHA256 != sha256Hex {
			return store.Attachment{}, false, domain.Errorf(domain.EConflict, "the attachment is already stored with other bytes")
		}
		ok, err := s.blobs.Exists(ctx, final)
		if err != nil {
			return store.Attachment{}, false, fmt.Errorf("attachments: %w", err)
		}
		if ok {
			return a, false, nil
		}
		// The row says stored but the bytes are gone (a lost or restored
		// volume): take them again, verified against the same hash.
	}

	size, tmp, err := s.receive(ctx, mediaType, sha256Hex, body)
	if err != nil {
		return store.Attachment{}, false, err
	}
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.MarkAttachmentStored(ctx, districtID, id, mediaType, sha256Hex, size); err != nil {
			return err
		}
		if err := s.blobs.Rename(ctx, tmp, final); err != nil {
			return fmt.Errorf("attachments: place the bytes: %w", err)
		}
		return nil
	})
	if err != nil {
		s.discard(ctx, tmp)
		return store.Attachment{}, false, err
	}
	stored, err := s.store.Attachment(ctx, districtID, id)
	if err != nil {
		return store.Attachment{}, false, err
	}
	return stored, !a.Stored(), nil
}

// receive checks the first bytes of body against mediaType, then streams
// the whole body into a temporary blob while hashing and counting it. It
// returns the size and the temporary key of a verified blob; on any error
// nothing is kept.
func (s *Service) receive(ctx context.Context, mediaType, sha256Hex string, body io.Reader) (int64, string, error) {
	limited := io.LimitReader(body, s.maxBytes+1)
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(limited, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return 0, "", fmt.Errorf("attachments: read the body: %w", err)
	}
	head = head[:n]
	if int64(n) > s.maxBytes {
		return 0, "", s.tooLarge()
	}
	if err := checkBytes(mediaType, head); err != nil {
		return 0, "", err
	}
	cr := &checkedReader{r: io.MultiReader(bytes.NewReader(head), limited), h: sha256.New(), want: sha256Hex, max: s.maxBytes, tooLarge: s.tooLarge}
	tmp := tmpKey()
	if err := s.blobs.Put(ctx, tmp, cr); err != nil {
		s.discard(ctx, tmp)
		if domain.ErrorCode(err) != domain.EInternal {
			return 0, "", err
		}
		return 0, "", fmt.Errorf("attachments: store the bytes: %w", err)
	}
	if !cr.verified {
		s.discard(ctx, tmp)
		return 0, "", errors.New("attachments: the blob store stopped before the end of the body")
	}
	return cr.n, tmp, nil
}

// discard removes a temporary blob, even when ctx is already cancelled.
// A failure only leaves a file under attachments/tmp/ that is safe to
// remove later.
func (s *Service) discard(ctx context.Context, key string) {
	_ = s.blobs.Delete(context.WithoutCancel(ctx), key)
}

func (s *Service) tooLarge() error {
	return domain.Errorf(domain.ETooLarge, "an attachment may be at most %d bytes", s.maxBytes)
}

// allowedType returns the media type of a Content-Type header when it is
// one of the image types devices may upload.
func allowedType(contentType string) (string, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err == nil {
		switch mt {
		case "image/jpeg", "image/png", "image/webp", "image/heic":
			return mt, nil
		}
	}
	return "", domain.Invalid("the content type is not allowed",
		domain.FieldError{Field: "Content-Type", Message: "must be image/jpeg, image/png, image/webp or image/heic"})
}

// checkBytes refuses a body whose first bytes are not an image of the
// declared type. http.DetectContentType knows JPEG, PNG and WebP; HEIC it
// does not, so a HEIC body must carry its "ftyp" box with a HEIC brand.
func checkBytes(mediaType string, head []byte) error {
	if mediaType == "image/heic" {
		if isHEIC(head) {
			return nil
		}
		return domain.Invalid("the body is not a HEIC image", domain.FieldError{Field: "Content-Type", Message: "the bytes are not image/heic"})
	}
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(head))
	if sniffed == mediaType {
		return nil
	}
	return domain.Invalid("the body is not an image of the declared type",
		domain.FieldError{Field: "Content-Type", Message: fmt.Sprintf("declared %s but the bytes are %s", mediaType, sniffed)})
}

// isHEIC reports whether the first 32 bytes hold an ISO-BMFF "ftyp" box of
// the HEIC or HEIF image brands.
func isHEIC(head []byte) bool {
	head = head[:min(len(head), 32)]
	return bytes.Contains(head, []byte("ftypheic")) || bytes.Contains(head, []byte("ftypmif1"))
}

func validSHA256(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// checkedReader counts and hashes what passes through it. Past max bytes it
// fails with tooLarge; at the end of its input it answers io.EOF only when
// the hash is the one wanted, and an EInvalid error otherwise, so that a
// blob store's Put, which keeps nothing when its reader fails, never keeps
// a body that is too large or not the one announced.
type checkedReader struct {
	r        io.Reader
	h        hash.Hash
	want     string
	n, max   int64
	tooLarge func() error
	err      error // sticky: once set, every Read returns it
	verified bool
}

func (c *checkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		c.err = c.tooLarge()
		return 0, c.err
	}
	c.h.Write(p[:n])
	switch {
	case errors.Is(err, io.EOF):
		if hex.EncodeToString(c.h.Sum(nil)) != c.want {
			c.err = domain.Invalid("the body does not match its SHA-256",
				domain.FieldError{Field: "sha256", Message: "does not match the SHA-256 of the body"})
			return 0, c.err
		}
		c.verified, c.err = true, io.EOF
		return n, io.EOF
	case err != nil:
		c.err = err
		return n, err
	}
	return n, nil
}
