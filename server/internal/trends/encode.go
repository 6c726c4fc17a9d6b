package trends

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// The JSON of a trend is written by appending to one buffer: an
// administrator's year by week is 60,000 cells (180,000 by indicator), and
// encoding/json, which reflects over every cell, sorts every group map and
// checks the output of every MarshalJSON again, took longer than reading
// and summing the rollups. The output is the same, byte for byte, as
// encoding/json's for the same fields (a test holds them equal).

// MarshalJSON writes the trend.
func (r Result) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 256+160*(len(r.Cells)+len(r.District)))
	b = append(b, `{"rubric_id":`...)
	b = appendString(b, r.RubricID)
	b = append(b, `,"bucket":`...)
	b = appendString(b, r.Bucket)
	b = append(b, `,"group":`...)
	b = appendStrings(b, r.Group)
	b = append(b, `,"min_cell_size":`...)
	b = strconv.AppendInt(b, int64(r.MinCellSize), 10)
	b = append(b, `,"from":`...)
	b = appendString(b, r.From)
	b = append(b, `,"to":`...)
	b = appendString(b, r.To)
	b = append(b, `,"cells":`...)
	b = appendCells(b, r.Cells)
	b = append(b, `,"district":`...)
	b = appendCells(b, r.District)
	if r.DistrictLeftOut {
		b = append(b, `,"district_left_out":true`...)
	}
	return append(b, '}'), nil
}

// MarshalJSON writes the cell with its bucket as a date (YYYY-MM-DD), the
// first day of the week, month or range, as the CSV export writes it.
func (c Cell) MarshalJSON() ([]byte, error) { return c.appendJSON(nil), nil }

func appendCells(b []byte, cs []Cell) []byte {
	if cs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		b = c.appendJSON(b)
	}
	return append(b, ']')
}

// appendJSON writes the cell, its group's keys in order.
func (c Cell) appendJSON(b []byte) []byte {
	b = append(b, `{"bucket":"`...)
	b = c.Bucket.AppendFormat(b, time.DateOnly)
	b = append(b, `","group":`...)
	if c.Group == nil {
		b = append(b, "null"...)
	} else {
		var two [2]string // most groups have one or two names
		keys := two[:0]
		for k := range c.Group {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, c.Group[k])
		}
		b = append(b, '}')
	}
	if c.Observations != nil {
		b = append(b, `,"observations":`...)
		b = strconv.AppendInt(b, *c.Observations, 10)
	}
	b = append(b, `,"scores":`...)
	b = strconv.AppendInt(b, c.Scores, 10)
	if c.Mean != nil {
		b = append(b, `,"mean":`...)
		b = appendFloat(b, *c.Mean)
	}
	if c.Levels != (Levels{}) {
		b = append(b, `,"levels":`...)
		b = c.Levels.appendJSON(b)
	}
	if c.Suppressed {
		b = append(b, `,"suppressed":true`...)
	}
	if c.LeftOut != 0 {
		b = append(b, `,"left_out":`...)
		b = strconv.AppendInt(b, int64(c.LeftOut), 10)
	}
	if c.Partial {
		b = append(b, `,"partial":true`...)
	}
	if c.Submitted != nil {
		b = append(b, `,"submitted":`...)
		b = strconv.AppendInt(b, *c.Submitted, 10)
	}
	if c.NotObserved != nil {
		b = append(b, `,"not_observed":`...)
		b = appendFloat(b, *c.NotObserved)
	}
	return append(b, '}')
}

// appendFloat writes f as encoding/json does.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...) // never a mean; encoding/json would fail
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-07 as encoding/json writes it: e-7
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendString writes s as a JSON string; encoding/json writes those that
// need escaping (as it escapes <, > and & too).
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
