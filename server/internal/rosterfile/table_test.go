package rosterfile_test

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rosterfile"
)

func TestUTF16IsOneProblem(t *testing.T) {
	in := "\xff\xfee\x00x\x00t\x00"
	b := rosterfile.ParseSchools(strings.NewReader(in))
	mustProblemsAt(t, b, problemAt{1, "", "the file is UTF-16"})
}

func TestInvalidUTF8InHeader(t *testing.T) {
	b := rosterfile.ParseSchools(strings.NewReader("external_id,n\xe4me\nS-1,Adams\n"))
	mustProblemsAt(t, b, problemAt{1, "", "the header is not valid UTF-8"})
	if len(b.Schools) != 0 {
		t.Errorf("schools = %+v, want none", b.Schools)
	}
}

func TestNULIsAProblemOfItsRowAndColumn(t *testing.T) {
	b := rosterfile.ParseSchools(strings.NewReader("external_id,name\nS-1,Adams\nS-2,Ba\x00ker\nS-3,Carver\n"))
	mustProblems(t, b, rosterfile.Problem{Line: 3, Field: "name", Message: domain.NULMessage})
	if len(b.Schools) != 2 || b.Schools[0].Name != "Adams" || b.Schools[1].Name != "Carver" {
		t.Errorf("schools = %+v, want Adams and Carver", b.Schools)
	}
	tb := rosterfile.ParseTeachers(strings.NewReader("external_id,school_external_id,given_name,family_name,email,grades,subjects\n" +
		"T-1,S-1,Ana,Diaz,ana@example.org,3,Math\x00ematics\n"))
	mustProblems(t, tb, rosterfile.Problem{Line: 2, Field: "subjects", Message: domain.NULMessage})
	if len(tb.Teachers) != 0 {
		t.Errorf("teachers = %+v, want none", tb.Teachers)
	}
}

func TestUTF16WithoutByteOrderMarkIsOneProblem(t *testing.T) {
	in := "e\x00x\x00t\x00,\x00n\x00a\x00m\x00e\x00\n\x00"
	b := rosterfile.ParseSchools(strings.NewReader(in))
	mustProblemsAt(t, b, problemAt{1, "", "is the file UTF-16?"})
}

func TestDuplicateColumnIsAProblem(t *testing.T) {
	b := rosterfile.ParseSchools(strings.NewReader("external_id,name,Name\nS-1,Adams,Baker\n"))
	mustProblemsAt(t, b, problemAt{1, "", "the header names Name more than once; only the first is read"})
	if len(b.Schools) != 1 || b.Schools[0].Name != "Adams" {
		t.Errorf("schools = %+v, want Adams", b.Schools)
	}
}

// Spreadsheets often end the header and the rows with empty cells.
func TestTrailingEmptyColumns(t *testing.T) {
	b := rosterfile.ParseSchools(strings.NewReader("external_id,name,,\nS-1,Adams\nS-2,Baker,,\nS-3,Carver,,,,\n"))
	mustNoProblems(t, b)
	if len(b.Schools) != 3 {
		t.Errorf("schools = %+v, want 3", b.Schools)
	}
}

func TestBlankLinesBeforeHeader(t *testing.T) {
	b := rosterfile.ParseSchools(strings.NewReader("\n\nexternal_id,name\n\nS-1,Adams\n,\nS-1,Baker\n"))
	mustProblems(t, b, rosterfile.Problem{Line: 7, Field: "external_id", Message: `"S-1" is already used on line 5`})
}

func TestReadErrorIsAProblem(t *testing.T) {
	r := io.MultiReader(strings.NewReader("external_id,name\nS-1,Adams\n"), iotest.ErrReader(io.ErrUnexpectedEOF))
	b := rosterfile.ParseSchools(r)
	mustProblemsAt(t, b, problemAt{0, "", "the file could not be read to the end: unexpected EOF"})
	if len(b.Schools) != 1 {
		t.Errorf("schools = %+v, want the one read before the error", b.Schools)
	}
}

func TestProblemString(t *testing.T) {
	for _, tc := range []struct {
		p    rosterfile.Problem
		want string
	}{
		{rosterfile.Problem{File: "users.csv", Line: 12, Field: "email", Message: "is required"}, "users.csv line 12: email: is required"},
		{rosterfile.Problem{Line: 3, Message: "has 2 fields"}, "line 3: has 2 fields"},
		{rosterfile.Problem{File: "orgs.csv", Message: "missing"}, "orgs.csv: missing"},
		{rosterfile.Problem{Message: "not a zip"}, "not a zip"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
