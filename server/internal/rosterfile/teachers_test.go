package rosterfile_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/rosterfile"
)

func TestParseTeachers(t *testing.T) {
	in := "external_id,school_external_id,given_name,family_name,email,grades,subjects,room\n" +
		"T-1,S-1,Maria,Rivera,Maria.Rivera@Riverside.example,3,Mathematics;ELA,12\n" +
		"T-2,S-1,James,Chen,, k ; 01;2;02; PreK ,\"Science; Mathematics;science\",14\n" +
		"T-3,S-2,,Okafor,,,,\n" +
		"T-4,S-2,Priya,,priya@riverside.example,Kindergarten;12,Art,\n"
	b := rosterfile.ParseTeachers(strings.NewReader(in))
	mustNoProblems(t, b)
	want := []rosterfile.Teacher{
		{Line: 2, ExternalID: "T-1", SchoolExternalID: "S-1", GivenName: "Maria", FamilyName: "Rivera",
			Email: "maria.rivera@riverside.example", Grades: []string{"3"}, Subjects: []string{"ELA", "Mathematics"}},
		{Line: 3, ExternalID: "T-2", SchoolExternalID: "S-1", GivenName: "James", FamilyName: "Chen",
			Grades: []string{"PK", "K", "1", "2"}, Subjects: []string{"Mathematics", "Science"}},
		{Line: 4, ExternalID: "T-3", SchoolExternalID: "S-2", FamilyName: "Okafor"},
		{Line: 5, ExternalID: "T-4", SchoolExternalID: "S-2", GivenName: "Priya",
			Email: "priya@riverside.example", Grades: []string{"K", "12"}, Subjects: []string{"Art"}},
	}
	if !reflect.DeepEqual(b.Teachers, want) {
		t.Errorf("teachers:\n%+v\nwant:\n%+v", b.Teachers, want)
	}
}

func TestParseTeachersOptionalColumns(t *testing.T) {
	b := rosterfile.ParseTeachers(strings.NewReader("FAMILY_NAME,Given_Name,School_External_ID,External_ID\nRivera,Maria,S-1,T-1\n"))
	mustNoProblems(t, b)
	want := []rosterfile.Teacher{{Line: 2, ExternalID: "T-1", SchoolExternalID: "S-1", GivenName: "Maria", FamilyName: "Rivera"}}
	if !reflect.DeepEqual(b.Teachers, want) {
		t.Errorf("teachers = %+v, want %+v", b.Teachers, want)
	}

	b = rosterfile.ParseTeachers(strings.NewReader("external_id,given_name,email\nT-1,Maria,m@x.example\n"))
	mustProblems(t, b, rosterfile.Problem{Line: 1,
		Message: "the header lacks the required columns school_external_id, family_name (it has external_id, given_name, email)"})
}

// A quoted value may hold commas, quotes and line breaks; the records after
// it keep their line numbers, and a record spanning lines is reported at the
// line where it starts.
func TestParseTeachersMultiLineRecords(t *testing.T) {
	in := "\ufeffexternal_id,school_external_id,given_name,family_name,email,grades,subjects\r\n" +
		"T-1,S-1,\"Mary\r\nAnn\",\"O'Brien, \"\"Molly\"\"\",,3,\"Mathematics;\r\nScience\r\n\"\r\n" + // lines 2-5
		"T-2,S-1,James,Chen,,4,ELA\r\n" + // line 6
		"T-3,S-1,Aisha,\"Thomas\r\n\",not-an-email,5,\r\n" + // lines 7-8, bad email
		"T-4,S-1,Daniel,Okafor,,14,\r\n" // line 9, bad grade
	b := rosterfile.ParseTeachers(strings.NewReader(in))
	mustProblems(t, b,
		rosterfile.Problem{Line: 7, Field: "email", Message: `"not-an-email" is not an email address`},
		rosterfile.Problem{Line: 9, Field: "grades", Message: `"14" is not a grade (PK, K, 1 to 12)`},
	)
	if len(b.Teachers) != 2 {
		t.Fatalf("teachers = %+v, want T-1 and T-2", b.Teachers)
	}
	t1, t2 := b.Teachers[0], b.Teachers[1]
	if t1.Line != 2 || t1.GivenName != "Mary\nAnn" || t1.FamilyName != `O'Brien, "Molly"` ||
		!reflect.DeepEqual(t1.Subjects, []string{"Mathematics", "Science"}) {
		t.Errorf("T-1 = %+v", t1)
	}
	if t2.Line != 6 || t2.ExternalID != "T-2" {
		t.Errorf("T-2 = %+v, want line 6", t2)
	}
}

func TestParseTeachersEveryBadRow(t *testing.T) {
	in := "external_id,school_external_id,given_name,family_name,email,grades,subjects\n" +
		"T-1,S-1,Maria,Rivera,maria@x.example,3,Math\n" + // 2: fine
		",S-1,James,Chen,,,\n" + // 3: no id
		"T-3,,Aisha,Thomas,,,\n" + // 4: no school
		"T-4,S-1,,,,,\n" + // 5: no name
		"T-5,S-1,Daniel,Okafor,Daniel Okafor <d@x.example>,,\n" + // 6: not a bare address
		"T-6,S-1,Sofia,Patel,,3rd;K;13,\n" + // 7: two bad grades
		"T-1,S-2,Grace,Kim,,,\n" + // 8: duplicate of line 2
		"T-8,S-1,Noah\n" + // 9: too few fields
		"T-9,S-1,Hannah,Garc\xeda,,,\n" + // 10: Latin-1, not UTF-8
		"T-10,S-1,Omar,O\"Neil,,,\n" + // 11: a bare quote
		",,,,,,\n" + // 12: blank, skipped
		",,,Lee,lee@,\"PK,K\",\n" + // 13: several problems on one row
		"T-14,S-1,Mei,Lee,,,Art\n" // 14: fine
	b := rosterfile.ParseTeachers(strings.NewReader(in))
	mustProblemsAt(t, b,
		problemAt{3, "external_id", "is required"},
		problemAt{4, "school_external_id", "is required"},
		problemAt{5, "family_name", "a teacher needs a given_name or a family_name"},
		problemAt{6, "email", `"Daniel Okafor <d@x.example>" is not an email address`},
		problemAt{7, "grades", `"3rd" is not a grade`},
		problemAt{7, "grades", `"13" is not a grade`},
		problemAt{8, "external_id", `"T-1" is already used on line 2`},
		problemAt{9, "", "has 3 fields where the header has 7 columns"},
		problemAt{10, "family_name", "is not valid UTF-8"},
		problemAt{11, "", `has a quote (")`},
		problemAt{13, "external_id", "is required"},
		problemAt{13, "school_external_id", "is required"},
		problemAt{13, "email", `"lee@" is not an email address`},
		problemAt{13, "grades", `"PK,K" is not a grade (PK, K, 1 to 12); separate grades with ;`},
	)
	var ids []string
	for _, tc := range b.Teachers {
		ids = append(ids, tc.ExternalID)
	}
	if got := strings.Join(ids, " "); got != "T-1 T-14" {
		t.Errorf("teachers = %s, want T-1 T-14", got)
	}
}

// A quoted value that is never closed runs to the end of the file: one
// problem at the line where it starts.
func TestParseTeachersUnclosedQuote(t *testing.T) {
	in := "external_id,school_external_id,given_name,family_name\n" +
		"T-1,S-1,Maria,Rivera\n" +
		"T-2,S-1,\"James,Chen\n" +
		"T-3,S-1,Aisha,Thomas\n"
	b := rosterfile.ParseTeachers(strings.NewReader(in))
	mustProblemsAt(t, b, problemAt{3, "", "quoted value that is not closed"})
	if len(b.Teachers) != 1 {
		t.Errorf("teachers = %+v, want T-1 only", b.Teachers)
	}
}

// teachersCSV generates a teachers file of n rows.
func teachersCSV(n int) string {
	var sb strings.Builder
	sb.WriteString("external_id,school_external_id,given_name,family_name,email,grades,subjects\r\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "T-%06d,S-%03d,Given%d,\"Family, %d\",teacher%d@district.example,K;%d;%d,Mathematics;Science\r\n",
			i, i%120, i, i, i, i%12+1, (i+5)%12+1)
	}
	return sb.String()
}

// A district-sized file parses whole, with every line number right; its
// speed is BenchmarkParseTeachers20000's business.
func TestParseTeachersLarge(t *testing.T) {
	in := teachersCSV(20000)
	b := rosterfile.ParseTeachers(strings.NewReader(in))
	mustNoProblems(t, b)
	if len(b.Teachers) != 20000 || b.Teachers[19999].Line != 20001 {
		t.Fatalf("got %d teachers", len(b.Teachers))
	}
}

func BenchmarkParseTeachers20000(b *testing.B) {
	in := teachersCSV(20000)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if got := rosterfile.ParseTeachers(strings.NewReader(in)); len(got.Teachers) != 20000 {
			b.Fatalf("got %d teachers", len(got.Teachers))
		}
	}
}
