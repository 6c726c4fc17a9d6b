package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// RubricFormat is the "format" value every rubric document carries.
const RubricFormat = "walkthrough.rubric/v1"

// MaxRubricSize is the largest rubric document ParseRubric reads, in bytes.
const MaxRubricSize = 2 << 20

// maxRubricProblems bounds the problems one refusal lists, so that a large
// broken document cannot make an answer many times its own size.
const maxRubricProblems = 100

// documentField is the path of problems that concern the whole document
// rather than one of its fields: its size, its encoding, its JSON syntax.
const documentField = "document"

// The document's own shapes. They are separate from the domain types so
// that the format changes only when this file does; the field order here is
// the order MarshalRubric writes.
type rubricDocument struct {
	Format      string               `json:"format"`
	Name        string               `json:"name"`
	Description string               `json:"description"`
	Levels      []rubricDocLevel     `json:"levels"`
	Dimensions  []rubricDocDimension `json:"dimensions"`
}

type rubricDocLevel struct {
	Value int    `json:"value"`
	Label string `json:"label"`
}

type rubricDocDimension struct {
	Key        string               `json:"key"`
	Name       string               `json:"name"`
	Indicators []rubricDocIndicator `json:"indicators"`
}

type rubricDocIndicator struct {
	Key         string                `json:"key"`
	Name        string                `json:"name"`
	Descriptors []rubricDocDescriptor `json:"descriptors"`
}

type rubricDocDescriptor struct {
	Level int    `json:"level"`
	Text  string `json:"text"`
}

// MarshalRubric encodes the content of a version as a rubric document: its
// name, description, levels and dimensions with their indicators and
// descriptors, the descriptors of each indicator in level order. Ids, the
// district, the status, the version number and dates are left out; they
// belong to the system that imports the document. The output is indented
// JSON with a fixed field order and a trailing newline, so that
// MarshalRubric(ParseRubric(MarshalRubric(v))) is MarshalRubric(v) byte for
// byte. A version that does not pass Validate is refused with its problems.
func MarshalRubric(v RubricVersion) ([]byte, error) {
	if err := v.Validate(); err != nil {
		return nil, err
	}
	doc := rubricDocument{
		Format:      RubricFormat,
		Name:        v.Name,
		Description: v.Description,
		Levels:      make([]rubricDocLevel, len(v.Levels)),
		Dimensions:  make([]rubricDocDimension, len(v.Dimensions)),
	}
	for i, l := range v.Levels {
		doc.Levels[i] = rubricDocLevel{Value: l.Value, Label: l.Label}
	}
	for i, d := range v.Dimensions {
		dd := rubricDocDimension{Key: d.Key, Name: d.Name, Indicators: make([]rubricDocIndicator, len(d.Indicators))}
		for j, ind := range d.Indicators {
			di := rubricDocIndicator{Key: ind.Key, Name: ind.Name, Descriptors: make([]rubricDocDescriptor, len(ind.Descriptors))}
			for k, desc := range ind.Descriptors {
				di.Descriptors[k] = rubricDocDescriptor{Level: desc.Level, Text: desc.Text}
			}
			// Validate has made sure every level has exactly one descriptor
			// and the levels increase, so level order is value order.
			slices.SortFunc(di.Descriptors, func(a, b rubricDocDescriptor) int { return a.Level - b.Level })
			dd.Indicators[j] = di
		}
		doc.Dimensions[i] = dd
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode rubric document: %w", err)
	}
	return buf.Bytes(), nil
}

// ParseRubric decodes a rubric document strictly. The document must be at
// most MaxRubricSize bytes of UTF-8 JSON holding one object whose format is
// RubricFormat; unknown fields, a key given twice in one object (also when
// the two differ only in case), values of the wrong type and trailing data
// are refused. The result is a draft with no ids and no version number that
// has passed Validate.
//
// Every refusal is an EInvalid *Error whose Fields name each problem by its
// path, in the style of Validate ("dimensions[0].indicators[1].key");
// problems of the document as a whole are named "document". Problems of
// shape are all reported together; the rules of Validate are checked, and
// all their problems reported, once the shape is right. Beyond 100 problems
// a last "document" entry only counts the rest. A document of another
// format is not read further than its format.
func ParseRubric(data []byte) (RubricVersion, error) {
	if len(data) > MaxRubricSize {
		return RubricVersion{}, Invalid("the rubric document is too large",
			FieldError{Field: documentField, Message: fmt.Sprintf("is %d bytes; a rubric document may be at most %d bytes (2 MiB)", len(data), MaxRubricSize)})
	}
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return RubricVersion{}, Invalid("the rubric document is not valid JSON",
			FieldError{Field: documentField, Message: "starts with a byte order mark; save it as UTF-8 without one"})
	}
	if !utf8.Valid(data) {
		off := invalidUTF8Offset(data)
		return RubricVersion{}, Invalid("the rubric document is not valid UTF-8",
			FieldError{Field: documentField, Message: "is not valid UTF-8 at " + position(data, off)})
	}

	if len(bytes.TrimLeft(data, " \t\r\n")) == 0 {
		return RubricVersion{}, Invalid("the rubric document is empty", FieldError{Field: documentField, Message: "is empty"})
	}

	// The decoder lets a name come twice: object reports it, compared
	// without case, and goes on to list the document's other problems.
	d := &rubricDecoder{data: data, dec: jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(true))}
	var doc rubricDocument
	formatSeen := false
	tok, err := d.token("")
	if err == nil {
		err = d.object("", tok, "a rubric document", d.documentFields(&doc, &formatSeen))
	}
	if err == nil {
		if rest := bytes.TrimLeft(data[d.dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
			d.add(documentField, "has data after the rubric's closing brace, at %s", position(data, int64(len(data)-len(rest))))
		}
	}
	if formatSeen && doc.Format != RubricFormat {
		return RubricVersion{}, Invalid("the document is not a rubric of this format",
			FieldError{Field: "format", Message: fmt.Sprintf("must be %q, not %q", RubricFormat, doc.Format)})
	}
	if len(d.problems) > 0 {
		return RubricVersion{}, listProblems("the rubric document is not valid", d.problems, d.unlisted)
	}

	v := RubricVersion{
		Name:        doc.Name,
		Description: doc.Description,
		Status:      RubricDraft,
		Levels:      make([]Level, len(doc.Levels)),
		Dimensions:  make([]Dimension, len(doc.Dimensions)),
	}
	for i, l := range doc.Levels {
		v.Levels[i] = Level{Value: l.Value, Label: l.Label}
	}
	for i, dd := range doc.Dimensions {
		dim := Dimension{Key: dd.Key, Name: dd.Name, Indicators: make([]Indicator, len(dd.Indicators))}
		for j, di := range dd.Indicators {
			ind := Indicator{Key: di.Key, Name: di.Name, Descriptors: make([]Descriptor, len(di.Descriptors))}
			for k, desc := range di.Descriptors {
				ind.Descriptors[k] = Descriptor{Level: desc.Level, Text: desc.Text}
			}
			dim.Indicators[j] = ind
		}
		v.Dimensions[i] = dim
	}
	if err := v.Validate(); err != nil {
		var e *Error
		if errors.As(err, &e) && len(e.Fields) > maxRubricProblems {
			err = listProblems(e.Message, e.Fields[:maxRubricProblems], len(e.Fields)-maxRubricProblems)
		}
		return RubricVersion{}, err
	}
	return v, nil
}

// listProblems is an EInvalid error listing fields and saying how many more
// problems were found but not listed.
func listProblems(message string, fields []FieldError, unlisted int) error {
	fields = slices.Clone(fields)
	if unlisted > 0 {
		fields = append(fields, FieldError{Field: documentField, Message: fmt.Sprintf("has %d more problems that are not listed", unlisted)})
	}
	return Invalid(message, fields...)
}

// errSyntax stops decoding at JSON that cannot be read further; the problem
// is already recorded.
var errSyntax = errors.New("rubric document syntax error")

// rubricDecoder walks the document token by token, so that it can name the
// path of every problem, list them all, and see keys that differ only in
// case.
type rubricDecoder struct {
	data     []byte
	dec      *jsontext.Decoder
	problems Problems
	unlisted int // problems found beyond maxRubricProblems
}

// token is one token of the document: its kind, and the text of a string
// or a number as written.
type token struct {
	kind jsontext.Kind
	text string
}

// add records a problem, or only counts it once maxRubricProblems are listed.
func (d *rubricDecoder) add(field, format string, args ...any) {
	if len(d.problems) >= maxRubricProblems {
		d.unlisted++
		return
	}
	d.problems.Add(field, format, args...)
}

// docField is one field an object of the document may hold.
type docField struct {
	name     string
	required bool
	read     func(path string, tok token) error
}

// documentFields are the fields of the document object, each reading into
// doc; formatSeen records that a format string was given.
func (d *rubricDecoder) documentFields(doc *rubricDocument, formatSeen *bool) []docField {
	return []docField{
		{"format", true, func(p string, tok token) error {
			*formatSeen = tok.kind == '"'
			return d.str(p, tok, &doc.Format)
		}},
		{"name", true, func(p string, tok token) error { return d.str(p, tok, &doc.Name) }},
		{"description", false, func(p string, tok token) error { return d.str(p, tok, &doc.Description) }},
		{"levels", true, func(p string, tok token) error {
			return d.array(p, tok, func(p string, tok token) error {
				var l rubricDocLevel
				err := d.object(p, tok, "a level", []docField{
					{"value", true, func(p string, tok token) error { return d.integer(p, tok, &l.Value) }},
					{"label", true, func(p string, tok token) error { return d.str(p, tok, &l.Label) }},
				})
				doc.Levels = append(doc.Levels, l)
				return err
			})
		}},
		{"dimensions", true, func(p string, tok token) error {
			return d.array(p, tok, func(p string, tok token) error {
				var dim rubricDocDimension
				err := d.object(p, tok, "a dimension", []docField{
					{"key", true, func(p string, tok token) error { return d.str(p, tok, &dim.Key) }},
					{"name", true, func(p string, tok token) error { return d.str(p, tok, &dim.Name) }},
					{"indicators", true, func(p string, tok token) error {
						return d.array(p, tok, func(p string, tok token) error {
							ind, err := d.indicator(p, tok)
							dim.Indicators = append(dim.Indicators, ind)
							return err
						})
					}},
				})
				doc.Dimensions = append(doc.Dimensions, dim)
				return err
			})
		}},
	}
}

// indicator reads one indicator and its descriptors.
func (d *rubricDecoder) indicator(path string, tok token) (rubricDocIndicator, error) {
	var ind rubricDocIndicator
	err := d.object(path, tok, "an indicator", []docField{
		{"key", true, func(p string, tok token) error { return d.str(p, tok, &ind.Key) }},
		{"name", true, func(p string, tok token) error { return d.str(p, tok, &ind.Name) }},
		{"descriptors", true, func(p string, tok token) error {
			return d.array(p, tok, func(p string, tok token) error {
				var desc rubricDocDescriptor
				err := d.object(p, tok, "a descriptor", []docField{
					{"level", true, func(p string, tok token) error { return d.integer(p, tok, &desc.Level) }},
					{"text", true, func(p string, tok token) error { return d.str(p, tok, &desc.Text) }},
				})
				ind.Descriptors = append(ind.Descriptors, desc)
				return err
			})
		}},
	})
	return ind, err
}

// token reads the next token, recording a syntax problem at path when the
// JSON cannot be read.
func (d *rubricDecoder) token(path string) (token, error) {
	tok, err := d.dec.ReadToken()
	if err == nil {
		t := token{kind: tok.Kind()}
		if t.kind == '"' || t.kind == '0' {
			t.text = tok.String() // a string's value, a number as written
		}
		return t, nil
	}
	if path == "" {
		path = documentField
	}
	var syn *jsontext.SyntacticError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		d.add(path, "the document ends before this value is complete; is it cut short?")
	case errors.As(err, &syn):
		d.add(path, "is not valid JSON at %s: %v", position(d.data, syn.ByteOffset), syn.Err)
	default:
		d.add(path, "is not valid JSON: %v", err)
	}
	return token{}, errSyntax
}

// object reads an object, what (say "an indicator"), that begins with tok
// and may hold the given fields.
func (d *rubricDecoder) object(path string, tok token, what string, fields []docField) error {
	if tok.kind != '{' {
		d.wrongType(path, tok, "an object")
		return d.skip(path, tok)
	}
	seen := map[string]string{} // folded key → the key as first written
	for d.dec.PeekKind() != '}' {
		kt, err := d.token(path)
		if err != nil {
			return err
		}
		key := kt.text // the decoder allows nothing but a string here
		kp := joinKey(path, key)
		vt, err := d.token(kp)
		if err != nil {
			return err
		}
		fold := foldKey(key)
		if prev, dup := seen[fold]; dup {
			if prev == key {
				d.add(kp, "is given twice; give each field once")
			} else {
				d.add(kp, "is given twice, also as %q; field names are compared without regard to case", prev)
			}
			if err := d.skip(kp, vt); err != nil {
				return err
			}
			continue
		}
		seen[fold] = key
		f, ok := findField(fields, key)
		if !ok {
			if g, near := findFolded(fields, fold); near {
				d.add(kp, "is not a field of %s; did you mean %q?", what, g.name)
			} else {
				d.add(kp, "is not a field of %s", what)
			}
			if err := d.skip(kp, vt); err != nil {
				return err
			}
			continue
		}
		if err := f.read(kp, vt); err != nil {
			return err
		}
	}
	if _, err := d.token(path); err != nil { // the closing brace
		return err
	}
	for _, f := range fields {
		// A field given in another case is already refused as unknown.
		if _, given := seen[foldKey(f.name)]; f.required && !given {
			d.add(joinKey(path, f.name), "is required")
		}
	}
	return nil
}

// array reads a list, calling each for every element.
func (d *rubricDecoder) array(path string, tok token, each func(path string, tok token) error) error {
	if tok.kind != '[' {
		d.wrongType(path, tok, "a list")
		return d.skip(path, tok)
	}
	for i := 0; d.dec.PeekKind() != ']'; i++ {
		ep := path + "[" + itoa(i) + "]"
		et, err := d.token(ep)
		if err != nil {
			return err
		}
		if err := each(ep, et); err != nil {
			return err
		}
	}
	_, err := d.token(path) // the closing bracket
	return err
}

func (d *rubricDecoder) str(path string, tok token, dst *string) error {
	if tok.kind != '"' {
		d.wrongType(path, tok, "a string")
		return d.skip(path, tok)
	}
	if HasNUL(tok.text) {
		d.add(path, NULMessage)
	}
	*dst = tok.text
	return nil
}

// integer reads a whole number; 3.0 is 3, 3.5 is refused.
func (d *rubricDecoder) integer(path string, tok token, dst *int) error {
	if tok.kind != '0' {
		d.wrongType(path, tok, "a whole number")
		return d.skip(path, tok)
	}
	n := tok.text
	if i, err := strconv.Atoi(n); err == nil && i >= -1e9 && i <= 1e9 {
		*dst = i
		return nil
	}
	f, err := strconv.ParseFloat(n, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange), f != math.Trunc(f):
		d.add(path, "must be a whole number, not %s", n)
	case math.Abs(f) > 1e9 || err != nil:
		d.add(path, "%s is out of range", n)
	default:
		*dst = int(f)
	}
	return nil
}

func (d *rubricDecoder) wrongType(path string, tok token, want string) {
	if path == "" {
		path = documentField
	}
	d.add(path, "must be %s, not %s", want, kindOf(tok))
}

// skip reads past the rest of the value at path whose first token is tok,
// without recursion, however deep it nests.
func (d *rubricDecoder) skip(path string, tok token) error {
	depth := 0
	for {
		switch tok.kind {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
		if depth == 0 {
			return nil
		}
		var err error
		if tok, err = d.token(path); err != nil {
			return err
		}
	}
}

func kindOf(tok token) string {
	switch tok.kind {
	case '[':
		return "a list"
	case '{':
		return "an object"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't':
		return "true"
	case 'f':
		return "false"
	case 'n':
		return "null"
	}
	return tok.kind.String()
}

func findField(fields []docField, key string) (docField, bool) {
	for _, f := range fields {
		if f.name == key {
			return f, true
		}
	}
	return docField{}, false
}

func findFolded(fields []docField, fold string) (docField, bool) {
	for _, f := range fields {
		if foldKey(f.name) == fold {
			return f, true
		}
	}
	return docField{}, false
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// joinKey appends an object key to a path, quoting a key that would make the
// path ambiguous: dimensions[0]["a.b"].
func joinKey(path, key string) string {
	if !plainKey.MatchString(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// foldKey maps every string that strings.EqualFold holds equal to the same
// key: each rune becomes the smallest rune of its case-folding orbit.
func foldKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

// position says where byte offset off of data is, as a line and a column
// counted in characters from 1.
func position(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Sprintf("line %d, column %d", line, col)
}

func invalidUTF8Offset(data []byte) int64 {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return int64(i)
		}
		i += n
	}
	return int64(len(data))
}
