package rosterfile

import (
	"io"
	"strings"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// ParseTeachers reads a teachers file: external_id, school_external_id,
// given_name, family_name and, optionally, email, grades and subjects, the
// last two separated by ";".
func ParseTeachers(r io.Reader) Batch {
	var b Batch
	ids := seenAt{}
	required := []string{"external_id", "school_external_id", "given_name", "family_name"}
	_, err := readTable("", r, required, &b, func(rec record) {
		c := rowCheck{b: &b, line: rec.line}
		t := Teacher{
			Line:             rec.line,
			ExternalID:       rec.get("external_id"),
			SchoolExternalID: rec.get("school_external_id"),
			GivenName:        rec.get("given_name"),
			FamilyName:       rec.get("family_name"),
		}
		checkExternalID(&c, ids, "external_id", t.ExternalID)
		if t.SchoolExternalID == "" {
			c.add("school_external_id", "is required")
		}
		if t.GivenName == "" && t.FamilyName == "" {
			c.add("family_name", "a teacher needs a given_name or a family_name")
		}
		t.Email = teacherEmail(&c, "email", rec.get("email"))
		t.Grades = parseGrades(&c, "grades", splitList(rec.get("grades"), ";"), false).sorted()
		var subjects subjectSet
		for _, s := range splitList(rec.get("subjects"), ";") {
			subjects.add(s)
		}
		t.Subjects = subjects.sorted()
		if !c.bad {
			b.Teachers = append(b.Teachers, t)
		}
	})
	readFailed(&b, "", err)
	return b
}

// teacherEmail normalizes an optional email, adding a problem when it is
// present and not an address.
func teacherEmail(c *rowCheck, field, v string) string {
	if v == "" {
		return ""
	}
	e, ok := normalizeEmail(v)
	if !ok {
		c.add(field, "%q is not an email address", v)
	}
	return e
}

// parseGrades parses grade values with domain.ParseGrade, adding a problem for
// each one that is not a grade. With ceds, the OneRoster (CEDS) codes of
// levels Walkthrough does not score (IT, PR, PS, TK, 13, UG, Other) are
// dropped without a problem.
func parseGrades(c *rowCheck, field string, values []string, ceds bool) gradeSet {
	var set gradeSet
	for _, v := range values {
		if n, ok := domain.ParseGrade(v); ok {
			set.add(n)
			continue
		}
		if ceds && cedsOutsideGrades(v) {
			continue
		}
		if !ceds && strings.Contains(v, ",") {
			c.add(field, "%q is not a grade (PK, K, 1 to 12); separate grades with ;", v)
			continue
		}
		c.add(field, "%q is not a grade (PK, K, 1 to 12)", v)
	}
	return set
}

// cedsOutsideGrades reports whether v is one of the OneRoster 1.1 grade codes
// (from CEDS) that name no grade from PK to 12: infant/toddler, preschool,
// transitional kindergarten, grade 13, ungraded and other.
func cedsOutsideGrades(v string) bool {
	switch strings.ToUpper(v) {
	case "IT", "PR", "PS", "TK", "13", "UG", "OTHER":
		return true
	}
	return false
}
