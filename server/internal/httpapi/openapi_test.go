package httpapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(openAPIDocument))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("the document is OpenAPI %s; ARCHITECTURE.md asks for 3.1", doc.OpenAPI)
	}
	if doc.Info.Title != "Walkthrough API" || doc.Info.Version != "1" {
		t.Errorf("info is %q version %q", doc.Info.Title, doc.Info.Version)
	}
}

// TestOpenAPIDocumentHasEveryRoute checks the document against the route
// table both ways, and that exactly the public routes need no token.
func TestOpenAPIDocumentHasEveryRoute(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(openAPIDocument))
	if err != nil {
		t.Fatal(err)
	}
	_, srv, err := New(Deps{})
	if err != nil {
		t.Fatal(err)
	}
	inRouter := map[string]bool{}
	for _, rt := range srv.Routes() {
		path := ginParam.ReplaceAllString(rt.Path, "{$1}")
		key := rt.Method + " " + path
		inRouter[key] = true
		item := doc.Paths.Value(path)
		var op *openapi3.Operation
		if item != nil {
			op = item.GetOperation(rt.Method)
		}
		if op == nil {
			t.Errorf("route %s is not in openapi.json", key)
			continue
		}
		public := op.Security != nil && len(*op.Security) == 0
		if public != rt.Public {
			t.Errorf("%s: public in the document is %v, in the route table %v", key, public, rt.Public)
		}
	}
	var extra []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if key := method + " " + path; !inRouter[key] {
				extra = append(extra, key)
			}
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("openapi.json has operations the router lacks: %s", strings.Join(extra, ", "))
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearer"] == nil {
		t.Errorf("the document's default security is %v, want bearer", doc.Security)
	}
}

func TestOpenAPIServedAsCommitted(t *testing.T) {
	onDisk, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := New(Deps{})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json: %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control %q", cc)
	}
	if string(body) != string(onDisk) {
		t.Errorf("the served document (%d bytes) is not openapi.json (%d bytes)", len(body), len(onDisk))
	}
}
