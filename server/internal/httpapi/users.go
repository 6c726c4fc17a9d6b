package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/roster"
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
	CreatedAt time.Time   `json:"created_at"`
}

func toUser(u domain.User) userResponse {
	r := userResponse{ID: u.ID, Email: u.Email, Name: u.Name, Active: u.Active, Grants: []grantJSON{}, CreatedAt: u.CreatedAt.UTC()}
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

type listResponse[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// listOf is a whole list (no further page), each item converted for the API.
func listOf[T, R any](items []T, conv func(T) R) listResponse[R] {
	out := listResponse[R]{Items: make([]R, len(items))}
	for i, it := range items {
		out.Items[i] = conv(it)
	}
	return out
}

func (s *Server) listUsers(c *gin.Context) {
	us, err := s.roster.Users(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, listOf(us, toUser))
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
}

func (s *Server) updateUser(c *gin.Context) {
	var req updateUserRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.roster.UpdateUser(c.Request.Context(), principal(c), c.Param("id"), roster.UserChange{
		Name: req.Name, Active: req.Active, Password: req.Password, Grant: toGrants(req.Grant), Revoke: toGrants(req.Revoke),
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

// directory answers GET /directory: who the caller may invite to a team.
func (s *Server) directory(c *gin.Context) {
	cs, err := s.roster.Directory(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[colleagueResponse]{Items: make([]colleagueResponse, len(cs))}
	for i, col := range cs {
		out.Items[i] = colleagueResponse{ID: col.ID, Name: col.Name, Grants: []grantJSON{}}
		for _, g := range col.Grants {
			out.Items[i].Grants = append(out.Items[i].Grants, grantJSON(g))
		}
	}
	c.JSON(http.StatusOK, out)
}
