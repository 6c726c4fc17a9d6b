package strictjson_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/strictjson"
)

type note struct {
	Text  string   `json:"text"`
	Level *int     `json:"level"`
	Tags  []string `json:"tags"`
}

func TestDecodeReadsWhatEncodingJSONReads(t *testing.T) {
	for _, in := range []string{
		`{"text":"plain","level":2,"tags":["a","b"]}`,
		"{\"text\":\"bad byte \xff here\"}",
		`{"text":"escaped \u00e9 \ud800 \n"}`,
		` {"level":null} `,
		`{"text":"café, naïve, 数学 — ünïcödé at every offset of eight bytes"}`,
	} {
		var got, want note
		if err := strictjson.Decode([]byte(in), &got); err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			t.Errorf("%q: read %s, encoding/json reads %s", in, gj, wj)
		}
	}
}

func TestDecodeRefusesWithEncodingJSONsErrors(t *testing.T) {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	cases := []struct {
		in    string
		check func(error) bool
	}{
		{`{"text":"a","colour":"red"}`, func(err error) bool { return err != nil && err.Error() == `json: unknown field "colour"` }},
		{`{"level":"high"}`, func(err error) bool { return errors.As(err, &typeErr) && typeErr.Field == "level" }},
		{"{\"text\":\"a raw \x01 control\"}", func(err error) bool { return errors.As(err, &syntaxErr) }},
		{"{\"text\":\"a raw \x00 nul\"}", func(err error) bool { return errors.As(err, &syntaxErr) }},
		{`{"text":"a"} {"text":"b"}`, func(err error) bool { return errors.Is(err, strictjson.ErrTrailing) }},
		{`{"text":"a"} x`, func(err error) bool { return errors.Is(err, strictjson.ErrTrailing) }},
		{`{"text":`, func(err error) bool { return err != nil }},
		// The fast decoder reads a \u escape without its four hex digits
		// as some character (NUL for \u00X0); encoding/json refuses it.
		{`{"text":"\u00X0"}`, func(err error) bool { return errors.As(err, &syntaxErr) }},
		{`{"tags":["a","\uZZZZ"]}`, func(err error) bool { return errors.As(err, &syntaxErr) }},
		{`{"text":"\u12"}`, func(err error) bool { return errors.As(err, &syntaxErr) }},
		{`{"text":"\u`, func(err error) bool { return err != nil }},
	}
	for _, c := range cases {
		var n note
		if err := strictjson.Decode([]byte(c.in), &n); !c.check(err) {
			t.Errorf("%q: got %v (%T)", c.in, err, err)
		}
	}
}

func TestDecodeTellsControlCharactersInStringsAnywhere(t *testing.T) {
	// A control character at every offset, inside a string, is refused; the
	// same text with white space between tokens is read.
	for pad := 0; pad < 16; pad++ {
		text := ""
		for range pad {
			text += "x"
		}
		var n note
		bad := `{"text":"` + text + "\x1f" + `"}`
		if err := strictjson.Decode([]byte(bad), &n); err == nil {
			t.Errorf("%q was read", bad)
		}
		good := "{\n\t\"text\": \"" + text + "\"\r\n}"
		if err := strictjson.Decode([]byte(good), &n); err != nil || n.Text != text {
			t.Errorf("%q: %v", good, err)
		}
	}
}

type evidence struct {
	Overall string `json:"overall"`
}

type embedded struct {
	Label string `json:"label"`
}

type observation struct {
	embedded
	Evidence evidence          `json:"evidence"`
	Scores   []note            `json:"scores"`
	Extra    map[string]string `json:"extra"`
	Any      any               `json:"any"`
	Data     json.RawMessage   `json:"data"`
	Ref      *note             `json:"ref"`
}

func TestDecodeRefusesNULNamingTheField(t *testing.T) {
	for _, c := range []struct{ in, field string }{
		{`{"evidence":{"overall":"a\u0000b"}}`, "evidence.overall"},
		{`{"scores":[{"text":"ok"},{"tags":["x","\u0000"]}]}`, "scores[1].tags[1]"},
		{`{"label":"\u0000"}`, "label"},
		{`{"extra":{"k":"v\u0000"}}`, "extra.k"},
		{`{"extra":{"k\u0000":"v"}}`, `extra."k\x00"`},
		{`{"any":{"list":[1,"\u0000"]}}`, "any.list[1]"},
		{`{"ref":{"text":"\u0000"}}`, "ref.text"},
		// Both decoders: the fast one, and encoding/json for text that is not UTF-8.
		{"{\"evidence\":{\"overall\":\"\xff \\u0000\"}}", "evidence.overall"},
	} {
		var o observation
		err := strictjson.Decode([]byte(c.in), &o)
		var nul *strictjson.NULError
		if !errors.As(err, &nul) || nul.Field != c.field {
			t.Errorf("%s: got %v, want NUL in %s", c.in, err, c.field)
		}
	}
	var s string
	var nul *strictjson.NULError
	if err := strictjson.Decode([]byte(`"\u0000"`), &s); !errors.As(err, &nul) || nul.Field != "" {
		t.Errorf("a bare string: %v", err)
	}
}

func TestDecodeLeavesRawAndEscapedBackslashesAlone(t *testing.T) {
	for _, in := range []string{
		`{"data":{"evidence":"\u0000"}}`,        // raw bytes are decoded, and checked, by whoever reads them
		`{"evidence":{"overall":"C:\\u0000x"}}`, // a backslash, then the text u0000
	} {
		var o observation
		if err := strictjson.Decode([]byte(in), &o); err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}
}

// FuzzDecodeNUL checks that whatever Decode accepts holds no NUL, and that
// it refuses what encoding/json reads with one.
func FuzzDecodeNUL(f *testing.F) {
	for _, s := range []string{`{"evidence":{"overall":"a\u0000"}}`, `{"scores":[{"tags":["\u0000"]}]}`, `{"data":"\u0000"}`,
		`{"extra":{"\u0000":""}}`, `{"label":"\\u0000"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var got, want observation
		err := strictjson.Decode(in, &got)
		if err == nil {
			if _, found := nulIn(got); found {
				t.Fatalf("%q was read with a NUL", in)
			}
			return
		}
		var nul *strictjson.NULError
		if json.Unmarshal(in, &want) == nil && !errors.As(err, &nul) && !errors.Is(err, strictjson.ErrTrailing) {
			if _, found := nulIn(want); found {
				t.Fatalf("%q: %v, not a NUL error", in, err)
			}
		}
	})
}

// nulIn tells whether a string of o, outside data, holds a NUL.
func nulIn(o observation) (string, bool) {
	o.Data = nil
	b, _ := json.Marshal(o)
	var v any
	_ = json.Unmarshal(b, &v)
	return string(b), holdsNUL(v)
}

func holdsNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.Contains(v, "\x00")
	case []any:
		for _, e := range v {
			if holdsNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.Contains(k, "\x00") || holdsNUL(e) {
				return true
			}
		}
	}
	return false
}
