package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/mail"
)

// TestTheDigestReachesTheMailboxWithWorkingLinks decides the reminders on
// the Monday after the world's clock at 07:30 in district A's zone, with
// no mail server: the supervisor's digest is in the development mailbox
// the administrator reads, and each of its links works for the
// supervisor: the dashboard's view of one of their schools answers its
// trends through the router, and the unsubscribe link is ours.
func TestTheDigestReachesTheMailboxWithWorkingLinks(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		sender, err := mail.SenderFor("")
		if err != nil {
			t.Fatal(err)
		}
		const base = "https://walkthrough.example"
		svc := mail.NewService(w.store, sender, nil)
		svc.SetBaseURL(base)
		send := svc.SendingJob(time.Now)
		chicago, _ := time.LoadLocation("America/Chicago")
		local := w.clock.now.In(chicago)
		monday := time.Date(local.Year(), local.Month(), local.Day()+1, 7, 30, 0, 0, chicago)
		for monday.Weekday() != time.Monday {
			monday = monday.AddDate(0, 0, 1)
		}
		if _, err := svc.QueueReminders(ctx, base, monday); err != nil {
			t.Fatal(err)
		}
		if err := send.Run(ctx); err != nil {
			t.Fatal(err)
		}

		var list listResponse[mailboxMessageResponse]
		w.do(admin, "GET", "/api/v1/mailbox", nil).decode(t, &list)
		id := ""
		for _, m := range list.Items {
			if m.Kind == mail.WeeklyDigest && m.To == w.users[supervisor].Email {
				id = m.ID
			}
		}
		if id == "" {
			t.Fatalf("no digest for the supervisor in the mailbox: %+v", list.Items)
		}
		var m mailboxMessageResponse
		w.do(admin, "GET", "/api/v1/mailbox/"+id, nil).decode(t, &m)
		links := regexp.MustCompile(`https?://\S+`).FindAllString(m.Body, -1)
		views, unsubscribe := 0, 0
		for _, l := range links {
			u, err := url.Parse(l)
			if err != nil || !strings.HasPrefix(l, base+"/") {
				t.Errorf("a link outside the app: %s", l)
				continue
			}
			switch u.Path {
			case "/dashboard":
				q := u.Query()
				if q.Get("schools") == "" {
					continue // the dashboard as it opens
				}
				views++
				trend := url.Values{"from": {q.Get("from")}, "to": {q.Get("to")}, "school_id": {q.Get("schools")}, "bucket": {"week"},
					"group": {"school", "dimension"}}
				if d := q.Get("dimension"); d != "" {
					trend.Set("dimension", d)
				}
				if r := w.do(supervisor, "GET", "/api/v1/trends?"+trend.Encode(), nil); r.Code != http.StatusOK {
					t.Errorf("the view %s answers the supervisor %d: %s", l, r.Code, r.Body)
				}
				if q.Get("schools") != w.schoolA1 {
					t.Errorf("the view %s is not of the supervisor's school", l)
				}
			case "/unsubscribe":
				unsubscribe++
				if r := w.do(anonymous, "GET", "/api/v1/unsubscribe?"+u.RawQuery, nil); r.Code != http.StatusSeeOther {
					t.Errorf("the unsubscribe link %s answers %d", l, r.Code)
				}
			default:
				t.Errorf("a link to a screen the digest should not name: %s", l)
			}
		}
		if views == 0 || unsubscribe != 1 {
			t.Errorf("the digest has %d school views and %d unsubscribe links:\n%s", views, unsubscribe, m.Body)
		}
	})
}
