package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/visits"
)

// getDebrief answers GET /walkthroughs/{id}/debrief.
func (s *Server) getDebrief(c *gin.Context) {
	d, err := s.visits.Debrief(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, d)
}

// getCalibration answers GET /calibration?from&to&school_id.
func (s *Server) getCalibration(c *gin.Context) {
	var q visits.CalibrationQuery
	var p domain.Problems
	for name, dst := range map[string]*time.Time{"from": &q.From, "to": &q.To} {
		t, err := time.Parse(time.DateOnly, c.Query(name))
		if err != nil {
			p.Add(name, "must be a date such as 2026-08-15")
		}
		*dst = t
	}
	for _, v := range c.QueryArray("school_id") {
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				q.SchoolIDs = append(q.SchoolIDs, id)
			}
		}
	}
	if err := p.Err("the calibration query is not valid"); err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.visits.Calibration(c.Request.Context(), principal(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// listNextSteps answers GET /next-steps?mine&walkthrough_id&school_id&status&limit.
func (s *Server) listNextSteps(c *gin.Context) {
	q := visits.NextStepQuery{WalkthroughID: c.Query("walkthrough_id"), SchoolID: c.Query("school_id"), Status: c.Query("status")}
	switch c.Query("mine") {
	case "", "false":
	case "true":
		q.Mine = true
	default:
		s.fail(c, domain.Invalid("the filters are not valid", domain.FieldError{Field: "mine", Message: "must be true or false"}))
		return
	}
	if err := queryFilters(c, []string{"walkthrough_id", "school_id"}, nil, &q.Limit); err != nil {
		s.fail(c, err)
		return
	}
	items, err := s.visits.NextSteps(c.Request.Context(), principal(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[visits.NextStepItem]{Items: items}
	if out.Items == nil {
		out.Items = []visits.NextStepItem{}
	}
	c.JSON(http.StatusOK, out)
}
