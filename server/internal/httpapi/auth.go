package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

const principalKey = "principal"

// authenticate resolves the bearer token into the caller, or answers 401.
func (s *Server) authenticate(c *gin.Context) {
	p, err := s.auth.Authenticate(c.Request.Context(), c.GetHeader("Authorization"))
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="walkthrough"`)
		s.fail(c, err)
		return
	}
	c.Set(principalKey, p)
	c.Next()
}

func principal(c *gin.Context) auth.Principal {
	p, _ := c.Get(principalKey)
	pr, _ := p.(auth.Principal)
	return pr
}

func client(c *gin.Context) auth.Client {
	return auth.Client{IP: c.ClientIP(), UserAgent: truncate(c.Request.UserAgent(), 300)}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

type loginRequest struct {
	Email      string `json:"email"`
	Password   string `json:"password"`
	DeviceID   string `json:"device_id,omitempty"`
	DeviceName string `json:"device_name,omitempty"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

type sessionResponse struct {
	AccessToken  string       `json:"access_token"`
	TokenType    string       `json:"token_type"`
	ExpiresIn    int          `json:"expires_in"`
	RefreshToken string       `json:"refresh_token"`
	User         userResponse `json:"user"`
}

func (s *Server) sessionJSON(c *gin.Context, sess auth.Session) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, sessionResponse{
		AccessToken: sess.AccessToken, TokenType: "Bearer", ExpiresIn: int(time.Until(sess.ExpiresAt).Seconds()),
		RefreshToken: sess.RefreshToken, User: toUser(sess.User),
	})
}

func (s *Server) login(c *gin.Context) {
	var req loginRequest
	if err := decodeJSON(c, 16<<10, &req); err != nil {
		s.fail(c, err)
		return
	}
	cl := client(c)
	cl.DeviceID, cl.DeviceName = req.DeviceID, truncate(req.DeviceName, 100)
	sess, err := s.auth.Login(c.Request.Context(), req.Email, req.Password, cl)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.sessionJSON(c, sess)
}

func (s *Server) refresh(c *gin.Context) {
	var req refreshRequest
	if err := decodeJSON(c, 16<<10, &req); err != nil {
		s.fail(c, err)
		return
	}
	sess, err := s.auth.Refresh(c.Request.Context(), req.RefreshToken, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.sessionJSON(c, sess)
}

func (s *Server) logout(c *gin.Context) {
	if err := s.auth.Logout(c.Request.Context(), principal(c), client(c)); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type meResponse struct {
	User       userResponse     `json:"user"`
	Schools    []string         `json:"school_ids"`
	AllSchools bool             `json:"all_schools"`
	District   districtResponse `json:"district"`
}

type districtResponse struct {
	ID       string                  `json:"id"`
	Name     string                  `json:"name"`
	TimeZone string                  `json:"time_zone"`
	Settings domain.DistrictSettings `json:"settings"`
	Rev      int64                   `json:"rev"`
}

func (s *Server) me(c *gin.Context) {
	p := principal(c)
	d, err := s.auth.District(c.Request.Context(), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	sc := p.Scope()
	c.JSON(http.StatusOK, meResponse{User: toUser(p.User), Schools: orEmpty(sc.SchoolIDs), AllSchools: sc.AllSchools,
		District: toDistrict(d)})
}

func orEmpty(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// fail answers err; a rate limit also says when to come back.
func (s *Server) fail(c *gin.Context, err error) {
	if d := domain.ErrorRetryAfter(err); d > 0 {
		c.Header("Retry-After", strconv.Itoa(int(d.Seconds())))
	}
	fail(c, s.log, err)
}
