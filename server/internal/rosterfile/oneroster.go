package rosterfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"path"
	"strings"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// MaxOneRosterEntry is the largest uncompressed size of a file read from a
// OneRoster bundle; a larger one is refused, as a guard against zip bombs.
const MaxOneRosterEntry = 50 << 20

// The files of a OneRoster bundle this package reads.
const (
	orgsCSV        = "orgs.csv"
	usersCSV       = "users.csv"
	classesCSV     = "classes.csv"
	enrollmentsCSV = "enrollments.csv"
)

var errEntryTooLarge = errors.New("the file is over 50 MiB uncompressed")

// ParseOneRoster reads a OneRoster 1.1 CSV bundle: a zip archive with
// orgs.csv, users.csv and, optionally, classes.csv and enrollments.csv (other
// files are ignored). Orgs of type school become schools; users with role
// teacher become teachers, at the first school among their orgs, with the
// grades and subjects of the classes they teach; users with role
// administrator become users with the principal role over the schools among
// their orgs. Students, parents, guardians, relatives, aides and proctors,
// orgs that are not schools, and rows marked tobedeleted or inactive or with
// enabledUser false are counted in Skipped. docs/roster-format.md gives the
// whole mapping.
func ParseOneRoster(zipBytes []byte) Batch {
	var b Batch
	zr, err := zip.NewReader(bytes.NewReader(zipBytes), int64(len(zipBytes)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// An entry named like "../x" is harmless here: nothing is written to disk.
		b.problem("", 0, "", "the file is not a zip archive (a OneRoster bundle is a .zip of CSV files)")
		return b
	}

	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue
		}
		name := strings.ToLower(path.Base(f.Name))
		switch name {
		case orgsCSV, usersCSV, classesCSV, enrollmentsCSV:
		default:
			continue
		}
		if prev, ok := entries[name]; ok {
			b.problem(name, 0, "", "the archive holds %s twice (%q and %q)", name, prev.Name, f.Name)
			continue
		}
		entries[name] = f
	}
	for _, name := range []string{orgsCSV, usersCSV} {
		if entries[name] == nil {
			b.problem(name, 0, "", "the archive has no %s; a OneRoster bundle needs orgs.csv and users.csv", name)
		}
	}
	if len(b.Problems) > 0 {
		return b
	}

	p := oneRoster{b: &b, orgs: map[string]orgRef{}, users: map[string]bool{},
		teachers: map[string]int{}, classes: map[string]*classRef{}}
	if !p.read(entries[orgsCSV], p.orgsTable) || !p.read(entries[usersCSV], p.usersTable) {
		return b
	}
	if f := entries[classesCSV]; f != nil {
		p.haveClasses = p.read(f, p.classesTable)
	}
	if f := entries[enrollmentsCSV]; f != nil {
		if entries[classesCSV] == nil {
			b.problem(classesCSV, 0, "", "the archive has enrollments.csv but no classes.csv; teachers' grades and subjects come from the classes they teach")
		} else if p.haveClasses {
			p.read(f, p.enrollmentsTable)
		}
	}
	p.finishTeachers()
	return b
}

// oneRoster holds what one bundle's files say about each other.
type oneRoster struct {
	b           *Batch
	orgs        map[string]orgRef    // sourcedId → org, every org with an id
	users       map[string]bool      // sourcedIds of every user row
	teachers    map[string]int       // sourcedId → index in b.Teachers
	teaching    map[string][]string  // teacher sourcedId → classes taught
	classes     map[string]*classRef // sourcedId → class
	haveClasses bool
}

type orgRef struct {
	school bool
	active bool
}

type classRef struct {
	active   bool
	grades   gradeSet
	subjects []string
}

// read parses one entry of the bundle with fn, adding a problem when it cannot
// be opened or is too large. It reports whether the file's header was usable.
func (p *oneRoster) read(f *zip.File, fn func(io.Reader) (bool, error)) bool {
	name := strings.ToLower(path.Base(f.Name))
	if f.UncompressedSize64 > MaxOneRosterEntry {
		p.b.problem(name, 0, "", "%v", errEntryTooLarge)
		return false
	}
	rc, err := f.Open()
	if err != nil {
		p.b.problem(name, 0, "", "the file could not be opened: %v", err)
		return false
	}
	defer rc.Close()
	ok, err := fn(&capReader{r: rc, left: MaxOneRosterEntry + 1})
	switch {
	case errors.Is(err, errEntryTooLarge):
		p.b.problem(name, 0, "", "%v", errEntryTooLarge)
	case err != nil:
		p.b.problem(name, 0, "", "the file could not be read to the end: %v", err)
	}
	return ok
}

// capReader fails once more than its limit has been read; the zip reader
// already checks sizes against the archive's directory, this is a second
// guard.
type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(b []byte) (int, error) {
	if int64(len(b)) > c.left {
		b = b[:c.left]
	}
	n, err := c.r.Read(b)
	c.left -= int64(n)
	if c.left <= 0 {
		return n, errEntryTooLarge
	}
	return n, err
}

// status reads a row's status column: active when blank or "active", not
// active when "tobedeleted" or "inactive" (OneRoster 1.0), a problem
// otherwise.
func status(c *rowCheck, v string) bool {
	switch strings.ToLower(v) {
	case "", "active":
		return true
	case "tobedeleted", "inactive":
		return false
	}
	c.add("status", "%q is not a status (active or tobedeleted)", v)
	return true
}

func (p *oneRoster) orgsTable(r io.Reader) (bool, error) {
	ids := seenAt{}
	return readTable(orgsCSV, r, []string{"sourcedId", "name", "type"}, p.b, func(rec record) {
		c := rowCheck{b: p.b, file: orgsCSV, line: rec.line}
		id := rec.get("sourcedId")
		checkExternalID(&c, ids, "sourcedId", id)
		if c.bad {
			return
		}
		active := status(&c, rec.get("status"))
		kind := strings.ToLower(rec.get("type"))
		switch kind {
		case "school", "district", "local", "state", "national", "department":
		case "":
			c.add("type", "is required (school, district, local, state, national or department)")
		default:
			c.add("type", "%q is not an org type (school, district, local, state, national or department)", rec.get("type"))
		}
		// Remember the org even when its row has a problem, so that the users
		// pointing at it do not each report it again.
		p.orgs[id] = orgRef{school: kind == "school", active: active}
		s := School{Line: rec.line, ExternalID: id, Name: rec.get("name")}
		if kind == "school" && active && s.Name == "" {
			c.add("name", "is required")
		}
		switch {
		case c.bad:
		case kind != "school" || !active:
			p.b.Skipped++
		default:
			p.b.Schools = append(p.b.Schools, s)
		}
	})
}

// userOrgs looks up a user's orgSourcedIds: the active schools among them in
// order, and whether any named a school marked tobedeleted. Ids missing from
// orgs.csv are problems.
func (p *oneRoster) userOrgs(c *rowCheck, v string) (schools []string, inactive bool) {
	for _, id := range splitList(v, ",") {
		o, ok := p.orgs[id]
		switch {
		case !ok:
			c.add("orgSourcedIds", "%q is not in orgs.csv", id)
		case o.school && o.active:
			schools = append(schools, id)
		case o.school:
			inactive = true
		}
	}
	return schools, inactive
}

func (p *oneRoster) usersTable(r io.Reader) (bool, error) {
	ids, emails := seenAt{}, seenAt{}
	required := []string{"sourcedId", "orgSourcedIds", "role", "givenName", "familyName"}
	return readTable(usersCSV, r, required, p.b, func(rec record) {
		c := rowCheck{b: p.b, file: usersCSV, line: rec.line}
		id := rec.get("sourcedId")
		checkExternalID(&c, ids, "sourcedId", id)
		if c.bad {
			return
		}
		p.users[id] = true
		active := status(&c, rec.get("status"))
		switch strings.ToLower(rec.get("enabledUser")) {
		case "", "true", "1", "yes":
		case "false", "0", "no":
			active = false
		default:
			c.add("enabledUser", "%q is not true or false", rec.get("enabledUser"))
		}
		role := strings.ToLower(rec.get("role"))
		switch role {
		case "teacher", "administrator":
		case "student", "parent", "guardian", "relative", "aide", "proctor":
			if !c.bad {
				p.b.Skipped++
			}
			return
		case "":
			c.add("role", "is required")
			return
		default:
			c.add("role", "%q is not a OneRoster 1.1 role", rec.get("role"))
			return
		}
		if c.bad {
			return
		}
		if !active {
			p.b.Skipped++
			return
		}
		given, family := rec.get("givenName"), rec.get("familyName")
		schools, inactive := p.userOrgs(&c, rec.get("orgSourcedIds"))
		if role == "teacher" {
			t := Teacher{Line: rec.line, ExternalID: id, GivenName: given, FamilyName: family}
			switch {
			case len(schools) > 0:
				t.SchoolExternalID = schools[0]
			case inactive:
				c.add("orgSourcedIds", "names only schools marked tobedeleted; a teacher must belong to an active school")
			case !c.bad:
				c.add("orgSourcedIds", "names no school; a teacher must belong to a school")
			}
			if given == "" && family == "" {
				c.add("familyName", "a teacher needs a givenName or a familyName")
			}
			t.Email = teacherEmail(&c, "email", rec.get("email"))
			t.Grades = parseGrades(&c, "grades", splitList(rec.get("grades"), ","), true).sorted()
			if !c.bad {
				p.teachers[id] = len(p.b.Teachers)
				p.b.Teachers = append(p.b.Teachers, t)
			}
			return
		}
		// An administrator over schools is a principal of them. One over the
		// district alone is not granted anything: access to the whole district
		// is given by hand, never by a feed.
		switch {
		case len(schools) == 0 && inactive:
			c.add("orgSourcedIds", "names only schools marked tobedeleted")
			return
		case len(schools) == 0:
			if !c.bad {
				p.b.Skipped++
			}
			return
		}
		u := User{Line: rec.line, ExternalID: id, Name: strings.TrimSpace(given + " " + family),
			Roles: []RoleAt{{Role: domain.RolePrincipal, SchoolExternalIDs: schools}}}
		u.Email = userEmail(&c, emails, "email", rec.get("email"))
		if u.Name == "" {
			c.add("familyName", "an administrator needs a givenName or a familyName")
		}
		if !c.bad {
			p.b.Users = append(p.b.Users, u)
		}
	})
}

func (p *oneRoster) classesTable(r io.Reader) (bool, error) {
	ids := seenAt{}
	return readTable(classesCSV, r, []string{"sourcedId"}, p.b, func(rec record) {
		c := rowCheck{b: p.b, file: classesCSV, line: rec.line}
		id := rec.get("sourcedId")
		checkExternalID(&c, ids, "sourcedId", id)
		if c.bad {
			return
		}
		// A class with a bad grade still gives its other grades and its
		// subjects; the problem stops the import anyway.
		p.classes[id] = &classRef{
			active:   status(&c, rec.get("status")),
			grades:   parseGrades(&c, "grades", splitList(rec.get("grades"), ","), true),
			subjects: splitList(rec.get("subjects"), ","),
		}
	})
}

func (p *oneRoster) enrollmentsTable(r io.Reader) (bool, error) {
	p.teaching = map[string][]string{}
	required := []string{"classSourcedId", "userSourcedId", "role"}
	return readTable(enrollmentsCSV, r, required, p.b, func(rec record) {
		c := rowCheck{b: p.b, file: enrollmentsCSV, line: rec.line}
		active := status(&c, rec.get("status"))
		switch role := strings.ToLower(rec.get("role")); role {
		case "teacher":
		case "student", "administrator", "proctor", "aide":
			return
		case "":
			c.add("role", "is required")
			return
		default:
			c.add("role", "%q is not a OneRoster 1.1 enrollment role", rec.get("role"))
			return
		}
		classID, userID := rec.get("classSourcedId"), rec.get("userSourcedId")
		class := p.classes[classID]
		switch {
		case classID == "":
			c.add("classSourcedId", "is required")
		case class == nil:
			c.add("classSourcedId", "%q is not in classes.csv", classID)
		}
		switch {
		case userID == "":
			c.add("userSourcedId", "is required")
		case !p.users[userID]:
			c.add("userSourcedId", "%q is not in users.csv", userID)
		}
		if c.bad || !active || !class.active {
			return
		}
		if _, ok := p.teachers[userID]; ok {
			p.teaching[userID] = append(p.teaching[userID], classID)
		}
	})
}

// finishTeachers gives every teacher the grades and subjects of the classes
// they teach. A teacher who teaches no class with grades keeps the grades of
// their own users.csv row.
func (p *oneRoster) finishTeachers() {
	for id, classIDs := range p.teaching {
		t := &p.b.Teachers[p.teachers[id]]
		var grades gradeSet
		var subjects subjectSet
		for _, cid := range classIDs {
			cl := p.classes[cid]
			grades |= cl.grades
			for _, s := range cl.subjects {
				subjects.add(s)
			}
		}
		if grades != 0 {
			t.Grades = grades.sorted()
		}
		t.Subjects = subjects.sorted()
	}
}
