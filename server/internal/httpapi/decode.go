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
// encoding/json would otherwise quietly merge) and fields of the right type.
// Every refusal is an EInvalid or ETooLarge naming the field.
func decodeJSON(c *gin.Context, limit int64, v any) error {
	body, err := readBody(c, limit, "application/json")
	if err != nil {
		return err
	}
	switch err := strictjson.Decode(body, v); {
	case errors.Is(err, strictjson.ErrTrailing):
		return domain.Invalid("the body holds more than one JSON value", domain.FieldError{Field: "body", Message: "trailing data after the JSON value"})
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
	return k.value("", t)
}

// keyScanner walks JSON text already known to be valid, so it only has to
// tell tokens apart; a push of a few megabytes is walked in milliseconds.
type keyScanner struct {
	buf []byte
	pos int
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
// holds escapes.
func (k *keyScanner) skipString() (escaped bool) {
	for k.pos++; k.buf[k.pos] != '"'; k.pos++ {
		if k.buf[k.pos] == '\\' {
			escaped = true
			k.pos++
		}
	}
	k.pos++
	return escaped
}

// str reads the string that starts at pos and answers its value.
func (k *keyScanner) str() (string, error) {
	start := k.pos
	escaped := k.skipString()
	raw := k.buf[start:k.pos]
	if !escaped {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	return s, json.Unmarshal(raw, &s)
}

func (k *keyScanner) value(path string, t reflect.Type) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	k.space()
	switch k.buf[k.pos] {
	case '{':
		k.pos++
		seen := map[string]bool{}
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
			key, err := k.str()
			if err != nil {
				return jsonProblem(err)
			}
			field := joinPath(path, key)
			if seen[strings.ToLower(key)] {
				return domain.Invalid("the body names a field twice", domain.FieldError{Field: field, Message: "duplicate key"})
			}
			seen[strings.ToLower(key)] = true
			ft, known := fieldType(t, key)
			if t != nil && t.Kind() == reflect.Struct && !known {
				return domain.Invalid("the body has a field this request does not take", domain.FieldError{Field: field, Message: "unknown field"})
			}
			k.space()
			k.pos++ // the colon
			if err := k.value(field, ft); err != nil {
				return err
			}
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
			if err := k.value(path+"["+strconv.Itoa(i)+"]", et); err != nil {
				return err
			}
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

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
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
