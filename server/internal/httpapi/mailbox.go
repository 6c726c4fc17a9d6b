package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

type mailboxMessageResponse struct {
	ID      string     `json:"id"`
	Kind    string     `json:"kind"`
	To      string     `json:"to"`
	Subject string     `json:"subject"`
	Body    string     `json:"body,omitempty"`
	SentAt  *time.Time `json:"sent_at,omitempty"`
}

func toMailboxMessage(m store.Message, withBody bool) mailboxMessageResponse {
	r := mailboxMessageResponse{ID: m.ID, Kind: m.Kind, To: m.Recipient, Subject: m.Subject, SentAt: m.SentAt}
	if r.SentAt != nil {
		t := r.SentAt.UTC()
		r.SentAt = &t
	}
	if withBody {
		r.Body = m.Body
	}
	return r
}

// listMailbox answers GET /mailbox: the district's messages that went to
// the development mailbox (no mail server set), newest first.
func (s *Server) listMailbox(c *gin.Context) {
	q := newQuery(c)
	pg := q.page("mailbox", keyOffset)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	ms, err := s.mail.Mailbox(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, slicePage(pg, ms, func(m store.Message) mailboxMessageResponse { return toMailboxMessage(m, false) }))
}

// getMailboxMessage answers GET /mailbox/:id with the message's text.
func (s *Server) getMailboxMessage(c *gin.Context) {
	m, err := s.mail.MailboxMessage(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toMailboxMessage(m, true))
}
