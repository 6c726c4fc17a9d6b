package sync

import (
	"bytes"
	"encoding/json"
	"testing"

	"pgregory.net/rapid"
)

// TestCompactIsJSONCompact: a change's hash must not move when the way it
// is compacted changes, so compact must answer exactly what json.Compact
// writes, for any JSON value indented any way.
func TestCompactIsJSONCompact(t *testing.T) {
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
		var want bytes.Buffer
		if err := json.Compact(&want, raw); err != nil {
			t.Fatal(err)
		}
		before := bytes.Clone(raw)
		if got := compact(raw); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("compact(%q) = %q, json.Compact %q", raw, got, want.Bytes())
		}
		if !bytes.Equal(raw, before) {
			t.Fatalf("compact changed its argument %q to %q", before, raw)
		}
	})
}

// TestPayloadHashIsPinned: the hash of every applied change is stored and
// compared when a device sends the change again, a retry after an upgrade
// included, so it must never move. These are the hashes the server has
// always computed; white space in data does not count, and strings and
// numbers count as written.
func TestPayloadHashIsPinned(t *testing.T) {
	for _, c := range []struct {
		change Change
		want   string
	}{
		{Change{Entity: EntityObservation, Op: OpUpsert, ID: "0190A5B4-0000-7000-8000-000000000001",
			Data: []byte(`{"evidence":"caf\u00e9 \/ \"q\"","level":1.0,"n":1e2}`)},
			"3780c87c9808b8a12accb050e2e086e4d20821893f9f5b5b66534d602a3ebbd1"},
		{Change{Entity: EntityObservation, Op: OpUpsert, ID: "0190a5b4-0000-7000-8000-000000000001",
			Data: []byte("{\r\n\t\"evidence\" : \"caf\\u00e9 \\/ \\\"q\\\"\",\n  \"level\": 1.0 ,\"n\" :1e2 }\n")},
			"3780c87c9808b8a12accb050e2e086e4d20821893f9f5b5b66534d602a3ebbd1"},
		{Change{Entity: EntityWalkthrough, Op: OpUpsert, ID: "0190a5b4-0000-7000-8000-000000000002", BaseRev: 7,
			Data: []byte(" [ 1, 2.50, -0, 1E+2, 0.1e-7, \"a\\\\b\", \"\\ud83d\\ude00\", \"é 数学 <&>\", \"\\t \\n\", true, false, null, {}, [ ] ] ")},
			"7000fdd44b5168601994bfdf22f24fc52d78aaacdaed61bdbfe435e354a5c832"},
		{Change{Entity: EntityFollowUp, Op: OpUpsert, ID: "0190a5b4-0000-7000-8000-000000000003", BaseRev: 1,
			Data: []byte("{\"notes\": \"tabs\\tand  spaces  inside\", \"a\": {\"b\": [ {\"c\" : \"}\\\\\"} ]}}")},
			"2ae24a99ca7d100be3a60bd3ced53ebe43353aabdb103ef6f9e17af8dde2505a"},
		{Change{Entity: EntityObservation, Op: OpUpsert, ID: "0190a5b4-0000-7000-8000-000000000005", BaseRev: 12,
			Data: []byte(`{"school_id":"0190a5b4-0000-7000-8000-00000000000a","teacher_id":"0190a5b4-0000-7000-8000-00000000000b",` +
				`"rubric_version_id":"0190a5b4-0000-7000-8000-00000000000c","kind":"classroom","grade":"3","subject":"Mathematics",` +
				`"started_at":"2026-09-14T09:30:00Z","status":"submitted","scores":[{"indicator_key":"respectful_relationships","level":3,` +
				`"evidence":"T: why? S: because it doubles"},{"indicator_key":"big_ideas","level":null}],` +
				`"evidence":"Students explained their strategies.","tags":["math talk"]}`)},
			"98c27078c97779a47539f41f02ddf6e2a3f802a91611365b11089e11da64ecd1"},
		{Change{Entity: EntityNextStep, Op: OpDelete, ID: "0190a5b4-0000-7000-8000-000000000004", BaseRev: 2},
			"1b849d5f2a79169f000599dc9496ca88e7fd3e2bcac152d275cc82bc95c00803"},
	} {
		if got := c.change.payloadHash(); got != c.want {
			t.Errorf("payloadHash of %s %q = %s, want %s", c.change.Entity, c.change.Data, got, c.want)
		}
	}
}
