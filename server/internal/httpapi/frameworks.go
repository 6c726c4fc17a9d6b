package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rubrics"
)

type assignmentResponse struct {
	ID        string     `json:"id"`
	SchoolIDs []string   `json:"school_ids"`
	Kinds     []string   `json:"kinds"`
	StartsAt  time.Time  `json:"starts_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
}

type frameworkResponse struct {
	ID          string                 `json:"id"`
	Name        string                 `json:"name"`
	Main        bool                   `json:"main"`
	RetiredAt   *time.Time             `json:"retired_at,omitempty"`
	Versions    []rubricVersionSummary `json:"versions"`
	Assignments []assignmentResponse   `json:"assignments"`
	Rev         int64                  `json:"rev"`
}

func toFramework(f domain.Framework) frameworkResponse {
	out := frameworkResponse{ID: f.ID, Name: f.Name, Main: f.Main, RetiredAt: f.RetiredAt, Rev: f.Rev,
		Versions: []rubricVersionSummary{}, Assignments: []assignmentResponse{}}
	for _, v := range f.Versions {
		out.Versions = append(out.Versions, rubricVersionSummary{ID: v.ID, Version: v.Version, Status: string(v.Status), PublishedAt: v.PublishedAt})
	}
	for _, a := range f.Assignments {
		out.Assignments = append(out.Assignments, toAssignment(a))
	}
	return out
}

func toAssignment(a domain.Assignment) assignmentResponse {
	r := assignmentResponse{ID: a.ID, SchoolIDs: a.SchoolIDs, Kinds: []string{}, StartsAt: a.StartsAt, EndedAt: a.EndedAt}
	if r.SchoolIDs == nil {
		r.SchoolIDs = []string{}
	}
	for _, k := range a.Kinds {
		r.Kinds = append(r.Kinds, string(k))
	}
	return r
}

// listFrameworks answers GET /frameworks: every framework with where it
// applies, for an administrator.
func (s *Server) listFrameworks(c *gin.Context) {
	q := newQuery(c)
	pg := q.page("frameworks", keyOffset)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	fs, err := s.rubrics.Frameworks(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, slicePage(pg, fs, toFramework))
}

type reachSchool struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type reachFramework struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Main bool   `json:"main"`
}

type reachResponse struct {
	Framework   reachFramework   `json:"framework"`
	From        time.Time        `json:"from"`
	EverySchool bool             `json:"every_school"`
	Schools     []reachSchool    `json:"schools"`
	EveryKind   bool             `json:"every_kind"`
	Kinds       []string         `json:"kinds"`
	Observers   int              `json:"observers"`
	Others      []reachFramework `json:"others"`
}

// frameworkReach answers GET /frameworks/{id}/reach: who scores with the
// framework now, or, with proposed=true, once it is also assigned to the
// schools and kinds given.
func (s *Server) frameworkReach(c *gin.Context) {
	q := newQuery(c)
	proposed := q.boolean("proposed")
	schools := q.ids("school_id")
	kindNames := q.enums("kind", kindValues()...)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	kinds := make([]domain.WalkthroughKind, len(kindNames))
	for i, k := range kindNames {
		kinds[i] = domain.WalkthroughKind(k)
	}
	r, err := s.rubrics.Reach(c.Request.Context(), principal(c), c.Param("id"), proposed, schools, kinds)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toReach(r))
}

func toReach(r rubrics.Reach) reachResponse {
	out := reachResponse{Framework: reachFramework{ID: r.Framework.ID, Name: r.Framework.Name, Main: r.Framework.Main}, From: r.From,
		EverySchool: r.EverySchool, Schools: []reachSchool{}, EveryKind: r.EveryKind, Kinds: []string{}, Observers: r.Observers, Others: []reachFramework{}}
	for _, sc := range r.Schools {
		out.Schools = append(out.Schools, reachSchool{ID: sc.ID, Name: sc.Name})
	}
	for _, k := range r.Kinds {
		out.Kinds = append(out.Kinds, string(k))
	}
	for _, f := range r.Others {
		out.Others = append(out.Others, reachFramework{ID: f.ID, Name: f.Name, Main: f.Main})
	}
	return out
}

func kindValues() []string {
	out := make([]string, len(domain.WalkthroughKinds))
	for i, k := range domain.WalkthroughKinds {
		out[i] = string(k)
	}
	return out
}

type assignRequest struct {
	SchoolIDs []string `json:"school_ids"`
	Kinds     []string `json:"kinds"`
	// Rev is the framework's revision the assignment was decided on.
	Rev *int64 `json:"rev,omitempty"`
}

// assignFramework answers POST /frameworks/{id}/assignments.
func (s *Server) assignFramework(c *gin.Context) {
	var req assignRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		s.fail(c, err)
		return
	}
	a := domain.Assignment{SchoolIDs: req.SchoolIDs}
	for _, k := range req.Kinds {
		a.Kinds = append(a.Kinds, domain.WalkthroughKind(k))
	}
	f, err := s.rubrics.Assign(c.Request.Context(), principal(c), c.Param("id"), a, req.Rev, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toFramework(f))
}

type revRequest struct {
	Rev *int64 `json:"rev,omitempty"`
}

// rollbackAssignment answers POST /frameworks/{id}/assignments/{assignment}/rollback.
func (s *Server) rollbackAssignment(c *gin.Context) {
	var req revRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		s.fail(c, err)
		return
	}
	f, err := s.rubrics.Rollback(c.Request.Context(), principal(c), c.Param("id"), c.Param("assignment"), req.Rev, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toFramework(f))
}

// retireFramework answers POST /frameworks/{id}/retire.
func (s *Server) retireFramework(c *gin.Context) {
	var req revRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		s.fail(c, err)
		return
	}
	f, err := s.rubrics.Retire(c.Request.Context(), principal(c), c.Param("id"), req.Rev, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toFramework(f))
}

type mainRequest struct {
	Rev *int64 `json:"rev,omitempty"`
	// KeepPrevious keeps the former main framework on offer at every school
	// and kind.
	KeepPrevious bool `json:"keep_previous"`
}

// makeMainFramework answers POST /frameworks/{id}/main.
func (s *Server) makeMainFramework(c *gin.Context) {
	var req mainRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		s.fail(c, err)
		return
	}
	f, err := s.rubrics.MakeMain(c.Request.Context(), principal(c), c.Param("id"), req.Rev, req.KeepPrevious, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toFramework(f))
}
