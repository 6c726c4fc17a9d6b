// Package mail sends the server's e-mail: each message is recorded once in
// the database under its key (kind, recipient, subject record, day) and
// sent by a job on the queue, through SMTP when WALKTHROUGH_SMTP_URL is
// set and otherwise into the development mailbox that district
// administrators read in the app.
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	gomail "github.com/wneessen/go-mail"

	"github.com/walkthrough-edu/walkthrough/server/internal/jobs"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
)

// Transports.
const (
	SMTP    = "smtp"
	Mailbox = "mailbox"
)

// Sender delivers one message and names its transport.
type Sender interface {
	Send(ctx context.Context, m store.Message) (transport string, err error)
}

// SenderFor is the sender that smtpURL configures: SMTP for
// smtp://user:pass@host:port?from=…&tls=opportunistic|mandatory|none (or
// smtps:// for TLS from the start), the development mailbox when empty.
func SenderFor(smtpURL string) (Sender, error) {
	if smtpURL == "" {
		return mailbox{}, nil
	}
	u, err := url.Parse(smtpURL)
	if err != nil {
		return nil, fmt.Errorf("mail: WALKTHROUGH_SMTP_URL: %w", err)
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return nil, fmt.Errorf("mail: WALKTHROUGH_SMTP_URL must be smtp:// or smtps://, not %s://", u.Scheme)
	}
	from := u.Query().Get("from")
	if from == "" {
		return nil, errors.New("mail: WALKTHROUGH_SMTP_URL needs ?from=address")
	}
	port := 25
	if u.Scheme == "smtps" {
		port = 465
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("mail: WALKTHROUGH_SMTP_URL port: %w", err)
		}
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(30 * time.Second)}
	switch strings.ToLower(u.Query().Get("tls")) {
	case "none":
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.NoTLS))
	case "mandatory":
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSOpportunistic))
	}
	opts = append(opts, gomail.WithPort(port))
	if u.Scheme == "smtps" {
		opts = append(opts, gomail.WithSSL())
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return &smtpSender{host: u.Hostname(), from: from, opts: opts}, nil
}

type mailbox struct{}

// Send keeps the message in the database (it is there already): the
// development mailbox is the messages sent through it.
func (mailbox) Send(context.Context, store.Message) (string, error) { return Mailbox, nil }

type smtpSender struct {
	host string
	from string
	opts []gomail.Option
}

func (s *smtpSender) Send(ctx context.Context, m store.Message) (string, error) {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return "", err
	}
	if err := msg.To(m.Recipient); err != nil {
		return "", river.JobCancel(fmt.Errorf("recipient: %w", err))
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.ID + "@walkthrough")
	msg.SetDate()
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return "", err
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return "", err
	}
	return SMTP, nil
}

// SendArgs is the job that sends one recorded message.
type SendArgs struct {
	MessageID  string `json:"message_id"`
	DistrictID string `json:"district_id"`
}

// Kind is the job kind that sends messages.
func (SendArgs) Kind() string { return "send_message" }

// Inserter enqueues jobs: the queue.
type Inserter interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// Service records messages and has them sent.
type Service struct {
	store  *store.Store
	queue  Inserter
	sender Sender
	trends *trends.Service
	log    *slog.Logger
	// baseURL is the app's public address, which links point into.
	baseURL string
	// swept is set when SendingJob sends the recorded messages (the
	// embedded SQLite file): nothing goes to the queue then.
	swept bool
}

// NewService returns the mail service. Call SetQueue before Queue.
func NewService(s *store.Store, sender Sender, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: s, sender: sender, trends: trends.NewService(s), log: log}
}

// SetQueue names the queue the service's send jobs go to (the queue is
// made after the workers it runs, which include this service's).
func (s *Service) SetQueue(q Inserter) { s.queue = q }

// SetBaseURL names the app's public address, which messages link into.
func (s *Service) SetBaseURL(u string) { s.baseURL = strings.TrimRight(u, "/") }

// Queue records m unless a message of its key exists, and enqueues its
// sending; it answers whether m was new. Queueing an existing message
// again enqueues nothing twice: the send job is unique per message. A
// message of a kind its recipient turned off is not recorded (false); the
// others carry a one-click unsubscribe link for their kind.
func (s *Service) Queue(ctx context.Context, m store.Message) (bool, error) {
	if send, err := s.withPreferences(ctx, &m); err != nil || !send {
		return false, err
	}
	id, created, err := s.store.QueueMessage(ctx, m)
	if err != nil {
		return false, err
	}
	if err := s.enqueue(ctx, id, m.DistrictID); err != nil {
		return created, err
	}
	return created, nil
}

func (s *Service) enqueue(ctx context.Context, id, district string) error {
	if s.swept {
		return nil
	}
	if s.queue == nil {
		return errors.New("mail: no queue")
	}
	return s.queue.Insert(ctx, SendArgs{MessageID: id, DistrictID: district}, sendOpts())
}

// sendOpts are a send job's: as many attempts as the sending job makes,
// one job per message.
func sendOpts() *river.InsertOpts {
	return &river.InsertOpts{MaxAttempts: sendAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// claimStale is how long a claim stands: a sender that died mid-send
// (killed, not cancelled) leaves its claim, which a retry may take over
// after this long. Longer than a send job may run.
const claimStale = 10 * time.Minute

// sendTimeout is how long one send may take.
const sendTimeout = 2 * time.Minute

// Register adds the service's workers to a queue's workers.
func (s *Service) Register(w *river.Workers) {
	river.AddWorker(w, &sendWorker{svc: s})
}

type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	svc *Service
}

func (w *sendWorker) Timeout(*river.Job[SendArgs]) time.Duration { return sendTimeout }

// Work sends the job's message.
func (w *sendWorker) Work(ctx context.Context, j *river.Job[SendArgs]) error {
	return w.svc.send(ctx, j.Args.MessageID)
}

// send claims the message (a message sent or being sent elsewhere is left
// alone), sends it and records it sent. A send that fails gives the claim
// back, to be tried again later.
func (s *Service) send(ctx context.Context, id string) error {
	m, mine, err := s.store.ClaimMessage(ctx, id, claimStale)
	if err != nil {
		return err
	}
	if !mine {
		return nil
	}
	transport, err := s.sender.Send(ctx, m)
	if err != nil {
		if rerr := s.store.ReleaseMessage(context.WithoutCancel(ctx), m.ID, reason(err)); rerr != nil {
			s.log.Error("giving back a message that was not sent", "message", m.ID, "err", rerr)
		}
		return fmt.Errorf("send %s message: %w", m.Kind, err)
	}
	// The message is out: record it whatever happens to this job's context.
	return s.store.MessageSent(context.WithoutCancel(ctx), m.ID, transport)
}

// SendEvery is how often SendingJob looks for messages to send.
const SendEvery = 2 * time.Second

// sendAttempts is how many times a message is tried, as the queue's send
// job is (MaxAttempts).
const sendAttempts = 12

// SendingJob is the periodic job that sends recorded messages where the
// queue's workers do not run (the embedded SQLite file, one server): every
// SendEvery it sends, through the store's own connection, each message
// still queued whose next try is due. A message that failed n times is
// tried again n² × 10 s after it was recorded, at most sendAttempts times.
// Once it is asked for, Queue no longer enqueues send jobs.
func (s *Service) SendingJob(now func() time.Time) jobs.Periodic {
	s.swept = true
	return jobs.Periodic{Name: "send-messages", Every: SendEvery, Timeout: time.Minute, Run: func(ctx context.Context) error {
		t := now()
		ms, err := s.store.UnsentMessages(ctx, t.Add(time.Second), 100)
		if err != nil {
			return err
		}
		var errs []error
		for _, m := range ms {
			if !sendDue(m, t) {
				continue
			}
			sctx, cancel := context.WithTimeout(ctx, sendTimeout)
			err := s.send(sctx, m.ID)
			cancel()
			if err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}}
}

// sendDue tells whether the sweep should try m at now.
func sendDue(m store.Message, now time.Time) bool {
	if m.Attempts == 0 {
		return true
	}
	if m.Attempts >= sendAttempts {
		return false
	}
	wait := time.Duration(m.Attempts*m.Attempts) * 10 * time.Second
	return !now.Before(m.CreatedAt.Add(wait))
}
