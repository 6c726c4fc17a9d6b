package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/mail"
)

// jobResponse is one of the district's jobs: a message to send.
type jobResponse struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	MessageKind string     `json:"message_kind"`
	To          string     `json:"to"`
	Subject     string     `json:"subject"`
	State       string     `json:"state"`
	Attempts    int        `json:"attempts"`
	MaxAttempts int        `json:"max_attempts"`
	LastError   string     `json:"last_error,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	FailedAt    *time.Time `json:"failed_at,omitempty"`
	SentAt      *time.Time `json:"sent_at,omitempty"`
}

func toJob(j mail.Job) jobResponse {
	m := j.Message
	utc := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := t.UTC()
		return &u
	}
	return jobResponse{ID: m.ID, Kind: mail.SendArgs{}.Kind(), MessageKind: m.Kind, To: m.Recipient, Subject: m.Subject, State: j.State,
		Attempts: m.Attempts, MaxAttempts: j.MaxAttempts, LastError: m.LastError, CreatedAt: m.CreatedAt.UTC(),
		FailedAt: utc(m.FailedAt), SentAt: utc(m.SentAt)}
}

// listJobs answers GET /jobs: the district's message jobs, those that
// failed first.
func (s *Server) listJobs(c *gin.Context) {
	q := newQuery(c)
	pg := q.page("jobs", keyOffset)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	js, err := s.mail.Jobs(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, slicePage(pg, js, toJob))
}

// retryJob answers POST /jobs/:id/retry: a failed message is sent again.
func (s *Server) retryJob(c *gin.Context) {
	j, err := s.mail.RetryJob(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toJob(j))
}
