package httpapi

import (
	"net/http"

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

// kinds are the values of a kind parameter.
var kinds = []string{string(domain.KindClassroom), string(domain.KindLeadership), string(domain.KindFollowUp), string(domain.KindInformal)}

// gradeBands are the values of a grade_band parameter.
var gradeBands = []string{domain.GradeBandEarly, domain.GradeBandUpper, domain.GradeBandMiddle, domain.GradeBandHigh}

// listObservations answers GET
// /observations?school_id&teacher_id&walkthrough_id&status&kind&grade_band&subject&from&to&cursor&limit,
// newest first.
func (s *Server) listObservations(c *gin.Context) {
	q := newQuery(c)
	from, to := q.span(anyDates)
	oq := visits.ObservationQuery{SchoolIDs: q.ids("school_id"), TeacherIDs: q.ids("teacher_id"), WalkthroughIDs: q.ids("walkthrough_id"),
		Status: q.enum("status", string(domain.ObservationDraft), string(domain.ObservationSubmitted)), Kind: q.enum("kind", kinds...),
		GradeBand: q.enum("grade_band", gradeBands...), Subject: q.text("subject"), From: from, To: to}
	pg := q.page("observations", keyID)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	oq.Cursor, oq.Limit = pg.after(0), pg.fetch()
	os, err := s.visits.Observations(c.Request.Context(), principal(c), oq)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, pageOf(pg, os, func(o domain.Observation) observationResponse {
		return observationResponse{ID: o.ID, Rev: o.Rev, ObservationData: sync.ObservationDataOf(o)}
	}, func(o domain.Observation) []string { return []string{o.ID} }))
}

func (s *Server) getObservation(c *gin.Context) {
	o, err := s.visits.Observation(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, observationResponse{ID: o.ID, Rev: o.Rev, ObservationData: sync.ObservationDataOf(o)})
}

// listWalkthroughs answers GET /walkthroughs?school_id&kind&cursor&limit,
// newest first.
func (s *Server) listWalkthroughs(c *gin.Context) {
	q := newQuery(c)
	wq := visits.WalkthroughQuery{SchoolIDs: q.ids("school_id"), Kind: q.enum("kind", kinds...)}
	pg := q.page("walkthroughs", keyID)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	wq.Cursor, wq.Limit = pg.after(0), pg.fetch()
	ws, err := s.visits.Walkthroughs(c.Request.Context(), principal(c), wq)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, pageOf(pg, ws, func(w domain.Walkthrough) walkthroughResponse {
		return walkthroughResponse{ID: w.ID, Rev: w.Rev, WalkthroughData: sync.WalkthroughDataOf(w)}
	}, func(w domain.Walkthrough) []string { return []string{w.ID} }))
}

func (s *Server) getWalkthrough(c *gin.Context) {
	w, err := s.visits.Walkthrough(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, walkthroughResponse{ID: w.ID, Rev: w.Rev, WalkthroughData: sync.WalkthroughDataOf(w)})
}
