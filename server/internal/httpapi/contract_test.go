package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// contract is the OpenAPI document with the router that finds an answer's
// operation in it.
type contract struct {
	doc    *openapi3.T
	router routers.Router
}

// loadContract reads the embedded document once per test process; every
// world's answers are checked against the same copy.
var loadContract = sync.OnceValues(func() (*contract, error) {
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(openAPIDocument))
	if err != nil {
		return nil, fmt.Errorf("load openapi.json: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("validate openapi.json: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route openapi.json: %w", err)
	}
	return &contract{doc: doc, router: router}, nil
})

// checkContract fails the test when the answer to req is not what the
// OpenAPI document says: a status the operation does not list, another
// content type, or a body that does not match the schema.
func (w *world) checkContract(req *http.Request, rec *httptest.ResponseRecorder) {
	w.t.Helper()
	c, err := loadContract()
	if err != nil {
		w.t.Errorf("contract: %v", err)
		return
	}
	if err := c.check(req, rec); err != nil {
		w.t.Errorf("contract: %s %s answered %d: %v", req.Method, req.URL.Path, rec.Code, err)
	}
}

// check validates one answer. A path or method the document does not have
// must be answered 404 or 405 with a problem document.
func (c *contract) check(req *http.Request, rec *httptest.ResponseRecorder) error {
	route, params, err := c.router.FindRoute(req)
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		return c.checkUnrouted(req, rec, http.StatusNotFound)
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return c.checkUnrouted(req, rec, http.StatusMethodNotAllowed)
	case err != nil:
		return fmt.Errorf("find the operation: %w", err)
	}
	op := route.Method + " " + route.Path
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.Options.WithCustomSchemaErrorFunc(schemaErrorMessage)
	in.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s: %s", op, shorten(err.Error()))
	}
	if r := route.Operation.Responses.Status(rec.Code); r != nil && len(r.Value.Content) == 0 && rec.Body.Len() > 0 {
		return fmt.Errorf("%s: the document says %d has no body, but it has %d bytes", op, rec.Code, rec.Body.Len())
	}
	return nil
}

// checkUnrouted checks the answer to a request the document has no
// operation for: the router must refuse it with a problem document. Paths
// outside the API are the web application's.
func (c *contract) checkUnrouted(req *http.Request, rec *httptest.ResponseRecorder, want int) error {
	if !strings.HasPrefix(req.URL.Path, "/api") && rec.Code == http.StatusOK {
		return nil // the web application
	}
	if rec.Code != want {
		return fmt.Errorf("the document has no such operation, so the answer should be %d", want)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		return fmt.Errorf("a refusal with content type %q, not a problem document", ct)
	}
	var v any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		return fmt.Errorf("the problem document is not JSON: %w", err)
	}
	problem := c.doc.Components.Schemas["Problem"].Value
	if err := problem.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.SetSchemaErrorMessageCustomizer(schemaErrorMessage)); err != nil {
		return fmt.Errorf("the problem document does not match the Problem schema: %s", shorten(err.Error()))
	}
	return nil
}

// schemaErrorMessage names where the body breaks the schema and why,
// without the schema and the value the validator would quote.
func schemaErrorMessage(err *openapi3.SchemaError) string {
	switch {
	case err.Origin != nil:
		return err.Origin.Error() // the errors inside, each in this form
	case strings.HasPrefix(err.Reason, "error at "):
		return err.Reason // the JSON Schema 2020-12 validator's, with its path
	}
	return "at /" + strings.Join(err.JSONPointer(), "/") + ": " + err.Reason
}

// shorten keeps a validator's message readable: it can quote the whole
// schema and body.
func shorten(s string) string {
	const limit = 2000
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}

// TestContractCheckRefusesWhatTheDocumentDoesNotSay makes sure the check
// that guards every API test can fail.
func TestContractCheckRefusesWhatTheDocumentDoesNotSay(t *testing.T) {
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	const id = "0190f1c2-7a5b-7c1e-9f7e-6d1d2c3b4a59"
	school := `{"id":"` + id + `","name":"A1","grade_band":"k-5","active":true,"rev":1,"updated_at":"2026-09-01T08:00:00Z"}`
	problem := func(status int, code string) string {
		return fmt.Sprintf(`{"type":"about:blank","title":%q,"status":%d,"code":%q,"request_id":"r1"}`, http.StatusText(status), status, code)
	}
	for _, tc := range []struct {
		name, method, path string
		status             int
		contentType, body  string
		ok                 bool
	}{
		{"a school", "GET", "/api/v1/schools/" + id, 200, "application/json; charset=utf-8", school, true},
		{"a school without its name", "GET", "/api/v1/schools/" + id, 200, "application/json; charset=utf-8",
			strings.Replace(school, `"name":"A1",`, "", 1), false},
		{"a school with a field too many", "GET", "/api/v1/schools/" + id, 200, "application/json; charset=utf-8",
			strings.Replace(school, `{`, `{"district_id":"`+id+`",`, 1), false},
		{"a school as plain text", "GET", "/api/v1/schools/" + id, 200, "text/plain", school, false},
		{"a status the operation does not list", "GET", "/api/v1/schools/" + id, 418, "application/problem+json", problem(418, "teapot"), false},
		{"not found", "GET", "/api/v1/schools/" + id, 404, "application/problem+json", problem(404, "not_found"), true},
		{"not found with the wrong code", "GET", "/api/v1/schools/" + id, 404, "application/problem+json", problem(404, "forbidden"), false},
		{"not found as JSON", "GET", "/api/v1/schools/" + id, 404, "application/json", problem(404, "not_found"), false},
		{"a body on no content", "POST", "/api/v1/auth/logout", 204, "", "{}", false},
		{"an unknown path refused", "GET", "/api/v1/nothing", 404, "application/problem+json", problem(404, "not_found"), true},
		{"an unknown path answered", "GET", "/api/v1/nothing", 200, "application/json", "{}", false},
		{"an unknown method refused", "DELETE", "/api/v1/schools", 405, "application/problem+json", problem(405, "method_not_allowed"), true},
		{"an unknown method refused without a problem", "DELETE", "/api/v1/schools", 405, "text/plain", "no", false},
		{"the web application", "GET", "/observe", 200, "text/html; charset=utf-8", "<!doctype html>", true},
	} {
		rec := httptest.NewRecorder()
		if tc.contentType != "" {
			rec.Header().Set("Content-Type", tc.contentType)
		}
		rec.WriteHeader(tc.status)
		rec.WriteString(tc.body)
		err := c.check(httptest.NewRequest(tc.method, tc.path, nil), rec)
		if (err == nil) != tc.ok {
			t.Errorf("%s: the check answered %v", tc.name, err)
		}
	}
}
