package domain

import (
	"strings"
	"time"
)

// District is the tenant: every record belongs to exactly one.
type District struct {
	ID       string
	Name     string
	TimeZone string // IANA name; decides "which day and week was this"
	Settings DistrictSettings
	Rev      int64
}

// MaxMinCellSize is the largest minimum cell size a district may set.
const MaxMinCellSize = 100

// DistrictSettings are the knobs a district administrator sets.
type DistrictSettings struct {
	// SchoolYearStartMonth and Day give the first day of the school year.
	SchoolYearStartMonth int `json:"school_year_start_month"`
	SchoolYearStartDay   int `json:"school_year_start_day"`
	// MinCellSize is the fewest observations a trend cell needs before roles
	// that may not see individual teachers are shown it.
	MinCellSize int `json:"min_cell_size"`
	// InvitePrincipalToFollowUps invites the school's principal to follow-ups
	// by default.
	InvitePrincipalToFollowUps bool `json:"invite_principal_to_follow_ups"`
	// ImportUndoDays is how many days after a roster import it can be undone.
	ImportUndoDays int `json:"import_undo_days"`
	// FeedbackSharing says, per walkthrough kind, whether observations are
	// shared with the teacher observed.
	FeedbackSharing FeedbackSharing `json:"feedback_sharing"`
	// SchoolDays are the days of the week on which reminders and digests
	// are sent, as digits from 0 (Sunday) to 6 (Saturday), such as "12345";
	// Monday to Friday when empty. A string keeps the settings comparable.
	SchoolDays string `json:"school_days,omitempty"`
}

// IsSchoolDay reports whether day (in the district's zone) is a school day.
func (s DistrictSettings) IsSchoolDay(day time.Time) bool {
	if len(s.SchoolDays) == 0 {
		return day.Weekday() != time.Saturday && day.Weekday() != time.Sunday
	}
	return strings.ContainsRune(s.SchoolDays, rune('0'+int(day.Weekday())))
}

// Sharing is whether observations of a kind are shared with teachers.
type Sharing string

// Sharing settings.
const (
	SharingNever  Sharing = "never"  // never shared with individual teachers
	SharingChosen Sharing = "chosen" // shared when the observer chooses
	SharingAlways Sharing = "always" // every submitted observation is shared
)

// Valid reports whether s is a known setting.
func (s Sharing) Valid() bool { return s == SharingNever || s == SharingChosen || s == SharingAlways }

// FeedbackSharing is the sharing setting of each walkthrough kind.
type FeedbackSharing struct {
	Classroom  Sharing `json:"classroom"`
	Leadership Sharing `json:"leadership"`
	FollowUp   Sharing `json:"follow_up"`
	Informal   Sharing `json:"informal"`
}

// For is the setting of a kind; an unknown kind is never shared.
func (f FeedbackSharing) For(k WalkthroughKind) Sharing {
	var s Sharing
	switch k {
	case KindClassroom:
		s = f.Classroom
	case KindLeadership:
		s = f.Leadership
	case KindFollowUp:
		s = f.FollowUp
	case KindInformal:
		s = f.Informal
	}
	if !s.Valid() {
		return SharingNever
	}
	return s
}

// DefaultFeedbackSharing keeps walkthroughs that read a school's practice
// from individuals and lets coaches and informal visitors share.
func DefaultFeedbackSharing() FeedbackSharing {
	return FeedbackSharing{Classroom: SharingNever, Leadership: SharingNever, FollowUp: SharingChosen, Informal: SharingChosen}
}

// DefaultDistrictSettings are the settings a new district starts with.
func DefaultDistrictSettings() DistrictSettings {
	return DistrictSettings{SchoolYearStartMonth: 8, SchoolYearStartDay: 15, MinCellSize: 5, InvitePrincipalToFollowUps: true, ImportUndoDays: 14,
		FeedbackSharing: DefaultFeedbackSharing()}
}

// Validate checks the district's fields.
func (d District) Validate() error {
	var p Problems
	if strings.TrimSpace(d.Name) == "" {
		p.Add("name", "must not be empty")
	}
	if !KnownTimeZone(d.TimeZone) {
		if d.TimeZone == "" {
			p.Add("time_zone", "must be an IANA time zone such as America/Chicago")
		} else {
			p.Add("time_zone", "%q is not an IANA time zone; use a name such as America/Chicago", d.TimeZone)
		}
	}
	s := d.Settings
	if s.SchoolYearStartMonth < 1 || s.SchoolYearStartMonth > 12 {
		p.Add("settings.school_year_start_month", "must be 1 to 12")
	}
	if s.SchoolYearStartDay < 1 || s.SchoolYearStartDay > 31 {
		p.Add("settings.school_year_start_day", "must be 1 to 31")
	}
	if s.MinCellSize < 1 || s.MinCellSize > MaxMinCellSize {
		p.Add("settings.min_cell_size", "must be 1 to %d", MaxMinCellSize)
	}
	if s.ImportUndoDays < 1 || s.ImportUndoDays > 365 {
		p.Add("settings.import_undo_days", "must be 1 to 365")
	}
	for _, d := range s.SchoolDays {
		if d < '0' || d > '6' {
			p.Add("settings.school_days", "days are 0 (Sunday) to 6 (Saturday)")
			break
		}
	}
	for _, f := range []struct {
		name string
		v    Sharing
	}{{"classroom", s.FeedbackSharing.Classroom}, {"leadership", s.FeedbackSharing.Leadership},
		{"follow_up", s.FeedbackSharing.FollowUp}, {"informal", s.FeedbackSharing.Informal}} {
		if !f.v.Valid() {
			p.Add("settings.feedback_sharing."+f.name, "must be never, chosen or always")
		}
	}
	return p.Err("the district is not valid")
}

// KnownTimeZone reports whether name is a zone of the IANA database, such
// as America/Chicago or UTC. "Local" is refused: it names the server's own
// zone, which says nothing about where the district is.
func KnownTimeZone(name string) bool {
	if name == "" || name == "Local" {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// Location returns the district's time zone, UTC if it cannot be loaded.
func (d District) Location() *time.Location {
	loc, err := time.LoadLocation(d.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// SchoolYearStart is the instant, at midnight in the district's zone, of the
// first day of the school year that now falls in. A start day beyond the
// month's end (30 February) moves into the next month, as time.Date does.
func (d District) SchoolYearStart(now time.Time) time.Time {
	loc := d.Location()
	local := now.In(loc)
	start := time.Date(local.Year(), time.Month(d.Settings.SchoolYearStartMonth), d.Settings.SchoolYearStartDay, 0, 0, 0, 0, loc)
	if local.Before(start) {
		start = time.Date(local.Year()-1, time.Month(d.Settings.SchoolYearStartMonth), d.Settings.SchoolYearStartDay, 0, 0, 0, 0, loc)
	}
	return start.UTC()
}

// DayStart is the instant a calendar date (held at 00:00 UTC, as the API's
// from and to parameters are read) begins in the location loc; the zero
// time stays zero.
func DayStart(date time.Time, loc *time.Location) time.Time {
	if date.IsZero() {
		return date
	}
	return time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, loc).UTC()
}

// WeekStart returns the Monday (a date at 00:00 UTC) of the week that t falls
// in, in the location loc. Rollups and trends key on it.
func WeekStart(t time.Time, loc *time.Location) time.Time {
	local := t.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	offset := (int(day.Weekday()) + 6) % 7 // Monday = 0
	return day.AddDate(0, 0, -offset)
}

// PeriodStart is the rollup period t falls in: the part of its week (from
// Monday) that lies in its month, named by its first day (a date at 00:00
// UTC). A week that spans two months is two periods, so that both weekly
// and monthly trends add up periods exactly.
func PeriodStart(t time.Time, loc *time.Location) time.Time {
	week := WeekStart(t, loc)
	local := t.In(loc)
	month := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, time.UTC)
	if week.Before(month) {
		return month
	}
	return week
}

// MonthStart is the first day of the month of a period (or any date).
func MonthStart(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
}
