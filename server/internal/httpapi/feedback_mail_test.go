package httpapi

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/mail"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// heldQueue takes the send jobs and sends nothing: what the test reads is
// the messages the server recorded.
type heldQueue struct{}

func (heldQueue) Insert(context.Context, river.JobArgs, *river.InsertOpts) error { return nil }

// feedbackMessages are the "feedback is waiting" messages recorded for the
// district after the reminders are decided at now.
func (w *world) feedbackMessages(svc *mail.Service, now time.Time) []store.Message {
	w.t.Helper()
	if _, err := svc.QueueReminders(context.Background(), "https://walkthrough.example", now); err != nil {
		w.t.Fatal(err)
	}
	all, err := w.store.Messages(context.Background(), w.districtA, "", 1000)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []store.Message
	for _, m := range all {
		if m.Kind == mail.FeedbackShared {
			out = append(out, m)
		}
	}
	return out
}

// A teacher hears by e-mail, once, that feedback is waiting, when a device
// shares an observation through sync: nothing while it is unshared or where
// the district never shares the kind, and nothing more when it is shared
// again (on a later day too) or the reminders are decided again.
func TestTheTeacherIsToldOnceThatFeedbackIsWaiting(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		svc := mail.NewService(w.store, nil, nil)
		svc.SetQueue(heldQueue{})
		d, err := w.store.District(ctx, w.districtA)
		if err != nil {
			t.Fatal(err)
		}
		// A school day in the district's zone, after the share.
		now := time.Now().In(d.Location()).Add(time.Hour)
		for !d.Settings.IsSchoolDay(now) {
			now = now.AddDate(0, 0, 1)
		}
		keys := domain.BuiltinFramework().IndicatorKeys()

		// Where the district never shares classroom walkthroughs, nothing
		// is shared and nothing is sent.
		w.setSharing("classroom", "never")
		never := domain.NewID()
		w.push(coach, domain.NewID(), w.obsChange(never, 0, 3, 2))
		if _, res := w.push(coach, domain.NewID(), feedbackChange(domain.NewID(), never, 0, sync.FeedbackData{Shared: true, IndicatorKeys: keys[:1]})); status(res) != sync.StatusForbidden {
			t.Fatalf("a share where the district never shares: %+v", res)
		}
		if got := w.feedbackMessages(svc, now); len(got) != 0 {
			t.Fatalf("messages where the district never shares: %+v", got)
		}

		// Feedback written but not shared: nothing.
		w.setSharing("classroom", "chosen")
		obs, fb := domain.NewID(), domain.NewID()
		w.push(coach, domain.NewID(), w.obsChange(obs, 0, 3, 2))
		draft := sync.FeedbackData{Shared: false, IndicatorKeys: keys[:2], ShareEvidence: true, Strength: "Clear goal"}
		if _, res := w.push(coach, domain.NewID(), feedbackChange(fb, obs, 0, draft)); status(res) != sync.StatusApplied {
			t.Fatalf("unshared feedback: %+v", res)
		}
		if got := w.feedbackMessages(svc, now); len(got) != 0 {
			t.Fatalf("messages for unshared feedback: %+v", got)
		}

		// Shared: exactly one message, to the teacher, linking to it.
		shared := draft
		shared.Shared = true
		if _, res := w.push(coach, domain.NewID(), feedbackChange(fb, obs, 1, shared)); status(res) != sync.StatusApplied {
			t.Fatalf("share: %+v", res)
		}
		// As if it was shared two days ago.
		twoDaysAgo := time.Now().UTC().AddDate(0, 0, -2)
		q := "UPDATE feedback SET shared_at = ? WHERE id = ?"
		if w.store.Dialect() == store.Postgres {
			q = "UPDATE feedback SET shared_at = $1 WHERE id = $2"
		}
		if _, err := w.store.SQL().ExecContext(ctx, q, twoDaysAgo, fb); err != nil {
			t.Fatal(err)
		}
		got := w.feedbackMessages(svc, now)
		if len(got) != 1 || got[0].Recipient != w.users[teacher].Email || got[0].SubjectID != fb ||
			!strings.Contains(got[0].Body, "https://walkthrough.example/feedback/"+fb) {
			t.Fatalf("after the share: %+v", got)
		}
		if got := w.feedbackMessages(svc, now); len(got) != 1 {
			t.Fatalf("deciding again: %d messages", len(got))
		}

		// Unshared and shared again today: the teacher is not told twice.
		if _, res := w.push(coach, domain.NewID(), feedbackChange(fb, obs, 2, draft)); status(res) != sync.StatusApplied {
			t.Fatalf("unshare: %+v", res)
		}
		if _, res := w.push(coach, domain.NewID(), feedbackChange(fb, obs, 3, shared)); status(res) != sync.StatusApplied {
			t.Fatalf("share again: %+v", res)
		}
		if got := w.feedbackMessages(svc, now); len(got) != 1 {
			t.Fatalf("after sharing again: %d messages: %+v", len(got), got)
		}
	})
}
