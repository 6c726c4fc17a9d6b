package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/support"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

type coachResponse struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	OpenCycles      int64  `json:"open_cycles"`
	FollowUpsAhead  int64  `json:"follow_ups_ahead"`
	RequestsWaiting int64  `json:"requests_waiting"`
}

type supportRequestResponse struct {
	ID  string `json:"id"`
	Rev int64  `json:"rev"`
	sync.SupportRequestData
	CreatedAt time.Time `json:"created_at"`
	// Coaches, for whoever assigns coaches: those of the request's school
	// and what each has on hand.
	Coaches []coachResponse `json:"coaches,omitempty"`
}

func supportRequestOut(r support.Request) supportRequestResponse {
	d := sync.SupportRequestData{SchoolID: r.SchoolID, RequesterID: r.RequesterID, TeacherIDs: orEmpty(r.TeacherIDs),
		IndicatorKeys: orEmpty(r.IndicatorKeys), Reason: r.Reason, Source: r.Source, Status: string(r.Status), CoachID: r.CoachID,
		DeclineReason: r.DeclineReason, DecidedBy: r.DecidedBy, DecidedAt: r.DecidedAt, CycleID: r.CycleID}
	if r.NeededBy != nil {
		d.NeededBy = &sync.Date{Time: *r.NeededBy}
	}
	out := supportRequestResponse{ID: r.ID, Rev: r.Rev, SupportRequestData: d, CreatedAt: r.CreatedAt}
	for _, c := range r.Coaches {
		out.Coaches = append(out.Coaches, coachResponse{ID: c.ID, Name: c.Name, OpenCycles: c.OpenCycles, FollowUpsAhead: c.FollowUpsAhead,
			RequestsWaiting: c.RequestsWaiting})
	}
	return out
}

// listSupportRequests answers GET /support-requests?school_id&status&mine
// &cursor&limit, newest first.
func (s *Server) listSupportRequests(c *gin.Context) {
	q := newQuery(c)
	sq := support.Query{SchoolIDs: q.ids("school_id"), Statuses: q.enums("status", support.Statuses...), Mine: q.boolean("mine")}
	pg := q.page("support-requests", keyID)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	sq.Page = store.Keyset{After: pg.After, Limit: pg.fetch()}
	p := principal(c)
	rs, err := s.support.Requests(c.Request.Context(), p, sq)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, pageOf(pg, rs, supportRequestOut,
		func(r support.Request) []string { return []string{r.ID} }))
}

type askSupportRequest struct {
	ID            string     `json:"id"`
	DeviceID      string     `json:"device_id"`
	SchoolID      string     `json:"school_id"`
	TeacherIDs    []string   `json:"teacher_ids"`
	IndicatorKeys []string   `json:"indicator_keys"`
	Reason        string     `json:"reason"`
	NeededBy      *sync.Date `json:"needed_by"`
	Source        string     `json:"source"`
}

// askSupport answers POST /support-requests.
func (s *Server) askSupport(c *gin.Context) {
	var req askSupportRequest
	if err := decodeWrite(c, &req, func() map[string]string { return map[string]string{"id": req.ID, "device_id": req.DeviceID} }); err != nil {
		s.fail(c, err)
		return
	}
	n := support.NewRequest{ID: strings.ToLower(req.ID), DeviceID: req.DeviceID, SchoolID: req.SchoolID, TeacherIDs: req.TeacherIDs,
		IndicatorKeys: req.IndicatorKeys, Reason: req.Reason, Source: req.Source}
	if req.NeededBy != nil && !req.NeededBy.IsZero() {
		t := req.NeededBy.Time
		n.NeededBy = &t
	}
	p := principal(c)
	r, err := s.support.Ask(c.Request.Context(), p, n)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, supportRequestOut(r))
}

func (s *Server) getSupportRequest(c *gin.Context) {
	p := principal(c)
	r, err := s.support.Request(c.Request.Context(), p, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, supportRequestOut(r))
}

type decideSupportRequest struct {
	Status        string `json:"status"`
	CoachID       string `json:"coach_id"`
	DeclineReason string `json:"decline_reason"`
	Rev           *int64 `json:"rev"`
}

// decideSupport answers PATCH /support-requests/:id: assign a coach,
// decline, open again or withdraw.
func (s *Server) decideSupport(c *gin.Context) {
	var req decideSupportRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		s.fail(c, err)
		return
	}
	p := principal(c)
	r, err := s.support.Decide(c.Request.Context(), p, c.Param("id"), support.Decision{Status: domain.SupportStatus(req.Status),
		CoachID: req.CoachID, DeclineReason: req.DeclineReason, Rev: req.Rev})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, supportRequestOut(r))
}

type teacherCellResponse struct {
	Observations int64    `json:"observations"`
	Scores       int64    `json:"scores"`
	Mean         *float64 `json:"mean"`
}

func cellOut(c support.Cell) teacherCellResponse {
	return teacherCellResponse{Observations: c.Observations, Scores: c.Scores, Mean: c.Mean()}
}

type viewCycleResponse struct {
	ID                string `json:"id"`
	CoachID           string `json:"coach_id"`
	FocusIndicatorKey string `json:"focus_indicator_key"`
	Status            string `json:"status"`
}

type cycleTrendResponse struct {
	CycleID      string              `json:"cycle_id"`
	IndicatorKey string              `json:"indicator_key"`
	StartedOn    sync.Date           `json:"started_on"`
	Before       teacherCellResponse `json:"before"`
	Since        teacherCellResponse `json:"since"`
}

type teacherRowResponse struct {
	Teacher      teacherResponse                `json:"teacher"`
	Observations int64                          `json:"observations"`
	LastVisit    *time.Time                     `json:"last_visit,omitempty"`
	Dimensions   map[string]teacherCellResponse `json:"dimensions"`
	Indicators   map[string]teacherCellResponse `json:"indicators"`
	Cycles       []viewCycleResponse            `json:"cycles"`
	Trend        *cycleTrendResponse            `json:"trend,omitempty"`
}

type columnResponse struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

type teacherViewResponse struct {
	RubricID   string           `json:"rubric_id,omitempty"`
	From       *sync.Date       `json:"from,omitempty"`
	To         *sync.Date       `json:"to,omitempty"`
	Dimensions []columnResponse `json:"dimensions"`
	Indicators []columnResponse `json:"indicators"`
	listResponse[teacherRowResponse]
}

func teacherRowOut(r support.TeacherRow) teacherRowResponse {
	out := teacherRowResponse{Teacher: toTeacher(r.Teacher), Observations: r.Observations, LastVisit: r.LastVisit,
		Dimensions: map[string]teacherCellResponse{}, Indicators: map[string]teacherCellResponse{}, Cycles: []viewCycleResponse{}}
	for k, c := range r.Dimensions {
		out.Dimensions[k] = cellOut(c)
	}
	for k, c := range r.Indicators {
		out.Indicators[k] = cellOut(c)
	}
	for _, c := range r.Cycles {
		out.Cycles = append(out.Cycles, viewCycleResponse{ID: c.ID, CoachID: c.CoachID, FocusIndicatorKey: c.FocusIndicatorKey, Status: string(c.Status)})
	}
	if t := r.Trend; t != nil {
		out.Trend = &cycleTrendResponse{CycleID: t.CycleID, IndicatorKey: t.IndicatorKey, StartedOn: sync.Date{Time: t.StartedOn},
			Before: cellOut(t.Before), Since: cellOut(t.Since)}
	}
	return out
}

// getTeacherView answers GET /teacher-view?school_id&from&to&rubric_id
// &cursor&limit: the teachers of the schools × dimensions and the focus
// indicators of current cycles, for those who may see teachers.
func (s *Server) getTeacherView(c *gin.Context) {
	q := newQuery(c)
	from, to := q.span(anyDates)
	vq := support.ViewQuery{SchoolIDs: q.ids("school_id"), From: from, To: to, RubricID: q.id("rubric_id")}
	pg := q.page("teacher-view", keyOffset)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.support.TeacherView(c.Request.Context(), principal(c), vq)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := teacherViewResponse{RubricID: v.RubricID, Dimensions: []columnResponse{}, Indicators: []columnResponse{},
		listResponse: slicePage(pg, v.Teachers, teacherRowOut)}
	if !v.From.IsZero() {
		out.From = &sync.Date{Time: v.From}
	}
	if !v.To.IsZero() {
		out.To = &sync.Date{Time: v.To}
	}
	for _, d := range v.Dimensions {
		out.Dimensions = append(out.Dimensions, columnResponse{Key: d.Key, Name: d.Name})
	}
	for _, d := range v.Indicators {
		out.Indicators = append(out.Indicators, columnResponse{Key: d.Key, Name: d.Name})
	}
	c.JSON(http.StatusOK, out)
}
