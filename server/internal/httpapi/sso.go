package httpapi

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// ssoCookie binds a sign-in in flight to the browser that started it.
const ssoCookie = "wt_sso"

type identityProviderResponse struct {
	Connected    bool     `json:"connected"`
	Issuer       string   `json:"issuer"`
	ClientID     string   `json:"client_id"`
	SecretSet    bool     `json:"client_secret_set"`
	Domains      []string `json:"domains"`
	Label        string   `json:"label"`
	LabelText    string   `json:"label_text"`
	PasswordsOff bool     `json:"passwords_off"`
	Rev          int64    `json:"rev"`
}

func toIdentityProvider(ip auth.IdentityProvider) identityProviderResponse {
	return identityProviderResponse{Connected: true, Issuer: ip.Issuer, ClientID: ip.ClientID, SecretSet: ip.SecretSet,
		Domains: orEmpty(ip.Domains), Label: ip.Label, LabelText: ip.LabelText, PasswordsOff: ip.PasswordsOff, Rev: ip.Rev}
}

// getIdentityProvider answers GET /district/identity-provider: never the
// client secret, only whether one is set; connected false when none is.
func (s *Server) getIdentityProvider(c *gin.Context) {
	ip, err := s.auth.GetIdentityProvider(c.Request.Context(), principal(c))
	if domain.ErrorCode(err) == domain.ENotFound {
		c.JSON(http.StatusOK, identityProviderResponse{Domains: []string{}})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toIdentityProvider(ip))
}

type putIdentityProviderRequest struct {
	Issuer       string   `json:"issuer"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret,omitempty"`
	Domains      []string `json:"domains"`
	Label        string   `json:"label"`
	LabelText    string   `json:"label_text,omitempty"`
	PasswordsOff bool     `json:"passwords_off"`
	Rev          int64    `json:"rev"`
}

// putIdentityProvider answers PUT /district/identity-provider.
func (s *Server) putIdentityProvider(c *gin.Context) {
	var req putIdentityProviderRequest
	if err := decodeJSON(c, 64<<10, &req); err != nil {
		s.fail(c, err)
		return
	}
	ip, err := s.auth.PutIdentityProvider(c.Request.Context(), principal(c), auth.IdentityProviderChange{Issuer: req.Issuer,
		ClientID: req.ClientID, ClientSecret: req.ClientSecret, Domains: req.Domains, Label: req.Label, LabelText: req.LabelText,
		PasswordsOff: req.PasswordsOff, Rev: req.Rev}, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toIdentityProvider(ip))
}

// deleteIdentityProvider answers DELETE /district/identity-provider.
func (s *Server) deleteIdentityProvider(c *gin.Context) {
	if err := s.auth.DeleteIdentityProvider(c.Request.Context(), principal(c), client(c)); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type ssoButtonResponse struct {
	Found        bool   `json:"found"`
	DistrictID   string `json:"district_id"`
	Label        string `json:"label"`
	Name         string `json:"name"`
	PasswordsOff bool   `json:"passwords_off"`
}

// ssoButton answers GET /auth/sso/button?domain=: the sign-in button of the
// district whose provider answers for an e-mail domain. It depends on the
// domain alone, so it says nothing of whether an address is a user's.
func (s *Server) ssoButton(c *gin.Context) {
	b, ok, err := s.auth.SSOButtonFor(c.Request.Context(), "someone@"+c.Query("domain"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if !ok {
		c.JSON(http.StatusOK, ssoButtonResponse{})
		return
	}
	c.JSON(http.StatusOK, ssoButtonResponse{Found: true, DistrictID: b.DistrictID, Label: b.Label, Name: b.ButtonName(), PasswordsOff: b.PasswordsOff})
}

// redirectURL is where the provider sends the browser back: the configured
// public URL, or the address this request came to.
func (s *Server) redirectURL(c *gin.Context) string {
	base := s.baseURL
	if base == "" {
		scheme := "http"
		if c.Request.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + c.Request.Host
	}
	return strings.TrimRight(base, "/") + "/api/v1/auth/sso/callback"
}

// ssoStart answers GET /auth/sso/start?district=: a redirect to the
// district's provider, the browser bound by a cookie.
func (s *Server) ssoStart(c *gin.Context) {
	authURL, binding, err := s.auth.StartSSO(c.Request.Context(), c.Query("district"), s.redirectURL(c))
	if err != nil {
		if domain.ErrorCode(err) == domain.ENotFound || domain.ErrorCode(err) == domain.EUnavailable {
			redirect(c, "/sso?error=unavailable")
			return
		}
		s.fail(c, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: ssoCookie, Value: binding, Path: "/api/v1/auth/sso", MaxAge: int(auth.SSORequestTTL / time.Second),
		HttpOnly: true, Secure: c.Request.TLS != nil || strings.HasPrefix(s.baseURL, "https:"), SameSite: http.SameSiteLaxMode})
	c.Header("Cache-Control", "no-store")
	redirect(c, authURL)
}

// ssoCallback answers GET /auth/sso/callback, where the provider sends the
// browser back: a redirect to the app's /sso page, with a single-use code
// in the fragment (never sent to a server or in a Referer) or the reason
// it was refused.
func (s *Server) ssoCallback(c *gin.Context) {
	binding, _ := c.Cookie(ssoCookie)
	http.SetCookie(c.Writer, &http.Cookie{Name: ssoCookie, Value: "", Path: "/api/v1/auth/sso", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	c.Header("Cache-Control", "no-store")
	code, refusal, err := s.auth.FinishSSO(c.Request.Context(), auth.SSOCallback{State: c.Query("state"), Code: c.Query("code"),
		Error: c.Query("error"), Binding: binding, RedirectURL: s.redirectURL(c)}, client(c))
	switch {
	case err != nil:
		s.log.WarnContext(c.Request.Context(), "single sign-on failed", "err", err)
		redirect(c, "/sso?error=unavailable")
	case refusal != "":
		redirect(c, "/sso?error="+url.QueryEscape(string(refusal)))
	default:
		redirect(c, "/sso#code="+url.QueryEscape(code))
	}
}

type ssoExchangeRequest struct {
	Code       string `json:"code"`
	DeviceID   string `json:"device_id,omitempty"`
	DeviceName string `json:"device_name,omitempty"`
}

// ssoExchange answers POST /auth/sso/exchange: the app's own session for a
// hand-off code, exactly as a password sign-in answers.
func (s *Server) ssoExchange(c *gin.Context) {
	var req ssoExchangeRequest
	if err := decodeJSON(c, 16<<10, &req); err != nil {
		s.fail(c, err)
		return
	}
	cl := client(c)
	cl.DeviceID, cl.DeviceName = req.DeviceID, truncate(req.DeviceName, 100)
	sess, err := s.auth.ExchangeSSO(c.Request.Context(), req.Code, cl)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.sessionJSON(c, sess)
}

// redirect sends the browser on with a bare 302: no body.
func redirect(c *gin.Context, to string) {
	c.Header("Location", to)
	c.Status(http.StatusFound)
}
