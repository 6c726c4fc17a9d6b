package mail_test

import (
	"context"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/mail"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// exec runs q, written with ? placeholders, on the store's database.
func exec(t *testing.T, s *store.Store, q string, args ...any) {
	t.Helper()
	if s.Dialect() == store.Postgres {
		var b strings.Builder
		n := 0
		for _, r := range q {
			if r == '?' {
				n++
				b.WriteString("$" + strconv.Itoa(n))
				continue
			}
			b.WriteRune(r)
		}
		q = b.String()
	}
	if _, err := s.SQL().ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// scheduleFollowUp makes a school, a teacher, a coach's cycle and a
// follow-up starting at start with the observers invited.
func scheduleFollowUp(t *testing.T, s *store.Store, district string, start time.Time, observers ...string) string {
	t.Helper()
	now := time.Now().UTC()
	school, teacher, coach, cycle, followUp := domain.NewID(), domain.NewID(), domain.NewID(), domain.NewID(), domain.NewID()
	exec(t, s, "INSERT INTO schools (id, district_id, name, created_at, updated_at) VALUES (?, ?, 'Lincoln Elementary', ?, ?)", school, district, now, now)
	exec(t, s, "INSERT INTO teachers (id, district_id, school_id, given_name, family_name, created_at, updated_at) VALUES (?, ?, ?, 'Ada', 'Park', ?, ?)", teacher, district, school, now, now)
	exec(t, s, "INSERT INTO users (id, district_id, email, name, created_at, updated_at) VALUES (?, ?, ?, 'Coach', ?, ?)", coach, district, "coach-"+coach+"@example.org", now, now)
	exec(t, s, "INSERT INTO cycles (id, district_id, school_id, coach_id, focus_indicator_key, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'questioning', 'active', ?, ?)", cycle, district, school, coach, now, now)
	exec(t, s, "INSERT INTO follow_ups (id, district_id, cycle_id, school_id, teacher_id, starts_at, ends_at, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?)",
		followUp, district, cycle, school, teacher, start.UTC(), start.Add(45*time.Minute).UTC(), now, now)
	for _, email := range observers {
		id := domain.NewID()
		exec(t, s, "INSERT INTO users (id, district_id, email, name, created_at, updated_at) VALUES (?, ?, ?, 'Observer', ?, ?)", id, district, email, now, now)
		exec(t, s, "INSERT INTO follow_up_observers (follow_up_id, user_id, district_id) VALUES (?, ?, ?)", followUp, id, district)
	}
	return followUp
}

// TestFollowUpRemindersOnceEachWithTwoServers schedules a follow-up on a
// Tuesday at 9:00 in the district's zone (America/Chicago) with three
// observers. On Monday at 7:30 both servers decide the reminders at once:
// each observer gets one day-before reminder. On Tuesday at 6:45 each
// gets one morning-of reminder; a follow-up on a Monday is announced on
// the Friday before, a school day.
func TestFollowUpRemindersOnceEachWithTwoServers(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s, db, district := openDatabase(t, dialect)
			in := startInbox(t)
			sender, err := mail.SenderFor(in.url())
			if err != nil {
				t.Fatal(err)
			}
			a, b := startServer(t, s, db, sender), startServer(t, s, db, sender)
			defer a.queue.Stop(context.Background())
			defer b.queue.Stop(context.Background())
			chicago, _ := time.LoadLocation("America/Chicago")
			tuesday := time.Date(2026, 12, 8, 9, 0, 0, 0, chicago)
			observers := []string{"principal@example.org", "coach2@example.org", "observer@example.org"}
			scheduleFollowUp(t, s, district, tuesday, observers...)
			monday := time.Date(2026, 12, 14, 10, 0, 0, 0, chicago)
			scheduleFollowUp(t, s, district, monday, "monday@example.org")

			decide := func(at time.Time) {
				t.Helper()
				var wg gosync.WaitGroup
				for _, srv := range []*server{a, b} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if _, err := srv.mail.QueueReminders(context.Background(), "https://walkthrough.example", at); err != nil {
							t.Error(err)
						}
					}()
				}
				wg.Wait()
			}
			count := func() map[string]int {
				per := map[string]int{}
				for _, m := range in.messages() {
					subject := "other"
					switch {
					case strings.Contains(m.Data, "Subject: Follow-up tomorrow"):
						subject = "tomorrow"
					case strings.Contains(m.Data, "Subject: Follow-up today"):
						subject = "today"
					case strings.Contains(m.Data, "Subject: Follow-up on Monday"):
						subject = "on Monday"
					}
					per[strings.Join(m.To, ",")+" "+subject]++
				}
				return per
			}
			decide(time.Date(2026, 12, 7, 6, 0, 0, 0, chicago)) // too early on Monday: nothing
			decide(time.Date(2026, 12, 7, 7, 30, 0, 0, chicago))
			decide(time.Date(2026, 12, 7, 12, 0, 0, 0, chicago)) // later the same day: nothing new
			waitFor(t, "three day-before reminders", func() bool { return len(in.messages()) >= 3 })
			decide(time.Date(2026, 12, 8, 6, 45, 0, 0, chicago))
			waitFor(t, "three morning-of reminders", func() bool { return len(in.messages()) >= 6 })
			decide(time.Date(2026, 12, 11, 8, 0, 0, 0, chicago)) // Friday before the Monday follow-up
			waitFor(t, "the Friday reminder of a Monday follow-up", func() bool { return len(in.messages()) >= 7 })
			time.Sleep(1500 * time.Millisecond)
			per := count()
			for _, o := range observers {
				if per[o+" tomorrow"] != 1 || per[o+" today"] != 1 {
					t.Errorf("%s got %d day-before and %d morning-of reminders, want one each (all: %v)", o, per[o+" tomorrow"], per[o+" today"], per)
				}
			}
			if per["monday@example.org on Monday"] != 1 {
				t.Errorf("the Monday follow-up's observer got %d reminders on Friday, want 1 (all: %v)", per["monday@example.org on Monday"], per)
			}
			if n := len(in.messages()); n != 7 {
				t.Errorf("the inbox received %d messages, want 7: %v", n, per)
			}
		})
	}
}
