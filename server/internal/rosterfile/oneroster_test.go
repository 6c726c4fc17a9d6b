package rosterfile_test

import (
	"archive/zip"
	"bytes"
	"flag"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rosterfile"
)

var update = flag.Bool("update", false, "rewrite testdata/oneroster/oneroster.zip from the CSV files beside it")

const fixtureDir = "testdata/oneroster"

type zipEntry struct{ name, body string }

// zipOf builds a zip archive in memory; the same entries give the same bytes.
func zipOf(tb testing.TB, entries ...zipEntry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate,
			Modified: time.Date(2025, 8, 1, 12, 0, 0, 0, time.UTC)})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := io.WriteString(w, e.body); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// fixtureEntries reads the CSV files of the OneRoster fixture, by name.
func fixtureEntries(tb testing.TB) []zipEntry {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(fixtureDir, "*.csv"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no CSV files in %s: %v", fixtureDir, err)
	}
	slices.Sort(paths)
	var entries []zipEntry
	for _, p := range paths {
		body, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		entries = append(entries, zipEntry{filepath.Base(p), string(body)})
	}
	return entries
}

// The fixture is a district of six schools: 40 teachers, 5 administrators
// over schools, a superintendent, 300 students, parents, an aide, classes and
// enrollments, and four malformed rows.
func TestOneRosterFixture(t *testing.T) {
	b := rosterfile.ParseOneRoster(zipOf(t, fixtureEntries(t)...))

	mustProblems(t, b,
		rosterfile.Problem{File: "users.csv", Line: 17, Field: "orgSourcedIds", Message: "names no school; a teacher must belong to a school"},
		rosterfile.Problem{File: "users.csv", Line: 28, Field: "sourcedId", Message: `"t-1012" is already used on line 13`},
		rosterfile.Problem{File: "users.csv", Line: 51, Field: "email", Message: "is required"},
		rosterfile.Problem{File: "classes.csv", Line: 12, Field: "grades", Message: `"3rd" is not a grade (PK, K, 1 to 12)`},
	)
	if len(b.Schools) != 6 || len(b.Teachers) != 40 || len(b.Users) != 5 {
		t.Errorf("schools %d, teachers %d, users %d; want 6, 40, 5", len(b.Schools), len(b.Teachers), len(b.Users))
	}
	// The district org; 300 students, 2 parents, a guardian, an aide; a
	// teacher tobedeleted, a teacher not enabled; the superintendent.
	if b.Skipped != 1+300+2+1+1+1+1+1 {
		t.Errorf("skipped %d, want 308", b.Skipped)
	}

	if s := b.Schools[5]; s != (rosterfile.School{Line: 8, ExternalID: "sch-301", Name: "Franklin High School, North Campus"}) {
		t.Errorf("last school = %+v", s)
	}

	teachers := map[string]rosterfile.Teacher{}
	for _, tc := range b.Teachers {
		teachers[tc.ExternalID] = tc
	}
	homeroom := []string{"English Language Arts", "Mathematics", "Science", "Social Studies"}
	for _, tc := range []struct {
		id, school string
		grades     []string
		subjects   []string
		why        string
	}{
		{"t-1001", "sch-101", []string{"K"}, homeroom, "a kindergarten homeroom"},
		{"t-1002", "sch-101", []string{"1"}, homeroom, "a class whose title spans two lines"},
		{"t-1004", "sch-101", []string{"2", "3"}, homeroom, "a homeroom and a class co-taught"},
		{"t-1007", "sch-101", []string{"K", "1", "2", "3", "4", "5"}, nil, "no classes: the grades of the users.csv row"},
		{"t-1011", "sch-102", nil, homeroom, "the class's only grade is bad"},
		{"t-1013", "sch-102", []string{"4", "5"}, homeroom, "a combined class"},
		{"t-1014", "sch-102", []string{"3", "4", "5"}, nil, "no classes either"},
		{"t-1015", "sch-103", []string{"K"}, homeroom, "TK is dropped"},
		{"t-1021", "sch-201", []string{"6", "7", "8"}, []string{"Mathematics"}, "orgSourcedIds start with the district"},
		{"t-1027", "sch-202", []string{"6", "7", "8"}, []string{"Spanish"}, "two schools: the first"},
		{"t-1034", "sch-301", []string{"9", "10"}, []string{"Algebra"}, "an enrollment tobedeleted"},
		{"t-1035", "sch-301", []string{"10", "11"}, []string{"English"}, "a class tobedeleted"},
	} {
		got, ok := teachers[tc.id]
		if !ok {
			t.Errorf("%s (%s) is missing", tc.id, tc.why)
			continue
		}
		if got.SchoolExternalID != tc.school || !reflect.DeepEqual(got.Grades, tc.grades) || !reflect.DeepEqual(got.Subjects, tc.subjects) {
			t.Errorf("%s (%s): school %s, grades %q, subjects %q; want %s, %q, %q",
				tc.id, tc.why, got.SchoolExternalID, got.Grades, got.Subjects, tc.school, tc.grades, tc.subjects)
		}
	}
	if tc := teachers["t-1012"]; tc.Line != 13 || tc.GivenName != "Omar" || tc.FamilyName != "Lewis" || tc.Email != "omar.lewis@riverside.example" {
		t.Errorf("t-1012 = %+v, want the row on line 13", tc)
	}
	for _, id := range []string{"t-1041", "t-1042", "t-1043"} {
		if _, ok := teachers[id]; ok {
			t.Errorf("%s should not be a teacher", id)
		}
	}

	wantUsers := map[string][]string{
		"a-0001": {"sch-101"}, "a-0002": {"sch-102"}, "a-0003": {"sch-103"},
		"a-0004": {"sch-201", "sch-202"}, "a-0005": {"sch-301"},
	}
	for _, u := range b.Users {
		schools, ok := wantUsers[u.ExternalID]
		if !ok {
			t.Errorf("unexpected user %+v", u)
			continue
		}
		want := []rosterfile.RoleAt{{Role: domain.RolePrincipal, SchoolExternalIDs: schools}}
		if !reflect.DeepEqual(u.Roles, want) || u.Name == "" || u.Email != domain.NormalizeEmail(u.Email) || u.Email == "" {
			t.Errorf("user %+v; want principal of %v with a name and a lower-case email", u, schools)
		}
	}
}

// oneroster.zip is the fixture zipped, for other packages' tests. Run
// `go test -run TestOneRosterFixtureZip -update` after changing a CSV file.
func TestOneRosterFixtureZip(t *testing.T) {
	entries := fixtureEntries(t)
	zipPath := filepath.Join(fixtureDir, "oneroster.zip")
	if *update {
		if err := os.WriteFile(zipPath, zipOf(t, entries...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(zipPath)
	if err != nil {
		t.Fatalf("%v (run go test -run TestOneRosterFixtureZip -update)", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var got []zipEntry
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, zipEntry{f.Name, string(body)})
	}
	if !reflect.DeepEqual(got, entries) {
		t.Errorf("oneroster.zip does not hold the CSV files of %s; run go test -run TestOneRosterFixtureZip -update", fixtureDir)
	}
}

const (
	orgsHeader        = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
	usersHeader       = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n"
	classesHeader     = "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
	enrollmentsHeader = "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n"
	smallOrgs         = orgsHeader +
		"d1,,,Riverside USD,district,,\n" + // 2
		"s1,,,Adams Elementary,school,,d1\n" + // 3
		"s2,,,Baker Elementary,school,,d1\n" + // 4
		"s3,tobedeleted,2025-06-30,Closed Elementary,school,,d1\n" + // 5
		"dep1,,,Mathematics Department,department,,s2\n" // 6
)

func TestOneRosterNotAZip(t *testing.T) {
	for _, in := range [][]byte{nil, []byte("sourcedId,name\n"), []byte("PK\x03\x04 but not really")} {
		b := rosterfile.ParseOneRoster(in)
		mustProblems(t, b, rosterfile.Problem{Message: "the file is not a zip archive (a OneRoster bundle is a .zip of CSV files)"})
	}
}

func TestOneRosterMissingFiles(t *testing.T) {
	b := rosterfile.ParseOneRoster(zipOf(t, zipEntry{"manifest.csv", "propertyName,value\n"}))
	mustProblems(t, b,
		rosterfile.Problem{File: "orgs.csv", Message: "the archive has no orgs.csv; a OneRoster bundle needs orgs.csv and users.csv"},
		rosterfile.Problem{File: "users.csv", Message: "the archive has no users.csv; a OneRoster bundle needs orgs.csv and users.csv"},
	)

	b = rosterfile.ParseOneRoster(zipOf(t, zipEntry{"orgs.csv", smallOrgs}))
	mustProblems(t, b, rosterfile.Problem{File: "users.csv", Message: "the archive has no users.csv; a OneRoster bundle needs orgs.csv and users.csv"})
	if len(b.Schools) != 0 {
		t.Errorf("schools = %+v; a bundle with a missing file gives no records", b.Schools)
	}
}

// Bundles are often zipped as a folder, and on macOS with resource forks.
func TestOneRosterFolderInZip(t *testing.T) {
	b := rosterfile.ParseOneRoster(zipOf(t,
		zipEntry{"export/", ""},
		zipEntry{"export/ORGS.CSV", smallOrgs},
		zipEntry{"__MACOSX/export/._orgs.csv", "\x00\x05\x16\x07"},
		zipEntry{"export/users.csv", usersHeader + "t1,,,true,s1,teacher,,,Maria,Rivera,,,,,,,03,\n"},
		zipEntry{"export/results.csv", "not,read\n"},
	))
	mustNoProblems(t, b)
	if len(b.Schools) != 2 || len(b.Teachers) != 1 || b.Skipped != 3 {
		t.Errorf("schools %d, teachers %d, skipped %d; want 2, 1, 3", len(b.Schools), len(b.Teachers), b.Skipped)
	}
}

func TestOneRosterDuplicateEntry(t *testing.T) {
	b := rosterfile.ParseOneRoster(zipOf(t,
		zipEntry{"orgs.csv", smallOrgs},
		zipEntry{"users.csv", usersHeader},
		zipEntry{"old/users.csv", usersHeader},
	))
	mustProblems(t, b, rosterfile.Problem{File: "users.csv", Message: `the archive holds users.csv twice ("users.csv" and "old/users.csv")`})
}

// rawZip builds a zip whose users.csv declares size bytes whatever it holds,
// as a crafted archive (a zip bomb) may.
func rawZip(tb testing.TB, users string, size uint64) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("orgs.csv")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.WriteString(w, smallOrgs); err != nil {
		tb.Fatal(err)
	}
	w, err = zw.CreateRaw(&zip.FileHeader{Name: "users.csv", Method: zip.Store,
		CRC32: crc32.ChecksumIEEE([]byte(users)), CompressedSize64: uint64(len(users)), UncompressedSize64: size})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.WriteString(w, users); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestOneRosterEntryTooLarge(t *testing.T) {
	users := usersHeader + "t1,,,true,s1,teacher,,,Maria,Rivera,,,,,,,,\n"
	b := rosterfile.ParseOneRoster(rawZip(t, users, rosterfile.MaxOneRosterEntry+1))
	mustProblems(t, b, rosterfile.Problem{File: "users.csv", Message: "the file is over 50 MiB uncompressed"})
	if len(b.Teachers)+len(b.Users) != 0 {
		t.Errorf("teachers %d, users %d; want none", len(b.Teachers), len(b.Users))
	}

	// An entry declaring exactly the limit is not refused for its size (this
	// one then fails for holding less than it declares).
	b = rosterfile.ParseOneRoster(rawZip(t, users, rosterfile.MaxOneRosterEntry))
	mustProblems(t, b, rosterfile.Problem{File: "users.csv", Message: "the file could not be read to the end: unexpected EOF"})

	// An entry holding more than it declares fails as it is read.
	b = rosterfile.ParseOneRoster(rawZip(t, users, 10))
	mustProblems(t, b, rosterfile.Problem{File: "users.csv", Message: "the file could not be read to the end: zip: not a valid zip file"})
}

func TestOneRosterUsers(t *testing.T) {
	users := "\ufeff" + strings.ReplaceAll(usersHeader, "\n", "\r\n") +
		"t1,active,,true,s1,teacher,,,Maria,Rivera,,,Maria.Rivera@Riverside.example,,,,\"03,04\",\r\n" + // 2
		"t2,,,TRUE,\"d1, s2 ,s1\",Teacher,,,\"James\r\nJr.\",Chen,,,,,,,,\r\n" + // 3-4: first school s2
		"t3,tobedeleted,,true,s1,teacher,,,Gone,Teacher,,,,,,,,\r\n" + // 5: skipped
		"t4,,,false,s1,teacher,,,Disabled,Teacher,,,,,,,,\r\n" + // 6: skipped
		"t5,,,true,s3,teacher,,,Closed,School,,,,,,,,\r\n" + // 7: only a school tobedeleted
		"t6,,,true,\"s1,s9\",teacher,,,Unknown,Org,,,,,,,,\r\n" + // 8: s9 is not an org
		"t7,,,true,dep1,teacher,,,Only,Department,,,,,,,,\r\n" + // 9: no school
		"t8,,,true,s1,teacher,,,,,,,,,,,,\r\n" + // 10: no name
		"t9,,,true,s1,teacher,,,Bad,Grades,,,,,,,\"TK,UG,03,Grade 4\",\r\n" + // 11: Grade 4 is bad; TK and UG dropped
		"a1,,,true,\"s1,s2,d1\",administrator,,,Dana,Principal,,,DANA@riverside.example,,,,,\r\n" + // 12
		"a2,,,true,d1,administrator,,,Sam,Superintendent,,,sam@riverside.example,,,,,\r\n" + // 13: skipped
		"a3,,,true,s2,administrator,,,No,Email,,,,,,,,\r\n" + // 14: email required
		"a4,,,true,s2,administrator,,,Same,Email,,,dana@Riverside.example,,,,,\r\n" + // 15: email of line 12
		"s1x,,,true,s1,student,,,Stu,Dent,,,,,,,03,\r\n" + // 16: skipped
		"p1,,,true,s1,parent,,,Pa,Rent,,,,,,,,\r\n" + // 17
		"g1,,,true,s1,guardian,,,Guar,Dian,,,,,,,,\r\n" + // 18
		"r1,,,true,s1,relative,,,Rela,Tive,,,,,,,,\r\n" + // 19
		"x1,,,true,s1,aide,,,Ai,De,,,,,,,,\r\n" + // 20
		"x2,,,true,s1,proctor,,,Proc,Tor,,,,,,,,\r\n" + // 21
		"x3,,,true,s1,principal,,,Not,OneRoster11,,,,,,,,\r\n" + // 22: not a 1.1 role
		"x4,archived,,maybe,s1,teacher,,,Odd,Values,,,,,,,,\r\n" + // 23: bad status and enabledUser
		"t1,,,true,s1,student,,,Dup,Id,,,,,,,,\r\n" // 24: duplicate sourcedId
	b := rosterfile.ParseOneRoster(zipOf(t, zipEntry{"orgs.csv", smallOrgs}, zipEntry{"users.csv", users}))
	mustProblems(t, b,
		rosterfile.Problem{File: "users.csv", Line: 7, Field: "orgSourcedIds", Message: "names only schools marked tobedeleted; a teacher must belong to an active school"},
		rosterfile.Problem{File: "users.csv", Line: 8, Field: "orgSourcedIds", Message: `"s9" is not in orgs.csv`},
		rosterfile.Problem{File: "users.csv", Line: 9, Field: "orgSourcedIds", Message: "names no school; a teacher must belong to a school"},
		rosterfile.Problem{File: "users.csv", Line: 10, Field: "familyName", Message: "a teacher needs a givenName or a familyName"},
		rosterfile.Problem{File: "users.csv", Line: 11, Field: "grades", Message: `"Grade 4" is not a grade (PK, K, 1 to 12)`},
		rosterfile.Problem{File: "users.csv", Line: 14, Field: "email", Message: "is required"},
		rosterfile.Problem{File: "users.csv", Line: 15, Field: "email", Message: `"dana@riverside.example" is already used on line 12`},
		rosterfile.Problem{File: "users.csv", Line: 22, Field: "role", Message: `"principal" is not a OneRoster 1.1 role`},
		rosterfile.Problem{File: "users.csv", Line: 23, Field: "status", Message: `"archived" is not a status (active or tobedeleted)`},
		rosterfile.Problem{File: "users.csv", Line: 23, Field: "enabledUser", Message: `"maybe" is not true or false`},
		rosterfile.Problem{File: "users.csv", Line: 24, Field: "sourcedId", Message: `"t1" is already used on line 2`},
	)
	wantTeachers := []rosterfile.Teacher{
		{Line: 2, ExternalID: "t1", SchoolExternalID: "s1", GivenName: "Maria", FamilyName: "Rivera",
			Email: "maria.rivera@riverside.example", Grades: []string{"3", "4"}},
		{Line: 3, ExternalID: "t2", SchoolExternalID: "s2", GivenName: "James\nJr.", FamilyName: "Chen"},
	}
	if !reflect.DeepEqual(b.Teachers, wantTeachers) {
		t.Errorf("teachers:\n%+v\nwant:\n%+v", b.Teachers, wantTeachers)
	}
	wantUsers := []rosterfile.User{{Line: 12, ExternalID: "a1", Email: "dana@riverside.example", Name: "Dana Principal",
		Roles: []rosterfile.RoleAt{{Role: domain.RolePrincipal, SchoolExternalIDs: []string{"s1", "s2"}}}}}
	if !reflect.DeepEqual(b.Users, wantUsers) {
		t.Errorf("users:\n%+v\nwant:\n%+v", b.Users, wantUsers)
	}
	// Orgs: the district, the school tobedeleted, the department. Users: t3,
	// t4, a2, the student, parent, guardian, relative, aide and proctor.
	if b.Skipped != 3+9 {
		t.Errorf("skipped %d, want 12", b.Skipped)
	}
	if len(b.Schools) != 2 {
		t.Errorf("schools = %+v, want s1 and s2", b.Schools)
	}
}

func TestOneRosterOrgProblems(t *testing.T) {
	orgs := orgsHeader +
		"d1,,,Riverside USD,district,,\n" + // 2
		"s1,,,,school,,d1\n" + // 3: no name
		"s2,,,Baker,campus,,d1\n" + // 4: unknown type
		"s1,,,Adams again,school,,d1\n" + // 5: duplicate
		",,,Nameless,school,,d1\n" + // 6: no id
		"s4,,,Carver,,,d1\n" // 7: no type
	users := usersHeader + "t1,,,true,s1,teacher,,,Maria,Rivera,,,,,,,,\n" // a school with a problem still counts as one
	b := rosterfile.ParseOneRoster(zipOf(t, zipEntry{"orgs.csv", orgs}, zipEntry{"users.csv", users}))
	mustProblemsAt(t, b,
		problemAt{3, "name", "is required"},
		problemAt{4, "type", `"campus" is not an org type`},
		problemAt{5, "sourcedId", `"s1" is already used on line 3`},
		problemAt{6, "sourcedId", "is required"},
		problemAt{7, "type", "is required"},
	)
	for _, p := range b.Problems {
		if p.File != "orgs.csv" {
			t.Errorf("problem in %q, want orgs.csv", p.File)
		}
	}
}

// When orgs.csv cannot be read, users.csv is not judged against it.
func TestOneRosterOrgsHeaderMissingColumns(t *testing.T) {
	users := usersHeader + "t1,,,true,s1,teacher,,,Maria,Rivera,,,,,,,,\n"
	b := rosterfile.ParseOneRoster(zipOf(t, zipEntry{"orgs.csv", "id,title\ns1,Adams\n"}, zipEntry{"users.csv", users}))
	mustProblems(t, b, rosterfile.Problem{File: "orgs.csv", Line: 1,
		Message: "the header lacks the required columns sourcedId, name, type (it has id, title)"})
}

func TestOneRosterClassesAndEnrollments(t *testing.T) {
	users := usersHeader +
		"t1,,,true,s1,teacher,,,Maria,Rivera,,,,,,,05,\n" + // 2: own grade 5, replaced by the classes'
		"t2,,,true,s1,teacher,,,James,Chen,,,,,,,01,\n" + // 3: only a class without grades: keeps 1
		"t3,,,true,s2,teacher,,,Aisha,Thomas,,,,,,,,\n" + // 4
		"st1,,,true,s1,student,,,Stu,Dent,,,,,,,03,\n" // 5
	classes := classesHeader +
		"c1,,,Math 3,03,,,,,s1,,\"Mathematics, Science\",,\n" + // 2
		"c2,,,Reading 3/4,\"03,04\",,,,,s1,,\"English Language Arts,mathematics\",,\n" + // 3
		"c3,,,Advisory,,,,,,s1,,Advisory,,\n" + // 4: no grades
		"c4,tobedeleted,,Old class,12,,,,,s1,,History,,\n" + // 5
		"c5,,,\"Art\n(K-2)\",\"KG,01,02,PS\",,,,,s2,,Art,,\n" + // 6-7: PS dropped
		"c6,,,Bad,\"3,fourth\",,,,,s2,,,,\n" + // 8: bad grade
		"c1,,,Dup,05,,,,,s1,,,,\n" // 9: duplicate
	enrollments := enrollmentsHeader +
		"e1,,,c1,s1,t1,teacher,true,,\n" + // 2
		"e2,,,c2,s1,t1,Teacher,false,,\n" + // 3
		"e3,,,c4,s1,t1,teacher,true,,\n" + // 4: class tobedeleted
		"e4,tobedeleted,,c5,s2,t1,teacher,true,,\n" + // 5: enrollment tobedeleted
		"e5,,,c3,s1,t2,teacher,true,,\n" + // 6
		"e6,,,c5,s2,t3,teacher,true,,\n" + // 7
		"e7,,,c1,s1,st1,student,,,\n" + // 8
		"e8,,,c9,s1,t1,teacher,true,,\n" + // 9: unknown class
		"e9,,,c1,s1,t9,teacher,true,,\n" + // 10: unknown user
		"e10,,,c1,s1,st1,learner,,,\n" + // 11: unknown role
		"e11,,,c1,s1,zz,student,,,\n" // 12: students are not checked
	b := rosterfile.ParseOneRoster(zipOf(t,
		zipEntry{"orgs.csv", smallOrgs}, zipEntry{"users.csv", users},
		zipEntry{"classes.csv", classes}, zipEntry{"enrollments.csv", enrollments}))
	mustProblems(t, b,
		rosterfile.Problem{File: "classes.csv", Line: 8, Field: "grades", Message: `"fourth" is not a grade (PK, K, 1 to 12)`},
		rosterfile.Problem{File: "classes.csv", Line: 9, Field: "sourcedId", Message: `"c1" is already used on line 2`},
		rosterfile.Problem{File: "enrollments.csv", Line: 9, Field: "classSourcedId", Message: `"c9" is not in classes.csv`},
		rosterfile.Problem{File: "enrollments.csv", Line: 10, Field: "userSourcedId", Message: `"t9" is not in users.csv`},
		rosterfile.Problem{File: "enrollments.csv", Line: 11, Field: "role", Message: `"learner" is not a OneRoster 1.1 enrollment role`},
	)
	want := []rosterfile.Teacher{
		{Line: 2, ExternalID: "t1", SchoolExternalID: "s1", GivenName: "Maria", FamilyName: "Rivera",
			Grades: []string{"3", "4"}, Subjects: []string{"English Language Arts", "Mathematics", "Science"}},
		{Line: 3, ExternalID: "t2", SchoolExternalID: "s1", GivenName: "James", FamilyName: "Chen",
			Grades: []string{"1"}, Subjects: []string{"Advisory"}},
		{Line: 4, ExternalID: "t3", SchoolExternalID: "s2", GivenName: "Aisha", FamilyName: "Thomas",
			Grades: []string{"K", "1", "2"}, Subjects: []string{"Art"}},
	}
	if !reflect.DeepEqual(b.Teachers, want) {
		t.Errorf("teachers:\n%+v\nwant:\n%+v", b.Teachers, want)
	}
}

func TestOneRosterEnrollmentsWithoutClasses(t *testing.T) {
	users := usersHeader + "t1,,,true,s1,teacher,,,Maria,Rivera,,,,,,,\"KG,01\",\n"
	b := rosterfile.ParseOneRoster(zipOf(t,
		zipEntry{"orgs.csv", smallOrgs}, zipEntry{"users.csv", users},
		zipEntry{"enrollments.csv", enrollmentsHeader + "e1,,,c1,s1,t1,teacher,true,,\n"}))
	mustProblems(t, b, rosterfile.Problem{File: "classes.csv",
		Message: "the archive has enrollments.csv but no classes.csv; teachers' grades and subjects come from the classes they teach"})
	if len(b.Teachers) != 1 || !reflect.DeepEqual(b.Teachers[0].Grades, []string{"K", "1"}) {
		t.Errorf("teachers = %+v", b.Teachers)
	}
}

// Without classes.csv and enrollments.csv, teachers keep their own grades.
func TestOneRosterWithoutClasses(t *testing.T) {
	users := usersHeader + "t1,,,true,s1,teacher,,,Maria,Rivera,,,,,,,\"KG,01,TK\",\n"
	b := rosterfile.ParseOneRoster(zipOf(t, zipEntry{"orgs.csv", smallOrgs}, zipEntry{"users.csv", users}))
	mustNoProblems(t, b)
	if len(b.Teachers) != 1 || !reflect.DeepEqual(b.Teachers[0].Grades, []string{"K", "1"}) || b.Teachers[0].Subjects != nil {
		t.Errorf("teachers = %+v", b.Teachers)
	}
}
