package domain

import (
	"testing"
	"time"
)

// TestSchoolDays: Monday to Friday by default; a district's own days
// otherwise; days outside 0 to 6 are refused.
func TestSchoolDays(t *testing.T) {
	sat := time.Date(2026, 12, 12, 9, 0, 0, 0, time.UTC)
	mon := sat.AddDate(0, 0, 2)
	var s DistrictSettings
	if s.IsSchoolDay(sat) || !s.IsSchoolDay(mon) {
		t.Errorf("by default Saturday is a school day: %v, Monday: %v", s.IsSchoolDay(sat), s.IsSchoolDay(mon))
	}
	s.SchoolDays = "23456"
	if !s.IsSchoolDay(sat) || s.IsSchoolDay(mon) {
		t.Errorf("Tuesday to Saturday: Saturday %v, Monday %v", s.IsSchoolDay(sat), s.IsSchoolDay(mon))
	}
	d := District{Name: "D", TimeZone: "UTC", Settings: DefaultDistrictSettings()}
	d.Settings.SchoolDays = "1237"
	if d.Validate() == nil {
		t.Error("a day 7 was accepted")
	}
}
