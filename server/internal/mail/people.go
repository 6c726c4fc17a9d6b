package mail

import (
	"context"
	"fmt"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Times of the reminders to people about their own work, in the district's
// zone, on school days only.
const (
	workdayFrom = 7 * time.Hour
	// IdleAfter is how long a cycle of support goes without activity
	// before its coach is told.
	IdleAfter = 14 * 24 * time.Hour
	// overdueFor is how long after its date an overdue next step is still
	// announced (a server down for days catches up within it).
	overdueFor = 30
)

// calendars reads each district's zone and school days once per run.
type calendars struct {
	store *store.Store
	seen  map[string]domain.District
}

func (c *calendars) of(ctx context.Context, districtID string) (domain.District, *time.Location, error) {
	if c.seen == nil {
		c.seen = map[string]domain.District{}
	}
	d, ok := c.seen[districtID]
	if !ok {
		var err error
		if d, err = c.store.District(ctx, districtID); err != nil {
			return domain.District{}, nil, err
		}
		c.seen[districtID] = d
	}
	return d, d.Location(), nil
}

// workday reports whether now (in the district's zone) is a school day
// from 07:00, when reminders about a person's own work go out.
func workday(d domain.District, now time.Time) bool {
	return d.Settings.IsSchoolDay(now) && now.Sub(midnight(now)) >= workdayFrom
}

// lastSchoolDayOnOrBefore is day if it is a school day, or the school day
// before it (at most a week back).
func lastSchoolDayOnOrBefore(d domain.District, day time.Time) time.Time {
	for i := 0; i < 7; i++ {
		if d.Settings.IsSchoolDay(day) {
			return day
		}
		day = day.AddDate(0, 0, -1)
	}
	return day
}

// queueWorkReminders queues the next-step, idle-cycle and shared-feedback
// messages due at now.
func (s *Service) queueWorkReminders(ctx context.Context, baseURL string, now time.Time) (int, []error) {
	cal := &calendars{store: s.store}
	n := 0
	var errs []error
	queue := func(m store.Message) {
		created, err := s.Queue(ctx, m)
		if err != nil {
			errs = append(errs, err)
		}
		if created {
			n++
		}
	}
	utc := now.UTC()
	steps, err := s.store.OpenNextSteps(ctx, utc.AddDate(0, 0, -overdueFor-1).Format(time.DateOnly), utc.AddDate(0, 0, 8).Format(time.DateOnly))
	if err != nil {
		errs = append(errs, err)
	}
	for _, st := range steps {
		d, loc, err := cal.of(ctx, st.DistrictID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		local := now.In(loc)
		if !workday(d, local) {
			continue
		}
		due, err := time.ParseInLocation(time.DateOnly, st.DueOn, loc)
		if err != nil {
			continue
		}
		today := midnight(local)
		kind := ""
		switch {
		case !today.After(due) && !today.Before(lastSchoolDayOnOrBefore(d, due)):
			kind = NextStepDue
		case today.After(due) && !today.After(due.AddDate(0, 0, overdueFor)):
			kind = NextStepOverdue
		default:
			continue
		}
		link := baseURL + "/next-steps"
		if st.WalkthroughID != "" {
			link = baseURL + "/walkthroughs/" + st.WalkthroughID + "/debrief"
		}
		subject := fmt.Sprintf("Next step due %s: %s", due.Format("Monday, January 2"), clip(st.Action, 60))
		what := "falls due " + due.Format("Monday, January 2")
		if today.Equal(due) {
			subject, what = "Next step due today: "+clip(st.Action, 60), "falls due today"
		}
		if kind == NextStepOverdue {
			subject = fmt.Sprintf("Next step overdue since %s: %s", due.Format("January 2"), clip(st.Action, 60))
			what = "was due " + due.Format("Monday, January 2") + " and is not marked done"
		}
		queue(store.Message{DistrictID: st.DistrictID, Kind: kind, Recipient: st.OwnerEmail, SubjectID: st.ID, Day: st.DueOn,
			Subject: subject,
			Body: fmt.Sprintf("Hello %s,\n\nYour next step at %s %s:\n\n  %s\n\nOpen it: %s\n",
				st.OwnerName, st.SchoolName, what, st.Action, link)})
	}

	idle, err := s.store.IdleCycles(ctx, utc.Add(-IdleAfter))
	if err != nil {
		errs = append(errs, err)
	}
	for _, c := range idle {
		d, loc, err := cal.of(ctx, c.DistrictID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		local := now.In(loc)
		if !workday(d, local) {
			continue
		}
		focus := c.FocusShift
		if focus == "" {
			focus = "its focus"
		}
		last := c.LastActivity.In(loc)
		queue(store.Message{DistrictID: c.DistrictID, Kind: CycleIdle, Recipient: c.CoachEmail, SubjectID: c.ID,
			Day: last.Format(time.DateOnly), Subject: "No activity for two weeks: your cycle at " + c.SchoolName,
			Body: fmt.Sprintf("Hello %s,\n\nNothing has been logged in your cycle of support at %s (%s) since %s.\nLog an activity, schedule a follow-up or close the cycle: %s/cycles/%s\n",
				c.CoachName, c.SchoolName, clip(focus, 80), last.Format("Monday, January 2"), baseURL, c.ID)})
	}

	shared, err := s.store.FeedbackSharedSince(ctx, utc.AddDate(0, 0, -7))
	if err != nil {
		errs = append(errs, err)
	}
	for _, f := range shared {
		d, loc, err := cal.of(ctx, f.DistrictID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		local := now.In(loc)
		if !d.Settings.IsSchoolDay(local) {
			continue
		}
		queue(store.Message{DistrictID: f.DistrictID, Kind: FeedbackShared, Recipient: f.TeacherEmail, SubjectID: f.ID,
			Day: f.SharedAt.In(loc).Format(time.DateOnly), Subject: "Feedback from a visit to your classroom",
			Body: fmt.Sprintf("Hello %s,\n\nFeedback from a visit to your classroom at %s is waiting for you. Read it, and answer if you wish: %s/feedback/%s\n",
				f.TeacherName, f.SchoolName, baseURL, f.ID)})
	}
	return n, errs
}

// clip shortens s to at most n runes, with an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
