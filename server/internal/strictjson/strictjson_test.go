package strictjson_test

import (
	"encoding/json"
	"errors"
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
