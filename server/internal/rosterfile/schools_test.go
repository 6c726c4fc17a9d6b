package rosterfile_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/rosterfile"
)

func TestParseSchools(t *testing.T) {
	// A BOM, CRLF line ends, a header in mixed case with spaces, an extra
	// column, a quoted comma, blank lines and a row of empty fields.
	in := "\ufeff External_ID ,NAME, Grade_Band ,principal\r\n" +
		"S-1, Adams Elementary ,elementary,Ms. Rivera\r\n" +
		"\r\n" +
		"S-2,\"Franklin High School, North Campus\",high,\r\n" +
		",,,\r\n" +
		"S-3,Carver K-8,,Mr. Okafor\r\n"
	b := rosterfile.ParseSchools(strings.NewReader(in))
	mustNoProblems(t, b)
	want := []rosterfile.School{
		{Line: 2, ExternalID: "S-1", Name: "Adams Elementary", GradeBand: "elementary"},
		{Line: 4, ExternalID: "S-2", Name: "Franklin High School, North Campus", GradeBand: "high"},
		{Line: 6, ExternalID: "S-3", Name: "Carver K-8"},
	}
	if !reflect.DeepEqual(b.Schools, want) {
		t.Errorf("schools = %+v\nwant %+v", b.Schools, want)
	}
	if b.Skipped != 0 || len(b.Teachers)+len(b.Users) != 0 {
		t.Errorf("skipped %d, teachers %d, users %d; want none", b.Skipped, len(b.Teachers), len(b.Users))
	}
}

func TestParseSchoolsWithoutGradeBand(t *testing.T) {
	b := rosterfile.ParseSchools(strings.NewReader("name,external_id\nAdams,S-1\n"))
	mustNoProblems(t, b)
	if len(b.Schools) != 1 || b.Schools[0] != (rosterfile.School{Line: 2, ExternalID: "S-1", Name: "Adams"}) {
		t.Errorf("schools = %+v", b.Schools)
	}
}

func TestParseSchoolsMissingColumns(t *testing.T) {
	b := rosterfile.ParseSchools(strings.NewReader("id,school name\nS-1,Adams\nS-2,Baker\n"))
	mustProblems(t, b, rosterfile.Problem{Line: 1,
		Message: "the header lacks the required columns external_id, name (it has id, school name)"})
	if len(b.Schools) != 0 {
		t.Errorf("schools = %+v, want none", b.Schools)
	}
}

func TestParseSchoolsEveryBadRow(t *testing.T) {
	in := "external_id,name,grade_band\n" +
		"S-1,Adams,elementary\n" + // 2
		",Baker,elementary\n" + // 3: no id
		"S-3,,middle\n" + // 4: no name
		"S-1,Adams again,\n" + // 5: duplicate of line 2
		"S-5\n" + // 6: too few fields
		"S-6,Douglas,middle,\n" + // 7: a trailing empty field is fine
		"S-7,Earhart, Middle,middle\n" + // 8: an unquoted comma
		"S-8,Franklin,high\n" // 9
	b := rosterfile.ParseSchools(strings.NewReader(in))
	mustProblems(t, b,
		rosterfile.Problem{Line: 3, Field: "external_id", Message: "is required"},
		rosterfile.Problem{Line: 4, Field: "name", Message: "is required"},
		rosterfile.Problem{Line: 5, Field: "external_id", Message: `"S-1" is already used on line 2`},
		rosterfile.Problem{Line: 6, Message: "has 1 field where the header has 3 columns"},
		rosterfile.Problem{Line: 8, Message: "has 4 fields where the header has 3 columns (is a comma in a value not quoted?)"},
	)
	var ids []string
	for _, s := range b.Schools {
		ids = append(ids, s.ExternalID)
	}
	if got := strings.Join(ids, " "); got != "S-1 S-6 S-8" {
		t.Errorf("schools = %s, want S-1 S-6 S-8", got)
	}
}

func TestParseSchoolsEmpty(t *testing.T) {
	b := rosterfile.ParseSchools(strings.NewReader(""))
	mustProblemsAt(t, b, problemAt{1, "", "the file is empty"})

	b = rosterfile.ParseSchools(strings.NewReader("\ufeffexternal_id,name,grade_band\r\n"))
	mustNoProblems(t, b)
	if len(b.Schools) != 0 {
		t.Errorf("schools = %+v, want none", b.Schools)
	}
}
