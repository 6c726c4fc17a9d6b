package cycles

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Due windows: what is due by the end of today, this week or next week (in
// the district's time zone).
const (
	DueToday    = "today"
	DueThisWeek = "this_week"
	DueNextWeek = "next_week"
)

// DueWindows are the windows a due list may ask for.
var DueWindows = []string{DueToday, DueThisWeek, DueNextWeek}

// dueBy is the instant a due window ends.
func dueBy(due string, now time.Time, loc *time.Location) (time.Time, error) {
	local := now.In(loc)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	monday := midnight.AddDate(0, 0, -((int(midnight.Weekday()) + 6) % 7))
	switch due {
	case DueToday:
		return midnight.AddDate(0, 0, 1), nil
	case DueThisWeek, "":
		return monday.AddDate(0, 0, 7), nil
	case DueNextWeek:
		return monday.AddDate(0, 0, 14), nil
	}
	return time.Time{}, domain.Invalid("the filters are not valid", domain.FieldError{Field: "due",
		Message: "must be one of " + strings.Join(DueWindows, ", ")})
}

// DueQuery is what a due list asks for: a window (this week when empty),
// or the day To (a date at 00:00 UTC, exclusive) the follow-ups start
// before; Mine keeps the caller's own.
type DueQuery struct {
	Window string
	To     time.Time
	Mine   bool
}

// Due lists the scheduled follow-ups due by the end of the window, overdue
// first (oldest first), then by start. Mine keeps the caller's own (invited
// to, or coaching the cycle); otherwise every follow-up at the schools the
// caller sees cycles of.
func (s *Service) Due(ctx context.Context, p auth.Principal, q DueQuery) ([]FollowUp, error) {
	d, err := s.store.District(ctx, p.DistrictID())
	if err != nil {
		return nil, err
	}
	now := s.now()
	end := domain.DayStart(q.To, d.Location())
	if q.To.IsZero() {
		if end, err = dueBy(q.Window, now, d.Location()); err != nil {
			return nil, err
		}
	}
	mine := q.Mine
	f := store.FollowUpFilter{DistrictID: p.DistrictID(), StartsBefore: end, Statuses: []domain.FollowUpStatus{domain.FollowUpScheduled}}
	if mine {
		f.UserID = p.User.ID
	} else {
		f.Visible = p.ReadScope()
	}
	fs, err := s.store.FollowUpsWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	out, err := s.decorate(ctx, p.DistrictID(), fs)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Overdue != out[j].Overdue {
			return out[i].Overdue
		}
		return out[i].StartsAt.Before(out[j].StartsAt)
	})
	return out, nil
}

// Workload is one coach's load: open cycles and follow-ups this week and
// next, across every school they coach at.
type Workload struct {
	CoachID           string
	CoachName         string
	SchoolIDs         []string
	OpenCycles        int
	FollowUpsThisWeek int
	FollowUpsNextWeek int
	Overdue           int
}

// WorkloadWeeks are the weeks a workload counts, as Mondays in the
// district's time zone.
type WorkloadWeeks struct {
	ThisWeek, NextWeek time.Time
}

// Workloads answers for the coaches whose cycles the caller sees: a coach
// sees their own; supervisors, principals and administrators see the
// coaches working at their schools, with each coach's whole load.
func (s *Service) Workloads(ctx context.Context, p auth.Principal) ([]Workload, WorkloadWeeks, error) {
	isCoach := slices.ContainsFunc(p.User.Grants, func(g domain.RoleGrant) bool { return g.Role == domain.RoleCoach })
	leads := !p.LeadScope().Empty()
	if !isCoach && !leads {
		return nil, WorkloadWeeks{}, domain.Errorf(domain.EForbidden, "coaches' workload is for coaches and school and district leaders")
	}
	d, err := s.store.District(ctx, p.DistrictID())
	if err != nil {
		return nil, WorkloadWeeks{}, err
	}
	loc := d.Location()
	now := s.now()
	thisWeek, _ := dueBy(DueThisWeek, now, loc)
	thisWeek = thisWeek.AddDate(0, 0, -7)
	weeks := WorkloadWeeks{ThisWeek: thisWeek, NextWeek: thisWeek.AddDate(0, 0, 7)}

	coaches := map[string]bool{}
	if isCoach {
		coaches[p.User.ID] = true
	}
	if leads {
		visible, err := s.store.CyclesList(ctx, store.CycleFilter{Visible: p.LeadScope(), CoachID: p.User.ID})
		if err != nil {
			return nil, weeks, err
		}
		for _, c := range visible {
			coaches[c.CoachID] = true
		}
	}
	users, err := s.store.Users(ctx, p.DistrictID())
	if err != nil {
		return nil, weeks, err
	}
	names := map[string]string{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	var out []Workload
	for coach := range coaches {
		cs, err := s.store.CyclesList(ctx, store.CycleFilter{Visible: domain.Scope{DistrictID: p.DistrictID()}, CoachID: coach, Mine: true})
		if err != nil {
			return nil, weeks, err
		}
		w := Workload{CoachID: coach, CoachName: names[coach], SchoolIDs: []string{}}
		ids := map[string]bool{}
		for _, c := range cs {
			ids[c.ID] = true
			if c.Status == domain.CyclePlanned || c.Status == domain.CycleActive {
				w.OpenCycles++
				if !slices.Contains(w.SchoolIDs, c.SchoolID) {
					w.SchoolIDs = append(w.SchoolIDs, c.SchoolID)
				}
			}
		}
		slices.Sort(w.SchoolIDs)
		fs, err := s.store.FollowUpsWhere(ctx, store.FollowUpFilter{DistrictID: p.DistrictID(), StartsBefore: weeks.NextWeek.AddDate(0, 0, 7),
			UserID: coach, Statuses: []domain.FollowUpStatus{domain.FollowUpScheduled, domain.FollowUpDone}})
		if err != nil {
			return nil, weeks, err
		}
		for _, f := range fs {
			if !ids[f.CycleID] {
				continue
			}
			if f.Overdue(now) {
				w.Overdue++
			}
			switch {
			case !f.StartsAt.Before(weeks.NextWeek):
				w.FollowUpsNextWeek++
			case !f.StartsAt.Before(weeks.ThisWeek):
				w.FollowUpsThisWeek++
			}
		}
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].CoachName != out[j].CoachName {
			return out[i].CoachName < out[j].CoachName
		}
		return out[i].CoachID < out[j].CoachID
	})
	return out, weeks, nil
}
