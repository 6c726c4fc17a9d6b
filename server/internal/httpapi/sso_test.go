package httpapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
)

// A district administrator connects a real OpenID provider (running in the
// test); a coach signs in with it through the router as a browser would and
// gets the app's own tokens; another district's administrator neither sees
// nor changes it; a user of another district is refused.
func TestSSOThroughTheRouter(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		idp, err := mockoidc.Run()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { idp.Shutdown() })
		put := map[string]any{"issuer": idp.Issuer(), "client_id": idp.ClientID, "client_secret": idp.ClientSecret,
			"domains": []string{"example.org"}, "label": "clever", "passwords_off": false, "rev": 0}
		if r := w.do(coach, "PUT", "/api/v1/district/identity-provider", put); r.Code != http.StatusForbidden {
			t.Errorf("a coach connected a provider: %d", r.Code)
		}
		r := w.do(admin, "PUT", "/api/v1/district/identity-provider", put)
		if r.Code != http.StatusOK {
			t.Fatalf("connect: %d %s", r.Code, r.Body)
		}
		r = w.do(admin, "GET", "/api/v1/district/identity-provider", nil)
		var ip identityProviderResponse
		r.decode(t, &ip)
		if !ip.Connected || !ip.SecretSet || ip.Rev != 1 || strings.Contains(r.Body.String(), idp.ClientSecret) {
			t.Errorf("the provider reads back wrong, or with its secret: %s", r.Body)
		}
		r = w.do(otherAdmin, "GET", "/api/v1/district/identity-provider", nil)
		if r.decode(t, &ip); ip.Connected {
			t.Errorf("another district's administrator sees district A's provider: %s", r.Body)
		}
		if r := w.do(otherAdmin, "DELETE", "/api/v1/district/identity-provider", nil); r.Code != http.StatusNotFound {
			t.Errorf("another district's administrator disconnected district A's provider: %d", r.Code)
		}
		var b ssoButtonResponse
		w.do(anonymous, "GET", "/api/v1/auth/sso/button?domain=example.org", nil).decode(t, &b)
		if !b.Found || b.DistrictID != w.districtA || b.Name != "Clever" {
			t.Fatalf("no button for example.org: %+v", b)
		}

		signIn := func(email string) string {
			t.Helper()
			idp.QueueUser(&mockoidc.MockUser{Subject: email, Email: email, EmailVerified: true})
			start := w.do(anonymous, "GET", "/api/v1/auth/sso/start?district="+b.DistrictID, nil)
			cookie := start.Header().Get("Set-Cookie")
			if start.Code != http.StatusFound || !strings.HasPrefix(start.Header().Get("Location"), idp.Issuer()) || !strings.Contains(cookie, "HttpOnly") {
				t.Fatalf("start: %d to %q, cookie %q", start.Code, start.Header().Get("Location"), cookie)
			}
			noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := noFollow.Get(start.Header().Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			back, _ := url.Parse(res.Header.Get("Location"))
			cb := w.doRaw(anonymous, "GET", back.RequestURI(), "", nil, "Cookie", strings.Split(cookie, ";")[0])
			if cb.Code != http.StatusFound {
				t.Fatalf("callback: %d", cb.Code)
			}
			if again := w.doRaw(anonymous, "GET", back.RequestURI(), "", nil, "Cookie", strings.Split(cookie, ";")[0]); again.Header().Get("Location") != "/sso?error=expired" {
				t.Errorf("a replayed callback answered %q", again.Header().Get("Location"))
			}
			return cb.Header().Get("Location")
		}
		to := signIn(w.users[coach].Email)
		code, ok := strings.CutPrefix(to, "/sso#code=")
		if !ok {
			t.Fatalf("the coach was sent to %q", to)
		}
		r = w.do(anonymous, "POST", "/api/v1/auth/sso/exchange", map[string]any{"code": code})
		if r.Code != http.StatusOK {
			t.Fatalf("exchange: %d %s", r.Code, r.Body)
		}
		var sess sessionResponse
		r.decode(t, &sess)
		w.access[coach] = sess.AccessToken
		var me meResponse
		w.do(coach, "GET", "/api/v1/me", nil).decode(t, &me)
		if me.User.ID != w.users[coach].ID {
			t.Errorf("the session is someone else's: %+v", me.User)
		}
		if r := w.do(anonymous, "POST", "/api/v1/auth/sso/exchange", map[string]any{"code": code}); r.Code != http.StatusUnauthorized {
			t.Errorf("the code worked twice: %d", r.Code)
		}
		if to := signIn(w.users[otherAdmin].Email); to != "/sso?error=unknown" {
			t.Errorf("a user of another district was sent to %q", to)
		}
	})
}
