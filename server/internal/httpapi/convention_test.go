package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// The API's convention (openapi.json, info.description, "Conventions") as
// checks on one operation of the document. TestEveryRouteFollowsTheConvention
// runs them on every route of the router, so a route added without
// following it fails; TestConventionChecksCanFail proves each check bites.

const problemSchema = "#/components/schemas/Problem"

// conventionProblems says how the operation method path breaks the
// convention; none when it follows it.
func conventionProblems(item *openapi3.PathItem, method, path string) []string {
	op := item.GetOperation(method)
	if op == nil {
		return []string{"the operation is not in openapi.json"}
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	query := map[string]*openapi3.Parameter{}
	for _, refs := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, r := range refs {
			if p := r.Value; p != nil && p.In == openapi3.ParameterInQuery {
				query[p.Name] = p
			}
		}
	}
	for _, name := range sortedKeys(query) {
		p := query[name]
		s := schemaOf(p.Schema)
		isDate := s != nil && (s.Format == "date" || s.Format == "date-time")
		switch {
		case (name == "from" || name == "to") && (s == nil || !s.Type.Is("string") || s.Format != "date"):
			add("query parameter %s bounds time: it must be a date (type string, format date)", name)
		case isDate && name != "from" && name != "to":
			add("query parameter %s is a date or time: time is bounded by from and to only", name)
		}
		if strings.HasSuffix(name, "_id") && p.Extensions["x-selector"] != true {
			items := (*openapi3.SchemaRef)(nil)
			if s != nil {
				items = s.Items
			}
			explode := p.Explode == nil || *p.Explode
			if s == nil || !s.Type.Is("array") || items == nil || items.Ref != "#/components/schemas/Id" || !explode || (p.Style != "" && p.Style != "form") {
				add("query parameter %s filters by id: it must be an array of Id, the parameter repeated (style form, explode), or be marked x-selector", name)
			}
		}
		if s != nil && s.Type.Is("string") && (name == "mine" || strings.HasPrefix(name, "dry_") || strings.HasPrefix(name, "is_")) {
			add("query parameter %s is a yes or no: it must be a boolean", name)
		}
	}
	list := false
	if ok := op.Responses.Status(http.StatusOK); ok != nil && ok.Value != nil {
		if mt := ok.Value.Content.Get("application/json"); mt != nil {
			if s := schemaOf(mt.Schema); s != nil && s.Properties["items"] != nil {
				list = true
				if c := schemaOf(s.Properties["cursor"]); c == nil || !c.Type.Is("string") {
					add("a list's answer must have cursor, a string")
				}
				if m := schemaOf(s.Properties["more"]); m == nil || !m.Type.Is("boolean") {
					add("a list's answer must have more, a boolean")
				}
				for _, k := range []string{"items", "cursor", "more"} {
					if !slices.Contains(s.Required, k) {
						add("a list's answer must always have %s", k)
					}
				}
			}
		}
	}
	switch _, hasCursor := query["cursor"]; {
	case list:
		if !hasCursor {
			add("a list must take cursor")
		}
		if l := query["limit"]; l == nil || schemaOf(l.Schema) == nil || schemaOf(l.Schema).Max == nil || *schemaOf(l.Schema).Max != maxLimit ||
			schemaOf(l.Schema).Default != float64(defaultLimit) {
			add("a list must take limit, 1 to %d, %d when left out", maxLimit, defaultLimit)
		}
	case hasCursor && path != "/api/v1/sync/pull":
		add("only a list takes cursor; its answer must have items, cursor and more")
	}
	for status, r := range op.Responses.Map() {
		if status != "default" && status < "400" {
			continue
		}
		if r.Value == nil || len(r.Value.Content) != 1 || r.Value.Content.Get("application/problem+json") == nil ||
			!refersTo(r.Value.Content.Get("application/problem+json").Schema, problemSchema) {
			add("the %s answer must be a problem document: application/problem+json with the Problem schema", status)
		}
	}
	if op.Responses.Status(http.StatusUnprocessableEntity) == nil {
		add("every operation may answer 422 (a parameter it does not take, NUL in a parameter)")
	}
	if method == http.MethodPatch {
		var body *openapi3.Schema
		if op.RequestBody != nil && op.RequestBody.Value != nil {
			if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil {
				body = schemaOf(mt.Schema)
			}
		}
		if body == nil || body.Properties["rev"] == nil || !schemaOf(body.Properties["rev"]).Type.Is("integer") {
			add("a PATCH must take rev, the revision the change was made on")
		}
		if ok := op.Responses.Status(http.StatusOK); ok == nil || ok.Value == nil || ok.Value.Content.Get("application/json") == nil ||
			!slices.Contains(schemaOf(ok.Value.Content.Get("application/json").Schema).Required, "rev") {
			add("a PATCH must answer the record with its rev")
		}
		if op.Responses.Status(http.StatusConflict) == nil {
			add("a PATCH must answer 409 when rev is behind")
		}
	}
	return out
}

func schemaOf(r *openapi3.SchemaRef) *openapi3.Schema {
	if r == nil {
		return nil
	}
	return r.Value
}

// refersTo reports whether the schema is ref, or all of a list holding it.
func refersTo(r *openapi3.SchemaRef, ref string) bool {
	if r == nil {
		return false
	}
	if r.Ref == ref {
		return true
	}
	return r.Value != nil && slices.ContainsFunc(r.Value.AllOf, func(s *openapi3.SchemaRef) bool { return s.Ref == ref })
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestEveryRouteFollowsTheConvention(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(openAPIDocument))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.Info.Description, "## Conventions") {
		t.Error("info.description does not write the convention out")
	}
	_, srv, err := New(Deps{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range srv.Routes() {
		path := ginParam.ReplaceAllString(rt.Path, "{$1}")
		item := doc.Paths.Value(path)
		if item == nil {
			t.Errorf("%s %s: the path is not in openapi.json", rt.Method, path)
			continue
		}
		for _, p := range conventionProblems(item, rt.Method, path) {
			t.Errorf("%s %s: %s", rt.Method, path, p)
		}
	}
}

// TestConventionChecksCanFail runs the checks on a document that breaks
// each rule once.
func TestConventionChecksCanFail(t *testing.T) {
	const doc = `{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
"components": {"schemas": {
  "Id": {"type": "string"},
  "Problem": {"type": "object"},
  "Thing": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
}},
"paths": {
  "/things": {
    "get": {"parameters": [
        {"name": "since", "in": "query", "schema": {"type": "string", "format": "date"}},
        {"name": "from", "in": "query", "schema": {"type": "string", "format": "date-time"}},
        {"name": "school_id", "in": "query", "schema": {"$ref": "#/components/schemas/Id"}},
        {"name": "mine", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}}
      ],
      "responses": {
        "200": {"description": "a list", "content": {"application/json": {"schema": {"type": "object", "required": ["items"],
          "properties": {"items": {"type": "array"}, "next_cursor": {"type": "string"}}}}}},
        "404": {"description": "plain", "content": {"application/json": {"schema": {"type": "object"}}}}
      }
    },
    "patch": {
      "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"name": {"type": "string"}}}}}},
      "responses": {
        "200": {"description": "the thing", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
        "422": {"description": "bad", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
      }
    }
  }
}}`
	loaded, err := openapi3.NewLoader().LoadFromData([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := loaded.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	item := loaded.Paths.Value("/things")
	got := strings.Join(append(conventionProblems(item, "GET", "/things"), conventionProblems(item, "PATCH", "/things")...), "\n")
	for _, want := range []string{
		"query parameter since is a date or time",
		"query parameter from bounds time",
		"query parameter school_id filters by id",
		"query parameter mine is a yes or no",
		"a list's answer must have cursor",
		"a list's answer must have more",
		"a list's answer must always have cursor",
		"a list must take cursor",
		"a list must take limit",
		"the 404 answer must be a problem document",
		"every operation may answer 422",
		"a PATCH must take rev",
		"a PATCH must answer the record with its rev",
		"a PATCH must answer 409",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the checks missed %q; they said:\n%s", want, got)
		}
	}
	if p := conventionProblems(item, "DELETE", "/things"); len(p) != 1 {
		t.Errorf("an undocumented operation: %v", p)
	}
}
