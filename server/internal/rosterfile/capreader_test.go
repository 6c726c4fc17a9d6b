package rosterfile

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestCapReader(t *testing.T) {
	for _, tc := range []struct {
		n       int
		tooLong bool
	}{{0, false}, {99, false}, {100, false}, {101, true}, {5000, true}} {
		r := &capReader{r: strings.NewReader(strings.Repeat("x", tc.n)), left: 100 + 1}
		got, err := io.ReadAll(r)
		if tc.tooLong != errors.Is(err, errEntryTooLarge) {
			t.Errorf("%d bytes: err = %v", tc.n, err)
		}
		if !tc.tooLong && (err != nil || len(got) != tc.n) {
			t.Errorf("%d bytes: read %d, err %v", tc.n, len(got), err)
		}
	}
}
