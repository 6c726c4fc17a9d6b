// Package web serves the embedded PWA with the cache headers a service worker
// app needs: the files that name other files (index.html, sw.js, the web
// manifest) are revalidated on every load, and the content-hashed files under
// assets/ are cached for a year. Text files are compressed once, when the
// handler is made, and sent compressed to clients that accept it.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"
)

const (
	indexFile = "index.html"
	assetsDir = "assets"

	cacheImmutable = "public, max-age=31536000, immutable"
	// no-cache lets the browser keep a copy but makes it ask first, so a new
	// deployment is seen on the next load (and sw.js on the next update check).
	cacheRevalidate = "no-cache"
)

type handler struct {
	files fs.FS
	// etags holds a strong validator per file, computed once: the embedded
	// files have no modification times to revalidate with.
	etags map[string]string
	// packed holds the compressed copies of the text files, per encoding.
	packed map[string]map[string][]byte
}

// Handler serves the PWA in files, which has index.html at its root.
//
// Files under assets/ are cached as immutable and a missing one is a 404.
// Every other file is served with Cache-Control: no-cache. Any other path
// answers index.html, so that the app's deep links work, except paths under
// /api/ and the operations endpoints, which answer 404. Only GET and HEAD are
// allowed. The files must not change while the handler serves them.
func Handler(files fs.FS) http.Handler {
	return &handler{files: files, etags: etags(files), packed: pack(files)}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if isReserved(name) {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	if name == "" {
		name = indexFile
	}
	if h.serveFile(w, r, name) {
		return
	}
	if name == assetsDir || strings.HasPrefix(name, assetsDir+"/") {
		http.NotFound(w, r)
		return
	}
	if !h.serveFile(w, r, indexFile) {
		http.NotFound(w, r)
	}
}

// isReserved reports whether name is under a path the PWA never answers: the
// API and the operations endpoints belong to other handlers, and a client
// that reaches this one for them must get a 404, never the app's index page.
func isReserved(name string) bool {
	first, _, _ := strings.Cut(name, "/")
	switch first {
	case "api", "healthz", "readyz", "metrics":
		return true
	}
	return false
}

// serveFile writes the named file and reports whether it exists as a regular
// file; when it does not, nothing has been written.
func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, name string) bool {
	if !fs.ValidPath(name) {
		return false
	}
	f, err := h.files.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	header := w.Header()
	header.Set("Content-Type", contentType(name))
	if strings.HasPrefix(name, assetsDir+"/") {
		header.Set("Cache-Control", cacheImmutable)
	} else {
		header.Set("Cache-Control", cacheRevalidate)
	}
	if copies := h.packed[name]; copies != nil {
		header.Set("Vary", "Accept-Encoding")
		if enc := accepted(r.Header.Get("Accept-Encoding"), copies); enc != "" {
			header.Set("Content-Encoding", enc)
			if etag, ok := h.etags[name]; ok {
				header.Set("ETag", strings.TrimSuffix(etag, `"`)+"-"+enc+`"`)
			}
			http.ServeContent(w, r, name, info.ModTime(), bytes.NewReader(copies[enc]))
			return true
		}
	}
	content, ok := f.(io.ReadSeeker)
	if !ok {
		b, err := io.ReadAll(f)
		if err != nil {
			return false
		}
		content = bytes.NewReader(b)
	}
	if etag, ok := h.etags[name]; ok {
		header.Set("ETag", etag)
		// A compressed copy went out with the encoding added to its tag
		// (see httpapi's compression); it is the same file.
		if tags := r.Header.Get("If-None-Match"); tags != "" {
			r.Header.Set("If-None-Match", encodedTag.Replace(tags))
		}
	}
	// ServeContent answers HEAD, ranges and If-None-Match, and unlike
	// http.FileServer never redirects /index.html to /.
	http.ServeContent(w, r, name, info.ModTime(), content)
	return true
}

// encodedTag takes the encoding back out of the tag of a compressed copy.
var encodedTag = strings.NewReplacer(`-gzip"`, `"`, `-zstd"`, `"`)

// contentType fixes the types the PWA depends on rather than trusting the
// machine's MIME tables: a manifest served as application/octet-stream, or a
// module script as text/plain, breaks the app.
func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	switch ext {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json", ".map":
		return "application/json"
	case ".webmanifest":
		return "application/manifest+json"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".webp":
		return "image/webp"
	case ".woff2":
		return "font/woff2"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// etags hashes every regular file in files. A file that cannot be read gets
// no ETag and is still served.
func etags(files fs.FS) map[string]string {
	tags := make(map[string]string)
	_ = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(b)
		tags[name] = `"` + hex.EncodeToString(sum[:16]) + `"`
		return nil
	})
	return tags
}

// packedTypes are the extensions of the files worth compressing.
var packedTypes = map[string]bool{".html": true, ".js": true, ".mjs": true, ".css": true, ".json": true, ".map": true, ".webmanifest": true, ".svg": true, ".txt": true}

// pack compresses every text file of 1 KiB or more in files with zstd and
// gzip at their best levels, keeping a copy that comes out smaller.
func pack(files fs.FS) map[string]map[string][]byte {
	out := map[string]map[string][]byte{}
	zw, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression))
	if err != nil {
		return out
	}
	defer zw.Close()
	_ = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || !packedTypes[strings.ToLower(path.Ext(name))] {
			return nil
		}
		b, err := fs.ReadFile(files, name)
		if err != nil || len(b) < 1024 {
			return nil
		}
		copies := map[string][]byte{}
		if z := zw.EncodeAll(b, nil); len(z) < len(b) {
			copies["zstd"] = z
		}
		var buf bytes.Buffer
		gw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := gw.Write(b); err == nil && gw.Close() == nil && buf.Len() < len(b) {
			copies["gzip"] = buf.Bytes()
		}
		if len(copies) > 0 {
			out[name] = copies
		}
		return nil
	})
	return out
}

// accepted is the encoding of copies to send for an Accept-Encoding header:
// zstd, else gzip, if the client accepts it (a q of 0 refuses), else "".
func accepted(header string, copies map[string][]byte) string {
	ok := map[string]bool{}
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		if v, found := strings.CutPrefix(strings.TrimSpace(params), "q="); found {
			if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil || q == 0 {
				continue
			}
		}
		ok[strings.ToLower(strings.TrimSpace(coding))] = true
	}
	for _, enc := range []string{"zstd", "gzip"} {
		if ok[enc] && copies[enc] != nil {
			return enc
		}
	}
	return ""
}
