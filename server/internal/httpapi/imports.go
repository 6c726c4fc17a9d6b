package httpapi

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/roster"
)

// maxRosterBody bounds a roster file: a 20,000-row CSV is a few megabytes.
const maxRosterBody = 64 << 20

// importRoster answers POST /imports/roster?kind=…&dry_run=…: the body is a
// CSV (kinds schools, teachers, users) or a OneRoster zip. A dry run answers
// the report, bad rows included; a real run with bad rows changes nothing
// and answers 422 listing every bad row.
func (s *Server) importRoster(c *gin.Context) {
	q := newQuery(c)
	kind, mode, dryRun := q.text("kind"), q.text("mode"), q.boolean("dry_run")
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	types := []string{"text/csv", "application/csv", "text/plain"}
	if kind == roster.KindOneRoster {
		types = []string{"application/zip", "application/x-zip-compressed", "application/octet-stream"}
	}
	body, err := readBody(c, maxRosterBody, types...)
	if err != nil {
		s.fail(c, err)
		return
	}
	rep, err := s.roster.ImportRoster(c.Request.Context(), principal(c), kind, mode, body, dryRun, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	if !dryRun && len(rep.Problems) > 0 {
		fields := make([]domain.FieldError, len(rep.Problems))
		for i, p := range rep.Problems {
			fields[i] = domain.FieldError{Field: fmt.Sprintf("%s:%d:%s", p.File, p.Line, p.Field), Message: p.Message}
		}
		s.fail(c, domain.Invalid(fmt.Sprintf("the roster has %d bad rows; nothing was imported", len(fields)), fields...))
		return
	}
	c.JSON(http.StatusOK, rep)
}

// undoImport answers POST /imports/:id/undo: the import's changes are
// reversed, and records changed since are named and left alone.
func (s *Server) undoImport(c *gin.Context) {
	rep, err := s.roster.UndoImport(c.Request.Context(), principal(c), c.Param("id"), client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}
