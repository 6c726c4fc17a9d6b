package demo

import (
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// minSchoolDays is the fewest past school days the demo shows. Early in a
// school year the window reaches back to the start of the year before, so
// that trends have something to show.
const minSchoolDays = 50

// The school day, in minutes after local midnight.
const (
	dayOpens  = 8 * 60
	dayCloses = 15 * 60
)

// calendar finds the window of past school days and the school days of the
// coming two weeks.
func (g *gen) calendar() {
	s := g.plan.District.Settings
	today := localDate(g.today, g.loc)
	start := schoolYearStart(today, s)
	g.days = schoolDays(start, today, s)
	if len(g.days) < minSchoolDays {
		start = schoolYearStart(start.AddDate(0, 0, -1), s)
		g.days = schoolDays(start, today, s)
	}
	last := today.AddDate(0, 0, 14)
	for d := today.AddDate(0, 0, 1); !d.After(last); d = d.AddDate(0, 0, 1) {
		if isSchoolDay(d, s) {
			g.future = append(g.future, d)
		}
	}
	if len(g.future) == 0 {
		// Summer: follow-ups still get booked, on weekdays.
		for d := today.AddDate(0, 0, 1); !d.After(last); d = d.AddDate(0, 0, 1) {
			if !weekend(d) {
				g.future = append(g.future, d)
			}
		}
	}
	g.setup = g.at(start.AddDate(0, 0, -14), 9*60)
}

// week is the school days of one Monday-to-Friday week.
type week struct {
	start time.Time
	days  []time.Time
}

// weeks groups the window's school days by week.
func (g *gen) weeks() {
	var ws []week
	for _, d := range g.days {
		start := domain.WeekStart(d, time.UTC)
		if len(ws) == 0 || !ws[len(ws)-1].start.Equal(start) {
			ws = append(ws, week{start: start})
		}
		ws[len(ws)-1].days = append(ws[len(ws)-1].days, d)
	}
	// Observations per school per school day, so the year adds up to about
	// targetObservations whatever its length.
	rate := float64(targetObservations) / float64(len(g.days)*len(g.schoolInfo))
	for i, w := range ws {
		for s := range g.schoolInfo {
			g.schoolWeek(i, w, s, rate)
		}
	}
}

// localDate returns the local calendar day of t as a date at 00:00 UTC.
func localDate(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// at returns the instant, in UTC, of minute minutes after local midnight on
// day.
func (g *gen) at(day time.Time, minute int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, minute, 0, 0, g.loc).UTC()
}

// dayNumber numbers days for map keys.
func dayNumber(day time.Time) int {
	return int(day.Unix() / 86400)
}

// progress says how far through the window day is, from 0 to 1.
func (g *gen) progress(day time.Time) float64 {
	first, last := g.days[0], g.days[len(g.days)-1]
	span := last.Sub(first).Hours()
	if span <= 0 {
		return 1
	}
	p := day.Sub(first).Hours() / span
	return min(max(p, 0), 1)
}

// schoolYearStart returns the first day of the school year that day falls in.
func schoolYearStart(day time.Time, s domain.DistrictSettings) time.Time {
	start := time.Date(day.Year(), time.Month(s.SchoolYearStartMonth), s.SchoolYearStartDay, 0, 0, 0, 0, time.UTC)
	if day.Before(start) {
		start = start.AddDate(-1, 0, 0)
	}
	return start
}

// schoolDays lists the school days in [from, to).
func schoolDays(from, to time.Time, s domain.DistrictSettings) []time.Time {
	var days []time.Time
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		if isSchoolDay(d, s) {
			days = append(days, d)
		}
	}
	return days
}

// isSchoolDay reports whether the district's schools are open on day: a
// weekday outside the summer, Labor Day, Thanksgiving and the winter break.
func isSchoolDay(day time.Time, s domain.DistrictSettings) bool {
	if weekend(day) {
		return false
	}
	start := time.Date(day.Year(), time.Month(s.SchoolYearStartMonth), s.SchoolYearStartDay, 0, 0, 0, 0, time.UTC)
	summer := time.Date(day.Year(), time.June, 1, 0, 0, 0, 0, time.UTC)
	if !day.Before(summer) && day.Before(start) {
		return false
	}
	m, d, wd := day.Month(), day.Day(), day.Weekday()
	switch {
	case m == time.September && wd == time.Monday && d <= 7: // Labor Day
		return false
	case m == time.November && wd == time.Thursday && d >= 22 && d <= 28: // Thanksgiving
		return false
	case m == time.November && wd == time.Friday && d >= 23 && d <= 29:
		return false
	case m == time.December && d >= 21, m == time.January && d <= 2: // winter break
		return false
	}
	return true
}

func weekend(day time.Time) bool {
	return day.Weekday() == time.Saturday || day.Weekday() == time.Sunday
}
