package rosterfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// table is a CSV file's header: which column holds which field.
type table struct {
	file  string
	cols  map[string]int // lower-cased, trimmed header name → index
	names []string       // header names as written, trimmed
	width int            // fields a record must have: up to the last named column
}

// record is one well-formed, non-blank CSV record.
type record struct {
	t      *table
	line   int
	fields []string
}

// get returns the trimmed value of column name (matched without regard to
// case), "" when the file has no such column.
func (r record) get(name string) string {
	i, ok := r.t.cols[strings.ToLower(name)]
	if !ok || i >= len(r.fields) {
		return ""
	}
	return strings.TrimSpace(r.fields[i])
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// readTable reads r as a CSV file whose header names at least the required
// columns and calls each for every record that is well formed. It adds a
// problem to b for every record that is not, and skips records whose fields
// are all blank. An empty file, or a header that lacks a required column, is
// one problem; then no record is read and readTable reports false. An error
// other than a CSV syntax error (a failing reader, a size limit) ends the
// reading and is returned.
func readTable(file string, r io.Reader, required []string, b *Batch, each func(record)) (bool, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		_, _ = br.Discard(len(bomUTF8))
	case bytes.HasPrefix(head, bomUTF16LE), bytes.HasPrefix(head, bomUTF16BE):
		b.problem(file, 1, "", "the file is UTF-16; save it as UTF-8 (in Excel: CSV UTF-8)")
		return false, nil
	}

	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err == io.EOF {
		b.problem(file, 1, "", "the file is empty; its first line must name the columns %s", strings.Join(required, ", "))
		return false, nil
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			b.problem(file, pe.StartLine, "", "the header %s", parseErrorMessage(pe))
			return false, nil
		}
		return false, err
	}
	headerLine, _ := cr.FieldPos(0)
	t, ok := newTable(file, header, headerLine, required, b)
	if !ok {
		return false, nil
	}

	for {
		fields, err := cr.Read()
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				b.problem(file, pe.StartLine, "", "%s", parseErrorMessage(pe))
				continue
			}
			return true, err
		}
		line, _ := cr.FieldPos(0)
		if blank(fields) {
			continue
		}
		if !t.wellFormed(line, fields, b) {
			continue
		}
		each(record{t: t, line: line, fields: fields})
	}
}

// newTable reads the header. It adds a problem and reports false when the
// header is not valid UTF-8 or lacks a required column.
func newTable(file string, header []string, line int, required []string, b *Batch) (*table, bool) {
	t := &table{file: file, cols: map[string]int{}, names: make([]string, len(header))}
	var dup []string
	for i, h := range header {
		if !utf8.ValidString(h) {
			b.problem(file, line, "", "the header is not valid UTF-8; save the file as UTF-8 (in Excel: CSV UTF-8)")
			return nil, false
		}
		if domain.HasNUL(h) {
			// A UTF-16 file without its byte order mark reads so.
			b.problem(file, line, "", "the header holds the NUL character (U+0000), which no value may hold; is the file UTF-16? Save it as UTF-8 (in Excel: CSV UTF-8)")
			return nil, false
		}
		name := strings.TrimSpace(h)
		t.names[i] = name
		if name == "" {
			continue
		}
		t.width = i + 1
		key := strings.ToLower(name)
		if _, ok := t.cols[key]; ok {
			dup = append(dup, name)
			continue
		}
		t.cols[key] = i
	}
	var missing []string
	for _, c := range required {
		if _, ok := t.cols[strings.ToLower(c)]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		var found []string
		for _, n := range t.names {
			if n != "" {
				found = append(found, n)
			}
		}
		b.problem(file, line, "", "the header lacks the required %s %s (it has %s)",
			plural(len(missing), "column", "columns"), strings.Join(missing, ", "), strings.Join(found, ", "))
		return nil, false
	}
	if len(dup) > 0 {
		b.problem(file, line, "", "the header names %s more than once; only the first is read", strings.Join(dup, ", "))
	}
	return t, true
}

// wellFormed checks a record's shape and encoding, adding a problem when it
// is wrong: too few fields, values beyond the last column, invalid UTF-8,
// the NUL character (which the database cannot store).
func (t *table) wellFormed(line int, fields []string, b *Batch) bool {
	ok := true
	for i, f := range fields {
		switch {
		case !utf8.ValidString(f):
			b.problem(t.file, line, t.name(i), "is not valid UTF-8; save the file as UTF-8 (in Excel: CSV UTF-8)")
			ok = false
		case domain.HasNUL(f):
			b.problem(t.file, line, t.name(i), "%s", domain.NULMessage)
			ok = false
		}
	}
	if !ok {
		return false
	}
	if len(fields) < t.width {
		b.problem(t.file, line, "", "has %d %s where the header has %d columns", len(fields), plural(len(fields), "field", "fields"), t.width)
		return false
	}
	for _, f := range fields[t.width:] {
		if strings.TrimSpace(f) != "" {
			b.problem(t.file, line, "", "has %d fields where the header has %d columns (is a comma in a value not quoted?)", len(fields), t.width)
			return false
		}
	}
	return true
}

// name returns the header name of column i, or "column N" when it has none.
func (t *table) name(i int) string {
	if i < len(t.names) && t.names[i] != "" {
		return t.names[i]
	}
	return "column " + itoa(i+1)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func parseErrorMessage(pe *csv.ParseError) string {
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return `has a quote (") inside a value that does not start with a quote; quote the whole value and double the quote ("")`
	case errors.Is(pe.Err, csv.ErrQuote):
		if pe.Line > pe.StartLine {
			return `has a quoted value that is not closed where it should be (it runs to line ` + itoa(pe.Line) + `); a quote inside a quoted value must be doubled ("")`
		}
		return `has a quoted value that is not closed where it should be; a quote inside a quoted value must be doubled ("")`
	default:
		return "is not valid CSV: " + pe.Err.Error()
	}
}
