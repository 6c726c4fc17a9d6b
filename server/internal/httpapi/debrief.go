package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/visits"
)

// getDebrief answers GET /walkthroughs/{id}/debrief?rubric_id.
func (s *Server) getDebrief(c *gin.Context) {
	q := newQuery(c)
	rubricID := q.id("rubric_id")
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.visits.Debrief(c.Request.Context(), principal(c), c.Param("id"), rubricID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, d)
}

// getCalibration answers GET /calibration?from&to&school_id&rubric_id.
func (s *Server) getCalibration(c *gin.Context) {
	q := newQuery(c)
	from, to := q.span(bothDates)
	cq := visits.CalibrationQuery{From: from, To: to, SchoolIDs: q.ids("school_id"), RubricID: q.id("rubric_id")}
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.visits.Calibration(c.Request.Context(), principal(c), cq)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// listNextSteps answers GET
// /next-steps?mine&walkthrough_id&school_id&status&cursor&limit, by due
// date, undated last.
func (s *Server) listNextSteps(c *gin.Context) {
	q := newQuery(c)
	nq := visits.NextStepQuery{Mine: q.boolean("mine"), WalkthroughIDs: q.ids("walkthrough_id"), SchoolIDs: q.ids("school_id"),
		Status: q.enum("status", "open", "overdue", "done")}
	pg := q.page("next_steps", keyDate, keyID)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	nq.Page = store.Keyset{After: pg.After, Limit: pg.fetch()}
	items, err := s.visits.NextSteps(c.Request.Context(), principal(c), nq)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, pageOf(pg, items, same[visits.NextStepItem], visits.NextStepKey))
}
