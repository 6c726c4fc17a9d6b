package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/blob"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

func mustDir(t *testing.T) (*blob.Dir, string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "blobs")
	d, err := blob.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	return d, root
}

func mustRead(t *testing.T, d blob.Store, key string) []byte {
	t.Helper()
	rc, err := d.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hiddenFiles lists every file under root whose name starts with a dot: the
// temporary files of Put.
func hiddenFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(e.Name(), ".") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDirPutOpenExistsRenameDelete(t *testing.T) {
	ctx := context.Background()
	d, root := mustDir(t)
	if st, err := os.Stat(root); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("root must be created 0700: %v %v", st, err)
	}
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
	st, err := os.Stat(filepath.Join(root, "attachments", "d1", "a-1"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("blob file must be 0600 at its key's path: %v %v", st, err)
	}
	if st, err := os.Stat(filepath.Join(root, "attachments", "d1")); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("directories must be 0700: %v %v", st, err)
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
	if h := hiddenFiles(t, root); len(h) != 0 {
		t.Fatalf("temporary files left behind: %v", h)
	}
}

func TestDirRefusesBadKeys(t *testing.T) {
	ctx := context.Background()
	d, root := mustDir(t)
	for _, key := range []string{"", "/abs", "a/", "a//b", "../up", "a/../../b", "A", "a.b", ".hidden", "a b", "a\\b", "é", "a/./b"} {
		if blob.ValidKey(key) {
			t.Errorf("%q must not be a valid key", key)
		}
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
	for _, key := range []string{"a", "attachments/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", "tmp/x-1"} {
		if !blob.ValidKey(key) {
			t.Errorf("%q must be a valid key", key)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(root)); len(entries) != 1 {
		t.Fatalf("a refused key wrote outside the root: %v", entries)
	}
}

// failingReader yields some bytes, then an error, like an upload whose hash
// turned out wrong or whose connection dropped.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestDirPutThatFailsKeepsTheOldBlobAndLeavesNoTemporaryFile(t *testing.T) {
	ctx := context.Background()
	d, root := mustDir(t)
	key := "attachments/d/a"
	if err := d.Put(ctx, key, strings.NewReader("good")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := d.Put(ctx, key, &failingReader{data: bytes.Repeat([]byte("bad"), 100000), err: boom})
	if !errors.Is(err, boom) {
		t.Fatalf("put must return the reader's error wrapped, got %v", err)
	}
	if got := mustRead(t, d, key); string(got) != "good" {
		t.Fatalf("a failed put replaced the blob: %q", got[:min(len(got), 20)])
	}
	if err := d.Put(ctx, "attachments/d/new", &failingReader{data: []byte("part"), err: boom}); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if ok, _ := d.Exists(ctx, "attachments/d/new"); ok {
		t.Fatal("a failed put of a new key left a blob")
	}
	if h := hiddenFiles(t, root); len(h) != 0 {
		t.Fatalf("temporary files left behind: %v", h)
	}
}

func TestDirPutStopsWhenTheContextIsDone(t *testing.T) {
	d, _ := mustDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Put(ctx, "a", strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if ok, _ := d.Exists(context.Background(), "a"); ok {
		t.Fatal("a cancelled put stored a blob")
	}
}

func TestDirOpenOfADirectoryIsNotFound(t *testing.T) {
	ctx := context.Background()
	d, _ := mustDir(t)
	if err := d.Put(ctx, "a/b", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(ctx, "a"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("got %v", err)
	}
	if ok, err := d.Exists(ctx, "a"); err != nil || ok {
		t.Fatalf("a directory is not a blob: %v %v", ok, err)
	}
}
