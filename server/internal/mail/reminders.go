package mail

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/jobs"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Message kinds of reminders.
const (
	FollowUpDayBefore = "follow_up_day_before"
	FollowUpMorningOf = "follow_up_morning_of"
)

// Reminder times, in the district's time zone: the day-before reminder
// goes from 07:00 on the last school day (Monday to Friday unless the district says otherwise) before the
// follow-up's day; the morning-of one from 06:30 on its day, until it
// starts.
const (
	dayBeforeFrom = 7 * time.Hour
	morningOfFrom = 6*time.Hour + 30*time.Minute
)

// RemindEvery is how often the reminders are decided.
const RemindEvery = 5 * time.Minute

// RemindersJob is the periodic job that decides and queues the reminders.
func (s *Service) RemindersJob(baseURL string, now func() time.Time) jobs.Periodic {
	return jobs.Periodic{Name: "reminders", Every: RemindEvery, Timeout: 2 * time.Minute, Run: func(ctx context.Context) error {
		_, err := s.QueueReminders(ctx, baseURL, now())
		return err
	}}
}

// QueueReminders queues every reminder that is due at now and not queued
// yet, and answers how many are new. Running it again, on any server,
// queues nothing twice: each reminder has its key.
func (s *Service) QueueReminders(ctx context.Context, baseURL string, now time.Time) (int, error) {
	// Follow-ups up to a week ahead: a Monday's reminder goes on the last
	// school day before it.
	invites, err := s.store.FollowUpInvites(ctx, now, now.Add(8*24*time.Hour))
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	cal := &calendars{store: s.store}
	for _, in := range invites {
		d, loc, err := cal.of(ctx, in.DistrictID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		kind := dueReminder(d, in.StartsAt.In(loc), now.In(loc))
		if kind == "" {
			continue
		}
		created, err := s.Queue(ctx, followUpMessage(in, kind, loc, baseURL, now))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if created {
			n++
		}
	}
	m, more := s.queueWorkReminders(ctx, baseURL, now)
	g, digests := s.queueDigests(ctx, baseURL, now)
	return n + m + g, errors.Join(append(append(errs, more...), digests...)...)
}

// dueReminder is the reminder of a follow-up starting at start that is
// due at now (both in the district's zone), or "".
func dueReminder(d domain.District, start, now time.Time) string {
	day := midnight(start)
	today := midnight(now)
	switch {
	case today.Equal(day) && now.Sub(today) >= morningOfFrom && now.Before(start):
		return FollowUpMorningOf
	case today.Equal(previousSchoolDay(d, day)) && now.Sub(today) >= dayBeforeFrom:
		return FollowUpDayBefore
	}
	return ""
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// previousSchoolDay is the district's last school day before day.
func previousSchoolDay(d domain.District, day time.Time) time.Time {
	return lastSchoolDayOnOrBefore(d, day.AddDate(0, 0, -1))
}

func followUpMessage(in store.FollowUpInvite, kind string, loc *time.Location, baseURL string, now time.Time) store.Message {
	start := in.StartsAt.In(loc)
	when := start.Format("Monday, January 2 at 3:04 PM")
	subject := fmt.Sprintf("Follow-up on %s: %s, %s", start.Format("Monday"), in.TeacherName, in.SchoolName)
	if midnight(now.In(loc)).AddDate(0, 0, 1).Equal(midnight(start)) {
		subject = fmt.Sprintf("Follow-up tomorrow: %s, %s", in.TeacherName, in.SchoolName)
	}
	if kind == FollowUpMorningOf {
		when = "today at " + start.Format("3:04 PM")
		subject = fmt.Sprintf("Follow-up today at %s: %s, %s", start.Format("3:04 PM"), in.TeacherName, in.SchoolName)
	}
	body := fmt.Sprintf("Hello %s,\n\nYou are invited to observe a follow-up of %s at %s, %s.\n\nOpen the cycle: %s/cycles/%s\n",
		in.ObserverName, in.TeacherName, in.SchoolName, when, baseURL, in.CycleID)
	return store.Message{DistrictID: in.DistrictID, Kind: kind, Recipient: in.ObserverEmail, SubjectID: in.FollowUpID,
		Day: start.Format(time.DateOnly), Subject: subject, Body: body}
}
