package rosterfile_test

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/rosterfile"
)

// mustNoProblems fails the test when b holds problems.
func mustNoProblems(tb testing.TB, b rosterfile.Batch) {
	tb.Helper()
	for _, p := range b.Problems {
		tb.Errorf("unexpected problem: %s", p)
	}
}

// mustProblems fails the test unless b holds exactly want, in order.
func mustProblems(tb testing.TB, b rosterfile.Batch, want ...rosterfile.Problem) {
	tb.Helper()
	if len(b.Problems) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(b.Problems, want) {
		tb.Errorf("problems:\n%s\nwant:\n%s", problemList(b.Problems), problemList(want))
	}
}

// mustProblemsAt fails the test unless b holds exactly one problem per want
// entry, in order, each at the given line and field with a message holding
// the given text.
func mustProblemsAt(tb testing.TB, b rosterfile.Batch, want ...problemAt) {
	tb.Helper()
	ok := len(b.Problems) == len(want)
	for i := 0; ok && i < len(want); i++ {
		p, w := b.Problems[i], want[i]
		ok = p.Line == w.line && p.Field == w.field && strings.Contains(p.Message, w.text)
	}
	if !ok {
		var ws []string
		for _, w := range want {
			ws = append(ws, w.String())
		}
		tb.Errorf("problems:\n%s\nwant:\n  %s", problemList(b.Problems), strings.Join(ws, "\n  "))
	}
}

type problemAt struct {
	line  int
	field string
	text  string
}

func (p problemAt) String() string {
	return "line " + strconv.Itoa(p.line) + " " + p.field + ": …" + p.text + "…"
}

func problemList(ps []rosterfile.Problem) string {
	if len(ps) == 0 {
		return "  (none)"
	}
	var s []string
	for _, p := range ps {
		s = append(s, "  "+p.String())
	}
	return strings.Join(s, "\n")
}
