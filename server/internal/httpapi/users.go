package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/roster"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

type grantJSON struct {
	Role     domain.Role `json:"role"`
	SchoolID string      `json:"school_id,omitempty"`
}

type userResponse struct {
	ID        string      `json:"id"`
	Email     string      `json:"email"`
	Name      string      `json:"name"`
	Active    bool        `json:"active"`
	Grants    []grantJSON `json:"grants"`
	Rev       int64       `json:"rev"`
	CreatedAt time.Time   `json:"created_at"`
}

func toUser(u domain.User) userResponse {
	r := userResponse{ID: u.ID, Email: u.Email, Name: u.Name, Active: u.Active, Grants: []grantJSON{}, Rev: u.Rev, CreatedAt: u.CreatedAt.UTC()}
	for _, g := range u.Grants {
		r.Grants = append(r.Grants, grantJSON(g))
	}
	return r
}

func toGrants(gs []grantJSON) []domain.RoleGrant {
	out := make([]domain.RoleGrant, len(gs))
	for i, g := range gs {
		out[i] = domain.RoleGrant(g)
	}
	return out
}

// listUsers answers GET /users?cursor&limit: the district's users by name.
func (s *Server) listUsers(c *gin.Context) {
	q := newQuery(c)
	pg := q.page("users", keyText, keyID)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	us, err := s.roster.Users(c.Request.Context(), principal(c), store.Keyset{After: pg.After, Limit: pg.fetch()})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, pageOf(pg, us, toUser, store.UserKey))
}

func (s *Server) getUser(c *gin.Context) {
	u, err := s.roster.User(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toUser(u))
}

type createUserRequest struct {
	Email    string      `json:"email"`
	Name     string      `json:"name"`
	Password string      `json:"password"`
	Grants   []grantJSON `json:"grants"`
}

func (s *Server) createUser(c *gin.Context) {
	var req createUserRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.roster.CreateUser(c.Request.Context(), principal(c),
		roster.NewUser{Email: req.Email, Name: req.Name, Password: req.Password, Grants: toGrants(req.Grants)}, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toUser(u))
}

type updateUserRequest struct {
	Name     *string     `json:"name,omitempty"`
	Active   *bool       `json:"active,omitempty"`
	Password *string     `json:"password,omitempty"`
	Grant    []grantJSON `json:"grant,omitempty"`
	Revoke   []grantJSON `json:"revoke,omitempty"`
	// Rev is the revision the change was made on.
	Rev *int64 `json:"rev,omitempty"`
}

func (s *Server) updateUser(c *gin.Context) {
	var req updateUserRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.roster.UpdateUser(c.Request.Context(), principal(c), c.Param("id"), roster.UserChange{
		Name: req.Name, Active: req.Active, Password: req.Password, Grant: toGrants(req.Grant), Revoke: toGrants(req.Revoke), Rev: req.Rev,
	}, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toUser(u))
}

type colleagueResponse struct {
	ID     string      `json:"id"`
	Name   string      `json:"name"`
	Grants []grantJSON `json:"grants"`
}

// directory answers GET /directory?cursor&limit: who the caller may invite
// to a team.
func (s *Server) directory(c *gin.Context) {
	q := newQuery(c)
	pg := q.page("directory", keyOffset)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	cs, err := s.roster.Directory(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, slicePage(pg, cs, func(col roster.Colleague) colleagueResponse {
		out := colleagueResponse{ID: col.ID, Name: col.Name, Grants: []grantJSON{}}
		for _, g := range col.Grants {
			out.Grants = append(out.Grants, grantJSON(g))
		}
		return out
	}))
}
