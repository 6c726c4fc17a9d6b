package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/strictjson"
)

// maxJSONBody bounds an ordinary JSON request; sync has a larger limit.
const maxJSONBody = 1 << 20

// decodeJSON reads the request body strictly into v: the content type must
// be JSON, the body at most limit bytes, one value with no trailing data, no
// unknown fields, no key given twice (even in another case, which
// encoding/json would otherwise quietly merge), fields of the right type
// and no text holding U+0000 (NUL).
// Every refusal is an EInvalid or ETooLarge naming the field.
func decodeJSON(c *gin.Context, limit int64, v any) error {
	body, err := readBody(c, limit, "application/json")
	if err != nil {
		return err
	}
	var nul *strictjson.NULError
	switch err := strictjson.Decode(body, v); {
	case errors.Is(err, strictjson.ErrTrailing):
		return domain.Invalid("the body holds more than one JSON value", domain.FieldError{Field: "body", Message: "trailing data after the JSON value"})
	case errors.As(err, &nul):
		field := nul.Field
		if field == "" {
			field = "body"
		}
		return domain.Invalid("the body holds text with the NUL character", domain.FieldError{Field: field, Message: domain.NULMessage})
	case err != nil:
		return jsonProblem(err)
	}
	// The body is one valid JSON value, which is all checkKeys needs.
	return checkKeys(body, reflect.TypeOf(v))
}

// readBody reads at most limit bytes of a body of one of the media types.
func readBody(c *gin.Context, limit int64, mediaTypes ...string) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || !slices.Contains(mediaTypes, mt) {
		return nil, domain.Invalid("the body has the wrong media type",
			domain.FieldError{Field: "Content-Type", Message: "must be " + strings.Join(mediaTypes, " or ")})
	}
	var buf bytes.Buffer
	if n := c.Request.ContentLength; n > 0 && n <= limit {
		buf.Grow(int(n) + bytes.MinRead) // read in one go, not by doubling
	}
	_, err = buf.ReadFrom(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	body := buf.Bytes()
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, domain.Errorf(domain.ETooLarge, "the body is larger than %d bytes", limit)
		}
		return nil, domain.Invalid("the body could not be read")
	}
	return body, nil
}

func jsonProblem(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return domain.Invalid("a field has the wrong type", domain.FieldError{Field: field, Message: "must be " + jsonKind(typeErr.Type)})
	case errors.As(err, &syntaxErr):
		return domain.Invalid("the body is not valid JSON", domain.FieldError{Field: "body", Message: fmt.Sprintf("syntax error at byte %d", syntaxErr.Offset)})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return domain.Invalid("the body has a field this request does not take", domain.FieldError{Field: name, Message: "unknown field"})
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Invalid("the body is empty or cut short", domain.FieldError{Field: "body", Message: "incomplete JSON"})
	}
	return domain.Invalid("the body is not valid JSON", domain.FieldError{Field: "body", Message: "invalid JSON"})
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64, reflect.Uint, reflect.Uint8:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	default:
		return "an object"
	}
}

// checkKeys walks JSON text known to be one valid value and refuses an
// object that names a key twice, comparing without case, at any depth.
// Field names that exist only in another case than the struct's tag are
// refused as unknown.
func checkKeys(body []byte, t reflect.Type) error {
	k := keyScanner{buf: body}
	return k.value(t)
}

// keyScanner walks JSON text already known to be valid, so it only has to
// tell tokens apart; a push of a few megabytes is walked in milliseconds.
// It keeps the path to where it is as a stack and spells it out only for a
// refusal.
type keyScanner struct {
	buf  []byte
	pos  int
	path []pathStep
}

// pathStep is an object's key or an array's index.
type pathStep struct {
	key   []byte
	index int
}

func (k *keyScanner) space() {
	for k.pos < len(k.buf) {
		switch k.buf[k.pos] {
		case ' ', '\t', '\n', '\r':
			k.pos++
		default:
			return
		}
	}
}

// skipString moves past the string that starts at pos and tells whether it
// holds escapes; it jumps from quote to quote, since text is most of a push.
func (k *keyScanner) skipString() (escaped bool) {
	k.pos++
	for {
		end := k.pos + bytes.IndexByte(k.buf[k.pos:], '"')
		slash := bytes.IndexByte(k.buf[k.pos:end], '\\')
		if slash < 0 {
			k.pos = end + 1
			return escaped
		}
		escaped = true
		k.pos += slash + 2 // past the backslash and the character it escapes
	}
}

// key reads the string that starts at pos and answers its value.
func (k *keyScanner) key() ([]byte, error) {
	start := k.pos
	escaped := k.skipString()
	raw := k.buf[start:k.pos]
	if !escaped {
		return raw[1 : len(raw)-1], nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// field is the path to where the scanner is, as encoding/json names fields.
func (k *keyScanner) field() string {
	var b strings.Builder
	for _, p := range k.path {
		switch {
		case p.key == nil:
			b.WriteString("[" + strconv.Itoa(p.index) + "]")
		case b.Len() > 0:
			b.WriteString("." + string(p.key))
		default:
			b.Write(p.key)
		}
	}
	return b.String()
}

// seenKeys are an object's keys so far, compared without case: a few in a
// list on the stack, and a map once an object has many.
type seenKeys struct {
	few  [16][]byte
	n    int
	many map[string]bool
}

// add tells whether key was seen, and notes it.
func (s *seenKeys) add(key []byte) bool {
	if s.many != nil {
		lower := strings.ToLower(string(key))
		if s.many[lower] {
			return true
		}
		s.many[lower] = true
		return false
	}
	for _, k := range s.few[:s.n] {
		if bytes.EqualFold(k, key) {
			return true
		}
	}
	if s.n < len(s.few) {
		s.few[s.n] = key
		s.n++
		return false
	}
	s.many = make(map[string]bool, 2*len(s.few))
	for _, k := range s.few {
		s.many[strings.ToLower(string(k))] = true
	}
	s.many[strings.ToLower(string(key))] = true
	return false
}

func (k *keyScanner) value(t reflect.Type) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	k.space()
	switch k.buf[k.pos] {
	case '{':
		k.pos++
		var seen seenKeys
		for {
			k.space()
			switch k.buf[k.pos] {
			case '}':
				k.pos++
				return nil
			case ',':
				k.pos++
				k.space()
			}
			key, err := k.key()
			if err != nil {
				return jsonProblem(err)
			}
			k.path = append(k.path, pathStep{key: key})
			if seen.add(key) {
				return domain.Invalid("the body names a field twice", domain.FieldError{Field: k.field(), Message: "duplicate key"})
			}
			var ft reflect.Type
			if t != nil {
				var known bool
				ft, known = fieldType(t, string(key))
				if t.Kind() == reflect.Struct && !known {
					return domain.Invalid("the body has a field this request does not take", domain.FieldError{Field: k.field(), Message: "unknown field"})
				}
			}
			k.space()
			k.pos++ // the colon
			if err := k.value(ft); err != nil {
				return err
			}
			k.path = k.path[:len(k.path)-1]
		}
	case '[':
		k.pos++
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; ; i++ {
			k.space()
			switch k.buf[k.pos] {
			case ']':
				k.pos++
				return nil
			case ',':
				k.pos++
			}
			k.path = append(k.path, pathStep{index: i})
			if err := k.value(et); err != nil {
				return err
			}
			k.path = k.path[:len(k.path)-1]
		}
	case '"':
		k.skipString()
		return nil
	}
	// A number, true, false or null.
	for k.pos < len(k.buf) && !strings.ContainsRune(",}] \t\n\r", rune(k.buf[k.pos])) {
		k.pos++
	}
	return nil
}

// fieldType finds the struct field whose JSON name is exactly key. For maps
// and interfaces it answers the element type and known.
func fieldType(t reflect.Type, key string) (reflect.Type, bool) {
	if t == nil {
		return nil, true
	}
	switch t.Kind() {
	case reflect.Map:
		return t.Elem(), true
	case reflect.Struct:
	default:
		return nil, true
	}
	if t == reflect.TypeOf(json.RawMessage{}) {
		return nil, true
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag := f.Tag.Get("json"); tag != "" {
			if tag == "-" {
				continue
			}
			if n, _, _ := strings.Cut(tag, ","); n != "" {
				name = n
			}
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "" {
			if ft, ok := fieldType(f.Type, key); ok {
				return ft, true
			}
			continue
		}
		if name == key {
			return f.Type, true
		}
	}
	return nil, false
}
