package mail_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/jobs"
	"github.com/walkthrough-edu/walkthrough/server/internal/mail"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// inbox is an SMTP server inside the test that keeps what it receives.
type inbox struct {
	mu   gosync.Mutex
	got  []received
	addr string
}

type received struct {
	To   []string
	Data string
}

func startInbox(t *testing.T) *inbox {
	t.Helper()
	in := &inbox{}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{in: in}, nil }))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in.addr = ln.Addr().String()
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return in
}

func (in *inbox) messages() []received {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]received(nil), in.got...)
}

func (in *inbox) url() string {
	return "smtp://" + in.addr + "?from=walkthrough@example.org&tls=none"
}

type session struct {
	in *inbox
	to []string
}

func (s *session) Reset()                                    { s.to = nil }
func (s *session) Logout() error                             { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.in.mu.Lock()
	s.in.got = append(s.in.got, received{To: s.to, Data: string(b)})
	s.in.mu.Unlock()
	return nil
}

// server is one app instance's mail: its own queue (River client) and
// mail service on the shared database.
type server struct {
	mail  *mail.Service
	queue *jobs.Queue
}

func startServer(t *testing.T, s *store.Store, db jobs.Database, sender mail.Sender) *server {
	t.Helper()
	svc := mail.NewService(s, sender, nil)
	svc.SetBaseURL("https://walkthrough.example")
	q, err := jobs.Open(context.Background(), db, jobs.Options{Work: true, Register: svc.Register, PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc.SetQueue(q)
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &server{mail: svc, queue: q}
}

func openDatabase(t *testing.T, dialect string) (*store.Store, jobs.Database, string) {
	t.Helper()
	url, path := testdb.NewDatabase(t, dialect)
	s := testdb.OpenExisting(t, url, path, nil)
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db := jobs.Database{DatabaseURL: url, SQLitePath: path}
	if err := jobs.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	district := domain.NewID()
	q := "INSERT INTO districts (id, name, time_zone, created_at, updated_at) VALUES (?, 'Test', 'America/Chicago', ?, ?)"
	if dialect == store.Postgres {
		q = "INSERT INTO districts (id, name, time_zone, created_at, updated_at) VALUES ($1, 'Test', 'America/Chicago', $2, $3)"
	}
	now := time.Now().UTC()
	if _, err := s.SQL().ExecContext(ctx, q, district, now, now); err != nil {
		t.Fatal(err)
	}
	return s, db, district
}

func reminder(district, to, followUp string) store.Message {
	return store.Message{DistrictID: district, Kind: "follow_up_day_before", Recipient: to, SubjectID: followUp, Day: "2026-12-07",
		Subject: "Follow-up tomorrow", Body: "You are invited to a follow-up tomorrow."}
}

// addUsers makes a user of the district for each address and answers
// their ids: messages go to people who sign in.
func addUsers(t *testing.T, s *store.Store, district string, emails ...string) []string {
	t.Helper()
	var ids []string
	for _, e := range emails {
		id := domain.NewID()
		now := time.Now().UTC()
		exec(t, s, "INSERT INTO users (id, district_id, email, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)", id, district, e, "Person "+e, now, now)
		ids = append(ids, id)
	}
	return ids
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTwoServersSendEachReminderOnce has two servers, each with its own
// queue, decide the same follow-up reminders at the same moment, as two
// replicas would: every observer receives exactly one message, with the
// one-click unsubscribe headers.
func TestTwoServersSendEachReminderOnce(t *testing.T) {
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
			followUp := domain.NewID()
			observers := []string{"principal@example.org", "coach@example.org", "observer@example.org"}
			addUsers(t, s, district, observers...)
			var wg gosync.WaitGroup
			errs := make(chan error, 2*len(observers))
			for _, srv := range []*server{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for _, o := range observers {
						if _, err := srv.mail.Queue(context.Background(), reminder(district, o, followUp)); err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			waitFor(t, "three messages", func() bool { return len(in.messages()) >= 3 })
			time.Sleep(1500 * time.Millisecond) // room for a second copy to arrive, if one were sent
			got := in.messages()
			per := map[string]int{}
			for _, m := range got {
				per[strings.Join(m.To, ",")]++
				unfolded := strings.ReplaceAll(m.Data, "\r\n ", " ")
				if !strings.Contains(unfolded, "List-Unsubscribe-Post: List-Unsubscribe=One-Click") || !strings.Contains(unfolded, "List-Unsubscribe: <https://") {
					t.Errorf("a reminder without the one-click unsubscribe headers:\n%s", m.Data)
				}
			}
			for _, o := range observers {
				if per[o] != 1 {
					t.Errorf("%s received %d reminders, want 1 (all: %v)", o, per[o], per)
				}
			}
			if len(got) != len(observers) {
				t.Errorf("the inbox received %d messages, want %d", len(got), len(observers))
			}
		})
	}
}

// blockingSender blocks its first send until its context ends (a server
// stopped mid-send), and sends the others through next.
type blockingSender struct {
	next    mail.Sender
	started chan struct{}
	once    gosync.Once
}

func (b *blockingSender) Send(ctx context.Context, m store.Message) (string, error) {
	first := false
	b.once.Do(func() { first = true })
	if first {
		close(b.started)
		<-ctx.Done()
		return "", fmt.Errorf("stopped mid-send: %w", ctx.Err())
	}
	return b.next.Send(ctx, m)
}

// TestServerKilledMidSendLosesNothingAndSendsOnce stops a server while it
// is sending a message (its jobs cancelled): another server sends it,
// once, and the message is recorded sent.
func TestServerKilledMidSendLosesNothingAndSendsOnce(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s, db, district := openDatabase(t, dialect)
			in := startInbox(t)
			smtpSender, err := mail.SenderFor(in.url())
			if err != nil {
				t.Fatal(err)
			}
			blocking := &blockingSender{next: smtpSender, started: make(chan struct{})}
			a := startServer(t, s, db, blocking)
			addUsers(t, s, district, "principal@example.org")
			if _, err := a.mail.Queue(context.Background(), reminder(district, "principal@example.org", domain.NewID())); err != nil {
				t.Fatal(err)
			}
			select {
			case <-blocking.started:
			case <-time.After(30 * time.Second):
				t.Fatal("the first server never began sending")
			}
			kctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := a.queue.Kill(kctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				t.Logf("stopping the first server: %v", err)
			}
			if n := len(in.messages()); n != 0 {
				t.Fatalf("the inbox received %d messages from a send that was stopped", n)
			}
			b := startServer(t, s, db, smtpSender)
			defer b.queue.Stop(context.Background())
			waitFor(t, "the message from the second server", func() bool { return len(in.messages()) >= 1 })
			time.Sleep(1500 * time.Millisecond)
			if n := len(in.messages()); n != 1 {
				t.Fatalf("the inbox received %d messages, want 1", n)
			}
			waitFor(t, "the message recorded sent", func() bool {
				ms, err := s.Messages(context.Background(), district, "", 10)
				return err == nil && len(ms) == 1 && ms[0].State == "sent" && ms[0].Transport == mail.SMTP
			})
		})
	}
}

// TestWithoutSMTPMessagesGoToTheMailbox sends with no SMTP server
// configured: the message is in the district's development mailbox.
func TestWithoutSMTPMessagesGoToTheMailbox(t *testing.T) {
	s, db, district := openDatabase(t, store.SQLite)
	sender, err := mail.SenderFor("")
	if err != nil {
		t.Fatal(err)
	}
	a := startServer(t, s, db, sender)
	defer a.queue.Stop(context.Background())
	addUsers(t, s, district, "principal@example.org")
	if _, err := a.mail.Queue(context.Background(), reminder(district, "principal@example.org", domain.NewID())); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the message in the mailbox", func() bool {
		ms, err := s.Messages(context.Background(), district, mail.Mailbox, 10)
		return err == nil && len(ms) == 1 && ms[0].Subject == "Follow-up tomorrow"
	})
}

// TestOnTheEmbeddedDatabaseTheSendingJobSendsMessages runs the server's
// sending as on `make run`: no queue workers, the periodic sending job on
// the store. A message goes out once; one the mail server refused is tried
// again later, not at once.
func TestOnTheEmbeddedDatabaseTheSendingJobSendsMessages(t *testing.T) {
	s, db, district := openDatabase(t, store.SQLite)
	in := startInbox(t)
	smtpSender, err := mail.SenderFor(in.url())
	if err != nil {
		t.Fatal(err)
	}
	flaky := &failingSender{next: smtpSender, fail: 1}
	svc := mail.NewService(s, flaky, nil)
	svc.SetBaseURL("https://walkthrough.example")
	now := time.Now()
	job := svc.SendingJob(func() time.Time { return now })
	q, err := jobs.Open(context.Background(), db, jobs.Options{Work: false, Register: svc.Register})
	if err != nil {
		t.Fatal(err)
	}
	svc.SetQueue(q)
	addUsers(t, s, district, "principal@example.org", "coach@example.org")
	ctx := context.Background()
	for _, to := range []string{"principal@example.org", "coach@example.org"} {
		if _, err := svc.Queue(ctx, reminder(district, to, domain.NewID())); err != nil {
			t.Fatal(err)
		}
	}
	if err := job.Run(ctx); err == nil {
		t.Fatal("the refused send was not reported")
	}
	if got := in.messages(); len(got) != 1 {
		t.Fatalf("after the first run the inbox holds %d messages, want 1", len(got))
	}
	// Run again at once: the refused message waits its turn.
	if err := job.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := in.messages(); len(got) != 1 {
		t.Fatalf("a refused message was tried again at once: %d messages", len(got))
	}
	now = now.Add(15 * time.Second)
	if err := job.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := in.messages(); len(got) != 2 {
		t.Fatalf("after the retry the inbox holds %d messages, want 2", len(got))
	}
	ms, err := s.Messages(ctx, district, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.State != "sent" || m.Transport != mail.SMTP {
			t.Errorf("message to %s is %s/%s, want sent through SMTP", m.Recipient, m.State, m.Transport)
		}
	}
	// No send jobs were left in the queue to be worked by nobody.
	recent, err := q.Recent(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 0 {
		t.Errorf("the queue holds %d jobs, want none", len(recent))
	}
}

// failingSender refuses its first fail sends, then sends through next.
type failingSender struct {
	next mail.Sender
	fail int
	mu   gosync.Mutex
}

func (f *failingSender) Send(ctx context.Context, m store.Message) (string, error) {
	f.mu.Lock()
	refuse := f.fail > 0
	f.fail--
	f.mu.Unlock()
	if refuse {
		return "", errors.New("451 try again later")
	}
	return f.next.Send(ctx, m)
}
