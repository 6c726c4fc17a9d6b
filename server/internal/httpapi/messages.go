package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/mail"
)

type messageChoiceResponse struct {
	Kind  string `json:"kind"`
	Label string `json:"label"`
	Who   string `json:"who"`
	On    bool   `json:"on"`
}

type messagePreferencesResponse struct {
	Messages []messageChoiceResponse `json:"messages"`
	Rev      int64                   `json:"rev"`
}

func toMessagePreferences(p mail.Preferences) messagePreferencesResponse {
	r := messagePreferencesResponse{Rev: p.Rev, Messages: []messageChoiceResponse{}}
	for _, ch := range mail.Choices() {
		r.Messages = append(r.Messages, messageChoiceResponse{Kind: ch.Kind, Label: ch.Label, Who: ch.Who, On: p.On(ch.Kind)})
	}
	return r
}

// getMessagePreferences answers GET /me/message-preferences: each kind of
// message the caller may turn off, on or off.
func (s *Server) getMessagePreferences(c *gin.Context) {
	p := principal(c)
	prefs, err := s.mail.Preferences(c.Request.Context(), p.DistrictID(), p.User.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toMessagePreferences(prefs))
}

type messagePreferencesChange struct {
	// Messages turns kinds on (true) or off (false); kinds left out stay.
	Messages map[string]bool `json:"messages"`
	Rev      *int64          `json:"rev"`
}

// putMessagePreferences answers PUT /me/message-preferences {messages, rev}.
func (s *Server) putMessagePreferences(c *gin.Context) {
	var req messagePreferencesChange
	if err := decodeJSON(c, 16<<10, &req); err != nil {
		s.fail(c, err)
		return
	}
	if req.Rev == nil {
		s.fail(c, domain.Invalid("the preferences are not valid", domain.FieldError{Field: "rev", Message: "is required"}))
		return
	}
	p := principal(c)
	prefs, err := s.mail.SetPreferences(c.Request.Context(), p.DistrictID(), p.User.ID, *req.Rev, req.Messages)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toMessagePreferences(prefs))
}

type unsubscribedResponse struct {
	Kind  string `json:"kind"`
	Label string `json:"label"`
	Email string `json:"email"`
}

// unsubscribe answers POST /unsubscribe?token=…: the one-click unsubscribe
// of RFC 8058 (a mail client posts List-Unsubscribe=One-Click to the
// message's List-Unsubscribe address) and the app's /unsubscribe page. It
// turns off the one kind of message the signed link names; no sign-in.
func (s *Server) unsubscribe(c *gin.Context) {
	token := c.Query("token")
	if token == "" {
		token = c.PostForm("token")
	}
	u, err := s.mail.Unsubscribe(c.Request.Context(), token)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, unsubscribedResponse{Kind: u.Kind, Label: u.Label, Email: u.Email})
}

// unsubscribePage answers GET /unsubscribe?token=… (the address in a
// message's List-Unsubscribe header, opened in a browser) with the app's
// /unsubscribe page, which asks before turning anything off: a GET changes
// nothing, since mail scanners follow links.
func (s *Server) unsubscribePage(c *gin.Context) {
	c.Header("Location", "/unsubscribe?"+c.Request.URL.RawQuery)
	c.Status(http.StatusSeeOther)
}
