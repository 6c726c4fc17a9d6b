package httpapi

import (
	"encoding/csv"
	"io"
	"strings"
)

// csvWriter writes the rows of every CSV export. Each field is kept from
// being read as a formula by a spreadsheet: text that starts with one of
// = + - @, a tab or a carriage return is written after an apostrophe. Text
// a user typed (a subject, a school's name, evidence) reaches every export.
type csvWriter struct{ w *csv.Writer }

func newCSVWriter(w io.Writer) *csvWriter { return &csvWriter{w: csv.NewWriter(w)} }

// Write writes one row.
func (c *csvWriter) Write(fields []string) error {
	for i, f := range fields {
		fields[i] = neutralize(f)
	}
	return c.w.Write(fields)
}

// Flush writes what is buffered.
func (c *csvWriter) Flush() { c.w.Flush() }

// Error is the first error of a Write or Flush.
func (c *csvWriter) Error() error { return c.w.Error() }

// neutralize keeps a spreadsheet from reading a value as a formula.
func neutralize(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
