package httpapi

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/klauspost/compress/zstd"

	"github.com/walkthrough-edu/walkthrough/server/internal/web"
)

// getEncoded sends a GET as the actor with the Accept-Encoding given, past the
// contract check (which reads bodies as sent).
func (w *world) getEncoded(a actor, path, acceptEncoding string) *httptest.ResponseRecorder {
	w.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+w.access[a])
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	rec := httptest.NewRecorder()
	w.handler.ServeHTTP(rec, req)
	return rec
}

func decoded(t *testing.T, rec *httptest.ResponseRecorder) []byte {
	t.Helper()
	var r io.Reader
	switch enc := rec.Header().Get("Content-Encoding"); enc {
	case "":
		return rec.Body.Bytes()
	case "gzip":
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	default:
		t.Fatalf("Content-Encoding %q", enc)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A tablet on a school's network asks for gzip or zstd and gets its pull
// page compressed, byte for byte the same JSON; a client that does not ask
// gets it as it is.
func TestAnswersAreCompressedWhenTheClientAcceptsThem(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		const path = "/api/v1/sync/pull?limit=200"
		plain := w.getEncoded(coach, path, "")
		if plain.Code != 200 || plain.Header().Get("Content-Encoding") != "" {
			t.Fatalf("without Accept-Encoding: %d, Content-Encoding %q", plain.Code, plain.Header().Get("Content-Encoding"))
		}
		if plain.Body.Len() < 4096 {
			t.Fatalf("the pull page is %d bytes: too small to show compression", plain.Body.Len())
		}
		for _, tc := range []struct{ accept, want string }{
			{"gzip", "gzip"},
			{"gzip, deflate, br, zstd", "zstd"},
			{"zstd;q=0.5, gzip", "gzip"},
		} {
			rec := w.getEncoded(coach, path, tc.accept)
			if rec.Code != 200 || rec.Header().Get("Content-Encoding") != tc.want {
				t.Fatalf("Accept-Encoding %q: %d, Content-Encoding %q, want %q", tc.accept, rec.Code, rec.Header().Get("Content-Encoding"), tc.want)
			}
			if !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
				t.Errorf("Accept-Encoding %q: Vary is %q", tc.accept, rec.Header().Get("Vary"))
			}
			sent := rec.Body.Len()
			got := decoded(t, rec)
			if !bytes.Equal(got, plain.Body.Bytes()) {
				t.Fatalf("Accept-Encoding %q: the decompressed page differs from the plain one", tc.accept)
			}
			if sent*2 > len(got) {
				t.Errorf("Accept-Encoding %q: %d bytes sent for %d: less than half saved", tc.accept, sent, len(got))
			}
		}
	})
}

// Answers that carry a secret beside what the request sent (tokens) are
// never compressed, however large; others are.
func TestSecretsAreNeverCompressed(t *testing.T) {
	big := bytes.Repeat([]byte(`{"access_token":"abc"}`), 400)
	h, err := compressed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(big)
	}))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/api/v1/auth/login": "", "/api/v1/auth/refresh": "", "/api/v1/me/calendar": "", "/api/v1/trends": "gzip"} {
		req := httptest.NewRequest(http.MethodPost, path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get("Content-Encoding"); got != want {
			t.Errorf("%s: Content-Encoding %q, want %q", path, got, want)
		}
	}
}

// The PWA's files go out compressed with their own tag, and a browser that
// revalidates with that tag is told its copy is current.
func TestCompressedFilesRevalidate(t *testing.T) {
	files := fstest.MapFS{
		"index.html":          {Data: []byte("<!doctype html><title>Walkthrough</title>")},
		"assets/index-abc.js": {Data: bytes.Repeat([]byte("console.log('walkthrough');\n"), 200)},
	}
	h, err := compressed(web.Handler(files))
	if err != nil {
		t.Fatal(err)
	}
	get := func(tag string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/assets/index-abc.js", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		if tag != "" {
			req.Header.Set("If-None-Match", tag)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	first := get("")
	tag := first.Header().Get("ETag")
	if first.Code != 200 || first.Header().Get("Content-Encoding") != "gzip" || !strings.HasSuffix(tag, `-gzip"`) {
		t.Fatalf("first load: %d, Content-Encoding %q, ETag %q", first.Code, first.Header().Get("Content-Encoding"), tag)
	}
	if again := get(tag); again.Code != http.StatusNotModified {
		t.Fatalf("revalidating with %s: %d, want 304", tag, again.Code)
	}
}
