// Package strictjson decodes request bodies strictly (one value, no unknown
// fields) and quickly: a push of a few megabytes is read by a decoder
// several times faster than encoding/json, and anything that decoder could
// read differently goes to encoding/json, whose errors callers report.
package strictjson

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"
)

// ErrTrailing is the error for data after the JSON value.
var ErrTrailing = errors.New("strictjson: data after the JSON value")

// Decode reads data, which must hold one JSON value and nothing after it
// but white space, into v, refusing fields v does not have. Its errors are
// ErrTrailing or encoding/json's.
func Decode(data []byte, v any) error {
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
