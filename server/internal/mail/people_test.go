package mail_test

import (
	"context"
	"io"
	"mime/quotedprintable"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/mail"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

var unsubscribeHeader = regexp.MustCompile(`List-Unsubscribe: <https://walkthrough\.example/api/v1/unsubscribe\?token=([^>]+)>`)

// TestNextStepsAndIdleCyclesRemindOnSchoolDaysOnce walks a week in the
// district's zone (America/Chicago): a next step's owner hears when it
// falls due (on the Friday for one due on a Saturday) and when it is
// overdue, a coach whose cycle had no activity for two weeks hears once,
// nothing goes on the weekend or before 07:00, two servers deciding at
// once send nothing twice, and after a one-click unsubscribe from overdue
// next steps the owner gets no more of those but still the others.
func TestNextStepsAndIdleCyclesRemindOnSchoolDaysOnce(t *testing.T) {
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
			at := func(day, hour int) time.Time { return time.Date(2026, 12, day, hour, 0, 0, 0, chicago) }
			ids := addUsers(t, s, district, "owner@example.org", "coach@example.org")
			owner, coach := ids[0], ids[1]
			school := domain.NewID()
			old := at(10, 8).AddDate(0, 0, -24).UTC()
			exec(t, s, "INSERT INTO schools (id, district_id, name, created_at, updated_at) VALUES (?, ?, 'Lincoln Elementary', ?, ?)", school, district, old, old)
			step := func(due, action string) {
				exec(t, s, "INSERT INTO next_steps (id, district_id, school_id, owner_id, action, due_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
					domain.NewID(), district, school, owner, action, due, old, old)
			}
			step("2026-12-09", "Share the questioning protocol")
			step("2026-12-12", "Plan the Saturday session")
			idle, busy := domain.NewID(), domain.NewID()
			for _, c := range []string{idle, busy} {
				exec(t, s, "INSERT INTO cycles (id, district_id, school_id, coach_id, focus_indicator_key, focus_shift, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'questioning', 'Students explain their thinking', 'active', ?, ?)",
					c, district, school, coach, old, old)
			}
			recent := at(1, 15).UTC()
			exec(t, s, "INSERT INTO cycle_activities (id, district_id, cycle_id, kind, occurred_on, author_id, created_at, updated_at) VALUES (?, ?, ?, 'one_on_one', '2026-12-01', ?, ?, ?)",
				domain.NewID(), district, busy, coach, recent, recent)

			decide := func(when time.Time) {
				t.Helper()
				done := make(chan error, 2)
				for _, srv := range []*server{a, b} {
					go func() {
						_, err := srv.mail.QueueReminders(context.Background(), "https://walkthrough.example", when)
						done <- err
					}()
				}
				for range 2 {
					if err := <-done; err != nil {
						t.Error(err)
					}
				}
			}
			expect := func(n int, what string) {
				t.Helper()
				waitFor(t, what, func() bool { return len(in.messages()) >= n })
				time.Sleep(300 * time.Millisecond)
				if got := len(in.messages()); got != n {
					t.Fatalf("after %s the inbox holds %d messages, want %d: %v", what, got, n, subjects(in.messages()))
				}
			}
			decide(at(8, 6)) // Tuesday, before 07:00
			decide(at(8, 8))
			expect(1, "the idle cycle's message")
			decide(at(9, 6))
			decide(at(9, 8))
			decide(at(9, 14))
			expect(2, "the due-today message")
			decide(at(10, 8))
			expect(3, "the overdue message")
			decide(at(11, 8)) // Friday: the Saturday step falls due
			expect(4, "the Friday message of a Saturday step")
			decide(at(12, 9)) // Saturday: nothing
			decide(at(13, 9)) // Sunday: nothing
			time.Sleep(500 * time.Millisecond)
			expect(4, "the weekend")
			decide(at(14, 8))
			expect(5, "the Saturday step overdue on Monday")

			got := in.messages()
			wantSubjects := []string{"No activity for two weeks: your cycle at Lincoln Elementary", "Next step due today: Share the questioning protocol",
				"Next step overdue since December 9: Share the questioning protocol", "Next step due Saturday, December 12: Plan the Saturday session",
				"Next step overdue since December 12: Plan the Saturday session"}
			for i, m := range got {
				data := strings.ReplaceAll(m.Data, "\r\n ", " ")
				if !strings.Contains(data, "Subject: "+wantSubjects[i]) {
					t.Errorf("message %d: want subject %q in\n%s", i, wantSubjects[i], data)
				}
				if !strings.Contains(data, "List-Unsubscribe-Post: List-Unsubscribe=One-Click") || !unsubscribeHeader.MatchString(data) {
					t.Errorf("message %d has no one-click unsubscribe:\n%s", i, data)
				}
			}
			if b := textOf(t, got[0]); !strings.Contains(b, "https://walkthrough.example/cycles/"+idle) || strings.Contains(b, busy) {
				t.Errorf("the idle cycle's message does not link to the idle cycle:\n%s", got[0].Data)
			}
			if got[0].To[0] != "coach@example.org" || got[1].To[0] != "owner@example.org" {
				t.Errorf("messages went to %v and %v", got[0].To, got[1].To)
			}

			// One click on the overdue message's link, twice: overdue next
			// steps are off for the owner, and only those.
			token, err := url.QueryUnescape(unsubscribeHeader.FindStringSubmatch(strings.ReplaceAll(got[4].Data, "\r\n ", " "))[1])
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				u, err := a.mail.Unsubscribe(context.Background(), token)
				if err != nil || u.Kind != mail.NextStepOverdue || u.Email != "owner@example.org" {
					t.Fatalf("unsubscribe: %+v %v", u, err)
				}
			}
			forged := strings.Replace(token, mail.NextStepOverdue, mail.NextStepDue, 1)
			if _, err := a.mail.Unsubscribe(context.Background(), forged); domain.ErrorCode(err) != domain.ENotFound {
				t.Errorf("a link with its kind changed: %v, want not found", err)
			}
			p, err := a.mail.Preferences(context.Background(), district, owner)
			if err != nil || p.On(mail.NextStepOverdue) || !p.On(mail.NextStepDue) {
				t.Fatalf("after unsubscribing the preferences are %+v %v", p, err)
			}
			step("2026-12-14", "Visit grade 3")
			step("2026-12-15", "Send the notes")
			decide(at(15, 8))
			expect(6, "the due message after unsubscribing from overdue ones")
			if last := in.messages()[5]; !strings.Contains(last.Data, "Subject: Next step due today: Send the notes") ||
				!strings.Contains(textOf(t, last), "Open it: https://walkthrough.example/next-steps") {
				t.Errorf("after unsubscribing from overdue next steps the owner got:\n%s", last)
			}
		})
	}
}

// textOf is a message's text, decoded.
func textOf(t *testing.T, m received) string {
	t.Helper()
	_, body, _ := strings.Cut(m.Data, "\r\n\r\n")
	b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func subjects(ms []received) []string {
	var out []string
	for _, m := range ms {
		for _, l := range strings.Split(m.Data, "\r\n") {
			if strings.HasPrefix(l, "Subject: ") {
				out = append(out, strings.Join(m.To, ",")+" "+l)
			}
		}
	}
	return out
}
