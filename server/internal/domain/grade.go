package domain

import (
	"strconv"
	"strings"
)

// ParseGrade turns "K", "kindergarten", "PK", "3", "03" or "12" into a number
// (PK = -1, K = 0) and reports whether it is a grade.
func ParseGrade(s string) (int, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	switch s {
	case "PK", "PREK", "PRE-K", "PREKINDERGARTEN":
		return -1, true
	case "K", "KG", "KINDERGARTEN":
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 12 {
		return 0, false
	}
	return n, true
}

// Grade bands group grades for trends.
const (
	GradeBandEarly  = "PK-2"
	GradeBandUpper  = "3-5"
	GradeBandMiddle = "6-8"
	GradeBandHigh   = "9-12"
	GradeBandNone   = ""
)

// GradeBand returns the band a grade belongs to, "" when grade is not one.
func GradeBand(grade string) string {
	n, ok := ParseGrade(grade)
	switch {
	case !ok:
		return GradeBandNone
	case n <= 2:
		return GradeBandEarly
	case n <= 5:
		return GradeBandUpper
	case n <= 8:
		return GradeBandMiddle
	default:
		return GradeBandHigh
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
