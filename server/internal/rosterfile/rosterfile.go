// Package rosterfile turns the roster files districts export from their
// student information systems into normalized records, and lists every row it
// could not use with its line number and the reason.
//
// It reads three simple CSV formats (schools, teachers, users) and OneRoster
// 1.1 CSV bundles. It touches no database: a separate service compares the
// records with what the district already has and applies them all or none.
// A row with a problem yields no record, so a caller must look at
// Batch.Problems before applying anything. docs/roster-format.md describes
// the formats for the districts that write them.
package rosterfile

import (
	"fmt"
	"strconv"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// School is one school read from a roster file.
type School struct {
	Line       int
	ExternalID string
	Name       string
	GradeBand  string // free text, e.g. "elementary", "k-8"; may be empty
}

// Teacher is one roster entry read from a roster file. Grades are normalized
// to "PK", "K", "1" … "12" and sorted; Grades and Subjects hold no
// duplicates.
type Teacher struct {
	Line             int
	ExternalID       string
	SchoolExternalID string
	GivenName        string
	FamilyName       string
	Email            string // lower-cased; may be empty
	Grades           []string
	Subjects         []string
}

// RoleAt is a role granted over schools, or over the whole district (no
// schools) for district_admin.
type RoleAt struct {
	Role              domain.Role
	SchoolExternalIDs []string
}

// User is one login read from a roster file.
type User struct {
	Line       int
	ExternalID string
	Email      string // lower-cased
	Name       string
	Roles      []RoleAt
}

// Problem is one thing wrong with a file. Line is the 1-based line where the
// CSV record starts (the header is line 1); it is 0 when the problem concerns
// a whole file, such as a OneRoster bundle without users.csv. File names the
// file inside a OneRoster bundle and is empty for the single-file parsers.
// Field names the column, as the format spells it, or is empty when the
// problem is the row itself.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// String renders the problem as "file line N: field: message", leaving out
// what is empty.
func (p Problem) String() string {
	s := p.File
	if p.Line > 0 {
		if s != "" {
			s += " "
		}
		s += "line " + strconv.Itoa(p.Line)
	}
	if p.Field != "" {
		if s != "" {
			s += ": "
		}
		s += p.Field
	}
	if s != "" {
		s += ": "
	}
	return s + p.Message
}

// Batch is what one parse found: the records of every good row, a count of
// rows deliberately ignored, and every problem, in file and line order.
type Batch struct {
	Schools  []School
	Teachers []Teacher
	Users    []User
	Skipped  int // rows deliberately ignored (students, parents, inactive or tobedeleted OneRoster rows, …)
	Problems []Problem
}

// problem records that something at file:line is wrong.
func (b *Batch) problem(file string, line int, field, format string, args ...any) {
	b.Problems = append(b.Problems, Problem{File: file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
}

// rowCheck collects the problems of one record and says whether it had any.
type rowCheck struct {
	b    *Batch
	file string
	line int
	bad  bool
}

func (c *rowCheck) add(field, format string, args ...any) {
	c.bad = true
	c.b.problem(c.file, c.line, field, format, args...)
}
