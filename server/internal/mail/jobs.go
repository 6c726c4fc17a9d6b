package mail

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// States of a message's job, as administrators read them.
const (
	JobQueued   = "queued"   // waiting for its first attempt, or retried
	JobRetrying = "retrying" // an attempt failed; it is tried again later
	JobFailed   = "failed"   // every attempt failed; only a retry sends it
	JobSent     = "sent"
)

// jobsShown is how many of a district's jobs the Jobs screen lists.
const jobsShown = 200

// Job is a message's job: the district's own background work, which its
// administrators see and retry. The server's periodic work (folding,
// compaction, deciding reminders) belongs to no district and is not here:
// operators follow it in /metrics.
type Job struct {
	Message     store.Message
	State       string
	MaxAttempts int
}

func jobOf(m store.Message) Job {
	j := Job{Message: m, State: JobQueued, MaxAttempts: sendAttempts}
	switch {
	case m.State == "sent":
		j.State = JobSent
	case m.LastError != "" && m.Attempts >= sendAttempts:
		j.State = JobFailed
	case m.LastError != "":
		j.State = JobRetrying
	}
	return j
}

// Jobs lists the district's message jobs for its administrators: those
// that failed and are not sent first, then the newest.
func (s *Service) Jobs(ctx context.Context, p auth.Principal) ([]Job, error) {
	if err := p.RequireAdmin(); err != nil {
		return nil, err
	}
	ms, err := s.store.FailedMessagesFirst(ctx, p.DistrictID(), jobsShown)
	if err != nil {
		return nil, err
	}
	out := make([]Job, len(ms))
	for i, m := range ms {
		out[i] = jobOf(m)
	}
	return out, nil
}

// retrier makes a job due again at once: the queue.
type retrier interface {
	Retry(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// RetryJob sends a message of the caller's district that failed again, at
// once and with all its attempts: for administrators only; another
// district's message is not found, one that has not failed is a conflict.
func (s *Service) RetryJob(ctx context.Context, p auth.Principal, id string) (Job, error) {
	if err := p.RequireAdmin(); err != nil {
		return Job{}, err
	}
	m, err := s.store.RetryMessage(ctx, p.DistrictID(), id)
	if err != nil {
		return Job{}, err
	}
	if !s.swept {
		r, ok := s.queue.(retrier)
		if !ok {
			return Job{}, errors.New("mail: the queue cannot retry jobs")
		}
		if err := r.Retry(ctx, SendArgs{MessageID: m.ID, DistrictID: m.DistrictID}, sendOpts()); err != nil {
			return Job{}, err
		}
	}
	return jobOf(m), nil
}

// reason says in plain words why a send failed, for administrators.
func reason(err error) string {
	var dns *net.DNSError
	var nerr net.Error
	msg := err.Error()
	switch {
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(msg, "connection refused"):
		return "The mail server refused the connection: nothing answers at the address and port of WALKTHROUGH_SMTP_URL."
	case errors.As(err, &dns):
		return "The mail server's name was not found: check the host of WALKTHROUGH_SMTP_URL."
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &nerr) && nerr.Timeout()):
		return "The mail server did not answer in time."
	case errors.Is(err, context.Canceled):
		return "The server stopped while sending; it is tried again."
	case strings.Contains(msg, "recipient"):
		return "The mail server refused the address: " + clip(msg, 200)
	case strings.Contains(strings.ToLower(msg), "auth"):
		return "The mail server refused the sign-in: check the user name and password of WALKTHROUGH_SMTP_URL."
	}
	return "The mail server answered: " + clip(msg, 200)
}

var messagesDesc = prometheus.NewDesc("walkthrough_messages_unsent",
	"Messages not sent yet, all districts: queued (waiting for an attempt), retrying (an attempt failed), failed (every attempt failed; an administrator may retry).",
	[]string{"state"}, nil)

// Collector reports, at each scrape, how many messages wait in each state:
// on the embedded database, where messages are not River jobs, this is
// how their failures reach /metrics.
func (s *Service) Collector() prometheus.Collector { return messageCollector{s} }

type messageCollector struct{ s *Service }

func (c messageCollector) Describe(ch chan<- *prometheus.Desc) { ch <- messagesDesc }

func (c messageCollector) Collect(ch chan<- prometheus.Metric) {
	// A scrape never waits long on the database.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	counts, err := c.s.store.UnsentMessageStates(ctx, sendAttempts)
	if err != nil {
		c.s.log.Warn("counting messages for metrics", "err", err)
		return
	}
	for _, st := range []string{JobQueued, JobRetrying, JobFailed} {
		ch <- prometheus.MustNewConstMetric(messagesDesc, prometheus.GaugeValue, float64(counts[st]), st)
	}
}
