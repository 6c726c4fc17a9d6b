package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
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

func (s *Server) listSchools(c *gin.Context) {
	schools, err := s.roster.Schools(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[schoolResponse]{Items: make([]schoolResponse, len(schools))}
	for i, sc := range schools {
		out.Items[i] = toSchool(sc)
	}
	c.JSON(http.StatusOK, out)
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

// listTeachers answers GET /teachers?school_id=…, the teachers of the
// caller's schools.
func (s *Server) listTeachers(c *gin.Context) {
	teachers, err := s.roster.Teachers(c.Request.Context(), principal(c), c.Query("school_id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[teacherResponse]{Items: make([]teacherResponse, len(teachers))}
	for i, t := range teachers {
		out.Items[i] = toTeacher(t)
	}
	c.JSON(http.StatusOK, out)
}
