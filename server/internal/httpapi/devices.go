package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

type deviceResponse struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	UserAgent  string    `json:"user_agent"`
	SignedIn   bool      `json:"signed_in"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

// listDevices answers GET /users/{id}/devices?cursor&limit: where the user
// signed in.
func (s *Server) listDevices(c *gin.Context) {
	q := newQuery(c)
	pg := q.page("devices", keyOffset)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	ds, err := s.auth.Devices(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, slicePage(pg, ds, func(d store.DeviceSession) deviceResponse {
		return deviceResponse{ID: d.ID, Name: d.Name, UserAgent: d.UserAgent, SignedIn: d.SignedIn,
			CreatedAt: d.CreatedAt.UTC(), LastSeenAt: d.LastSeenAt.UTC()}
	}))
}

type signOutResponse struct {
	Revoked int64 `json:"revoked"`
}

// signOutDevice answers POST /users/{id}/devices/{device}/sign-out.
func (s *Server) signOutDevice(c *gin.Context) {
	n, err := s.auth.SignOutDevice(c.Request.Context(), principal(c), c.Param("id"), c.Param("device"), client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, signOutResponse{Revoked: n})
}
