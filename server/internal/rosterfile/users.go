package rosterfile

import (
	"io"
	"strings"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// ParseUsers reads a users file: external_id, email, name, role and
// school_external_ids, the last separated by ";". Each row grants one role.
func ParseUsers(r io.Reader) Batch {
	var b Batch
	ids, emails := seenAt{}, seenAt{}
	required := []string{"external_id", "email", "name", "role", "school_external_ids"}
	_, err := readTable("", r, required, &b, func(rec record) {
		c := rowCheck{b: &b, line: rec.line}
		u := User{Line: rec.line, ExternalID: rec.get("external_id"), Name: rec.get("name")}
		checkExternalID(&c, ids, "external_id", u.ExternalID)
		u.Email = userEmail(&c, emails, "email", rec.get("email"))
		if u.Name == "" {
			c.add("name", "is required")
		}
		schools := splitList(rec.get("school_external_ids"), ";")
		role := domain.Role(strings.ToLower(rec.get("role")))
		switch {
		case role == "":
			c.add("role", "is required (one of %s)", roleNames())
		case !role.Valid():
			c.add("role", "%q is not a role (one of %s)", rec.get("role"), roleNames())
		case role.DistrictWide() && len(schools) > 0:
			c.add("school_external_ids", "must be empty for %s, which covers the whole district", role)
		case !role.DistrictWide() && len(schools) == 0:
			c.add("school_external_ids", "is required for %s: name the schools it covers, separated by ;", role)
		}
		u.Roles = []RoleAt{{Role: role, SchoolExternalIDs: schools}}
		if !c.bad {
			b.Users = append(b.Users, u)
		}
	})
	readFailed(&b, "", err)
	return b
}

// userEmail checks a user's required email, lower-cases it and adds a problem
// when it is missing, not an address, or already used on an earlier line.
func userEmail(c *rowCheck, emails seenAt, field, v string) string {
	if v == "" {
		c.add(field, "is required")
		return ""
	}
	e, ok := normalizeEmail(v)
	if !ok {
		c.add(field, "%q is not an email address", v)
		return e
	}
	if l, dup := emails.first(e, c.line); dup {
		c.add(field, "%q is already used on line %d", e, l)
	}
	return e
}
