package attachments_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/attachments"
	"github.com/walkthrough-edu/walkthrough/server/internal/blob"
	"github.com/walkthrough-edu/walkthrough/server/internal/blob/fakes3"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// mustBucket starts an in-memory S3 server with one bucket and opens a
// store on it as the server would from WALKTHROUGH_BLOB_URL.
func mustBucket(t *testing.T) blob.Store {
	t.Helper()
	srv, err := fakes3.Start("photos")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	b, err := blob.OpenURL(context.Background(), srv.URL("photos"), t.TempDir(), blob.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func read(t *testing.T, s blob.Store, key string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(rc); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPutIntoABucketStoresTheBytesOnceAndAnswersARetry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		w := mustWorld(t, s)
		bucket := mustBucket(t)
		svc := attachments.NewService(s, bucket, maxBytes)
		ctx := context.Background()
		body := pngBody()
		a, created, err := svc.Put(ctx, w.observer, w.listed[0], "image/png", sum(body), bytes.NewReader(body))
		if err != nil || !created || a.SHA256 != sum(body) {
			t.Fatalf("put: %+v %v %v", a, created, err)
		}
		if got := read(t, bucket, attachments.Key(w.district, w.listed[0])); !bytes.Equal(got, body) {
			t.Fatal("the bucket does not hold the bytes under the attachment's key")
		}
		if _, created, err := svc.Put(ctx, w.observer, w.listed[0], "image/png", sum(body), bytes.NewReader(body)); err != nil || created {
			t.Fatalf("a retry must answer without rewriting: %v %v", created, err)
		}
		bad := jpegBody()
		if _, _, err := svc.Put(ctx, w.observer, w.listed[1], "image/jpeg", sum(body), bytes.NewReader(bad)); err == nil {
			t.Fatal("a wrong hash must be refused")
		}
		if ok, _ := bucket.Exists(ctx, attachments.Key(w.district, w.listed[1])); ok {
			t.Fatal("a refused upload left bytes in the bucket")
		}
	})
}

func TestCopyMovesEveryStoredAttachmentVerifiedAndIsIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		w := mustWorld(t, s)
		ctx := context.Background()
		bodies := [][]byte{pngBody(), jpegBody()}
		types := []string{"image/png", "image/jpeg"}
		for i, id := range w.listed {
			if _, _, err := w.put(w.observer, id, types[i], bodies[i], sum(bodies[i])); err != nil {
				t.Fatal(err)
			}
		}
		bucket := mustBucket(t)
		var seen []int64
		r, err := attachments.Copy(ctx, s, w.blobs, bucket, func(r attachments.CopyReport) { seen = append(seen, r.Done()) })
		if err != nil {
			t.Fatal(err)
		}
		if r.Total != 2 || r.Copied != 2 || r.Present != 0 || len(r.Missing) != 0 {
			t.Fatalf("first copy: %+v", r)
		}
		if len(seen) != 2 || seen[1] != 2 {
			t.Fatalf("progress after each attachment, got %v", seen)
		}
		for i, id := range w.listed {
			if got := read(t, bucket, attachments.Key(w.district, id)); !bytes.Equal(got, bodies[i]) {
				t.Fatalf("attachment %d differs in the bucket", i)
			}
		}
		r, err = attachments.Copy(ctx, s, w.blobs, bucket, nil)
		if err != nil || r.Copied != 0 || r.Present != 2 {
			t.Fatalf("a second copy must find everything in place: %+v %v", r, err)
		}

		// Other bytes under an attachment's key in the target are never
		// overwritten.
		key0 := attachments.Key(w.district, w.listed[0])
		if err := bucket.Put(ctx, key0, strings.NewReader("not the photo")); err != nil {
			t.Fatal(err)
		}
		if _, err := attachments.Copy(ctx, s, w.blobs, bucket, nil); err == nil || !strings.Contains(err.Error(), "other bytes") {
			t.Fatalf("a mismatch in the target must stop the copy, got %v", err)
		}
		if got := read(t, bucket, key0); string(got) != "not the photo" {
			t.Fatal("the copy overwrote bytes it refused")
		}
		if err := bucket.Delete(ctx, key0); err != nil {
			t.Fatal(err)
		}

		// Source bytes that are not the recorded ones are never copied.
		if err := w.blobs.Put(ctx, key0, bytes.NewReader(append(pngBody()[:len(pngBody())-1], 'x'))); err != nil {
			t.Fatal(err)
		}
		if _, err := attachments.Copy(ctx, s, w.blobs, bucket, nil); err == nil || !strings.Contains(err.Error(), "not what was recorded") {
			t.Fatalf("a damaged source must stop the copy, got %v", err)
		}
		if ok, _ := bucket.Exists(ctx, key0); ok {
			t.Fatal("damaged bytes reached the target")
		}

		// Bytes the source lacks are reported, and the rest goes on.
		if err := w.blobs.Delete(ctx, key0); err != nil {
			t.Fatal(err)
		}
		r, err = attachments.Copy(ctx, s, w.blobs, bucket, nil)
		if err != nil || len(r.Missing) != 1 || r.Missing[0] != key0 || r.Present != 1 {
			t.Fatalf("a missing source must be listed: %+v %v", r, err)
		}
	})
}
