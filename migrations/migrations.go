// Package migrations embeds the versioned SQL that builds the schema, one
// folder per dialect with the same version numbers in each.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// For returns the migrations of a dialect ("postgres" or "sqlite") with the
// files at the root of the returned filesystem.
func For(dialect string) (fs.FS, error) {
	return fs.Sub(files, dialect)
}
