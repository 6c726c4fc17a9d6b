package domain_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// The documentation lives at the repository's root, three levels up.
const (
	smallRubricFile = "testdata/small-rubric.json"
	formatDocFile   = "../../../docs/rubric-format.md"
	schemaFile      = "../../../docs/rubric.schema.json"
)

func readFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func mustMarshalRubric(tb testing.TB, v domain.RubricVersion) []byte {
	tb.Helper()
	b, err := domain.MarshalRubric(v)
	if err != nil {
		tb.Fatalf("MarshalRubric: %v %v", err, domain.ErrorFields(err))
	}
	return b
}

func mustParseRubric(tb testing.TB, doc []byte) domain.RubricVersion {
	tb.Helper()
	v, err := domain.ParseRubric(doc)
	if err != nil {
		tb.Fatalf("ParseRubric: %v %v", err, domain.ErrorFields(err))
	}
	return v
}

func TestBuiltinFrameworkRoundTrips(t *testing.T) {
	want := mustMarshalRubric(t, domain.BuiltinFramework())
	v := mustParseRubric(t, want)
	if got := mustMarshalRubric(t, v); !bytes.Equal(got, want) {
		t.Fatalf("the built-in framework does not round-trip:\n%s\nwant\n%s", got, want)
	}

	content := domain.BuiltinFramework()
	content.Version = 0 // the system that imports the document numbers it
	if !reflect.DeepEqual(v, content) {
		t.Errorf("parsed content differs from the built-in framework:\n%+v\nwant\n%+v", v, content)
	}
}

func TestSmallRubricFixtureRoundTrips(t *testing.T) {
	fixture := readFile(t, smallRubricFile)
	v := mustParseRubric(t, fixture)
	if got := mustMarshalRubric(t, v); !bytes.Equal(got, fixture) {
		t.Fatalf("%s is not exactly what MarshalRubric writes; it writes:\n%s", smallRubricFile, got)
	}
	if len(v.Levels) != 3 || len(v.Dimensions) != 2 {
		t.Errorf("the small rubric has %d levels and %d dimensions, want 3 and 2", len(v.Levels), len(v.Dimensions))
	}
}

func TestParseRubricMakesADraftWithoutIDs(t *testing.T) {
	v := mustParseRubric(t, readFile(t, smallRubricFile))
	if v.Status != domain.RubricDraft {
		t.Errorf("status %q, want draft", v.Status)
	}
	if v.ID != "" || v.RubricID != "" || v.DistrictID != "" || v.Version != 0 || v.PublishedAt != nil {
		t.Errorf("a parsed document carries no ids, version number or dates: %+v", v)
	}
}

func TestMarshalRubricLeavesOutWhatBelongsToTheSystem(t *testing.T) {
	published := time.Date(2025, 8, 1, 12, 0, 0, 0, time.UTC)
	v := domain.BuiltinFramework()
	v.ID, v.RubricID, v.DistrictID = "v1", "r1", "d1"
	v.Version, v.Status, v.PublishedAt = 7, domain.RubricPublished, &published

	got := mustMarshalRubric(t, v)
	if want := mustMarshalRubric(t, domain.BuiltinFramework()); !bytes.Equal(got, want) {
		t.Errorf("ids, status, version or dates changed the document")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(got, &top); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range top {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"description", "dimensions", "format", "levels", "name"}; !slices.Equal(keys, want) {
		t.Errorf("top-level fields %v, want %v", keys, want)
	}
	if !bytes.HasPrefix(got, []byte("{\n  \"format\": \"walkthrough.rubric/v1\",\n  \"name\": ")) || !bytes.HasSuffix(got, []byte("}\n")) {
		t.Errorf("the document does not start with format and name or end in a newline:\n%.80s", got)
	}
}

func TestMarshalRubricListsDescriptorsInLevelOrder(t *testing.T) {
	v := domain.BuiltinFramework()
	for _, d := range v.Dimensions {
		for _, ind := range d.Indicators {
			slices.Reverse(ind.Descriptors)
		}
	}
	if got, want := mustMarshalRubric(t, v), mustMarshalRubric(t, domain.BuiltinFramework()); !bytes.Equal(got, want) {
		t.Error("descriptors are not written in level order")
	}
}

func TestMarshalRubricWritesTextAsIs(t *testing.T) {
	v := domain.BuiltinFramework()
	v.Description = `Scores <4> & "quotes", ünïcode`
	doc := mustMarshalRubric(t, v)
	if !bytes.Contains(doc, []byte(`"description": "Scores <4> & \"quotes\", ünïcode",`)) {
		t.Errorf("description not written plainly:\n%.400s", doc)
	}
	if got := mustParseRubric(t, doc).Description; got != v.Description {
		t.Errorf("description = %q, want %q", got, v.Description)
	}
}

func TestMarshalRubricRefusesAnInvalidVersion(t *testing.T) {
	v := domain.BuiltinFramework()
	v.Name = " "
	_, err := domain.MarshalRubric(v)
	if domain.ErrorCode(err) != domain.EInvalid || !hasField(domain.ErrorFields(err), "name", "must not be empty") {
		t.Fatalf("MarshalRubric = %v %v, want invalid name", err, domain.ErrorFields(err))
	}
}

func hasField(fields []domain.FieldError, field, message string) bool {
	for _, f := range fields {
		if f.Field == field && strings.Contains(f.Message, message) {
			return true
		}
	}
	return false
}

// edit returns the small fixture with the first n occurrences of old
// replaced by new (every one when n < 0); it fails when old is not there.
func edit(tb testing.TB, old, new string, n int) []byte {
	tb.Helper()
	doc := string(readFile(tb, smallRubricFile))
	if !strings.Contains(doc, old) {
		tb.Fatalf("the fixture does not hold %q", old)
	}
	return []byte(strings.Replace(doc, old, new, n))
}

func TestParseRubricRefusals(t *testing.T) {
	fixture := string(readFile(t, smallRubricFile))
	tooLarge := strings.Replace(fixture, `"description": "`, `"description": "`+strings.Repeat("a", domain.MaxRubricSize), 1)
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)

	tests := []struct {
		name    string
		doc     []byte
		field   string
		message string
	}{
		{"wrong format", edit(t, `"walkthrough.rubric/v1"`, `"walkthrough.rubric/v2"`, 1),
			"format", `must be "walkthrough.rubric/v1", not "walkthrough.rubric/v2"`},
		{"no format", edit(t, `"format": "walkthrough.rubric/v1",`, ``, 1),
			"format", "is required"},
		{"unknown field at depth", edit(t, `"key": "eliciting_student_thinking",`, `"key": "eliciting_student_thinking", "colour": "blue",`, 1),
			"dimensions[1].indicators[0].colour", "is not a field of an indicator"},
		{"unknown field with a deep value", edit(t, `"key": "eliciting_student_thinking",`, `"key": "eliciting_student_thinking", "colour": `+deep+`,`, 1),
			"dimensions[1].indicators[0].colour", "is not a field of an indicator"},
		{"field in the wrong case", edit(t, `"label": "Emerging"`, `"Label": "Emerging"`, 1),
			"levels[1].Label", `did you mean "label"?`},
		{"odd unknown key", edit(t, `"name": "Engagement look-fors",`, `"name": "Engagement look-fors", "a.b": 1,`, 1),
			`["a.b"]`, "is not a field of a rubric document"},
		{"duplicate key differing in case", edit(t, `"name": "Classroom culture",`, `"name": "Classroom culture", "Name": "Culture",`, 1),
			"dimensions[0].Name", `is given twice, also as "name"`},
		{"duplicate key", edit(t, `"label": "Evident"`, `"label": "Evident", "label": "Evident"`, 1),
			"levels[2].label", "is given twice"},
		{"duplicate top-level key", edit(t, `"levels": [`, `"LEVELS": [], "levels": [`, 1),
			"levels", `is given twice, also as "LEVELS"`},
		{"trailing object", []byte(fixture + "{}\n"),
			"document", "has data after the rubric's closing brace, at line 88, column 1"},
		{"trailing text", []byte(fixture + "  x"),
			"document", "has data after the rubric's closing brace"},
		{"wrong type: string for a number", edit(t, `"value": 2,`, `"value": "2",`, 1),
			"levels[1].value", "must be a whole number, not a string"},
		{"wrong type: fraction", edit(t, `"level": 2,`, `"level": 2.5,`, 1),
			"dimensions[0].indicators[0].descriptors[1].level", "must be a whole number, not 2.5"},
		{"wrong type: null for a string", edit(t, `"name": "Engagement look-fors"`, `"name": null`, 1),
			"name", "must be a string, not null"},
		{"wrong type: object for a list", edit(t, `"levels": [`, `"levels": {"a": [1]}, "x": [`, 1),
			"levels", "must be a list, not an object"},
		{"wrong type: not an object", []byte(`["walkthrough.rubric/v1"]`),
			"document", "must be an object, not a list"},
		{"missing field", edit(t, "\"value\": 1,\n      \"label\": \"Not yet\"", `"value": 1`, 1),
			"levels[0].label", "is required"},
		{"empty descriptor", edit(t, `"Students explain their reasoning to each other and build on each other's ideas."`, `"  "`, 1),
			"dimensions[1].indicators[1].descriptors[2].text", "must not be empty"},
		{"duplicated indicator key", edit(t, `"key": "academic_discourse"`, `"key": "routines_and_transitions"`, 1),
			"dimensions[1].indicators[1].key", `"routines_and_transitions" is used twice`},
		{"invalid key", edit(t, `"key": "academic_discourse"`, `"key": "Academic discourse"`, 1),
			"dimensions[1].indicators[1].key", "must be lower-case letters"},
		{"descriptor for a level not on the scale", edit(t, `"level": 3,`, `"level": 4,`, 1),
			"dimensions[0].indicators[0].descriptors[2].level", "4 is not a level of the scale"},
		{"level without a descriptor", edit(t, `"level": 3,`, `"level": 4,`, 1),
			"dimensions[0].indicators[0].descriptors", "level 3 (Evident) has no descriptor"},
		{"levels not increasing", edit(t, `"value": 2,`, `"value": 1,`, 1),
			"levels[1].value", "levels must be in increasing order"},
		{"over 2 MiB", []byte(tooLarge),
			"document", "may be at most 2097152 bytes (2 MiB)"},
		{"syntax error", edit(t, `"format": "walkthrough.rubric/v1",`, `"format": "walkthrough.rubric/v1",,`, 1),
			"document", "is not valid JSON at line 2, column 37"},
		{"cut short", []byte(fixture[:len(fixture)/2]),
			"dimensions[1].indicators[0]", "the document ends before this value is complete"},
		{"empty", []byte(" \n"),
			"document", "is empty"},
		{"byte order mark", []byte("\ufeff" + fixture),
			"document", "byte order mark"},
		{"not UTF-8", edit(t, `"Evident"`, "\"Evid\xffent\"", 1),
			"document", "is not valid UTF-8 at line 16, column 21"},
		{"NUL in a descriptor", edit(t, `"Students explain their reasoning`, `"Students\u0000 explain their reasoning`, 1),
			"dimensions[1].indicators[1].descriptors[2].text", domain.NULMessage},
		{"NUL in the name", edit(t, `"name": "Engagement look-fors"`, `"name": "\u0000"`, 1),
			"name", domain.NULMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := domain.ParseRubric(tt.doc)
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.EInvalid {
				t.Fatalf("ParseRubric = %v, want an EInvalid *domain.Error", err)
			}
			if !hasField(de.Fields, tt.field, tt.message) {
				t.Errorf("fields %v, want %s: %s", de.Fields, tt.field, tt.message)
			}
			if !reflect.DeepEqual(v, domain.RubricVersion{}) {
				t.Errorf("a refused document returned content: %+v", v)
			}
		})
	}
}

func TestParseRubricAccepts(t *testing.T) {
	fixture := string(readFile(t, smallRubricFile))
	want := mustParseRubric(t, []byte(fixture))
	atLimit := fixture + strings.Repeat(" ", domain.MaxRubricSize-len(fixture))

	tests := []struct {
		name string
		doc  []byte
	}{
		{"exactly 2 MiB", []byte(atLimit)},
		{"whole numbers written with a fraction", edit(t, `"value": 2,`, `"value": 2.0,`, 1)},
		{"no description", edit(t, "\"description\": \"A short framework for team walkthroughs: two dimensions scored Not yet, Emerging or Evident.\",", "", 1)},
		{"compact", compact(t, []byte(fixture))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParseRubric(t, tt.doc)
			if tt.name == "no description" {
				got.Description = want.Description
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ParseRubric = %+v, want %+v", got, want)
			}
		})
	}

	t.Run("descriptors out of order", func(t *testing.T) {
		var doc map[string]any
		if err := json.Unmarshal([]byte(fixture), &doc); err != nil {
			t.Fatal(err)
		}
		descriptors := doc["dimensions"].([]any)[0].(map[string]any)["indicators"].([]any)[0].(map[string]any)["descriptors"].([]any)
		slices.Reverse(descriptors)
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		v := mustParseRubric(t, b)
		if got := v.Dimensions[0].Indicators[0].Descriptors[0].Level; got != 3 {
			t.Errorf("first descriptor has level %d, want 3 as written", got)
		}
		if got := mustMarshalRubric(t, v); !bytes.Equal(got, []byte(fixture)) {
			t.Errorf("export does not list the descriptors in level order:\n%s", got)
		}
	})
}

func compact(tb testing.TB, doc []byte) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, doc); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func TestParseRubricListsEveryProblem(t *testing.T) {
	t.Run("shape", func(t *testing.T) {
		doc := edit(t, `"label": "Not yet"`, `"label": 1, "colour": "red"`, 1)
		doc = []byte(strings.Replace(string(doc), `"name": "Student engagement",`, `"name": "Student engagement", "Name": "x",`, 1))
		doc = []byte(strings.Replace(string(doc), `"text": "Talk goes only from teacher to student and back."`, `"text": ["Talk"]`, 1))
		fields := domain.ErrorFields(parseError(t, doc))
		want := []domain.FieldError{
			{Field: "levels[0].label", Message: "must be a string, not a number"},
			{Field: "levels[0].colour", Message: "is not a field of a level"},
			{Field: "dimensions[1].Name", Message: `is given twice, also as "name"; field names are compared without regard to case`},
			{Field: "dimensions[1].indicators[1].descriptors[0].text", Message: "must be a string, not a list"},
		}
		if !reflect.DeepEqual(fields, want) {
			t.Errorf("fields\n%v\nwant\n%v", fields, want)
		}
	})
	t.Run("rules", func(t *testing.T) {
		doc := edit(t, `"key": "academic_discourse"`, `"key": "eliciting_student_thinking"`, 1)
		doc = []byte(strings.Replace(string(doc), `"name": "Engagement look-fors"`, `"name": ""`, 1))
		doc = []byte(strings.Replace(string(doc), `"label": "Evident"`, `"label": " "`, 1))
		fields := domain.ErrorFields(parseError(t, doc))
		want := []domain.FieldError{
			{Field: "name", Message: "must not be empty"},
			{Field: "levels[2].label", Message: "must not be empty"},
			{Field: "dimensions[1].indicators[1].key", Message: `"eliciting_student_thinking" is used twice`},
		}
		if !reflect.DeepEqual(fields, want) {
			t.Errorf("fields\n%v\nwant\n%v", fields, want)
		}
	})
	t.Run("many", func(t *testing.T) {
		var extra strings.Builder
		for i := range 1000 {
			extra.WriteString(`"x` + strconv.Itoa(i) + `": 0, `)
		}
		doc := edit(t, `"name": "Engagement look-fors",`, `"name": "Engagement look-fors", `+extra.String(), 1)
		fields := domain.ErrorFields(parseError(t, doc))
		if len(fields) != 101 || fields[99].Field != "x99" || fields[100] != (domain.FieldError{Field: "document", Message: "has 900 more problems that are not listed"}) {
			t.Errorf("%d fields, ending %v; want 100 listed and a count of the rest", len(fields), fields[len(fields)-1])
		}
	})
	t.Run("many rules", func(t *testing.T) {
		var indicators []string
		for range 150 {
			indicators = append(indicators, `{"key": "Bad", "name": "x", "descriptors": [{"level": 1, "text": "a"}, {"level": 2, "text": "b"}]}`)
		}
		doc := `{"format": "walkthrough.rubric/v1", "name": "n", "levels": [{"value": 1, "label": "a"}, {"value": 2, "label": "b"}],
			"dimensions": [{"key": "d", "name": "d", "indicators": [` + strings.Join(indicators, ", ") + `]}]}`
		fields := domain.ErrorFields(parseError(t, []byte(doc)))
		if len(fields) != 101 || fields[99].Field != "dimensions[0].indicators[99].key" || fields[100] != (domain.FieldError{Field: "document", Message: "has 50 more problems that are not listed"}) {
			t.Errorf("%d fields, ending %v; want 100 listed and a count of the rest", len(fields), fields[len(fields)-1])
		}
	})
}

func parseError(tb testing.TB, doc []byte) error {
	tb.Helper()
	_, err := domain.ParseRubric(doc)
	if domain.ErrorCode(err) != domain.EInvalid {
		tb.Fatalf("ParseRubric = %v, want invalid", err)
	}
	return err
}

// TestFormatDocExample keeps the example in docs/rubric-format.md the same as
// the fixture, so that the documentation shows exactly what an export looks
// like and that it imports.
func TestFormatDocExample(t *testing.T) {
	example, ok := docExample(string(readFile(t, formatDocFile)))
	if !ok {
		t.Fatalf("%s has no ```json block after a heading \"Example\"", formatDocFile)
	}
	fixture := readFile(t, smallRubricFile)
	if !bytes.Equal([]byte(example), fixture) {
		t.Fatalf("the example in %s differs from %s; paste the fixture between the fences", formatDocFile, smallRubricFile)
	}
	mustParseRubric(t, []byte(example))
}

// docExample returns the first ```json block after a heading "Example",
// each line ending in a newline.
func docExample(doc string) (string, bool) {
	lines := strings.Split(doc, "\n")
	heading := regexp.MustCompile(`^#+\s+Example\s*$`)
	i := slices.IndexFunc(lines, heading.MatchString)
	if i < 0 {
		return "", false
	}
	for ; i < len(lines) && strings.TrimSpace(lines[i]) != "```json"; i++ {
	}
	var b strings.Builder
	for i++; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "```" {
			return b.String(), true
		}
		b.WriteString(lines[i] + "\n")
	}
	return "", false
}

type schemaObject struct {
	Type                 string                  `json:"type"`
	Required             []string                `json:"required"`
	AdditionalProperties *bool                   `json:"additionalProperties"`
	Properties           map[string]schemaObject `json:"properties"`
	MinItems             *int                    `json:"minItems"`
	Pattern              string                  `json:"pattern"`
	Const                string                  `json:"const"`
}

// TestRubricSchema is a light check that docs/rubric.schema.json describes
// the document ParseRubric reads: the same fields in each object, the same
// required ones, and the key pattern of ValidKey.
func TestRubricSchema(t *testing.T) {
	raw := readFile(t, schemaFile)
	var schema struct {
		Schema string `json:"$schema"`
		schemaObject
		Defs map[string]schemaObject `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatalf("%s is not valid JSON: %v", schemaFile, err)
	}
	if schema.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %q, want draft 2020-12", schema.Schema)
	}
	if c := schema.Properties["format"].Const; c != domain.RubricFormat {
		t.Errorf("format const = %q, want %q", c, domain.RubricFormat)
	}

	var doc map[string]any
	if err := json.Unmarshal(readFile(t, smallRubricFile), &doc); err != nil {
		t.Fatal(err)
	}
	level := doc["levels"].([]any)[0].(map[string]any)
	dimension := doc["dimensions"].([]any)[0].(map[string]any)
	indicator := dimension["indicators"].([]any)[0].(map[string]any)
	descriptor := indicator["descriptors"].([]any)[0].(map[string]any)

	objects := []struct {
		name   string
		schema schemaObject
		path   string
		object map[string]any
	}{
		{"the document", schema.schemaObject, "", doc},
		{"$defs.level", schema.Defs["level"], "levels[0]", level},
		{"$defs.dimension", schema.Defs["dimension"], "dimensions[0]", dimension},
		{"$defs.indicator", schema.Defs["indicator"], "dimensions[0].indicators[0]", indicator},
		{"$defs.descriptor", schema.Defs["descriptor"], "dimensions[0].indicators[0].descriptors[0]", descriptor},
	}
	for _, o := range objects {
		if o.schema.Type != "object" || o.schema.AdditionalProperties == nil || *o.schema.AdditionalProperties {
			t.Errorf("%s: want type object and additionalProperties false", o.name)
		}
		var props []string
		for k := range o.schema.Properties {
			props = append(props, k)
		}
		if written := sortedKeys(o.object); !slices.Equal(sorted(props), written) {
			t.Errorf("%s: properties %v, but MarshalRubric writes %v", o.name, sorted(props), written)
		}
		if goRequired := requiredByParser(t, doc, o.path, o.object); !slices.Equal(sorted(o.schema.Required), goRequired) {
			t.Errorf("%s: required %v, but ParseRubric requires %v", o.name, sorted(o.schema.Required), goRequired)
		}
	}

	minItems := map[string]int{"levels": 2, "dimensions": 1}
	for field, want := range minItems {
		if m := schema.Properties[field].MinItems; m == nil || *m != want {
			t.Errorf("%s: minItems %v, want %d", field, m, want)
		}
	}
	if m := schema.Defs["dimension"].Properties["indicators"].MinItems; m == nil || *m != 1 {
		t.Errorf("indicators: minItems %v, want 1", m)
	}

	pattern, err := regexp.Compile(schema.Defs["key"].Pattern)
	if err != nil {
		t.Fatalf("key pattern: %v", err)
	}
	for _, k := range []string{"a", "student_engagement", "k12", "a_" + strings.Repeat("b", 61), "a_" + strings.Repeat("b", 62), "", "A", "1a", "_a", "a-b", "a b", "é"} {
		if got, want := pattern.MatchString(k), domain.ValidKey(k); got != want {
			t.Errorf("schema key pattern says %v for %q, ValidKey says %v", got, k, want)
		}
	}
}

// requiredByParser finds which fields of object (found at path inside doc)
// ParseRubric reports as required when they are left out.
func requiredByParser(tb testing.TB, doc map[string]any, path string, object map[string]any) []string {
	tb.Helper()
	var required []string
	for _, k := range sortedKeys(object) {
		v := object[k]
		delete(object, k)
		b, err := json.Marshal(doc)
		object[k] = v
		if err != nil {
			tb.Fatal(err)
		}
		field := k
		if path != "" {
			field = path + "." + k
		}
		if _, err := domain.ParseRubric(b); hasField(domain.ErrorFields(err), field, "is required") {
			required = append(required, k)
		}
	}
	return required
}

func sortedKeys(m map[string]any) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return sorted(keys)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
