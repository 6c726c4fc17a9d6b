package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// maxRubricBody bounds a rubric document.
const maxRubricBody = domain.MaxRubricSize

type rubricVersionSummary struct {
	ID          string     `json:"id"`
	Version     int        `json:"version"`
	Status      string     `json:"status"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
}

type rubricSummary struct {
	ID       string                 `json:"id"`
	Name     string                 `json:"name"`
	Main     bool                   `json:"main"`
	Retired  bool                   `json:"retired"`
	Versions []rubricVersionSummary `json:"versions"`
}

type rubricVersionResponse struct {
	ID          string             `json:"id"`
	RubricID    string             `json:"rubric_id"`
	Version     int                `json:"version"`
	Status      string             `json:"status"`
	PublishedAt *time.Time         `json:"published_at,omitempty"`
	Name        string             `json:"name"`
	Description string             `json:"description"`
	Levels      []domain.Level     `json:"levels"`
	Dimensions  []domain.Dimension `json:"dimensions"`
	Rev         int64              `json:"rev"`
}

func toRubricVersion(v domain.RubricVersion) rubricVersionResponse {
	return rubricVersionResponse{ID: v.ID, RubricID: v.RubricID, Version: v.Version, Status: string(v.Status), PublishedAt: v.PublishedAt,
		Name: v.Name, Description: v.Description, Levels: v.Levels, Dimensions: v.Dimensions, Rev: v.Rev}
}

// listRubrics answers GET /rubrics?cursor&limit: the district's frameworks
// with their versions.
func (s *Server) listRubrics(c *gin.Context) {
	q := newQuery(c)
	pg := q.page("rubrics", keyOffset)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	rs, err := s.rubrics.List(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, slicePage(pg, rs, func(r domain.Rubric) rubricSummary {
		out := rubricSummary{ID: r.ID, Name: r.Name, Main: r.Main, Retired: r.Retired}
		for _, v := range r.Versions {
			out.Versions = append(out.Versions, rubricVersionSummary{ID: v.ID, Version: v.Version, Status: string(v.Status), PublishedAt: v.PublishedAt})
		}
		return out
	}))
}

func (s *Server) getRubric(c *gin.Context) {
	v, err := s.rubrics.Version(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toRubricVersion(v))
}

// rubricTemplate answers the built-in framework as a rubric document, ready
// to adapt and post back as a draft.
func (s *Server) rubricTemplate(c *gin.Context) {
	doc, err := domain.MarshalRubric(s.rubrics.Template())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Data(http.StatusOK, "application/json", doc)
}

func (s *Server) readRubric(c *gin.Context) (domain.RubricVersion, bool) {
	body, err := readBody(c, maxRubricBody, "application/json")
	if err != nil {
		s.fail(c, err)
		return domain.RubricVersion{}, false
	}
	v, err := domain.ParseRubric(body)
	if err != nil {
		s.fail(c, err)
		return domain.RubricVersion{}, false
	}
	return v, true
}

// createRubric answers POST /rubrics[?rubric_id=…]: the body is a rubric
// document; it becomes a new draft.
func (s *Server) createRubric(c *gin.Context) {
	q := newQuery(c)
	rubricID := q.id("rubric_id")
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	v, ok := s.readRubric(c)
	if !ok {
		return
	}
	v, err := s.rubrics.CreateDraft(c.Request.Context(), principal(c), v, rubricID, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toRubricVersion(v))
}

func (s *Server) updateRubric(c *gin.Context) {
	q := newQuery(c)
	rev := q.revision("rev")
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	v, ok := s.readRubric(c)
	if !ok {
		return
	}
	v, err := s.rubrics.UpdateDraft(c.Request.Context(), principal(c), c.Param("id"), v, rev, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toRubricVersion(v))
}

func (s *Server) publishRubric(c *gin.Context) {
	v, err := s.rubrics.Publish(c.Request.Context(), principal(c), c.Param("id"), client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toRubricVersion(v))
}

func (s *Server) exportRubric(c *gin.Context) {
	v, err := s.rubrics.Version(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	doc, err := domain.MarshalRubric(v)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="rubric-v`+strconv.Itoa(v.Version)+`.json"`)
	c.Data(http.StatusOK, "application/json", doc)
}
