package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/visits"
)

type observationResponse struct {
	ID  string `json:"id"`
	Rev int64  `json:"rev"`
	sync.ObservationData
}

type walkthroughResponse struct {
	ID  string `json:"id"`
	Rev int64  `json:"rev"`
	sync.WalkthroughData
}

// queryFilters reads optional id and time filters, collecting every problem.
func queryFilters(c *gin.Context, idNames []string, times map[string]**time.Time, limit *int) error {
	var p domain.Problems
	for _, n := range idNames {
		if v := c.Query(n); v != "" && !domain.ValidID(v) {
			p.Add(n, "must be an id")
		}
	}
	for n, dst := range times {
		if v := c.Query(n); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				p.Add(n, "must be an RFC 3339 time such as 2026-09-01T00:00:00Z")
				continue
			}
			*dst = &t
		}
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			p.Add("limit", "must be 1 to 500")
		}
		*limit = n
	}
	return p.Err("the filters are not valid")
}

// listObservations answers GET /observations?school_id&teacher_id&walkthrough_id&status&kind&grade_band&subject&from&to&cursor&limit.
func (s *Server) listObservations(c *gin.Context) {
	q := visits.ObservationQuery{SchoolID: c.Query("school_id"), TeacherID: c.Query("teacher_id"),
		WalkthroughID: c.Query("walkthrough_id"), Status: c.Query("status"), Kind: c.Query("kind"),
		GradeBand: c.Query("grade_band"), Subject: c.Query("subject"), Cursor: c.Query("cursor")}
	if err := queryFilters(c, []string{"school_id", "teacher_id", "walkthrough_id", "cursor"},
		map[string]**time.Time{"from": &q.From, "to": &q.To}, &q.Limit); err != nil {
		s.fail(c, err)
		return
	}
	if q.Kind != "" && !domain.WalkthroughKind(q.Kind).Valid() {
		s.fail(c, domain.Invalid("the filters are not valid", domain.FieldError{Field: "kind", Message: "must be classroom, leadership, follow_up or informal"}))
		return
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	os, err := s.visits.Observations(c.Request.Context(), principal(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[observationResponse]{Items: make([]observationResponse, len(os))}
	for i, o := range os {
		out.Items[i] = observationResponse{ID: o.ID, Rev: o.Rev, ObservationData: sync.ObservationDataOf(o)}
	}
	if len(os) == q.Limit {
		out.NextCursor = os[len(os)-1].ID
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) getObservation(c *gin.Context) {
	o, err := s.visits.Observation(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, observationResponse{ID: o.ID, Rev: o.Rev, ObservationData: sync.ObservationDataOf(o)})
}

// listWalkthroughs answers GET /walkthroughs?school_id&kind&cursor&limit.
func (s *Server) listWalkthroughs(c *gin.Context) {
	q := visits.WalkthroughQuery{SchoolID: c.Query("school_id"), Kind: c.Query("kind"), Cursor: c.Query("cursor")}
	if err := queryFilters(c, []string{"school_id", "cursor"}, nil, &q.Limit); err != nil {
		s.fail(c, err)
		return
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	ws, err := s.visits.Walkthroughs(c.Request.Context(), principal(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[walkthroughResponse]{Items: make([]walkthroughResponse, len(ws))}
	for i, w := range ws {
		out.Items[i] = walkthroughResponse{ID: w.ID, Rev: w.Rev, WalkthroughData: sync.WalkthroughDataOf(w)}
	}
	if len(ws) == q.Limit {
		out.NextCursor = ws[len(ws)-1].ID
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) getWalkthrough(c *gin.Context) {
	w, err := s.visits.Walkthrough(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, walkthroughResponse{ID: w.ID, Rev: w.Rev, WalkthroughData: sync.WalkthroughDataOf(w)})
}
