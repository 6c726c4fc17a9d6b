package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/roster"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

type schoolResponse struct {
	ID         string    `json:"id"`
	ExternalID string    `json:"external_id,omitempty"`
	Name       string    `json:"name"`
	GradeBand  string    `json:"grade_band"`
	Active     bool      `json:"active"`
	Rev        int64     `json:"rev"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func toSchool(s domain.School) schoolResponse {
	return schoolResponse{ID: s.ID, ExternalID: s.ExternalID, Name: s.Name, GradeBand: s.GradeBand, Active: s.Active, Rev: s.Rev, UpdatedAt: s.UpdatedAt.UTC()}
}

// listSchools answers GET /schools?cursor&limit: the caller's schools by
// name.
func (s *Server) listSchools(c *gin.Context) {
	q := newQuery(c)
	pg := q.page("schools", keyText, keyID)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	schools, err := s.roster.Schools(c.Request.Context(), principal(c), store.Keyset{After: pg.After, Limit: pg.fetch()})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, pageOf(pg, schools, toSchool, store.SchoolKey))
}

type teacherResponse struct {
	ID         string    `json:"id"`
	SchoolID   string    `json:"school_id"`
	ExternalID string    `json:"external_id,omitempty"`
	GivenName  string    `json:"given_name"`
	FamilyName string    `json:"family_name"`
	Email      string    `json:"email,omitempty"`
	Grades     []string  `json:"grades"`
	Subjects   []string  `json:"subjects"`
	Active     bool      `json:"active"`
	Rev        int64     `json:"rev"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func toTeacher(t domain.Teacher) teacherResponse {
	return teacherResponse{ID: t.ID, SchoolID: t.SchoolID, ExternalID: t.ExternalID, GivenName: t.GivenName, FamilyName: t.FamilyName,
		Email: t.Email, Grades: orEmpty(t.Grades), Subjects: orEmpty(t.Subjects), Active: t.Active, Rev: t.Rev, UpdatedAt: t.UpdatedAt.UTC()}
}

// listTeachers answers GET /teachers?school_id&cursor&limit: the teachers
// of the caller's schools (of the schools named), by name.
func (s *Server) listTeachers(c *gin.Context) {
	q := newQuery(c)
	schoolIDs := q.ids("school_id")
	pg := q.page("teachers", keyText, keyText, keyID)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	teachers, err := s.roster.Teachers(c.Request.Context(), principal(c), schoolIDs, store.Keyset{After: pg.After, Limit: pg.fetch()})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, pageOf(pg, teachers, toTeacher, store.TeacherKey))
}

func (s *Server) getSchool(c *gin.Context) {
	sc, err := s.roster.School(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toSchool(sc))
}

type schoolRequest struct {
	Name       *string `json:"name,omitempty"`
	GradeBand  *string `json:"grade_band,omitempty"`
	ExternalID *string `json:"external_id,omitempty"`
	Active     *bool   `json:"active,omitempty"`
	// Rev, on a change, is the revision it was made on.
	Rev *int64 `json:"rev,omitempty"`
}

func (s *Server) createSchool(c *gin.Context) {
	var req schoolRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		s.fail(c, err)
		return
	}
	if req.Rev != nil {
		s.fail(c, domain.Invalid("a new school has no revision", domain.FieldError{Field: "rev", Message: "only a change names a revision"}))
		return
	}
	sc := domain.School{}
	if req.Name != nil {
		sc.Name = *req.Name
	}
	if req.GradeBand != nil {
		sc.GradeBand = *req.GradeBand
	}
	if req.ExternalID != nil {
		sc.ExternalID = *req.ExternalID
	}
	sc, err := s.roster.CreateSchool(c.Request.Context(), principal(c), sc, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toSchool(sc))
}

func (s *Server) updateSchool(c *gin.Context) {
	var req schoolRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		s.fail(c, err)
		return
	}
	sc, err := s.roster.UpdateSchool(c.Request.Context(), principal(c), c.Param("id"),
		roster.SchoolChange{Name: req.Name, GradeBand: req.GradeBand, ExternalID: req.ExternalID, Active: req.Active, Rev: req.Rev}, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toSchool(sc))
}

func (s *Server) getTeacher(c *gin.Context) {
	t, err := s.roster.Teacher(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toTeacher(t))
}

type teacherRequest struct {
	SchoolID   *string   `json:"school_id,omitempty"`
	ExternalID *string   `json:"external_id,omitempty"`
	GivenName  *string   `json:"given_name,omitempty"`
	FamilyName *string   `json:"family_name,omitempty"`
	Email      *string   `json:"email,omitempty"`
	Grades     *[]string `json:"grades,omitempty"`
	Subjects   *[]string `json:"subjects,omitempty"`
	Active     *bool     `json:"active,omitempty"`
	// Rev, on a change, is the revision it was made on.
	Rev *int64 `json:"rev,omitempty"`
}

func (r teacherRequest) change() roster.TeacherChange {
	return roster.TeacherChange{SchoolID: r.SchoolID, GivenName: r.GivenName, FamilyName: r.FamilyName, Email: r.Email,
		ExternalID: r.ExternalID, Grades: r.Grades, Subjects: r.Subjects, Active: r.Active, Rev: r.Rev}
}

func (s *Server) createTeacher(c *gin.Context) {
	var req teacherRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		s.fail(c, err)
		return
	}
	if req.Rev != nil {
		s.fail(c, domain.Invalid("a new teacher has no revision", domain.FieldError{Field: "rev", Message: "only a change names a revision"}))
		return
	}
	var t domain.Teacher
	roster.ApplyTeacherChange(&t, req.change())
	t, err := s.roster.CreateTeacher(c.Request.Context(), principal(c), t, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toTeacher(t))
}

func (s *Server) updateTeacher(c *gin.Context) {
	var req teacherRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.roster.UpdateTeacher(c.Request.Context(), principal(c), c.Param("id"), req.change(), client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toTeacher(t))
}
