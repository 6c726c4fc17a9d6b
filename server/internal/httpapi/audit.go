package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

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

// auditFilter reads the audit filters: actor, action, from, to, cursor and
// limit.
func auditFilter(c *gin.Context) (store.AuditFilter, error) {
	f := store.AuditFilter{ActorID: c.Query("actor"), Action: c.Query("action"), Before: c.Query("cursor")}
	var problems domain.Problems
	for _, q := range []struct {
		name string
		dst  **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := c.Query(q.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				problems.Add(q.name, "must be an RFC 3339 time such as 2026-09-01T00:00:00Z")
				continue
			}
			*q.dst = &t
		}
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			problems.Add("limit", "must be 1 to 500")
		}
		f.Limit = n
	}
	if f.ActorID != "" && !domain.ValidID(f.ActorID) {
		problems.Add("actor", "must be a user id")
	}
	if f.Before != "" && !domain.ValidID(f.Before) {
		problems.Add("cursor", "is not a cursor this server gave")
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	return f, problems.Err("the filters are not valid")
}

// listAudit answers GET /audit?actor=&action=&from=&to=&cursor=&limit=.
func (s *Server) listAudit(c *gin.Context) {
	f, err := auditFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	entries, err := s.auth.AuditEntries(c.Request.Context(), principal(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[auditResponse]{Items: make([]auditResponse, len(entries))}
	for i, e := range entries {
		out.Items[i] = auditResponse{ID: e.ID, At: e.At, ActorID: e.ActorID, Action: e.Action, Entity: e.Entity,
			EntityID: e.EntityID, Detail: e.Detail, IP: e.IP, UserAgent: e.UserAgent}
	}
	if len(entries) == f.Limit {
		out.NextCursor = entries[len(entries)-1].ID
	}
	c.JSON(http.StatusOK, out)
}

// listAuditCSV answers GET /audit.csv with the same filters as /audit (the
// cursor and limit aside): every matching entry, newest first, as a CSV file.
// The export is itself audited.
func (s *Server) listAuditCSV(c *gin.Context) {
	f, err := auditFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f.Before = ""
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
	err = s.auth.ExportAudit(c.Request.Context(), principal(c), f, client(c), func(page []store.AuditEntry, users map[string]domain.User) error {
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
