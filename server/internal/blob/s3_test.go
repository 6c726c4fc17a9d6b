package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/blob"
	"github.com/walkthrough-edu/walkthrough/server/internal/blob/fakes3"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// mustS3 starts an in-memory S3 server and opens a store on its bucket
// through the same URL an operator would configure.
func mustS3(t *testing.T, prefix string) (blob.Store, *fakes3.Server) {
	t.Helper()
	srv, err := fakes3.Start("walkthrough")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	u := srv.URL("walkthrough")
	if prefix != "" {
		u = strings.Replace(u, "@walkthrough?", "@walkthrough/"+prefix+"?", 1)
	}
	s, err := blob.OpenURL(context.Background(), u, t.TempDir(), blob.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*blob.S3); !ok {
		t.Fatalf("an s3:// location must open an S3 store, got %T", s)
	}
	return s, srv
}

func TestS3PutOpenExistsRenameDelete(t *testing.T) {
	ctx := context.Background()
	d, _ := mustS3(t, "site-a")
	key := "attachments/d1/a-1"
	if ok, err := d.Exists(ctx, key); err != nil || ok {
		t.Fatalf("exists before put: %v %v", ok, err)
	}
	if _, err := d.Open(ctx, key); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("open of a missing key must be not found, got %v", err)
	}
	if err := d.Put(ctx, key, strings.NewReader("first")); err != nil {
		t.Fatal(err)
	}
	if ok, err := d.Exists(ctx, key); err != nil || !ok {
		t.Fatalf("exists after put: %v %v", ok, err)
	}
	if got := mustRead(t, d, key); string(got) != "first" {
		t.Fatalf("read back %q", got)
	}
	if err := d.Put(ctx, key, strings.NewReader("second")); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, d, key); string(got) != "second" {
		t.Fatalf("put of an existing key must replace it, read %q", got)
	}
	if err := d.Put(ctx, "tmp/x", strings.NewReader("moved")); err != nil {
		t.Fatal(err)
	}
	if err := d.Rename(ctx, "tmp/x", key); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, d, key); string(got) != "moved" {
		t.Fatalf("rename must replace the target, read %q", got)
	}
	if ok, _ := d.Exists(ctx, "tmp/x"); ok {
		t.Fatal("rename left the source behind")
	}
	if err := d.Rename(ctx, "tmp/x", key); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("rename of a missing key must be not found, got %v", err)
	}
	if err := d.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if ok, _ := d.Exists(ctx, key); ok {
		t.Fatal("delete left the blob")
	}
	if err := d.Delete(ctx, key); err != nil {
		t.Fatalf("delete of a missing key must succeed, got %v", err)
	}
}

func TestS3KeepsBlobsUnderItsPrefixOnly(t *testing.T) {
	ctx := context.Background()
	a, srv := mustS3(t, "site-a")
	if err := a.Put(ctx, "attachments/d/x", strings.NewReader("a's")); err != nil {
		t.Fatal(err)
	}
	b, err := blob.OpenURL(ctx, strings.Replace(srv.URL("walkthrough"), "@walkthrough?", "@walkthrough/site-b?", 1), t.TempDir(), blob.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := b.Exists(ctx, "attachments/d/x"); err != nil || ok {
		t.Fatalf("a store with another prefix sees the blob: %v %v", ok, err)
	}
	whole, err := blob.OpenURL(ctx, srv.URL("walkthrough"), t.TempDir(), blob.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, whole, "site-a/attachments/d/x"); string(got) != "a's" {
		t.Fatalf("the object is not at prefix+key: %q", got)
	}
}

func TestS3LargeBlobGoesUpInPartsAndReadsBackWhole(t *testing.T) {
	ctx := context.Background()
	d, _ := mustS3(t, "")
	big := make([]byte, 11<<20+123)
	rand.Read(big)
	if err := d.Put(ctx, "attachments/d/big", bytes.NewReader(big)); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, d, "attachments/d/big"); !bytes.Equal(got, big) {
		t.Fatalf("read back %d bytes, not the %d written", len(got), len(big))
	}
}

func TestS3PutThatFailsKeepsTheOldBlob(t *testing.T) {
	ctx := context.Background()
	d, _ := mustS3(t, "")
	key := "attachments/d/a"
	if err := d.Put(ctx, key, strings.NewReader("good")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	// Small enough for one PUT, and large enough to go up in parts.
	for _, size := range []int{300000, 7 << 20} {
		err := d.Put(ctx, key, &failingReader{data: bytes.Repeat([]byte("b"), size), err: boom})
		if !errors.Is(err, boom) {
			t.Fatalf("%d bytes: put must return the reader's error wrapped, got %v", size, err)
		}
		if got := mustRead(t, d, key); string(got) != "good" {
			t.Fatalf("%d bytes: a failed put replaced the blob: %q", size, got[:min(len(got), 20)])
		}
		if err := d.Put(ctx, "attachments/d/new", &failingReader{data: bytes.Repeat([]byte("p"), size), err: boom}); !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		if ok, _ := d.Exists(ctx, "attachments/d/new"); ok {
			t.Fatalf("%d bytes: a failed put of a new key left a blob", size)
		}
	}
}

func TestS3RefusesBadKeysAndCancelledPuts(t *testing.T) {
	d, _ := mustS3(t, "")
	ctx := context.Background()
	for _, key := range []string{"", "/abs", "a/", "../up", "A", ".hidden"} {
		if err := d.Put(ctx, key, strings.NewReader("x")); err == nil {
			t.Errorf("put %q must fail", key)
		}
		if _, err := d.Open(ctx, key); err == nil {
			t.Errorf("open %q must fail", key)
		}
		if _, err := d.Exists(ctx, key); err == nil {
			t.Errorf("exists %q must fail", key)
		}
		if err := d.Delete(ctx, key); err == nil {
			t.Errorf("delete %q must fail", key)
		}
		if err := d.Rename(ctx, "ok", key); err == nil {
			t.Errorf("rename to %q must fail", key)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := d.Put(cctx, "a", strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if ok, _ := d.Exists(ctx, "a"); ok {
		t.Fatal("a cancelled put stored a blob")
	}
}

func TestOpenURLRefusesWhatItCannotReach(t *testing.T) {
	ctx := context.Background()
	srv, err := fakes3.Start("walkthrough")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, loc := range []string{
		strings.Replace(srv.URL("walkthrough"), "@walkthrough?", "@missing?", 1), // no such bucket
		"s3://?endpoint=" + srv.Addr(),
		srv.URL("walkthrough") + "&colour=blue",
		srv.URL("walkthrough") + "&path_style=perhaps",
		"s3://b?endpoint=ftp://host",
		"gs://bucket",
	} {
		if _, err := blob.OpenURL(ctx, loc, t.TempDir(), blob.S3Config{}); err == nil {
			t.Errorf("%s must be refused", loc)
		}
	}
	dir := t.TempDir()
	for _, loc := range []string{"", dir, "file://" + dir} {
		s, err := blob.OpenURL(ctx, loc, dir, blob.S3Config{})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.(*blob.Dir); !ok {
			t.Errorf("%q must open a directory store, got %T", loc, s)
		}
	}
}

func TestParseS3URL(t *testing.T) {
	env := blob.S3Config{AccessKey: "env-key", SecretKey: "env-secret", SessionToken: "env-token"}
	c, err := blob.ParseS3URL("s3://photos/district-7/?region=eu-west-1", env)
	if err != nil {
		t.Fatal(err)
	}
	want := blob.S3Config{Endpoint: "s3.amazonaws.com", Secure: true, Region: "eu-west-1", Bucket: "photos", Prefix: "district-7/",
		AccessKey: "env-key", SecretKey: "env-secret", SessionToken: "env-token"}
	if c != want {
		t.Fatalf("got %+v, want %+v", c, want)
	}
	c, err = blob.ParseS3URL("s3://k:s@photos?endpoint=http://minio:9000", env)
	if err != nil {
		t.Fatal(err)
	}
	want = blob.S3Config{Endpoint: "minio:9000", Secure: false, Bucket: "photos", AccessKey: "k", SecretKey: "s", PathStyle: true}
	if c != want {
		t.Fatalf("keys in the URL win over the environment's: got %+v, want %+v", c, want)
	}
	c, err = blob.ParseS3URL("s3://photos?endpoint=storage.example.org&path_style=false", env)
	if err != nil || c.Endpoint != "storage.example.org" || !c.Secure || c.PathStyle {
		t.Fatalf("an endpoint without a scheme is https; path_style=false asks for bucket names in the host: %+v %v", c, err)
	}
}
