package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// Dir is a Store that keeps each blob as a file under one directory; the key
// "a/b/c" is the file dir/a/b/c. Directories are created 0700 and files
// 0600. Writes go to a hidden temporary file beside the final one, which is
// synced and then renamed over it, so a crash never leaves a half-written
// blob under its key. Several processes may share the directory (a shared
// volume) as long as it supports atomic rename.
type Dir struct {
	root string
}

// NewDir returns a Dir over dir, creating it 0700 when it is missing.
func NewDir(dir string) (*Dir, error) {
	if dir == "" {
		return nil, errors.New("blob: no directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", abs, err)
	}
	return &Dir{root: abs}, nil
}

// path is the file of a valid key.
func (d *Dir) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// Put writes r to key, replacing any blob there only once all of r has been
// read and synced.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader) (err error) {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("blob: create directory for %s: %w", key, err)
	}
	// A leading dot keeps temporary files outside the key space: no valid
	// key names them.
	f, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := io.Copy(f, ctxReader{ctx: ctx, r: r}); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("blob: put %s: sync: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("blob: put %s: close: %w", key, err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return syncDir(dir)
}

// Open returns the blob's bytes; the caller closes the reader.
func (d *Dir) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound(key)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, notFound(key)
	}
	return f, nil
}

// Exists reports whether a blob is stored under key.
func (d *Dir) Exists(ctx context.Context, key string) (bool, error) {
	p, err := d.path(key)
	if err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	st, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	return st.Mode().IsRegular(), nil
}

// Rename moves the blob at from to to, replacing what to held, with one
// rename of the file system: atomic as long as both keys are on one volume.
func (d *Dir) Rename(ctx context.Context, from, to string) error {
	src, err := d.path(from)
	if err != nil {
		return err
	}
	dst, err := d.path(to)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if st, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) || (err == nil && !st.Mode().IsRegular()) {
		return notFound(from)
	} else if err != nil {
		return fmt.Errorf("blob: stat %s: %w", from, err)
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("blob: create directory for %s: %w", to, err)
	}
	if err := os.Rename(src, dst); err != nil {
		return fmt.Errorf("blob: rename %s to %s: %w", from, to, err)
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	if srcDir := filepath.Dir(src); srcDir != dir {
		return syncDir(srcDir)
	}
	return nil
}

// Delete removes the blob at key; a missing key is not an error.
func (d *Dir) Delete(ctx context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: open directory: %w", err)
	}
	defer f.Close()
	// Some network file systems cannot sync a directory; the rename itself
	// is still atomic there.
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("blob: sync directory: %w", err)
	}
	return nil
}

func notFound(key string) error {
	return domain.Errorf(domain.ENotFound, "blob %s not found", key)
}

// ctxReader stops a long copy once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
