package attachments_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/attachments"
	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/blob"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

const maxBytes = 4096

// world is a district with a school, a teacher, an observer who made one
// observation listing attachments, a second coach of the same school and a
// district administrator; and a second district with its own administrator.
type world struct {
	store       *store.Store
	blobs       *blob.Dir
	blobRoot    string
	svc         *attachments.Service
	district    string
	observer    auth.Principal
	otherCoach  auth.Principal
	admin       auth.Principal
	otherAdmin  auth.Principal
	observation domain.Observation
	listed      []string // attachment ids the observation lists
}

func user(districtID string, grants ...domain.RoleGrant) domain.User {
	id := domain.NewID()
	return domain.User{ID: id, DistrictID: districtID, Email: id + "@example.org", Name: "User " + id[:8], Active: true, Grants: grants}
}

func newDistrict(ctx context.Context, tx *store.Tx, name string) (domain.District, error) {
	d := domain.District{ID: domain.NewID(), Name: name, TimeZone: "America/Chicago", Settings: domain.DefaultDistrictSettings()}
	return d, tx.CreateDistrict(ctx, d)
}

func mustWorld(t *testing.T, s *store.Store) world {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	blobs, err := blob.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	w := world{store: s, blobs: blobs, blobRoot: root, svc: attachments.NewService(s, blobs, maxBytes), listed: []string{domain.NewID(), domain.NewID()}}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		d, err := newDistrict(ctx, tx, "Test district")
		if err != nil {
			return err
		}
		other, err := newDistrict(ctx, tx, "Other district")
		if err != nil {
			return err
		}
		w.district = d.ID
		school := domain.School{ID: domain.NewID(), DistrictID: d.ID, Name: "Oak Elementary", GradeBand: "elementary", Active: true}
		if err := tx.CreateSchool(ctx, school); err != nil {
			return err
		}
		teacher := domain.Teacher{ID: domain.NewID(), DistrictID: d.ID, SchoolID: school.ID, GivenName: "Ana", FamilyName: "Rivera", Grades: []string{"3"}, Active: true}
		if err := tx.CreateTeachers(ctx, []domain.Teacher{teacher}); err != nil {
			return err
		}
		coach := domain.RoleGrant{Role: domain.RoleCoach, SchoolID: school.ID}
		admin := domain.RoleGrant{Role: domain.RoleDistrictAdmin}
		users := []domain.User{user(d.ID, coach), user(d.ID, coach), user(d.ID, admin), user(other.ID, admin)}
		for _, u := range users {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		w.observer, w.otherCoach, w.admin, w.otherAdmin = auth.Principal{User: users[0]}, auth.Principal{User: users[1]},
			auth.Principal{User: users[2]}, auth.Principal{User: users[3]}
		rubric := domain.BuiltinFramework()
		rubric.ID, rubric.RubricID, rubric.DistrictID, rubric.Status = domain.NewID(), domain.NewID(), d.ID, domain.RubricPublished
		if err := tx.CreateRubricVersion(ctx, rubric); err != nil {
			return err
		}
		w.observation = domain.Observation{ID: domain.NewID(), DistrictID: d.ID, SchoolID: school.ID, TeacherID: teacher.ID,
			ObserverID: users[0].ID, RubricVersionID: rubric.ID, Kind: domain.KindClassroom, Grade: "3", Subject: "Mathematics",
			StartedAt: time.Date(2026, 10, 5, 14, 0, 0, 0, time.UTC), Status: domain.ObservationSubmitted, Rev: 1}
		if err := tx.PutObservation(ctx, w.observation); err != nil {
			return err
		}
		return tx.SetObservationAttachments(ctx, d.ID, w.observation.ID, w.listed)
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Bodies whose first bytes are what each format starts with.
func pngBody() []byte {
	return append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 1000)...)
}

func jpegBody() []byte {
	return append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte{9}, 700)...)
}

func webpBody() []byte {
	return append([]byte("RIFF\x00\x10\x00\x00WEBPVP8 "), bytes.Repeat([]byte{3}, 300)...)
}

func heicBody() []byte {
	return append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), bytes.Repeat([]byte{5}, 600)...)
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (w world) put(p auth.Principal, id, contentType string, body []byte, sha string) (store.Attachment, bool, error) {
	return w.svc.Put(context.Background(), p, id, contentType, sha, bytes.NewReader(body))
}

func (w world) blob(t *testing.T, id string) ([]byte, bool) {
	t.Helper()
	rc, err := w.blobs.Open(context.Background(), attachments.Key(w.district, id))
	if domain.ErrorCode(err) == domain.ENotFound {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b, true
}

// mustBeUntouched checks that an attachment is still pending, has no bytes,
// and that no upload left a file behind.
func (w world) mustBeUntouched(t *testing.T, id string) {
	t.Helper()
	a, err := w.store.Attachment(context.Background(), w.district, id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Stored() || a.SHA256 != "" || a.Size != 0 {
		t.Fatalf("a refused upload marked the attachment: %+v", a)
	}
	if _, ok := w.blob(t, id); ok {
		t.Fatal("a refused upload stored bytes")
	}
	w.mustLeaveNoTemporaryFiles(t)
}

func (w world) mustLeaveNoTemporaryFiles(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir(w.blobRoot, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(w.blobRoot, p)
		if !e.IsDir() && (strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(filepath.ToSlash(rel), "attachments/tmp/")) {
			t.Errorf("temporary file left behind: %s", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPutStoresTheBytesOnceAndAnswersARetryWithoutRewriting(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s)
		before, err := s.TableCounts(ctx, w.district)
		if err != nil {
			t.Fatal(err)
		}
		id := w.listed[0]
		a, created, err := w.put(w.observer, id, "image/png", pngBody(), sum(pngBody()))
		if err != nil || !created {
			t.Fatalf("first put: created %v, %v", created, err)
		}
		if !a.Stored() || a.ID != id || a.ObservationID != w.observation.ID || a.ContentType != "image/png" ||
			a.Size != int64(len(pngBody())) || a.SHA256 != sum(pngBody()) {
			t.Fatalf("stored attachment: %+v", a)
		}
		if got, ok := w.blob(t, id); !ok || !bytes.Equal(got, pngBody()) {
			t.Fatalf("bytes read back differ (found %v, %d bytes)", ok, len(got))
		}

		again, created, err := w.put(w.observer, id, "image/png; charset=binary", pngBody(), sum(pngBody()))
		if err != nil || created {
			t.Fatalf("an identical retry must answer created=false: %v, %v", created, err)
		}
		if again.StoredAt == nil || !again.StoredAt.Equal(*a.StoredAt) {
			t.Fatalf("a retry changed the attachment: %+v, was %+v", again, a)
		}
		after, err := s.TableCounts(ctx, w.district)
		if err != nil || after["change_log"] != before["change_log"] {
			t.Fatalf("an upload must append nothing to the change log: %v, was %v (%v)", after, before, err)
		}
		w.mustLeaveNoTemporaryFiles(t)
	})
}

func TestPutNeverChangesAStoredAttachment(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		w := mustWorld(t, s)
		id := w.listed[0]
		if _, _, err := w.put(w.observer, id, "image/png", pngBody(), sum(pngBody())); err != nil {
			t.Fatal(err)
		}
		_, _, err := w.put(w.observer, id, "image/jpeg", jpegBody(), sum(jpegBody()))
		if domain.ErrorCode(err) != domain.EConflict {
			t.Fatalf("other bytes for a stored attachment must be a conflict, got %v", err)
		}
		// The stored hash announced, other bytes sent: answered from the
		// record without reading the body, and the stored blob is untouched.
		other := append(append([]byte{}, pngBody()...), 1)
		if _, created, err := w.put(w.observer, id, "image/png", other, sum(pngBody())); err != nil || created {
			t.Fatalf("want created=false and no error, got %v, %v", created, err)
		}
		if got, _ := w.blob(t, id); !bytes.Equal(got, pngBody()) {
			t.Fatal("a later upload changed the stored bytes")
		}
		w.mustLeaveNoTemporaryFiles(t)
	})
}

func TestPutTakesTheBytesAgainWhenTheStoredBlobIsMissing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s)
		id := w.listed[0]
		if _, _, err := w.put(w.observer, id, "image/png", pngBody(), sum(pngBody())); err != nil {
			t.Fatal(err)
		}
		if err := w.blobs.Delete(ctx, attachments.Key(w.district, id)); err != nil {
			t.Fatal(err)
		}
		if _, created, err := w.put(w.observer, id, "image/png", pngBody(), sum(pngBody())); err != nil || created {
			t.Fatalf("re-upload of a lost blob: created %v, %v", created, err)
		}
		if got, ok := w.blob(t, id); !ok || !bytes.Equal(got, pngBody()) {
			t.Fatal("the lost blob was not restored")
		}
	})
}

func TestPutAcceptsEveryAllowedImageType(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s)
		var ids []string
		for range 3 {
			ids = append(ids, domain.NewID())
		}
		all := append(append([]string{}, w.listed...), ids...)
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.SetObservationAttachments(ctx, w.district, w.observation.ID, all)
		}); err != nil {
			t.Fatal(err)
		}
		for i, c := range []struct {
			contentType string
			body        []byte
		}{{"image/png", pngBody()}, {"image/jpeg", jpegBody()}, {"IMAGE/WEBP", webpBody()}, {"image/heic", heicBody()}} {
			a, created, err := w.put(w.observer, all[i], c.contentType, c.body, sum(c.body))
			if err != nil || !created {
				t.Fatalf("%s: created %v, %v", c.contentType, created, err)
			}
			if a.ContentType != strings.ToLower(c.contentType) {
				t.Fatalf("%s stored as %q", c.contentType, a.ContentType)
			}
		}
	})
}

func TestPutRefusesAWrongHashAndKeepsNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		w := mustWorld(t, s)
		id := w.listed[0]
		_, _, err := w.put(w.observer, id, "image/png", pngBody(), sum(jpegBody()))
		if domain.ErrorCode(err) != domain.EInvalid || domain.ErrorFields(err)[0].Field != "sha256" {
			t.Fatalf("a wrong hash must be invalid, naming sha256: %v", err)
		}
		w.mustBeUntouched(t, id)
		for _, bad := range []string{"", strings.ToUpper(sum(pngBody())), sum(pngBody())[:63], sum(pngBody()) + "0", strings.Repeat("g", 64)} {
			_, _, err := w.put(w.observer, id, "image/png", pngBody(), bad)
			if domain.ErrorCode(err) != domain.EInvalid || domain.ErrorFields(err)[0].Field != "sha256" {
				t.Fatalf("sha256 %q must be invalid, got %v", bad, err)
			}
		}
		w.mustBeUntouched(t, id)
	})
}

func TestPutRefusesABodyOverTheLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		w := mustWorld(t, s)
		over := append(append([]byte{}, pngBody()...), bytes.Repeat([]byte{1}, maxBytes+1-len(pngBody()))...)
		_, _, err := w.put(w.observer, w.listed[0], "image/png", over, sum(over))
		if domain.ErrorCode(err) != domain.ETooLarge {
			t.Fatalf("a body of %d bytes must be too large, got %v", len(over), err)
		}
		w.mustBeUntouched(t, w.listed[0])

		exact := over[:maxBytes]
		if _, created, err := w.put(w.observer, w.listed[1], "image/png", exact, sum(exact)); err != nil || !created {
			t.Fatalf("a body of exactly the limit must be accepted: %v, %v", created, err)
		}
	})
}

func TestPutRefusesTypesThatAreNotAllowedOrNotWhatTheBytesAre(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		w := mustWorld(t, s)
		id := w.listed[0]
		text := []byte("hello, this is not a photo\n")
		for _, c := range []struct {
			name, contentType string
			body              []byte
		}{
			{"text/plain", "text/plain", text},
			{"no content type", "", pngBody()},
			{"a malformed content type", "image/", pngBody()},
			{"gif is not allowed", "image/gif", []byte("GIF89a" + string(pngBody()))},
			{"PNG declared, text sent", "image/png", text},
			{"PNG declared, nothing sent", "image/png", nil},
			{"JPEG declared, PNG sent", "image/jpeg", pngBody()},
			{"WebP declared, JPEG sent", "image/webp", jpegBody()},
			{"HEIC declared, PNG sent", "image/heic", pngBody()},
			{"HEIC declared, an MP4 sent", "image/heic", append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), pngBody()...)},
		} {
			_, _, err := w.put(w.observer, id, c.contentType, c.body, sum(c.body))
			if domain.ErrorCode(err) != domain.EInvalid || domain.ErrorFields(err)[0].Field != "Content-Type" {
				t.Errorf("%s: want invalid naming Content-Type, got %v", c.name, err)
			}
		}
		w.mustBeUntouched(t, id)
	})
}

func TestPutIsNotFoundForAnyoneButTheObserverOrAnAdministrator(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		w := mustWorld(t, s)
		id := w.listed[0]
		for name, p := range map[string]auth.Principal{
			"another coach of the school":      w.otherCoach,
			"another district's administrator": w.otherAdmin,
		} {
			if _, _, err := w.put(p, id, "image/png", pngBody(), sum(pngBody())); domain.ErrorCode(err) != domain.ENotFound {
				t.Errorf("%s: want not found, got %v", name, err)
			}
		}
		if _, _, err := w.put(w.observer, domain.NewID(), "image/png", pngBody(), sum(pngBody())); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("an id no observation lists: want not found, got %v", err)
		}
		if _, _, err := w.put(w.observer, "not-a-uuid", "image/png", pngBody(), sum(pngBody())); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("a malformed id: want invalid, got %v", err)
		}
		w.mustBeUntouched(t, id)

		if _, created, err := w.put(w.admin, id, "image/png", pngBody(), sum(pngBody())); err != nil || !created {
			t.Fatalf("the district's administrator may upload: %v, %v", created, err)
		}
	})
}

func TestPutIsNotFoundOnceTheObservationIsDeleted(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s)
		deleted := w.observation
		deleted.Deleted, deleted.Rev = true, 2
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.PutObservation(ctx, deleted) }); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.put(w.observer, w.listed[0], "image/png", pngBody(), sum(pngBody())); domain.ErrorCode(err) != domain.ENotFound {
			t.Fatalf("want not found, got %v", err)
		}
	})
}

func TestRacingUploadsOfDifferentBytesLeaveOneConsistentAttachment(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s)
		id := w.listed[0]
		const n = 6
		type result struct {
			created bool
			err     error
		}
		results := make(chan result, n)
		for i := range n {
			body := append(pngBody(), byte(i))
			go func() {
				_, created, err := w.put(w.observer, id, "image/png", body, sum(body))
				results <- result{created, err}
			}()
		}
		won := 0
		for range n {
			r := <-results
			switch {
			case r.err == nil && r.created:
				won++
			case domain.ErrorCode(r.err) == domain.EConflict:
			default:
				t.Errorf("a racing upload must win or conflict, got created %v, %v", r.created, r.err)
			}
		}
		if won != 1 {
			t.Fatalf("%d uploads won, want exactly one", won)
		}
		a, err := s.Attachment(ctx, w.district, id)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := w.blob(t, id)
		if !ok || sum(got) != a.SHA256 || int64(len(got)) != a.Size {
			t.Fatalf("the stored bytes do not match the record: %d bytes, sha %s; record %+v", len(got), sum(got), a)
		}
		w.mustLeaveNoTemporaryFiles(t)
	})
}
