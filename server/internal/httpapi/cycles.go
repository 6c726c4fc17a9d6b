package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/cycles"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/estimate"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

type cycleResponse struct {
	ID  string `json:"id"`
	Rev int64  `json:"rev"`
	sync.CycleData
}

func cycleOut(c domain.Cycle) cycleResponse {
	return cycleResponse{ID: c.ID, Rev: c.Rev, CycleData: sync.CycleDataOf(c)}
}

type activityResponse struct {
	ID  string `json:"id"`
	Rev int64  `json:"rev"`
	sync.ActivityData
}

type rescheduleResponse struct {
	FromStartsAt time.Time `json:"from_starts_at"`
	FromEndsAt   time.Time `json:"from_ends_at"`
	ToStartsAt   time.Time `json:"to_starts_at"`
	ToEndsAt     time.Time `json:"to_ends_at"`
	ChangedBy    string    `json:"changed_by"`
	ChangedAt    time.Time `json:"changed_at"`
}

type followUpResponse struct {
	ID  string `json:"id"`
	Rev int64  `json:"rev"`
	sync.FollowUpData
	Overdue     bool                 `json:"overdue"`
	Reschedules []rescheduleResponse `json:"reschedules"`
}

func followUpOut(f cycles.FollowUp) followUpResponse {
	out := followUpResponse{ID: f.ID, Rev: f.Rev, FollowUpData: sync.FollowUpDataOf(f.FollowUp), Overdue: f.Overdue,
		Reschedules: make([]rescheduleResponse, len(f.Reschedules))}
	for i, r := range f.Reschedules {
		out.Reschedules[i] = rescheduleResponse(r)
	}
	return out
}

type cycleDetailResponse struct {
	cycleResponse
	Activities []activityResponse `json:"activities"`
	FollowUps  []followUpResponse `json:"follow_ups"`
}

// cycleStatuses are the values of a cycle's status.
var cycleStatuses = []string{string(domain.CyclePlanned), string(domain.CycleActive), string(domain.CycleCompleted), string(domain.CycleAbandoned)}

// listCycles answers GET /cycles?school_id&status&mine&cursor&limit, newest
// first.
func (s *Server) listCycles(c *gin.Context) {
	q := newQuery(c)
	cq := cycles.Query{SchoolIDs: q.ids("school_id"), Status: q.enum("status", cycleStatuses...), Mine: q.boolean("mine")}
	pg := q.page("cycles", keyID)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	cq.Page = store.Keyset{After: pg.After, Limit: pg.fetch()}
	cs, err := s.cycles.Cycles(c.Request.Context(), principal(c), cq)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, pageOf(pg, cs, cycleOut, func(c domain.Cycle) []string { return []string{c.ID} }))
}

type openCycleRequest struct {
	SchoolID          string     `json:"school_id"`
	CoachID           string     `json:"coach_id"`
	TeacherIDs        []string   `json:"teacher_ids"`
	FocusIndicatorKey string     `json:"focus_indicator_key"`
	FocusShift        string     `json:"focus_shift"`
	Status            string     `json:"status"`
	StartedOn         *sync.Date `json:"started_on"`
	SupportRequestID  string     `json:"support_request_id"`
}

func (s *Server) openCycle(c *gin.Context) {
	var req openCycleRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		s.fail(c, err)
		return
	}
	n := cycles.NewCycle{SchoolID: req.SchoolID, CoachID: req.CoachID, TeacherIDs: req.TeacherIDs, FocusIndicatorKey: req.FocusIndicatorKey,
		FocusShift: req.FocusShift, Status: domain.CycleStatus(req.Status), SupportRequestID: req.SupportRequestID}
	if req.StartedOn != nil && !req.StartedOn.IsZero() {
		t := req.StartedOn.Time
		n.StartedOn = &t
	}
	cy, err := s.cycles.Open(c.Request.Context(), principal(c), n)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, cycleOut(cy))
}

func (s *Server) getCycle(c *gin.Context) {
	d, err := s.cycles.Cycle(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := cycleDetailResponse{cycleResponse: cycleOut(d.Cycle), Activities: make([]activityResponse, len(d.Activities)),
		FollowUps: make([]followUpResponse, len(d.FollowUps))}
	for i, a := range d.Activities {
		out.Activities[i] = activityResponse{ID: a.ID, Rev: a.Rev, ActivityData: sync.ActivityDataOf(a)}
	}
	for i, f := range d.FollowUps {
		out.FollowUps[i] = followUpOut(f)
	}
	c.JSON(http.StatusOK, out)
}

type updateCycleRequest struct {
	TeacherIDs      []string `json:"teacher_ids"`
	FocusShift      *string  `json:"focus_shift"`
	Status          *string  `json:"status"`
	Outcome         *string  `json:"outcome"`
	OutcomeEvidence *string  `json:"outcome_evidence"`
	Rev             *int64   `json:"rev"`
}

func (s *Server) updateCycle(c *gin.Context) {
	var req updateCycleRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		s.fail(c, err)
		return
	}
	ch := cycles.CycleChange{TeacherIDs: req.TeacherIDs, FocusShift: req.FocusShift, OutcomeEvidence: req.OutcomeEvidence, Rev: req.Rev}
	if req.Status != nil {
		st := domain.CycleStatus(*req.Status)
		ch.Status = &st
	}
	if req.Outcome != nil {
		o := domain.CycleOutcome(*req.Outcome)
		ch.Outcome = &o
	}
	cy, err := s.cycles.Update(c.Request.Context(), principal(c), c.Param("id"), ch)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cycleOut(cy))
}

type logActivityRequest struct {
	ID         string    `json:"id"`
	DeviceID   string    `json:"device_id"`
	Kind       string    `json:"kind"`
	OccurredOn sync.Date `json:"occurred_on"`
	Notes      string    `json:"notes"`
}

func (s *Server) logActivity(c *gin.Context) {
	var req logActivityRequest
	if err := decodeWrite(c, &req, func() map[string]string { return map[string]string{"id": req.ID, "device_id": req.DeviceID} }); err != nil {
		s.fail(c, err)
		return
	}
	a, err := s.cycles.LogActivity(c.Request.Context(), principal(c), c.Param("id"), cycles.NewActivity{ID: strings.ToLower(req.ID),
		DeviceID: req.DeviceID, Kind: domain.ActivityKind(req.Kind), OccurredOn: req.OccurredOn.Time, Notes: req.Notes})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, activityResponse{ID: a.ID, Rev: a.Rev, ActivityData: sync.ActivityDataOf(a)})
}

// decodeWrite reads the body of a write that a device may also send through
// sync, then checks the ids it may name (read once the body is decoded).
func decodeWrite(c *gin.Context, req any, ids func() map[string]string) error {
	if err := decodeJSON(c, maxJSONBody, req); err != nil {
		return err
	}
	return optionalIDs(ids())
}

func optionalIDs(ids map[string]string) error {
	var p domain.Problems
	for name, v := range ids {
		if v != "" && !domain.ValidID(v) {
			p.Add(name, "must be a UUID")
		}
	}
	return p.Err("the request is not valid")
}

type scheduleRequest struct {
	ID          string    `json:"id"`
	DeviceID    string    `json:"device_id"`
	TeacherID   string    `json:"teacher_id"`
	StartsAt    time.Time `json:"starts_at"`
	EndsAt      time.Time `json:"ends_at"`
	ObserverIDs []string  `json:"observer_ids"`
	Notes       string    `json:"notes"`
}

func (s *Server) scheduleFollowUp(c *gin.Context) {
	var req scheduleRequest
	if err := decodeWrite(c, &req, func() map[string]string { return map[string]string{"id": req.ID, "device_id": req.DeviceID} }); err != nil {
		s.fail(c, err)
		return
	}
	f, err := s.cycles.Schedule(c.Request.Context(), principal(c), c.Param("id"), cycles.NewFollowUp{ID: strings.ToLower(req.ID),
		DeviceID: req.DeviceID, TeacherID: req.TeacherID, StartsAt: req.StartsAt, EndsAt: req.EndsAt, ObserverIDs: req.ObserverIDs, Notes: req.Notes})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, followUpOut(f))
}

type updateFollowUpRequest struct {
	DeviceID    string     `json:"device_id"`
	StartsAt    *time.Time `json:"starts_at"`
	EndsAt      *time.Time `json:"ends_at"`
	ObserverIDs []string   `json:"observer_ids"`
	Notes       *string    `json:"notes"`
	Status      *string    `json:"status"`
	Rev         *int64     `json:"rev"`
}

func (s *Server) updateFollowUp(c *gin.Context) {
	var req updateFollowUpRequest
	if err := decodeWrite(c, &req, func() map[string]string { return map[string]string{"device_id": req.DeviceID} }); err != nil {
		s.fail(c, err)
		return
	}
	ch := cycles.FollowUpChange{DeviceID: req.DeviceID, StartsAt: req.StartsAt, EndsAt: req.EndsAt, ObserverIDs: req.ObserverIDs, Notes: req.Notes, Rev: req.Rev}
	if req.Status != nil {
		st := domain.FollowUpStatus(*req.Status)
		ch.Status = &st
	}
	f, err := s.cycles.UpdateFollowUp(c.Request.Context(), principal(c), c.Param("id"), ch)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, followUpOut(f))
}

// dueFollowUps answers GET
// /followups?due=today|this_week|next_week&to&mine&cursor&limit: the
// scheduled follow-ups due by the end of the window (this week when
// neither due nor to is given), or starting before the day to.
func (s *Server) dueFollowUps(c *gin.Context) {
	q := newQuery(c)
	dq := cycles.DueQuery{Window: q.enum("due", cycles.DueWindows...), To: q.date("to", false), Mine: q.boolean("mine")}
	if dq.Window != "" && !dq.To.IsZero() {
		q.fail("to", "give due or to, not both")
	}
	pg := q.page("followups", keyOffset)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	fs, err := s.cycles.Due(c.Request.Context(), principal(c), dq)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, slicePage(pg, fs, followUpOut))
}

type pointResponse struct {
	ObservationID string    `json:"observation_id"`
	TeacherID     string    `json:"teacher_id"`
	FollowUpID    string    `json:"follow_up_id,omitempty"`
	ObservedAt    time.Time `json:"observed_at"`
	Level         int       `json:"level"`
	ByCoach       bool      `json:"by_coach"`
}

type evidenceResponse struct {
	CycleID      string          `json:"cycle_id"`
	IndicatorKey string          `json:"indicator_key"`
	SupportFrom  sync.Date       `json:"support_from"`
	Before       []pointResponse `json:"before"`
	FollowUps    []pointResponse `json:"follow_ups"`
	BeforeMean   *float64        `json:"before_mean"`
	FollowUpMean *float64        `json:"follow_up_mean"`
	MinToJudge   int             `json:"min_to_judge"`
	Teachers     []teacherChange `json:"teachers"`
	// Change pools the judged teachers' changes; Comparison is teachers of
	// similar baseline with no cycle, measured the same way.
	Change     figureResponse     `json:"change"`
	Comparison comparisonResponse `json:"comparison"`
	// RubricID is the framework read; Frameworks those with focus scores.
	RubricID   string              `json:"rubric_id"`
	Frameworks []frameworkRefBrief `json:"frameworks"`
}

type teacherChange struct {
	TeacherID    string   `json:"teacher_id"`
	Before       int      `json:"before"`
	BeforeMean   *float64 `json:"before_mean"`
	FollowUps    int      `json:"follow_ups"`
	FollowUpMean *float64 `json:"follow_up_mean"`
	Change       *float64 `json:"change"`
	Low          *float64 `json:"low"`
	High         *float64 `json:"high"`
	TooFew       bool     `json:"too_few_to_judge"`
}

// figureResponse is a change with its 95% interval and its n in teachers.
type figureResponse struct {
	Teachers int      `json:"teachers"`
	Change   *float64 `json:"change"`
	Low      *float64 `json:"low"`
	High     *float64 `json:"high"`
}

type comparisonResponse struct {
	Baseline *float64   `json:"baseline"`
	Band     float64    `json:"band"`
	Until    *sync.Date `json:"until"`
	figureResponse
}

func comparisonOut(c cycles.Comparison) comparisonResponse {
	out := comparisonResponse{Baseline: c.Baseline, Band: c.Band, figureResponse: figureResponse(c.Figure)}
	if !c.Until.IsZero() {
		out.Until = &sync.Date{Time: c.Until}
	}
	return out
}

type frameworkRefBrief struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Main bool   `json:"main"`
}

func pointsOut(ps []cycles.Point) []pointResponse {
	out := make([]pointResponse, len(ps))
	for i, p := range ps {
		out[i] = pointResponse(p)
	}
	return out
}

func (s *Server) cycleEvidence(c *gin.Context) {
	q := newQuery(c)
	rubricID := q.id("rubric_id")
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	e, err := s.cycles.Evidence(c.Request.Context(), principal(c), c.Param("id"), rubricID)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := evidenceResponse{CycleID: e.CycleID, IndicatorKey: e.IndicatorKey, SupportFrom: sync.Date{Time: e.SupportFrom},
		Before: pointsOut(e.Before), FollowUps: pointsOut(e.FollowUps), BeforeMean: e.BeforeMean, FollowUpMean: e.FollowUpMean,
		MinToJudge: cycles.MinToJudge, Teachers: teachersOut(e.Teachers), Change: figureResponse(e.Change), Comparison: comparisonOut(e.Comparison),
		RubricID: e.RubricID, Frameworks: []frameworkRefBrief{}}
	for _, f := range e.Frameworks {
		out.Frameworks = append(out.Frameworks, frameworkRefBrief(f))
	}
	c.JSON(http.StatusOK, out)
}

func teachersOut(ts []cycles.TeacherChange) []teacherChange {
	out := make([]teacherChange, len(ts))
	for i, t := range ts {
		out[i] = teacherChange(t)
	}
	return out
}

type kindEffectResponse struct {
	Kind       string   `json:"kind"`
	Cycles     int      `json:"cycles"`
	FollowUps  int      `json:"follow_ups"`
	Rose       *int     `json:"rose"`
	RoseShare  *float64 `json:"rose_share"`
	RoseLow    *float64 `json:"rose_low"`
	RoseHigh   *float64 `json:"rose_high"`
	Suppressed bool     `json:"suppressed"`
	LeftOut    int      `json:"left_out,omitempty"`
	groupChangeResponse
}

// groupChangeResponse is the change of teachers against their own
// baseline and the comparison of teachers of similar baseline with no
// cycle (cycles.GroupChange).
type groupChangeResponse struct {
	Change     figureResponse `json:"change"`
	Comparison figureResponse `json:"comparison"`
	Withheld   bool           `json:"withheld,omitempty"`
}

func groupChangeOut(g cycles.GroupChange) groupChangeResponse {
	return groupChangeResponse{Change: figureResponse(g.Change), Comparison: figureResponse(g.Comparison), Withheld: g.Withheld}
}

type effectivenessResponse struct {
	Kinds     []kindEffectResponse `json:"kinds"`
	Cycles    int                  `json:"cycles"`
	FollowUps int                  `json:"follow_ups"`
	Rose      int                  `json:"rose"`
	RoseShare *float64             `json:"rose_share"`
	RoseLow   *float64             `json:"rose_low"`
	RoseHigh  *float64             `json:"rose_high"`
	LeftOut   int                  `json:"left_out,omitempty"`
	// MinToJudge: below this many follow-up scores a share is too few to judge.
	MinToJudge int `json:"min_to_judge"`
	// RubricID is the framework read; Frameworks those with focus scores.
	RubricID   string              `json:"rubric_id"`
	Frameworks []frameworkRefBrief `json:"frameworks"`
	// FromRequests: cycles opened from support requests (see
	// cycles.Effectiveness).
	FromRequests requestEffectResponse `json:"from_requests"`
	From         *sync.Date            `json:"from,omitempty"`
	To           *sync.Date            `json:"to,omitempty"`
	groupChangeResponse
}

type requestEffectResponse struct {
	Cycles    int      `json:"cycles"`
	FollowUps int      `json:"follow_ups"`
	Rose      int      `json:"rose"`
	RoseShare *float64 `json:"rose_share"`
	RoseLow   *float64 `json:"rose_low"`
	RoseHigh  *float64 `json:"rose_high"`
}

func share(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	v := float64(n) / float64(of)
	return &v
}

// shareRange is the likely range (Wilson's 95% interval) of the share n
// of of; nil ends when of is zero.
func shareRange(n, of int) (low, high *float64) {
	iv, ok := estimate.Wilson(n, of)
	if !ok {
		return nil, nil
	}
	return &iv.Low, &iv.High
}

// cycleEffectiveness answers GET /reports/cycle-effectiveness?from&to&rubric_id.
func (s *Server) cycleEffectiveness(c *gin.Context) {
	q := newQuery(c)
	from, to := q.span(anyDates)
	rubricID := q.id("rubric_id")
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.cycles.Effectiveness(c.Request.Context(), principal(c), cycles.ReportQuery{From: from, To: to, RubricID: rubricID})
	if err != nil {
		s.fail(c, err)
		return
	}
	out := effectivenessResponse{Kinds: make([]kindEffectResponse, len(r.Kinds)), Cycles: r.Cycles, FollowUps: r.FollowUps, Rose: r.Rose,
		RoseShare: share(r.Rose, r.FollowUps), LeftOut: r.LeftOut, FromRequests: requestEffectResponse{Cycles: r.FromRequests.Cycles,
			FollowUps: r.FromRequests.FollowUps, Rose: r.FromRequests.Rose, RoseShare: share(r.FromRequests.Rose, r.FromRequests.FollowUps)}}
	out.MinToJudge = cycles.MinShareToJudge
	out.groupChangeResponse = groupChangeOut(r.GroupChange)
	out.RubricID, out.Frameworks = r.RubricID, []frameworkRefBrief{}
	for _, f := range r.Frameworks {
		out.Frameworks = append(out.Frameworks, frameworkRefBrief(f))
	}
	out.RoseLow, out.RoseHigh = shareRange(r.Rose, r.FollowUps)
	out.FromRequests.RoseLow, out.FromRequests.RoseHigh = shareRange(r.FromRequests.Rose, r.FromRequests.FollowUps)
	if !r.From.IsZero() {
		out.From = &sync.Date{Time: r.From}
	}
	if !r.To.IsZero() {
		out.To = &sync.Date{Time: r.To}
	}
	for i, k := range r.Kinds {
		out.Kinds[i] = kindEffectResponse{Kind: string(k.Kind), Cycles: k.Cycles, FollowUps: k.FollowUps, Suppressed: k.Suppressed, LeftOut: k.LeftOut}
		if !k.Suppressed {
			rose := k.Rose
			out.Kinds[i].Rose, out.Kinds[i].RoseShare = &rose, share(k.Rose, k.FollowUps)
			// A suppressed kind has no range either: its ends would give its count back.
			out.Kinds[i].RoseLow, out.Kinds[i].RoseHigh = shareRange(k.Rose, k.FollowUps)
			out.Kinds[i].groupChangeResponse = groupChangeOut(k.GroupChange)
		}
	}
	c.JSON(http.StatusOK, out)
}

type workloadItem struct {
	CoachID           string   `json:"coach_id"`
	CoachName         string   `json:"coach_name"`
	SchoolIDs         []string `json:"school_ids"`
	OpenCycles        int      `json:"open_cycles"`
	FollowUpsThisWeek int      `json:"follow_ups_this_week"`
	FollowUpsNextWeek int      `json:"follow_ups_next_week"`
	Overdue           int      `json:"overdue"`
}

type workloadResponse struct {
	listResponse[workloadItem]
	// ThisWeek and NextWeek are the Mondays of the weeks counted, as dates.
	ThisWeek sync.Date `json:"this_week"`
	NextWeek sync.Date `json:"next_week"`
}

// coachWorkload answers GET /coaches/workload?cursor&limit.
func (s *Server) coachWorkload(c *gin.Context) {
	q := newQuery(c)
	pg := q.page("workload", keyOffset)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	ws, weeks, err := s.cycles.Workloads(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, workloadResponse{listResponse: slicePage(pg, ws, func(w cycles.Workload) workloadItem { return workloadItem(w) }),
		ThisWeek: sync.Date{Time: localDate(weeks.ThisWeek)}, NextWeek: sync.Date{Time: localDate(weeks.NextWeek)}})
}

// localDate is the calendar date of t in t's own location, at 00:00 UTC.
func localDate(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

type calendarResponse struct {
	Active bool   `json:"active"`
	Path   string `json:"path,omitempty"`
}

func (s *Server) getCalendar(c *gin.Context) {
	ok, err := s.cycles.HasCalendar(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, calendarResponse{Active: ok})
}

// resetCalendar answers POST /me/calendar: a new secret feed URL, shown
// once; the previous one stops working.
func (s *Server) resetCalendar(c *gin.Context) {
	secret, err := s.cycles.ResetCalendar(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, calendarResponse{Active: true, Path: cycles.CalendarPath(secret)})
}

// calendarFeed answers GET /calendar/{secret}.ics with no access token: the
// secret in the URL is the credential.
func (s *Server) calendarFeed(c *gin.Context) {
	file := c.Param("file")
	secret, ok := strings.CutSuffix(file, ".ics")
	if !ok {
		s.fail(c, domain.Errorf(domain.ENotFound, "no such calendar feed"))
		return
	}
	body, err := s.cycles.Calendar(c.Request.Context(), secret)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-cache")
	c.Header("Content-Disposition", `inline; filename="walkthrough-follow-ups.ics"`)
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", body)
}
