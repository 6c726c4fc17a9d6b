// Package strictjson is the one way the server reads JSON it is sent:
// request bodies and the data of pushed changes. It is a thin layer over
// github.com/go-json-experiment/json, whose defaults are already strict
// (one value, no name given twice in an object, names matched exactly),
// adding the refusal of unknown fields and of text PostgreSQL cannot
// store, and errors callers tell apart by type, each naming the field as
// the API does ("scores[2].level").
//
// Text that is not UTF-8 (a stray byte, a lone surrogate escape such as
// \ud800) is read as encoding/json reads it, each bad part becoming U+FFFD,
// as the server always has: a change applied before must still be read
// when its device sends it again, and one bad character in one change
// must not have a whole push refused.
package strictjson

import (
	"bytes"
	"encoding"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// ErrTrailing is the error for data after the JSON value.
var ErrTrailing = errors.New("strictjson: data after the JSON value")

// SyntaxError is the error for text that is not JSON: a character where
// none may stand, a bad escape, or text cut short (Err is then
// io.ErrUnexpectedEOF).
type SyntaxError struct {
	// Offset is the byte offset in the text at which the problem was seen.
	Offset int64
	// Field is the path to the value being read, "" at the top.
	Field string
	Err   error
}

func (e *SyntaxError) Error() string {
	return "strictjson: " + in(e.Field) + "not valid JSON at byte " + strconv.FormatInt(e.Offset, 10) + ": " + e.Err.Error()
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// UnknownFieldError is the error for a field the Go value does not have.
// Names are matched exactly, so a known name in another case is unknown.
type UnknownFieldError struct {
	Field string // the path to the field, its name last
}

func (e *UnknownFieldError) Error() string { return "strictjson: unknown field " + e.Field }

// DuplicateFieldError is the error for a name given twice in one object.
type DuplicateFieldError struct {
	Field string // the path to the field, its name last
}

func (e *DuplicateFieldError) Error() string { return "strictjson: " + e.Field + " is given twice" }

// Kind is a kind of JSON value.
type Kind string

// The kinds of JSON value a field may take.
const (
	KindString  Kind = "string"
	KindNumber  Kind = "number"
	KindInteger Kind = "integer" // a number without a fraction
	KindBoolean Kind = "boolean"
	KindArray   Kind = "array"
	KindObject  Kind = "object"
)

// TypeError is the error for a value the field cannot hold: a string for a
// number, a fraction for a whole number, a number out of range, a text that
// is not a time.
type TypeError struct {
	Field string // "" for the value itself
	// Want is the kind of value the field takes; "" when not known.
	Want Kind
	// GoType is the type of the field.
	GoType reflect.Type
	// Err is why a value of the right kind was refused: strconv.ErrRange,
	// strconv.ErrSyntax for a fraction, or the error of the type's own
	// decoding (a time that does not parse); nil for a value of the wrong kind.
	Err error
}

func (e *TypeError) Error() string { return "strictjson: " + in(e.Field) + e.Message() }

// Message says what was wrong with the value, in words for whoever wrote
// it: "must be a string", "is out of range", "must be a date and time such
// as 2026-09-14T09:30:00Z", or what a type's own decoding answered.
func (e *TypeError) Message() string {
	t := e.GoType
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return "must be a date and time such as 2026-09-14T09:30:00Z"
	case e.Err == nil:
	case errors.Is(e.Err, strconv.ErrRange):
		return "is out of range"
	case t != nil && ownDecoding(t):
		return e.Err.Error()
	}
	switch e.Want {
	case KindString:
		return "must be a string"
	case KindNumber:
		return "must be a number"
	case KindInteger:
		return "must be a whole number"
	case KindBoolean:
		return "must be true or false"
	case KindArray:
		return "must be a list"
	case KindObject:
		return "must be an object"
	}
	return "has the wrong type"
}

// NULError is the error for a string that holds U+0000 (NUL), which JSON
// can carry as the escape \u0000 but PostgreSQL cannot store in text.
type NULError struct {
	// Field is the path to the string as JSON names it: "evidence",
	// "scores[2].evidence", "settings.label" (a map's key), or "" for the
	// value itself.
	Field string
}

func (e *NULError) Error() string {
	if e.Field == "" {
		return "strictjson: the value holds the NUL character"
	}
	return "strictjson: " + e.Field + " holds the NUL character"
}

func in(field string) string {
	if field == "" {
		return ""
	}
	return field + ": "
}

// Decode reads data, which must hold one JSON value and nothing after it
// but white space, into v, a non-nil pointer. It refuses text that is not
// JSON, a name given twice in one object, a field v does not have (names
// are matched exactly, case included), a value of the wrong type and
// strings (values or keys) that hold U+0000. Its errors are ErrTrailing,
// *SyntaxError, *DuplicateFieldError, *UnknownFieldError, *TypeError and
// *NULError. Raw values (json.RawMessage, jsontext.Value) are checked as
// JSON, names given twice included, and otherwise left as they came to
// whoever decodes them.
func Decode(data []byte, v any) error {
	if err := json.Unmarshal(data, v, json.RejectUnknownMembers(true), jsontext.AllowInvalidUTF8(true)); err != nil {
		return classify(err, data, reflect.TypeOf(v))
	}
	// A raw NUL byte is not valid JSON, so only the escape can bring one.
	if bytes.Contains(data, []byte(`\u0000`)) {
		if field, ok := findNUL(reflect.ValueOf(v), nil); ok {
			return &NULError{Field: field}
		}
	}
	return nil
}

// classify turns an error of json.Unmarshal reading data into a value of
// type t into one of this package.
func classify(err error, data []byte, t reflect.Type) error {
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.As(err, &syn) && syn.JSONPointer == "" && syn.ByteOffset > 0 &&
		jsontext.Value(data[:syn.ByteOffset]).IsValid(jsontext.AllowInvalidUTF8(true)):
		// The text before the problem is one whole value: the problem is
		// what follows it.
		return ErrTrailing
	case errors.As(err, &syn) && errors.Is(syn.Err, jsontext.ErrDuplicateName):
		return &DuplicateFieldError{Field: fieldPath(t, syn.JSONPointer)}
	case errors.As(err, &syn):
		return &SyntaxError{Offset: syn.ByteOffset, Field: fieldPath(t, syn.JSONPointer), Err: syn.Err}
	case errors.As(err, &sem) && errors.Is(sem.Err, json.ErrUnknownName):
		return &UnknownFieldError{Field: fieldPath(t, sem.JSONPointer)}
	case errors.As(err, &sem):
		return &TypeError{Field: fieldPath(t, sem.JSONPointer), Want: kindOf(sem.GoType), GoType: sem.GoType, Err: sem.Err}
	}
	return err
}

var (
	timeType            = reflect.TypeFor[time.Time]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	unmarshalerFromType = reflect.TypeFor[json.UnmarshalerFrom]()
)

// ownDecoding tells a type that decodes itself from JSON.
func ownDecoding(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(unmarshalerType) || p.Implements(unmarshalerFromType)
}

// kindOf is the kind of JSON value a Go type is decoded from.
func kindOf(t reflect.Type) Kind {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return ""
	}
	if t == timeType || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return KindString
	}
	switch t.Kind() {
	case reflect.String:
		return KindString
	case reflect.Bool:
		return KindBoolean
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return KindInteger
	case reflect.Float32, reflect.Float64:
		return KindNumber
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "" // raw JSON or base64 text
		}
		return KindArray
	case reflect.Struct, reflect.Map:
		return KindObject
	}
	return ""
}

// fieldPath spells a JSON pointer into a value of type t as the API names
// fields: /scores/2/level is scores[2].level. A token is an index when t
// says the value there is a list, or, where t does not say (an interface,
// raw JSON), when it is a number.
func fieldPath(t reflect.Type, ptr jsontext.Pointer) string {
	var b strings.Builder
	for tok := range ptr.Tokens() {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		var next reflect.Type
		index := false
		switch {
		case t == nil || t.Kind() == reflect.Interface || ownDecoding(t) ||
			(t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8):
			index = isIndex(tok)
		case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
			index, next = true, t.Elem()
		case t.Kind() == reflect.Map:
			next = t.Elem()
		case t.Kind() == reflect.Struct:
			next = fieldType(t, tok)
		}
		switch {
		case index:
			b.WriteString("[" + tok + "]")
		case b.Len() > 0:
			b.WriteString("." + tok)
		default:
			b.WriteString(tok)
		}
		t = next
	}
	return b.String()
}

func isIndex(tok string) bool {
	if tok == "" {
		return false
	}
	for _, c := range []byte(tok) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// fieldType is the type of the field of struct t that JSON names name, nil
// when it has none.
func fieldType(t reflect.Type, name string) reflect.Type {
	for i := range t.NumField() {
		f := t.Field(i)
		n, ok := jsonName(f)
		switch {
		case !ok:
		case n == "":
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if ft := fieldType(et, name); ft != nil {
				return ft
			}
		case n == name:
			return f.Type
		}
	}
	return nil
}

// findNUL looks through what was decoded into v for a string holding NUL
// and answers its path; path is the way to v so far.
func findNUL(v reflect.Value, path []string) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", false
		}
		return findNUL(v.Elem(), path)
	case reflect.String:
		if strings.IndexByte(v.String(), 0) >= 0 {
			return strings.Join(path, ""), true
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, ok := jsonName(f)
			if !ok {
				continue
			}
			p := path
			if name != "" {
				p = appendKey(path, name)
			}
			if field, found := findNUL(v.Field(i), p); found {
				return field, true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "", false // bytes, such as json.RawMessage
		}
		for i := range v.Len() {
			if field, found := findNUL(v.Index(i), append(path, "["+strconv.Itoa(i)+"]")); found {
				return field, true
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key()
			key := ""
			if k.Kind() == reflect.String {
				key = k.String()
			}
			if strings.IndexByte(key, 0) >= 0 {
				return strings.Join(appendKey(path, strconv.Quote(key)), ""), true
			}
			if field, found := findNUL(iter.Value(), appendKey(path, key)); found {
				return field, true
			}
		}
	}
	return "", false
}

// jsonName is the name a struct field has in JSON, "" for an embedded
// struct whose fields count as the outer struct's; ok is false for a
// field JSON does not fill.
func jsonName(f reflect.StructField) (name string, ok bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, _, _ = strings.Cut(tag, ",")
	switch {
	case f.Anonymous && name == "":
		t := f.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() == reflect.Struct {
			return "", true
		}
		return t.Name(), f.IsExported()
	case !f.IsExported():
		return "", false
	case name == "":
		return f.Name, true
	}
	return name, true
}

func appendKey(path []string, key string) []string {
	if len(path) == 0 {
		return append(path, key)
	}
	return append(path, "."+key)
}
