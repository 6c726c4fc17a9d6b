package mail_test

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/jobs"
	"github.com/walkthrough-edu/walkthrough/server/internal/mail"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// switchSender sends through whichever sender it holds now.
type switchSender struct{ cur atomic.Pointer[mail.Sender] }

func (s *switchSender) set(to mail.Sender) { s.cur.Store(&to) }
func (s *switchSender) Send(ctx context.Context, m store.Message) (string, error) {
	return (*s.cur.Load()).Send(ctx, m)
}

// closedPort is an address on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// jobOf finds a message's job in the district's jobs as its administrator
// reads them.
func jobOf(t *testing.T, svc *mail.Service, district, id string) (mail.Job, int) {
	t.Helper()
	js, err := svc.Jobs(context.Background(), auth.SystemPrincipal(district))
	if err != nil {
		t.Fatal(err)
	}
	for i, j := range js {
		if j.Message.ID == id {
			return j, i
		}
	}
	t.Fatalf("message %s is not among the district's jobs", id)
	return mail.Job{}, 0
}

// TestAFailedMessageIsShownWithItsReasonAndRetried sends a message through
// a mail server that is not there, on the queue's workers (both
// databases): the district's administrator sees it first among the jobs,
// retrying, with the reason in plain words. The mail server comes back;
// the administrator's retry sends it at once, long before River's backoff
// would. Nobody else may list or retry it.
func TestAFailedMessageIsShownWithItsReasonAndRetried(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s, db, district := openDatabase(t, dialect)
			in := startInbox(t)
			good, err := mail.SenderFor(in.url())
			if err != nil {
				t.Fatal(err)
			}
			down, err := mail.SenderFor("smtp://" + closedPort(t) + "?from=walkthrough@example.org&tls=none")
			if err != nil {
				t.Fatal(err)
			}
			sender := &switchSender{}
			sender.set(down)
			srv := startServer(t, s, db, sender)
			defer srv.queue.Stop(context.Background())
			ctx := context.Background()
			addUsers(t, s, district, "principal@example.org", "coach@example.org")
			sent := reminder(district, "coach@example.org", domain.NewID())
			if _, err := srv.mail.Queue(ctx, reminder(district, "principal@example.org", domain.NewID())); err != nil {
				t.Fatal(err)
			}
			if _, err := srv.mail.Queue(ctx, sent); err != nil {
				t.Fatal(err)
			}
			ms, err := s.Messages(ctx, district, "", 10)
			if err != nil {
				t.Fatal(err)
			}
			id := ms[0].ID
			if ms[0].Recipient != "principal@example.org" {
				id = ms[1].ID
			}
			waitFor(t, "two failed attempts", func() bool {
				j, _ := jobOf(t, srv.mail, district, id)
				return j.Message.Attempts >= 2 && j.Message.LastError != ""
			})
			j, place := jobOf(t, srv.mail, district, id)
			if j.State != mail.JobRetrying || place > 1 || j.MaxAttempts != 12 {
				t.Errorf("the failed message is %s at place %d of %d attempts, want retrying among the first", j.State, place, j.MaxAttempts)
			}
			if !strings.Contains(j.Message.LastError, "refused the connection") || strings.Contains(j.Message.LastError, "dial tcp") {
				t.Errorf("the reason is %q, want plain words about the refused connection", j.Message.LastError)
			}

			coach := auth.Principal{User: domain.User{ID: domain.NewID(), DistrictID: district, Active: true,
				Grants: []domain.RoleGrant{{Role: domain.RoleCoach, SchoolID: domain.NewID()}}}}
			if _, err := srv.mail.Jobs(ctx, coach); domain.ErrorCode(err) != domain.EForbidden {
				t.Errorf("a coach lists the jobs: %v", err)
			}
			if _, err := srv.mail.RetryJob(ctx, coach, id); domain.ErrorCode(err) != domain.EForbidden {
				t.Errorf("a coach retries a job: %v", err)
			}
			_, err = srv.mail.RetryJob(ctx, auth.SystemPrincipal(domain.NewID()), id)
			if domain.ErrorCode(err) != domain.ENotFound {
				t.Errorf("another district's administrator retries the job: %v", err)
			}
			for _, secret := range []string{"principal@example.org", "Follow-up", "refused", id} {
				if err != nil && strings.Contains(err.Error(), secret) {
					t.Errorf("the refusal %q tells %q of the job", err, secret)
				}
			}

			sender.set(good)
			retried := time.Now()
			j, err = srv.mail.RetryJob(ctx, auth.SystemPrincipal(district), id)
			if err != nil {
				t.Fatal(err)
			}
			if j.State != mail.JobQueued || j.Message.Attempts != 0 {
				t.Errorf("after the retry the job is %s with %d attempts, want queued with none", j.State, j.Message.Attempts)
			}
			waitFor(t, "the retried message", func() bool {
				for _, m := range in.messages() {
					if strings.Join(m.To, ",") == "principal@example.org" {
						return true
					}
				}
				return false
			})
			if took := time.Since(retried); took > 8*time.Second {
				t.Errorf("the retried message took %s, as if it waited for its backoff", took)
			}
			// The worker records the message sent once the mail server has
			// taken it, a moment after it arrives there.
			waitFor(t, "the retried message recorded sent", func() bool {
				j, _ := jobOf(t, srv.mail, district, id)
				return j.State == mail.JobSent
			})
			if j, _ := jobOf(t, srv.mail, district, id); j.Message.LastError != "" {
				t.Errorf("after sending the job keeps the reason %q", j.Message.LastError)
			}
			if _, err := srv.mail.RetryJob(ctx, auth.SystemPrincipal(district), id); domain.ErrorCode(err) != domain.EConflict {
				t.Errorf("retrying a sent message: %v, want a conflict", err)
			}
		})
	}
}

// unsent reads walkthrough_messages_unsent from a registry, by state.
func unsent(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "walkthrough_messages_unsent" {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
	}
	return out
}

// TestOnTheEmbeddedDatabaseAMessageThatFailedEveryAttemptIsRetried runs
// the sending job as on `make run`: a message refused twelve times is
// failed and tried no more, until the administrator retries it. /metrics
// counts it retrying, then failed, then queued, then no more.
func TestOnTheEmbeddedDatabaseAMessageThatFailedEveryAttemptIsRetried(t *testing.T) {
	s, db, district := openDatabase(t, store.SQLite)
	in := startInbox(t)
	good, err := mail.SenderFor(in.url())
	if err != nil {
		t.Fatal(err)
	}
	flaky := &failingSender{next: good, fail: 1000}
	svc := mail.NewService(s, flaky, nil)
	now := time.Now()
	job := svc.SendingJob(func() time.Time { return now })
	q, err := jobs.Open(context.Background(), db, jobs.Options{Work: false, Register: svc.Register})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())
	svc.SetQueue(q)
	reg := prometheus.NewRegistry()
	reg.MustRegister(svc.Collector())
	addUsers(t, s, district, "principal@example.org")
	ctx := context.Background()
	if _, err := svc.Queue(ctx, reminder(district, "principal@example.org", domain.NewID())); err != nil {
		t.Fatal(err)
	}
	if got := unsent(t, reg); got["queued"] != 1 || got["retrying"] != 0 || got["failed"] != 0 {
		t.Errorf("a new message is counted %v, want queued", got)
	}
	_ = job.Run(ctx)
	if got := unsent(t, reg); got["queued"] != 0 || got["retrying"] != 1 {
		t.Errorf("a refused message is counted %v, want retrying", got)
	}
	for range 14 {
		_ = job.Run(ctx)
		now = now.Add(time.Hour)
	}
	ms, err := s.Messages(ctx, district, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := jobOf(t, svc, district, ms[0].ID)
	if j.State != mail.JobFailed || j.Message.Attempts != 12 || !strings.Contains(j.Message.LastError, "451 try again later") {
		t.Fatalf("after every attempt the job is %s, %d attempts, %q: want failed after 12 with the server's answer", j.State, j.Message.Attempts, j.Message.LastError)
	}
	flaky.mu.Lock()
	flaky.fail = 0
	flaky.mu.Unlock()
	if err := job.Run(ctx); err != nil || len(in.messages()) != 0 {
		t.Fatalf("a failed message was tried again without a retry: %v, %d sent", err, len(in.messages()))
	}
	if got := unsent(t, reg); got["failed"] != 1 || got["retrying"] != 0 {
		t.Errorf("a message that failed every attempt is counted %v, want failed", got)
	}
	if _, err := svc.RetryJob(ctx, auth.SystemPrincipal(district), ms[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := unsent(t, reg); got["queued"] != 1 || got["failed"] != 0 {
		t.Errorf("a retried message is counted %v, want queued", got)
	}
	if err := job.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := unsent(t, reg); got["queued"]+got["retrying"]+got["failed"] != 0 {
		t.Errorf("a sent message is still counted %v", got)
	}
	if n := len(in.messages()); n != 1 {
		t.Errorf("after the retry the inbox holds %d messages, want 1", n)
	}
}
