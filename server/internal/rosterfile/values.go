package rosterfile

import (
	"net/mail"
	"slices"
	"strconv"
	"strings"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

func itoa(i int) string { return strconv.Itoa(i) }

// splitList splits a list field on sep, trims every item and drops empty
// ones and repeats, keeping the first spelling and the order.
func splitList(s string, sep string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for _, item := range strings.Split(s, sep) {
		item = strings.TrimSpace(item)
		if item != "" && !slices.Contains(out, item) {
			out = append(out, item)
		}
	}
	return out
}

// gradeSet is a set of grades as numbers from domain.ParseGrade (PK = -1,
// K = 0, 1 … 12), one bit each.
type gradeSet uint16

func (g *gradeSet) add(n int) { *g |= 1 << (n + 1) }

// sorted returns the grades from PK up, spelled "PK", "K", "1" … "12".
func (g gradeSet) sorted() []string {
	if g == 0 {
		return nil
	}
	var out []string
	for n := -1; n <= 12; n++ {
		if g&(1<<(n+1)) == 0 {
			continue
		}
		switch n {
		case -1:
			out = append(out, "PK")
		case 0:
			out = append(out, "K")
		default:
			out = append(out, strconv.Itoa(n))
		}
	}
	return out
}

// subjectSet collects subjects, treating spellings that differ only in case
// as one and keeping the first spelling seen.
type subjectSet []string

func (s *subjectSet) add(subject string) {
	subject = strings.TrimSpace(subject)
	if subject == "" {
		return
	}
	for _, x := range *s {
		if strings.EqualFold(x, subject) {
			return
		}
	}
	*s = append(*s, subject)
}

// sorted returns the subjects in case-insensitive alphabetical order.
func (s subjectSet) sorted() []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone([]string(s))
	slices.SortStableFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}

// normalizeEmail lower-cases s and reports whether it is a bare address
// ("name@example.org", not "Name <name@example.org>").
func normalizeEmail(s string) (string, bool) {
	e := domain.NormalizeEmail(s)
	a, err := mail.ParseAddress(e)
	if err != nil || a.Name != "" || a.Address != e {
		return e, false
	}
	return e, true
}

// roleNames lists the roles for messages.
func roleNames() string {
	names := make([]string, len(domain.Roles))
	for i, r := range domain.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// seenAt remembers the line where each key was first seen.
type seenAt map[string]int

// first returns the line key was first seen on and records line for it when
// it is new.
func (s seenAt) first(key string, line int) (int, bool) {
	if l, ok := s[key]; ok {
		return l, true
	}
	s[key] = line
	return 0, false
}
