package sync

import (
	"bytes"
	"encoding/json"
	"testing"

	"pgregory.net/rapid"
)

// TestWriteCompactIsJSONCompact: a change's hash must not move when the
// way it is compacted changes, so writeCompact must write exactly what
// json.Compact does, for any JSON value indented any way.
func TestWriteCompactIsJSONCompact(t *testing.T) {
	text := rapid.StringOf(rapid.SampledFrom([]rune{'a', ' ', '"', '\\', '\n', '\t', '/', 'é', '{', ':', ','}))
	var value *rapid.Generator[any]
	value = rapid.Deferred(func() *rapid.Generator[any] {
		return rapid.OneOf(
			rapid.Map(text, func(s string) any { return s }),
			rapid.Map(rapid.Float64(), func(f float64) any { return f }),
			rapid.Just[any](nil), rapid.Just[any](true),
			rapid.Map(rapid.SliceOfN(value, 0, 4), func(v []any) any { return v }),
			rapid.Map(rapid.MapOfN(text, value, 0, 4), func(m map[string]any) any { return m }),
		)
	})
	rapid.Check(t, func(t *rapid.T) {
		v := value.Draw(t, "value")
		raw, err := json.MarshalIndent(v, rapid.SampledFrom([]string{"", " ", "\r\n"}).Draw(t, "prefix"), rapid.SampledFrom([]string{"", "  ", "\t"}).Draw(t, "indent"))
		if err != nil {
			t.Fatal(err)
		}
		var want, got bytes.Buffer
		if err := json.Compact(&want, raw); err != nil {
			t.Fatal(err)
		}
		writeCompact(&got, raw)
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("writeCompact(%q) = %q, json.Compact %q", raw, got.Bytes(), want.Bytes())
		}
	})
}
