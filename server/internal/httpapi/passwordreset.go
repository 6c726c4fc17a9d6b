package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type forgotPasswordRequest struct {
	Email string `json:"email"`
}

// forgotPassword answers POST /auth/forgot-password {email} with 202
// whether or not the address belongs to someone: a reset link goes to it
// when it does.
func (s *Server) forgotPassword(c *gin.Context) {
	var req forgotPasswordRequest
	if err := decodeJSON(c, 4<<10, &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.auth.ForgotPassword(c.Request.Context(), req.Email, client(c)); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusAccepted)
}

type resetPasswordRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// resetPassword answers POST /auth/reset-password {token, password}: the
// link's token sets a new password once; the user then signs in with it.
func (s *Server) resetPassword(c *gin.Context) {
	var req resetPasswordRequest
	if err := decodeJSON(c, 4<<10, &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.auth.ResetPassword(c.Request.Context(), req.Token, req.Password, client(c)); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
