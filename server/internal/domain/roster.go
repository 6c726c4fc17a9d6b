package domain

import (
	"net/mail"
	"strings"
	"time"
)

// School is one school of a district.
type School struct {
	ID         string
	DistrictID string
	ExternalID string // the student information system's id, for re-imports
	Name       string
	GradeBand  string // e.g. "elementary", "middle", "high", "k-8"
	Active     bool
	Rev        int64
	UpdatedAt  time.Time
}

// Validate checks the school's fields.
func (s School) Validate() error {
	var p Problems
	if strings.TrimSpace(s.Name) == "" {
		p.Add("name", "must not be empty")
	}
	return p.Err("the school is not valid")
}

// Teacher is a roster entry; a teacher need not have a login.
type Teacher struct {
	ID         string
	DistrictID string
	SchoolID   string
	ExternalID string
	GivenName  string
	FamilyName string
	Email      string
	Grades     []string // e.g. "K", "3"
	Subjects   []string // e.g. "Mathematics"
	Active     bool
	Rev        int64
	UpdatedAt  time.Time
}

// DisplayName is how people see the teacher.
func (t Teacher) DisplayName() string {
	return strings.TrimSpace(t.GivenName + " " + t.FamilyName)
}

// Validate checks the teacher's fields.
func (t Teacher) Validate() error {
	var p Problems
	if strings.TrimSpace(t.FamilyName) == "" && strings.TrimSpace(t.GivenName) == "" {
		p.Add("family_name", "a teacher needs a name")
	}
	if !ValidID(t.SchoolID) {
		p.Add("school_id", "must name a school")
	}
	if t.Email != "" {
		if _, err := mail.ParseAddress(t.Email); err != nil {
			p.Add("email", "is not an email address")
		}
	}
	for _, g := range t.Grades {
		if _, ok := ParseGrade(g); !ok {
			p.Add("grades", "%q is not a grade (K, 1 to 12, PK)", g)
		}
	}
	return p.Err("the teacher is not valid")
}

// Role is what a user may do over a scope.
type Role string

// The roles, from the widest to the narrowest.
const (
	RoleDistrictAdmin Role = "district_admin"
	RoleSupervisor    Role = "supervisor"
	RolePrincipal     Role = "principal"
	RoleCoach         Role = "coach"
	RoleObserver      Role = "observer"
	RoleTeacher       Role = "teacher"
)

// Roles lists every role.
var Roles = []Role{RoleDistrictAdmin, RoleSupervisor, RolePrincipal, RoleCoach, RoleObserver, RoleTeacher}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// DistrictWide reports whether the role is granted over the whole district
// rather than over schools.
func (r Role) DistrictWide() bool { return r == RoleDistrictAdmin }

// RoleGrant gives a user a role over the district (SchoolID empty) or over
// one school.
type RoleGrant struct {
	Role     Role   `json:"role"`
	SchoolID string `json:"school_id,omitempty"`
}

// Validate checks the grant's shape.
func (g RoleGrant) Validate() error {
	var p Problems
	if !g.Role.Valid() {
		p.Add("role", "must be one of district_admin, supervisor, principal, coach, observer, teacher")
	}
	if g.Role.DistrictWide() && g.SchoolID != "" {
		p.Add("school_id", "a district_admin grant covers the whole district and names no school")
	}
	if !g.Role.DistrictWide() && g.Role.Valid() && !ValidID(g.SchoolID) {
		p.Add("school_id", "a %s grant must name a school", g.Role)
	}
	return p.Err("the role grant is not valid")
}

// User is a login.
type User struct {
	ID           string
	DistrictID   string
	ExternalID   string
	Email        string
	Name         string
	PasswordHash string
	Active       bool
	Grants       []RoleGrant
	Rev          int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// NormalizeEmail lower-cases and trims an email so that logins compare alike.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate checks the user's fields.
func (u User) Validate() error {
	var p Problems
	if _, err := mail.ParseAddress(u.Email); err != nil || u.Email != NormalizeEmail(u.Email) {
		p.Add("email", "must be a lower-case email address")
	}
	if strings.TrimSpace(u.Name) == "" {
		p.Add("name", "must not be empty")
	}
	for i, g := range u.Grants {
		if err := g.Validate(); err != nil {
			for _, f := range ErrorFields(err) {
				p.Add("grants["+itoa(i)+"]."+f.Field, "%s", f.Message)
			}
		}
	}
	return p.Err("the user is not valid")
}

// HasRole reports whether the user holds role anywhere.
func (u User) HasRole(role Role) bool {
	for _, g := range u.Grants {
		if g.Role == role {
			return true
		}
	}
	return false
}

// HasRoleAt reports whether the user holds the role at the school.
func (u User) HasRoleAt(role Role, schoolID string) bool {
	for _, g := range u.Grants {
		if g.Role == role && g.SchoolID == schoolID {
			return true
		}
	}
	return false
}
