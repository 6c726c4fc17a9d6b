package mail

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
)

// The Monday digest: a supervisor's schools over the last week, sent from
// 07:00 on the week's first school day (Monday, unless the district says
// it is not a school day) in the district's zone.
const (
	digestFrom = 7 * time.Hour
	// CoverageDays is how long a teacher goes without a visit before the
	// digest counts them as not visited.
	CoverageDays = 30
	// weeksBefore is how many weeks before the last one a dimension's
	// figure is compared with.
	weeksBefore = 4
	// MovedBy is how far a dimension's mean (in levels) must move between
	// the weeks before and the last week for the digest to name it.
	MovedBy = 0.3
)

// digestWeek is the Monday (local midnight) of the week whose digest is
// due at local, the district's time: from 07:00 on the week's first school
// day, and on each school day after it (a server that was down catches
// up); false when none is due.
func digestWeek(d domain.District, local time.Time) (time.Time, bool) {
	today := midnight(local)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	for i := range 7 {
		day := monday.AddDate(0, 0, i)
		if !d.Settings.IsSchoolDay(day) {
			continue
		}
		from := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, local.Location()).Add(digestFrom)
		if local.Before(from) || !d.Settings.IsSchoolDay(today) {
			return time.Time{}, false
		}
		return monday, true
	}
	return time.Time{}, false
}

// queueDigests queues the Monday digest of every supervisor whose digest
// is due at now and not recorded yet. Its key is (weekly_digest, the
// supervisor's address, their id, the week's Monday): once per person and
// week, on any number of servers.
func (s *Service) queueDigests(ctx context.Context, baseURL string, now time.Time) (int, []error) {
	users, err := s.store.Supervisors(ctx)
	if err != nil {
		return 0, []error{err}
	}
	cal := &calendars{store: s.store}
	n := 0
	var errs []error
	for _, u := range users {
		d, loc, err := cal.of(ctx, u.DistrictID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		week, due := digestWeek(d, now.In(loc))
		if !due {
			continue
		}
		day := week.Format(time.DateOnly)
		// Deciding is a few reads; skip it for a digest already recorded
		// or turned off (Queue would refuse both anyway).
		if done, err := s.store.MessageRecorded(ctx, WeeklyDigest, u.Email, u.ID, day); err != nil || done {
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if p, found, err := s.store.RecipientPreferences(ctx, u.Email); err != nil || !found || !(Preferences{Off: p.Off}).On(WeeklyDigest) {
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		m, err := s.digest(ctx, d, u, week, baseURL)
		if err != nil {
			errs = append(errs, fmt.Errorf("digest of %s: %w", u.ID, err))
			continue
		}
		created, err := s.Queue(ctx, m)
		if err != nil {
			errs = append(errs, err)
		}
		if created {
			n++
		}
	}
	return n, errs
}

// digestSchool is one school's lines in a digest.
type digestSchool struct {
	id, name  string
	visits    int64
	small     bool // some of the week's visits were left out (fewer than the minimum)
	unvisited int64
	teachers  int64
}

// movedDimension is a dimension whose mean moved at a school.
type movedDimension struct {
	school, schoolName, dimension, name string
	before, last                        float64
	observations                        int64
}

// digest is the Monday digest of the week that starts on monday (local
// midnight) for the supervisor u: for each of their schools, the visits of
// the week before, how many teachers went CoverageDays without a visit,
// and the dimensions whose mean moved by MovedBy or more against the
// weeksBefore weeks before it. It tells u only what u may read in the app:
// figures from the trends u reads on the dashboard (whole school periods of
// at least the district's minimum where u does not see the teachers), a
// school's visits only from such periods, teachers counted but never
// named.
func (s *Service) digest(ctx context.Context, d domain.District, u domain.User, monday time.Time, baseURL string) (store.Message, error) {
	p := auth.Principal{User: u}
	schools, err := s.store.Schools(ctx, p.ReadScope(), store.Keyset{})
	if err != nil {
		return store.Message{}, err
	}
	lastFrom, lastTo := monday.AddDate(0, 0, -7), monday
	beforeFrom := lastFrom.AddDate(0, 0, -7*weeksBefore)
	ids := make([]string, 0, len(schools))
	lines := make([]*digestSchool, 0, len(schools))
	byID := map[string]*digestSchool{}
	for _, sc := range schools {
		if !sc.Active {
			continue
		}
		ids = append(ids, sc.ID)
		ds := &digestSchool{id: sc.ID, name: sc.Name}
		lines = append(lines, ds)
		byID[sc.ID] = ds
	}

	// Visits, by rollup period: a week that crosses the end of a month is
	// two periods, each counted whole or left out.
	minimum := int64(d.Settings.MinCellSize)
	for _, part := range periodsOf(lastFrom, lastTo) {
		visits, err := s.store.SchoolVisits(ctx, d.ID, ids, part[0], part[1])
		if err != nil {
			return store.Message{}, err
		}
		for id, n := range visits {
			ds := byID[id]
			if n < minimum && !p.SeesTeachersOf([]string{id}) {
				ds.small = true
				continue
			}
			ds.visits += n
		}
	}

	// Teachers not visited, counted: the coverage screen, which names
	// them, is not a supervisor's.
	if len(ids) > 0 {
		gaps, err := s.store.Coverage(ctx, domain.Scope{DistrictID: d.ID, SchoolIDs: ids}, lastTo.AddDate(0, 0, -CoverageDays), lastTo)
		if err != nil {
			return store.Message{}, err
		}
		for _, g := range gaps {
			if ds := byID[g.Teacher.SchoolID]; ds != nil {
				ds.unvisited++
			}
		}
		teachers, err := s.store.ActiveTeachers(ctx, d.ID, ids)
		if err != nil {
			return store.Message{}, err
		}
		for id, n := range teachers {
			byID[id].teachers = n
		}
	}

	moved, err := s.movedDimensions(ctx, p, ids, beforeFrom, lastFrom, lastTo)
	if err != nil {
		return store.Message{}, err
	}
	for i := range moved {
		moved[i].schoolName = byID[moved[i].school].name
	}

	var b strings.Builder
	last := lastTo.AddDate(0, 0, -1)
	fmt.Fprintf(&b, "Hello %s,\n\nYour schools in the week of %s to %s.\n", u.Name, lastFrom.Format("Monday, January 2"), last.Format("Monday, January 2"))
	if len(lines) == 0 {
		b.WriteString("\nYou have no schools. An administrator grants schools to supervisors.\n")
	}
	if len(lines) > 0 {
		b.WriteString("\nVisits (observations submitted)\n")
		for _, ds := range lines {
			link := dashboardLink(baseURL, ds.id, "", lastFrom, lastTo)
			switch {
			case ds.small && ds.visits == 0:
				fmt.Fprintf(&b, "- %s: fewer than %d visits, left out as on the dashboard. %s\n", ds.name, minimum, link)
			case ds.small:
				fmt.Fprintf(&b, "- %s: %s, and a part of the week with fewer than %d left out as on the dashboard. %s\n", ds.name, plural(ds.visits, "visit"), minimum, link)
			default:
				fmt.Fprintf(&b, "- %s: %s. %s\n", ds.name, plural(ds.visits, "visit"), link)
			}
		}
		fmt.Fprintf(&b, "\nTeachers not visited in the last %d days\n", CoverageDays)
		for _, ds := range lines {
			fmt.Fprintf(&b, "- %s: %d of %s.\n", ds.name, ds.unvisited, plural(ds.teachers, "teacher"))
		}
		fmt.Fprintf(&b, "\nDimensions that moved (the last week against the %d weeks before)\n", weeksBefore)
		if len(moved) == 0 {
			fmt.Fprintf(&b, "- None moved by %.1f or more.\n", MovedBy)
		}
		for _, m := range moved {
			dir := "up"
			if m.last < m.before {
				dir = "down"
			}
			fmt.Fprintf(&b, "- %s, %s: %s from %.1f to %.1f (%s last week). %s\n", m.schoolName, m.name, dir, m.before, m.last,
				plural(m.observations, "observation"), dashboardLink(baseURL, m.school, m.dimension, beforeFrom, lastTo))
		}
	}
	b.WriteString("\nOpen the dashboard: " + baseURL + "/dashboard\n")
	return store.Message{DistrictID: d.ID, Kind: WeeklyDigest, Recipient: u.Email, SubjectID: u.ID, Day: monday.Format(time.DateOnly),
		Subject: "Your schools last week: " + lastFrom.Format("January 2") + " to " + last.Format("January 2"), Body: b.String()}, nil
}

// movedDimensions compares each school's dimensions in the last week
// [lastFrom, lastTo) with the weeks before [beforeFrom, lastFrom), both read
// as the caller reads them on the dashboard, and lists those whose mean
// moved by MovedBy or more, by school and dimension name.
func (s *Service) movedDimensions(ctx context.Context, p auth.Principal, schoolIDs []string, beforeFrom, lastFrom, lastTo time.Time) ([]movedDimension, error) {
	if len(schoolIDs) == 0 {
		return nil, nil
	}
	ask := func(from, to time.Time) (trends.Result, error) {
		return s.trends.Trend(ctx, p, trends.Query{From: dateOf(from), To: dateOf(to), SchoolIDs: schoolIDs, Bucket: "range", Group: []string{"school", "dimension"}})
	}
	last, err := ask(lastFrom, lastTo)
	if err != nil {
		return nil, err
	}
	before, err := ask(beforeFrom, lastFrom)
	if err != nil {
		return nil, err
	}
	if last.RubricID == "" {
		return nil, nil
	}
	earlier := map[[2]string]trends.Cell{}
	for _, c := range before.Cells {
		earlier[[2]string{c.Group["school"], c.Group["dimension"]}] = c
	}
	labels, err := s.trends.Labels(ctx, p, last)
	if err != nil {
		return nil, err
	}
	var out []movedDimension
	for _, c := range last.Cells {
		key := [2]string{c.Group["school"], c.Group["dimension"]}
		e, ok := earlier[key]
		if !ok || c.Suppressed || e.Suppressed || c.Mean == nil || e.Mean == nil || math.Abs(*c.Mean-*e.Mean) < MovedBy {
			continue
		}
		name := labels["dimension"][key[1]]
		if name == "" {
			name = key[1]
		}
		var obs int64
		if c.Observations != nil {
			obs = *c.Observations
		}
		out = append(out, movedDimension{school: key[0], dimension: key[1], name: name, before: *e.Mean, last: *c.Mean, observations: obs})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].school != out[j].school {
			return out[i].school < out[j].school
		}
		return out[i].name < out[j].name
	})
	return out, nil
}

// periodsOf splits [from, to) (local midnights) at the first of a month:
// the rollup periods of a week.
func periodsOf(from, to time.Time) [][2]time.Time {
	last := to.AddDate(0, 0, -1)
	if last.Month() == from.Month() {
		return [][2]time.Time{{from, to}}
	}
	split := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, from.Location())
	return [][2]time.Time{{from, split}, {split, to}}
}

// dateOf is a local day as the trends read dates: 00:00 UTC.
func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// dashboardLink opens the dashboard on one school (and dimension) over
// [from, to).
func dashboardLink(baseURL, school, dimension string, from, to time.Time) string {
	q := url.Values{"schools": {school}, "from": {from.Format(time.DateOnly)}, "to": {to.Format(time.DateOnly)}}
	if dimension != "" {
		q.Set("dimension", dimension)
	}
	return baseURL + "/dashboard?" + q.Encode()
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
