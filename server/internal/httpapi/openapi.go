package httpapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// openAPIDocument is the API's contract. The API tests validate every
// answer against it, so it cannot drift from the handlers.
//
//go:embed openapi.json
var openAPIDocument string

// openAPI answers GET /api/v1/openapi.json: the document as it is embedded.
func (s *Server) openAPI(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json", []byte(openAPIDocument))
}

// queryParams are the query parameters an operation documents, by name:
// true for a list (the parameter may be repeated).
type queryParams map[string]bool

// documentedQueries reads every operation's query parameters from the
// OpenAPI document, keyed "GET /api/v1/schools/{id}".
func documentedQueries(doc string) (map[string]queryParams, error) {
	type param struct {
		Ref    string `json:"$ref"`
		Name   string `json:"name"`
		In     string `json:"in"`
		Schema struct {
			Type any `json:"type"`
		} `json:"schema"`
	}
	var d struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]param `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return nil, fmt.Errorf("read openapi.json: %w", err)
	}
	resolve := func(p param) (param, error) {
		if p.Ref == "" {
			return p, nil
		}
		name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/")
		ref, found := d.Components.Parameters[name]
		if !ok || !found {
			return p, fmt.Errorf("openapi.json: no parameter %s", p.Ref)
		}
		return ref, nil
	}
	add := func(into queryParams, raw json.RawMessage) error {
		var ps []param
		if err := json.Unmarshal(raw, &ps); err != nil {
			return err
		}
		for _, p := range ps {
			p, err := resolve(p)
			if err != nil {
				return err
			}
			if p.In == "query" {
				into[p.Name] = p.Schema.Type == "array"
			}
		}
		return nil
	}
	out := map[string]queryParams{}
	for path, item := range d.Paths {
		shared := queryParams{}
		if raw, ok := item["parameters"]; ok {
			if err := add(shared, raw); err != nil {
				return nil, fmt.Errorf("openapi.json: %s: %w", path, err)
			}
		}
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			var op struct {
				Parameters json.RawMessage `json:"parameters"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("openapi.json: %s %s: %w", method, path, err)
			}
			qp := maps.Clone(shared)
			if op.Parameters != nil {
				if err := add(qp, op.Parameters); err != nil {
					return nil, fmt.Errorf("openapi.json: %s %s: %w", method, path, err)
				}
			}
			out[strings.ToUpper(method)+" "+path] = qp
		}
	}
	return out, nil
}

// checkQuery refuses, with a 422 naming each, a query parameter the
// operation does not document and one given twice that is not a list: a
// misspelt filter is an error, never a filter quietly left out.
func (s *Server) checkQuery(allowed queryParams) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.URL.RawQuery == "" {
			c.Next()
			return
		}
		var p domain.Problems
		q := c.Request.URL.Query()
		for _, name := range slices.Sorted(maps.Keys(q)) {
			list, ok := allowed[name]
			switch {
			case !ok:
				p.Add(name, "is not a parameter of this operation")
			case !list && len(q[name]) > 1:
				p.Add(name, "must be given once")
			}
		}
		if err := p.Err("the query has parameters this operation does not take"); err != nil {
			s.fail(c, err)
			return
		}
		c.Next()
	}
}
