//go:build !pwa

package pwa

import (
	"embed"
	"io/fs"
)

//go:embed all:stub
var stub embed.FS

// Files returns a stand-in for the PWA: an index.html that says the binary was
// built without its web interface.
func Files() fs.FS {
	sub, err := fs.Sub(stub, "stub")
	if err != nil {
		// fs.Sub fails only for an invalid path name, and "stub" is valid.
		panic("pwa: " + err.Error())
	}
	return sub
}
