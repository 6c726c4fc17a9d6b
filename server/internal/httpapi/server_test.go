package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
	"github.com/walkthrough-edu/walkthrough/server/internal/web"
)

func init() { gin.SetMode(gin.TestMode) }

var shell = fstest.MapFS{
	"index.html":      {Data: []byte("<!doctype html><title>Walkthrough</title>")},
	"assets/app-1.js": {Data: []byte("console.log(1)")},
	"sw.js":           {Data: []byte("self.x=1")},
}

func newTestServer(t *testing.T, db Database) (http.Handler, *Server) {
	t.Helper()
	h, s, err := New(Deps{DB: db, Web: web.Handler(shell)})
	if err != nil {
		t.Fatal(err)
	}
	return h, s
}

func do(h http.Handler, method, path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
	return w
}

func TestOperationsRoutes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		h, _ := newTestServer(t, s)
		if w := do(h, "GET", "/healthz"); w.Code != 200 {
			t.Fatalf("healthz: %d", w.Code)
		}
		if w := do(h, "GET", "/readyz"); w.Code != 200 {
			t.Fatalf("readyz on a migrated database: %d %s", w.Code, w.Body)
		}
		w := do(h, "GET", "/metrics")
		if w.Code != 200 || !strings.Contains(w.Body.String(), `walkthrough_http_request_duration_seconds_bucket{method="GET",route="/readyz",status="200"`) {
			t.Fatalf("metrics lack the per-route histogram: %d\n%.2000s", w.Code, w.Body)
		}
	})
}

func TestReadyzRefusesAnUnmigratedDatabase(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			h, _ := newTestServer(t, testdb.OpenEmpty(t, d))
			w := do(h, "GET", "/readyz")
			if w.Code != http.StatusServiceUnavailable {
				t.Fatalf("readyz before migrations: %d", w.Code)
			}
			assertProblem(t, w, http.StatusServiceUnavailable)
		})
	}
}

type downDB struct{}

func (downDB) Ping(context.Context) error                              { return context.DeadlineExceeded }
func (downDB) AtHead(context.Context) (bool, error)                    { return false, context.DeadlineExceeded }
func (downDB) OnStandby(ctx context.Context, _ string) context.Context { return ctx }
func (downDB) RecordWrite(context.Context, string, string) error       { return nil }
func (downDB) HasStandby() bool                                        { return false }

func TestReadyzRefusesAnUnreachableDatabase(t *testing.T) {
	h, _ := newTestServer(t, downDB{})
	if w := do(h, "GET", "/readyz"); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database down: %d", w.Code)
	}
	if w := do(h, "GET", "/healthz"); w.Code != 200 {
		t.Fatalf("healthz must not depend on the database: %d", w.Code)
	}
}

func TestPWAAndUnknownPaths(t *testing.T) {
	h, _ := newTestServer(t, downDB{})
	if w := do(h, "GET", "/"); w.Code != 200 || !strings.Contains(w.Body.String(), "<title>Walkthrough</title>") {
		t.Fatalf("/ does not serve the shell: %d %s", w.Code, w.Body)
	}
	if w := do(h, "GET", "/observe/123"); w.Code != 200 || !strings.Contains(w.Body.String(), "Walkthrough") {
		t.Fatalf("deep link does not fall back to the shell: %d", w.Code)
	}
	if w := do(h, "GET", "/assets/x.js"); w.Code != 404 || strings.Contains(w.Body.String(), "<title>") {
		t.Fatalf("missing asset: %d %s", w.Code, w.Body)
	}
	w := do(h, "GET", "/api/v1/nothing-here")
	assertProblem(t, w, 404)
	w = do(h, "DELETE", "/healthz")
	assertProblem(t, w, 405)
	w = do(h, "GET", "/")
	for _, hd := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "X-Request-Id"} {
		if w.Header().Get(hd) == "" {
			t.Errorf("header %s missing", hd)
		}
	}
}

func TestPanicIsAProblemWithoutInternals(t *testing.T) {
	_, s := newTestServer(t, downDB{})
	r := gin.New()
	r.Use(requestID(), recoverer(s.log))
	r.GET("/boom", func(c *gin.Context) { panic("secret internal detail at db.go:42") })
	w := do(r, "GET", "/boom")
	p := assertProblem(t, w, 500)
	if strings.Contains(w.Body.String(), "secret") || p.RequestID == "" {
		t.Fatalf("panic leaked internals or lost the request id: %s", w.Body)
	}
}

func assertProblem(t *testing.T, w *httptest.ResponseRecorder, status int) Problem {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("not a problem document: %v: %s", err, w.Body)
	}
	if p.Status != status || p.Title == "" || p.Type == "" {
		t.Fatalf("incomplete problem: %+v", p)
	}
	return p
}
