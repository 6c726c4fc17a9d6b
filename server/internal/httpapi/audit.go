package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

type auditResponse struct {
	ID        string         `json:"id"`
	At        time.Time      `json:"at"`
	ActorID   string         `json:"actor_id,omitempty"`
	Action    string         `json:"action"`
	Entity    string         `json:"entity,omitempty"`
	EntityID  string         `json:"entity_id,omitempty"`
	Detail    map[string]any `json:"detail,omitempty"`
	IP        string         `json:"ip,omitempty"`
	UserAgent string         `json:"user_agent,omitempty"`
}

// auditQuery reads the audit filters: actor_id (repeated), action, from
// and to (dates in the district's time zone, to exclusive).
func auditQuery(q *queryReader) auth.AuditQuery {
	from, to := q.span(anyDates)
	return auth.AuditQuery{ActorIDs: q.ids("actor_id"), Action: q.text("action"), From: from, To: to}
}

// listAudit answers GET /audit?actor_id&action&from&to&cursor&limit, newest
// first.
func (s *Server) listAudit(c *gin.Context) {
	q := newQuery(c)
	aq := auditQuery(q)
	pg := q.page("audit", keyID)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	aq.Before, aq.Limit = pg.after(0), pg.fetch()
	entries, err := s.auth.AuditEntries(c.Request.Context(), principal(c), aq)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, pageOf(pg, entries, func(e store.AuditEntry) auditResponse {
		return auditResponse{ID: e.ID, At: e.At, ActorID: e.ActorID, Action: e.Action, Entity: e.Entity,
			EntityID: e.EntityID, Detail: e.Detail, IP: e.IP, UserAgent: e.UserAgent}
	}, func(e store.AuditEntry) []string { return []string{e.ID} }))
}

// listAuditCSV answers GET /audit.csv with the same filters as /audit (the
// cursor and limit aside): every matching entry, newest first, as a CSV file.
// The export is itself audited.
func (s *Server) listAuditCSV(c *gin.Context) {
	q := newQuery(c)
	aq := auditQuery(q)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	var w *csvWriter
	start := func() {
		if w != nil {
			return
		}
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="audit.csv"`)
		c.Status(http.StatusOK)
		w = newCSVWriter(c.Writer)
		_ = w.Write([]string{"id", "at", "actor_id", "actor_email", "actor_name", "action", "entity", "entity_id", "ip", "user_agent", "detail"})
	}
	err := s.auth.ExportAudit(c.Request.Context(), principal(c), aq, client(c), func(page []store.AuditEntry, users map[string]domain.User) error {
		start()
		for _, e := range page {
			u := users[e.ActorID]
			detail := ""
			if len(e.Detail) > 0 {
				b, _ := json.Marshal(e.Detail)
				detail = string(b)
			}
			_ = w.Write([]string{e.ID, e.At.UTC().Format(time.RFC3339), e.ActorID, u.Email, u.Name, e.Action, e.Entity, e.EntityID,
				e.IP, e.UserAgent, detail})
		}
		w.Flush()
		return w.Error()
	})
	switch {
	case err != nil && w == nil:
		s.fail(c, err)
	case err != nil:
		s.log.ErrorContext(c.Request.Context(), "audit export stopped", "err", err)
	default:
		start() // no entries: the header row alone
		w.Flush()
	}
}
