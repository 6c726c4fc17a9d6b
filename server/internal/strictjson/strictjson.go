// Package strictjson decodes request bodies strictly (one value, no unknown
// fields, no text PostgreSQL cannot store) and quickly: a push of a few
// megabytes is read by a decoder several times faster than encoding/json,
// and anything that decoder could read differently goes to encoding/json,
// whose errors callers report.
package strictjson

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"
)

// ErrTrailing is the error for data after the JSON value.
var ErrTrailing = errors.New("strictjson: data after the JSON value")

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

// Decode reads data, which must hold one JSON value and nothing after it
// but white space, into v, refusing fields v does not have and strings
// (values or keys) that hold U+0000. Its errors are ErrTrailing, a
// *NULError or encoding/json's. Bytes kept as they came (json.RawMessage)
// are left to whoever decodes them.
func Decode(data []byte, v any) error {
	if err := decode(data, v); err != nil {
		return err
	}
	// A raw NUL byte is not valid JSON, so only the escape can bring one.
	if bytes.Contains(data, []byte(`\u0000`)) {
		if field, ok := findNUL(reflect.ValueOf(v), nil); ok {
			return &NULError{Field: field}
		}
	}
	return nil
}

func decode(data []byte, v any) error {
	if plain(data) {
		fast := gojson.NewDecoder(bytes.NewReader(data))
		fast.DisallowUnknownFields()
		if fast.Decode(v) == nil {
			if _, err := fast.Token(); err != io.EOF {
				return ErrTrailing
			}
			return nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return ErrTrailing
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
			if !f.Anonymous || name != "" {
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

// plain tells text on which the fast decoder reads what encoding/json
// reads: valid UTF-8 (encoding/json replaces bad bytes, the fast decoder
// keeps them) with no control character inside a string (encoding/json
// refuses one, the fast decoder takes it) and four hex digits after every
// \u (encoding/json refuses \u00X0, the fast decoder reads it as a
// character, NUL for one).
func plain(data []byte) bool {
	if !hexEscapes(data) {
		return false
	}
	if !hasControl(data) {
		return utf8.Valid(data)
	}
	inString, escaped := false, false
	for _, b := range data {
		switch {
		case !inString:
			inString = b == '"'
		case escaped:
			escaped = false
		case b == '\\':
			escaped = true
		case b == '"':
			inString = false
		case b < 0x20:
			return false
		}
	}
	return utf8.Valid(data)
}

// hexEscapes tells whether every \u escape in data has four hex digits. It
// jumps from backslash to backslash: most text has none.
func hexEscapes(data []byte) bool {
	for i := 0; i < len(data); {
		slash := bytes.IndexByte(data[i:], '\\')
		if slash < 0 {
			break
		}
		i += slash + 1
		if i < len(data) && data[i] == 'u' {
			if i+5 > len(data) {
				return false
			}
			for _, h := range data[i+1 : i+5] {
				if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
					return false
				}
			}
		}
		i++ // past the escaped character, a backslash included
	}
	return true
}

// hasControl tells whether data holds a byte below 0x20 anywhere, eight
// bytes at a time: compact JSON, as devices send it, holds none.
func hasControl(data []byte) bool {
	const ones, highs, controls = 0x0101010101010101, 0x8080808080808080, 0x20 * 0x0101010101010101
	i := 0
	for ; i+8 <= len(data); i += 8 {
		w := binary.LittleEndian.Uint64(data[i:])
		// A byte below 0x20 borrows in w-controls and has its high bit clear
		// in w; bytes of 0x80 and above are not below 0x20.
		if (w-controls)&^w&highs != 0 {
			return true
		}
	}
	for ; i < len(data); i++ {
		if data[i] < 0x20 {
			return true
		}
	}
	return false
}
