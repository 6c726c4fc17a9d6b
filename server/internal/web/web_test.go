package web_test

import (
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/klauspost/compress/zstd"

	"github.com/walkthrough-edu/walkthrough/pwa"
	"github.com/walkthrough-edu/walkthrough/server/internal/web"
)

const indexBody = `<!doctype html><title>Walkthrough</title><div id="app"></div>`

// builtPWA looks like Vite's output: what pwa.Files returns after npm run build.
func builtPWA() fstest.MapFS {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		"index.html":                  file(indexBody),
		"sw.js":                       file(`define(["./workbox-9c191d2f"],function(e){})`),
		"workbox-9c191d2f.js":         file(`define(["exports"],function(e){})`),
		"registerSW.js":               file(`navigator.serviceWorker.register("/sw.js")`),
		"manifest.webmanifest":        file(`{"name":"Walkthrough"}`),
		"assets/index-BBGp6pSm.js":    file(`console.log("app")`),
		"assets/index-CGA00Zc6.css":   file(`body{margin:0}`),
		"assets/workbox-window-x1.js": file(`export{}`),
		"icons/icon.svg":              file(`<svg xmlns="http://www.w3.org/2000/svg"/>`),
		"icons/icon-192.png":          file("\x89PNG\r\n\x1a\n"),
	}
}

// MustServe sends one request to h and returns the recorded response with
// its body read.
func MustServe(tb testing.TB, h http.Handler, method, target string, header http.Header) (*http.Response, string) {
	tb.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	tb.Cleanup(func() { res.Body.Close() })
	body, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatalf("read body of %s %s: %v", method, target, err)
	}
	return res, string(body)
}

func TestHandlerServesFilesWithTheirHeaders(t *testing.T) {
	files := builtPWA()
	h := web.Handler(files)
	const (
		noCache   = "no-cache"
		immutable = "public, max-age=31536000, immutable"
	)
	tests := []struct {
		target      string
		file        string
		contentType string
		cache       string
	}{
		{"/", "index.html", "text/html; charset=utf-8", noCache},
		{"/index.html", "index.html", "text/html; charset=utf-8", noCache},
		{"/sw.js", "sw.js", "text/javascript; charset=utf-8", noCache},
		{"/workbox-9c191d2f.js", "workbox-9c191d2f.js", "text/javascript; charset=utf-8", noCache},
		{"/registerSW.js", "registerSW.js", "text/javascript; charset=utf-8", noCache},
		{"/manifest.webmanifest", "manifest.webmanifest", "application/manifest+json", noCache},
		{"/assets/index-BBGp6pSm.js", "assets/index-BBGp6pSm.js", "text/javascript; charset=utf-8", immutable},
		{"/assets/index-CGA00Zc6.css", "assets/index-CGA00Zc6.css", "text/css; charset=utf-8", immutable},
		{"/assets/workbox-window-x1.js", "assets/workbox-window-x1.js", "text/javascript; charset=utf-8", immutable},
		{"/icons/icon.svg", "icons/icon.svg", "image/svg+xml", noCache},
		{"/icons/icon-192.png", "icons/icon-192.png", "image/png", noCache},
		{"/sw.js?v=2", "sw.js", "text/javascript; charset=utf-8", noCache},
		{"/assets/../sw.js", "sw.js", "text/javascript; charset=utf-8", noCache},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			res, body := MustServe(t, h, http.MethodGet, tt.target, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", res.StatusCode)
			}
			if want := string(files[tt.file].Data); body != want {
				t.Errorf("body = %q, want %q", body, want)
			}
			if got := res.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}
			if got := res.Header.Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control = %q, want %q", got, tt.cache)
			}
			if res.Header.Get("ETag") == "" {
				t.Error("no ETag")
			}
			if loc := res.Header.Get("Location"); loc != "" {
				t.Errorf("Location = %q, want no redirect", loc)
			}
		})
	}
}

func TestHandlerFallsBackToIndexForDeepLinks(t *testing.T) {
	h := web.Handler(builtPWA())
	for _, target := range []string{
		"/walkthroughs/0190c3a4-7d2e-7000-8000-000000000001",
		"/schools/12/teachers/",
		"/cycles?due=week",
		"/icons/missing.png",
		"/apiary",
		"/assetsfolder/x.js",
	} {
		t.Run(target, func(t *testing.T) {
			res, body := MustServe(t, h, http.MethodGet, target, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", res.StatusCode)
			}
			if body != indexBody {
				t.Errorf("body = %q, want the index page", body)
			}
			if got := res.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := res.Header.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("Cache-Control = %q, want no-cache", got)
			}
		})
	}
}

func TestHandlerNeverAnswersIndexForMissingAssetsOrReservedPaths(t *testing.T) {
	h := web.Handler(builtPWA())
	assets := []string{"/assets/index-OLDHASH.js", "/assets/nested/missing.css", "/assets/", "/assets"}
	// Reserved paths belong to other handlers: they are 404 whatever the
	// method, so that this handler never claims to know them.
	reserved := []string{"/api/x", "/api/v1/schools", "/api", "/api/", "/healthz", "/readyz", "/metrics"}
	for _, target := range append(assets, reserved...) {
		methods := []string{http.MethodGet, http.MethodHead}
		if strings.HasPrefix(target, "/api") {
			methods = append(methods, http.MethodPost, http.MethodPut)
		}
		for _, method := range methods {
			t.Run(method+" "+target, func(t *testing.T) {
				res, body := MustServe(t, h, method, target, nil)
				if res.StatusCode != http.StatusNotFound {
					t.Fatalf("status = %d, want 404", res.StatusCode)
				}
				if strings.Contains(body, "Walkthrough") || strings.Contains(res.Header.Get("Content-Type"), "text/html") {
					t.Errorf("answered with the index page: %q", body)
				}
				if got := res.Header.Get("Cache-Control"); got == "public, max-age=31536000, immutable" {
					t.Error("a 404 is marked immutable")
				}
			})
		}
	}
}

func TestHandlerHead(t *testing.T) {
	h := web.Handler(builtPWA())
	for _, target := range []string{"/sw.js", "/assets/index-BBGp6pSm.js", "/a/deep/link"} {
		get, getBody := MustServe(t, h, http.MethodGet, target, nil)
		head, headBody := MustServe(t, h, http.MethodHead, target, nil)
		if head.StatusCode != http.StatusOK {
			t.Errorf("HEAD %s: status = %d, want 200", target, head.StatusCode)
		}
		if headBody != "" {
			t.Errorf("HEAD %s: body = %q, want none", target, headBody)
		}
		for _, k := range []string{"Content-Type", "Content-Length", "Cache-Control", "ETag"} {
			if head.Header.Get(k) != get.Header.Get(k) {
				t.Errorf("HEAD %s: %s = %q, GET has %q", target, k, head.Header.Get(k), get.Header.Get(k))
			}
		}
		if want := len(getBody); head.Header.Get("Content-Length") == "" || get.ContentLength != int64(want) {
			t.Errorf("HEAD %s: Content-Length = %q, body is %d bytes", target, head.Header.Get("Content-Length"), want)
		}
	}
}

func TestHandlerAllowsOnlyGetAndHead(t *testing.T) {
	h := web.Handler(builtPWA())
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		for _, target := range []string{"/", "/sw.js", "/a/deep/link", "/assets/index-BBGp6pSm.js"} {
			res, _ := MustServe(t, h, method, target, nil)
			if res.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: status = %d, want 405", method, target, res.StatusCode)
			}
			if got := res.Header.Get("Allow"); got != "GET, HEAD" {
				t.Errorf("%s %s: Allow = %q, want \"GET, HEAD\"", method, target, got)
			}
		}
	}
}

func TestHandlerRevalidatesWithETag(t *testing.T) {
	h := web.Handler(builtPWA())
	first, _ := MustServe(t, h, http.MethodGet, "/sw.js", nil)
	etag := first.Header.Get("ETag")
	res, body := MustServe(t, h, http.MethodGet, "/sw.js", http.Header{"If-None-Match": {etag}})
	if res.StatusCode != http.StatusNotModified {
		t.Fatalf("status = %d, want 304", res.StatusCode)
	}
	if body != "" {
		t.Errorf("body = %q, want none", body)
	}

	other, _ := MustServe(t, h, http.MethodGet, "/index.html", nil)
	if other.Header.Get("ETag") == etag {
		t.Error("sw.js and index.html share an ETag")
	}
}

func TestHandlerWithoutIndex(t *testing.T) {
	h := web.Handler(fstest.MapFS{"sw.js": {Data: []byte("x")}})
	for _, target := range []string{"/", "/a/deep/link"} {
		res, _ := MustServe(t, h, http.MethodGet, target, nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status = %d, want 404", target, res.StatusCode)
		}
	}
}

// TestHandlerServesTheEmbeddedPWA runs against what the binary embeds: the
// stub page without the pwa build tag, Vite's output with it.
func TestHandlerServesTheEmbeddedPWA(t *testing.T) {
	files := pwa.Files()
	h := web.Handler(files)

	res, body := MustServe(t, h, http.MethodGet, "/", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Walkthrough") {
		t.Fatalf("GET /: status %d, body %q", res.StatusCode, body)
	}
	if got := res.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("GET /: Content-Type = %q", got)
	}

	if _, err := fs.Stat(files, "sw.js"); err != nil {
		t.Log("the stub is embedded (built without the pwa tag); skipping the service worker checks")
		return
	}
	for target, contentType := range map[string]string{
		"/sw.js":                "text/javascript; charset=utf-8",
		"/manifest.webmanifest": "application/manifest+json",
	} {
		res, _ := MustServe(t, h, http.MethodGet, target, nil)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != contentType || res.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: status %d, Content-Type %q, Cache-Control %q", target, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"))
		}
	}
	assets, err := fs.ReadDir(files, "assets")
	if err != nil || len(assets) == 0 {
		t.Fatalf("the built PWA has no assets: %v", err)
	}
	res, _ = MustServe(t, h, http.MethodGet, "/assets/"+assets[0].Name(), nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("GET /assets/%s: status %d, Cache-Control %q", assets[0].Name(), res.StatusCode, res.Header.Get("Cache-Control"))
	}
}

// TestHandlerSendsTextFilesCompressedOnce: a text file of 1 KiB or more
// goes out as the copy compressed when the handler was made, zstd where the
// client accepts it, else gzip, else as it is; each copy has its own ETag
// and revalidates; small files and images go as they are.
func TestHandlerSendsTextFilesCompressedOnce(t *testing.T) {
	files := builtPWA()
	app := strings.Repeat(`console.log("a walkthrough of every classroom");`, 200)
	files["assets/index-BBGp6pSm.js"] = &fstest.MapFile{Data: []byte(app)}
	h := web.Handler(files)
	const asset = "/assets/index-BBGp6pSm.js"

	tags := map[string]bool{}
	for _, c := range []struct{ accept, encoding string }{
		{"gzip, deflate, br, zstd", "zstd"},
		{"gzip, deflate, br", "gzip"},
		{"zstd;q=0, gzip;q=0.5", "gzip"},
		{"gzip;q=0", ""},
		{"", ""},
	} {
		res, body := MustServe(t, h, http.MethodGet, asset, http.Header{"Accept-Encoding": {c.accept}})
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != c.encoding || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("Accept-Encoding %q: status %d, Content-Encoding %q, Vary %q", c.accept, res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
		}
		var plain []byte
		switch c.encoding {
		case "zstd":
			d, err := zstd.NewReader(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			plain, err = io.ReadAll(d)
			d.Close()
			if err != nil {
				t.Fatal(err)
			}
		case "gzip":
			d, err := gzip.NewReader(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if plain, err = io.ReadAll(d); err != nil {
				t.Fatal(err)
			}
		default:
			plain = []byte(body)
		}
		if string(plain) != app || c.encoding != "" && len(body) > len(app)/4 {
			t.Fatalf("Accept-Encoding %q: %d bytes that decode to %d, want the file's %d, compressed", c.accept, len(body), len(plain), len(app))
		}
		etag := res.Header.Get("ETag")
		tags[etag] = true
		again, _ := MustServe(t, h, http.MethodGet, asset, http.Header{"Accept-Encoding": {c.accept}, "If-None-Match": {etag}})
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("Accept-Encoding %q: revalidating %s answered %d, want 304", c.accept, etag, again.StatusCode)
		}
	}
	if len(tags) != 3 {
		t.Errorf("the plain, gzip and zstd copies have %d ETags, want 3: %v", len(tags), tags)
	}
	for _, small := range []string{"/sw.js", "/icons/icon-192.png"} {
		res, _ := MustServe(t, h, http.MethodGet, small, http.Header{"Accept-Encoding": {"gzip, zstd"}})
		if res.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s went out as %s", small, res.Header.Get("Content-Encoding"))
		}
	}
}
