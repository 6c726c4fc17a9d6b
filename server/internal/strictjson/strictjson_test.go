package strictjson_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

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
		`{"text":"escaped \u00e9 \ud83d\ude00 \n \/"}`,
		// Text that is not UTF-8 is read as encoding/json reads it, each
		// bad part becoming U+FFFD.
		"{\"text\":\"bad byte \xff here\"}",
		`{"text":"a lone \ud800 surrogate, \udc00\ud800 two"}`,
		"{\"text\":\"\xed\xa0\x80 \xf4\x90\x80\x80 \x80 \xe2\x82\", \"tags\":[\"a\xc3(b\"]}",
		` {"level":null} `,
		"{\n\t\"text\": \"a\",\r\n \"level\" : 1}\n",
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

func TestDecodeRefusesWithTypedErrors(t *testing.T) {
	var syntax *strictjson.SyntaxError
	var unknown *strictjson.UnknownFieldError
	var dup *strictjson.DuplicateFieldError
	var typeErr *strictjson.TypeError
	isSyntax := func(offset int64) func(error) bool {
		return func(err error) bool { return errors.As(err, &syntax) && syntax.Offset == offset }
	}
	isUnknown := func(field string) func(error) bool {
		return func(err error) bool { return errors.As(err, &unknown) && unknown.Field == field }
	}
	isDuplicate := func(field string) func(error) bool {
		return func(err error) bool { return errors.As(err, &dup) && dup.Field == field }
	}
	isType := func(field string, want strictjson.Kind, message string) func(error) bool {
		return func(err error) bool {
			return errors.As(err, &typeErr) && typeErr.Field == field && typeErr.Want == want && typeErr.Message() == message
		}
	}
	cutShort := func(err error) bool { return errors.As(err, &syntax) && errors.Is(err, io.ErrUnexpectedEOF) }
	trailing := func(err error) bool { return errors.Is(err, strictjson.ErrTrailing) }
	cases := []struct {
		in    string
		check func(error) bool
	}{
		{`{"text":"a","colour":"red"}`, isUnknown("colour")},
		{`{"scores":[{"text":"a"},{"TEXT":"b"}]}`, isUnknown("scores[1].TEXT")},
		{`{"text":"a","Text":"b"}`, isUnknown("Text")},
		{`{"text":"a","text":"b"}`, isDuplicate("text")},
		{`{"text":"a","te\u0078t":"b"}`, isDuplicate("text")},
		{`{"scores":[{},{"tags":[],"tags":[]}]}`, isDuplicate("scores[1].tags")},
		{`{"extra":{"k":"a","k":"b"}}`, isDuplicate("extra.k")},
		{`{"any":{"list":[1,{"x":1,"x":2}]}}`, isDuplicate("any.list[1].x")},
		{`{"data":{"x":1,"x":2}}`, isDuplicate("data.x")},
		{`{"level":"high"}`, isType("level", strictjson.KindInteger, "must be a whole number")},
		{`{"scores":[{},{},{"level":2.5}]}`, isType("scores[2].level", strictjson.KindInteger, "must be a whole number")},
		{`{"scores":[{"level":1e2}]}`, isType("scores[0].level", strictjson.KindInteger, "must be a whole number")},
		{`{"scores":[{"level":99999999999999999999}]}`, isType("scores[0].level", strictjson.KindInteger, "is out of range")},
		{`{"weight":1e400}`, isType("weight", strictjson.KindNumber, "is out of range")},
		{`{"weight":true}`, isType("weight", strictjson.KindNumber, "must be a number")},
		{`{"tags":"a"}`, isType("tags", strictjson.KindArray, "must be a list")},
		{`{"extra":{"2":7}}`, isType("extra.2", strictjson.KindString, "must be a string")},
		{`{"ref":[]}`, isType("ref", strictjson.KindObject, "must be an object")},
		{`{"at":"yesterday"}`, isType("at", strictjson.KindString, "must be a date and time such as 2026-09-14T09:30:00Z")},
		{`{"at":5}`, isType("at", strictjson.KindString, "must be a date and time such as 2026-09-14T09:30:00Z")},
		{`[]`, isType("", strictjson.KindObject, "must be an object")},
		{"{\"text\":\"a raw \x01 control\"}", isSyntax(15)},
		{"{\"text\":\"a raw \x00 nul\"}", isSyntax(15)},
		{`{"text":"a"} {"text":"b"}`, trailing},
		{`{"text":"a"} x`, trailing},
		{`{"text":"a"}}`, trailing},
		{`{"text":`, cutShort},
		{``, cutShort},
		{" \n", cutShort},
		{`nul`, cutShort},
		{`,{"text":"a","Text":"c","scores":[{"text":"coach","TEXT":"admin"}]}`, isSyntax(0)},
		{`:{"text":"a"}`, isSyntax(0)},
		{`{"text":"\u00X0"}`, isSyntax(9)},
		{`{"tags":["a","\uZZZZ"]}`, isSyntax(14)},
		{`{"text":"\u12"}`, isSyntax(9)},
		{`{"text":"\u`, cutShort},
	}
	for _, c := range cases {
		var o observation
		if err := strictjson.Decode([]byte(c.in), &o); !c.check(err) {
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
	Text     string            `json:"text"`
	Level    *int              `json:"level"`
	Weight   float64           `json:"weight"`
	Evidence evidence          `json:"evidence"`
	Scores   []note            `json:"scores"`
	Tags     []string          `json:"tags"`
	Extra    map[string]string `json:"extra"`
	Any      any               `json:"any"`
	Data     json.RawMessage   `json:"data"`
	Ref      *note             `json:"ref"`
	At       time.Time         `json:"at"`
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
// a refusal for another reason than NUL stays when every \u0000 becomes
// \u0001: it refuses with a NULError what it would read but for the NUL.
func FuzzDecodeNUL(f *testing.F) {
	for _, s := range []string{`{"evidence":{"overall":"a\u0000"}}`, `{"scores":[{"tags":["\u0000"]}]}`, `{"data":"\u0000"}`,
		`{"extra":{"\u0000":""}}`, `{"label":"\\u0000"}`, `{"Label":"\u0000"}`, `{"label":"\u0000","label":""}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var got observation
		err := strictjson.Decode(in, &got)
		if err == nil {
			if _, found := nulIn(got); found {
				t.Fatalf("%q was read with a NUL", in)
			}
			return
		}
		var nul *strictjson.NULError
		if errors.As(err, &nul) {
			return
		}
		without := bytes.ReplaceAll(in, []byte(`\u0000`), []byte(`\u0001`))
		var o observation
		if strictjson.Decode(without, &o) == nil {
			t.Fatalf("%q: %v, but read without its NULs", in, err)
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
