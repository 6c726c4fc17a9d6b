package blob

import (
	"context"
	"fmt"
	"strings"
)

// OpenURL opens the store a location names: empty for the directory dataDir
// (the default: one server, or several on a shared volume), a path or a
// file:// URL for another directory, or s3://bucket[/prefix]?endpoint=…
// for an S3-compatible bucket, signed in with creds unless the URL carries
// its own keys.
func OpenURL(ctx context.Context, location, dataDir string, creds S3Config) (Store, error) {
	switch {
	case location == "":
		return NewDir(dataDir)
	case strings.HasPrefix(location, "s3://"):
		c, err := ParseS3URL(location, creds)
		if err != nil {
			return nil, err
		}
		return NewS3(ctx, c)
	case strings.HasPrefix(location, "file://"):
		return NewDir(strings.TrimPrefix(location, "file://"))
	case strings.Contains(location, "://"):
		return nil, fmt.Errorf("blob: %q is neither a directory nor an s3:// URL", location)
	default:
		return NewDir(location)
	}
}
