// Package blob keeps opaque byte streams under string keys: the photos of
// student work that devices upload beside their observations. Dir keeps
// them as files in a directory; any other place (an S3-compatible bucket)
// only has to satisfy Store.
package blob

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// Store keeps blobs under keys. Keys are validated by ValidKey.
//
// Put is atomic: a reader sees either the whole new blob or what the key held
// before, never a part. When r returns an error (a hash that does not match,
// a body over a limit, a dropped connection) Put returns it and the key keeps
// what it held; nothing of the failed write remains.
//
// Rename moves a blob to another key, replacing what that key held, in one
// step; Delete removes a blob and is not an error when the key is absent.
// Open and Rename answer a domain ENotFound error for a missing key.
type Store interface {
	Put(ctx context.Context, key string, r io.Reader) error
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Exists(ctx context.Context, key string) (bool, error)
	Rename(ctx context.Context, from, to string) error
	Delete(ctx context.Context, key string) error
}

// ValidKey reports whether key may name a blob: non-empty segments of
// lower-case letters, digits and hyphens joined by "/", with no leading or
// trailing "/" and no "..". Such keys can never climb out of a directory
// or name a hidden file.
func ValidKey(key string) bool {
	if key == "" || len(key) > 1024 || strings.Contains(key, "..") {
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" {
			return false
		}
		for _, c := range seg {
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return false
			}
		}
	}
	return true
}

func checkKey(key string) error {
	if !ValidKey(key) {
		return fmt.Errorf("blob: invalid key %q", key)
	}
	return nil
}
