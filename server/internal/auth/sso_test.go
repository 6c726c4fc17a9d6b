package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

const ssoRedirect = "http://127.0.0.1:9/api/v1/auth/sso/callback"

// ssoWorld is a district whose identity provider is a real OpenID provider
// running in the test (mockoidc), with a district administrator and a coach.
type ssoWorld struct {
	store *store.Store
	svc   *Service
	idp   *mockoidc.MockOIDC
	admin domain.User
	coach domain.User
	// forge, when set, re-signs the next ID token with another key.
	forge bool
}

func eachSSOWorld(t *testing.T, fn func(t *testing.T, w *ssoWorld)) {
	t.Helper()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			s := testdb.Open(t, dialect)
			w := &ssoWorld{store: s}
			var err error
			if w.admin, err = CreateFirstAdmin(ctx, s, "", "ada@example.org", refreshPassword); err != nil {
				t.Fatal(err)
			}
			hash, err := HashPassword(refreshPassword)
			if err != nil {
				t.Fatal(err)
			}
			w.coach = domain.User{ID: domain.NewID(), DistrictID: w.admin.DistrictID, Email: "cora@example.org", Name: "Cora Coach",
				PasswordHash: hash, Active: true}
			if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, w.coach) }); err != nil {
				t.Fatal(err)
			}
			w.idp = startIDP(t, w)
			keys, err := NewKeyring()
			if err != nil {
				t.Fatal(err)
			}
			w.svc = NewService(s, NewTokens(keys, "walkthrough", "walkthrough-api", AccessTTL, nil), nil, nil)
			secret := make([]byte, KeyEncryptionKeySize)
			rand.Read(secret)
			if err := w.svc.ConfigureSSO(SSOOptions{SecretKey: secret}); err != nil {
				t.Fatal(err)
			}
			_, err = w.svc.PutIdentityProvider(ctx, Principal{User: w.admin}, IdentityProviderChange{Issuer: w.idp.Issuer(),
				ClientID: w.idp.ClientID, ClientSecret: w.idp.ClientSecret, Domains: []string{"Example.org"}, Label: "microsoft"}, Client{})
			if err != nil {
				t.Fatal(err)
			}
			fn(t, w)
		})
	}
}

// startIDP runs mockoidc on 127.0.0.1; its token endpoint re-signs the ID
// token with a key of its own when w.forge is set.
func startIDP(t *testing.T, w *ssoWorld) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.URL.Path != mockoidc.TokenEndpoint || !w.forge {
				next.ServeHTTP(rw, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err == nil {
				if raw, ok := body["id_token"].(string); ok {
					claims := jwt.MapClaims{}
					tok, _, err := jwt.NewParser().ParseUnverified(raw, claims)
					if err == nil {
						forged := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
						forged.Header["kid"] = tok.Header["kid"]
						body["id_token"], _ = forged.SignedString(other)
					}
				}
			}
			rw.Header().Set("Content-Type", "application/json")
			json.NewEncoder(rw).Encode(body)
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return m
}

// claimsUser is a provider account whose ID token the test may bend.
type claimsUser struct {
	*mockoidc.MockUser
	bend func(c *mockoidc.IDTokenClaims)
}

func (u claimsUser) Claims(scope []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.bend != nil {
		u.bend(c)
	}
	return u.MockUser.Claims(scope, c)
}

func account(email string, verified bool) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: "sub-" + email, Email: email, EmailVerified: verified}
}

// flight is a sign-in started at the app and answered by the provider.
type flight struct {
	state, code, binding, nonce string
}

// visitProvider starts a sign-in and follows the browser to the provider
// and back, as far as the provider's redirect to the app.
func (w *ssoWorld) visitProvider(t *testing.T, u mockoidc.User) flight {
	t.Helper()
	w.idp.QueueUser(u)
	authURL, binding, err := w.svc.StartSSO(context.Background(), w.admin.DistrictID, ssoRedirect)
	if err != nil {
		t.Fatal(err)
	}
	au, _ := url.Parse(authURL)
	if au.Query().Get("code_challenge_method") != "S256" || au.Query().Get("nonce") == "" || au.Query().Get("state") == "" {
		t.Fatalf("the authorization request lacks PKCE, nonce or state: %s", authURL)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(back.String(), ssoRedirect) {
		t.Fatalf("the provider answered %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	return flight{state: back.Query().Get("state"), code: back.Query().Get("code"), binding: binding, nonce: au.Query().Get("nonce")}
}

func (w *ssoWorld) finish(t *testing.T, f flight) (string, SSORefusal) {
	t.Helper()
	code, refusal, err := w.svc.FinishSSO(context.Background(), SSOCallback{State: f.state, Code: f.code, Binding: f.binding,
		RedirectURL: ssoRedirect}, Client{IP: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	return code, refusal
}

func TestSSOSignsInAMatchedUserWithTheAppsOwnTokens(t *testing.T) {
	eachSSOWorld(t, func(t *testing.T, w *ssoWorld) {
		ctx := context.Background()
		code, refusal := w.finish(t, w.visitProvider(t, account("Cora@Example.org", true)))
		if refusal != "" || code == "" {
			t.Fatalf("refused %q", refusal)
		}
		sess, err := w.svc.ExchangeSSO(ctx, code, Client{DeviceID: domain.NewID()})
		if err != nil {
			t.Fatal(err)
		}
		p, err := w.svc.Authenticate(ctx, "Bearer "+sess.AccessToken)
		if err != nil || p.User.ID != w.coach.ID {
			t.Fatalf("the access token does not work for the coach: %v %v", p.User.ID, err)
		}
		next, err := w.svc.Refresh(ctx, sess.RefreshToken, Client{})
		if err != nil || next.User.ID != w.coach.ID {
			t.Fatalf("the refresh token does not work: %v", err)
		}
		if _, err := w.svc.ExchangeSSO(ctx, code, Client{}); domain.ErrorCode(err) != domain.EUnauthorized {
			t.Errorf("the hand-off code worked twice: %v", err)
		}
		entries, err := w.store.AuditEntries(ctx, store.AuditFilter{DistrictID: w.admin.DistrictID, Action: "auth.sso_login", Limit: 10})
		if err != nil || len(entries) != 1 || entries[0].ActorID != w.coach.ID {
			t.Errorf("the sign-in is not audited once for the coach: %+v %v", entries, err)
		}
	})
}

func TestSSORefusals(t *testing.T) {
	past := func(c *mockoidc.IDTokenClaims) {
		c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-10 * time.Minute))
		c.IssuedAt = jwt.NewNumericDate(time.Now().Add(-20 * time.Minute))
		c.NotBefore = c.IssuedAt
	}
	cases := []struct {
		name string
		want SSORefusal
		run  func(t *testing.T, w *ssoWorld) (string, SSORefusal)
	}{
		{"wrong audience", SSOInvalid, func(t *testing.T, w *ssoWorld) (string, SSORefusal) {
			return w.finish(t, w.visitProvider(t, claimsUser{account("cora@example.org", true), func(c *mockoidc.IDTokenClaims) {
				c.Audience = jwt.ClaimStrings{"another-app"}
			}}))
		}},
		{"bad signature", SSOInvalid, func(t *testing.T, w *ssoWorld) (string, SSORefusal) {
			f := w.visitProvider(t, account("cora@example.org", true))
			w.forge = true
			return w.finish(t, f)
		}},
		{"expired ID token", SSOInvalid, func(t *testing.T, w *ssoWorld) (string, SSORefusal) {
			return w.finish(t, w.visitProvider(t, claimsUser{account("cora@example.org", true), past}))
		}},
		{"wrong nonce", SSOInvalid, func(t *testing.T, w *ssoWorld) (string, SSORefusal) {
			return w.finish(t, w.visitProvider(t, claimsUser{account("cora@example.org", true), func(c *mockoidc.IDTokenClaims) {
				c.Nonce = "not-the-nonce"
			}}))
		}},
		{"replayed nonce", SSOInvalid, func(t *testing.T, w *ssoWorld) (string, SSORefusal) {
			first := w.visitProvider(t, account("cora@example.org", true))
			if _, r := w.finish(t, first); r != "" {
				t.Fatalf("first sign-in refused %q", r)
			}
			return w.finish(t, w.visitProvider(t, claimsUser{account("cora@example.org", true), func(c *mockoidc.IDTokenClaims) {
				c.Nonce = first.nonce
			}}))
		}},
		{"replayed state", SSOExpired, func(t *testing.T, w *ssoWorld) (string, SSORefusal) {
			f := w.visitProvider(t, account("cora@example.org", true))
			if _, r := w.finish(t, f); r != "" {
				t.Fatalf("first sign-in refused %q", r)
			}
			return w.finish(t, f)
		}},
		{"another browser", SSOExpired, func(t *testing.T, w *ssoWorld) (string, SSORefusal) {
			f := w.visitProvider(t, account("cora@example.org", true))
			f.binding = "someone-else"
			return w.finish(t, f)
		}},
		{"unverified e-mail", SSOUnverified, func(t *testing.T, w *ssoWorld) (string, SSORefusal) {
			return w.finish(t, w.visitProvider(t, account("cora@example.org", false)))
		}},
		{"wrong domain", SSODomain, func(t *testing.T, w *ssoWorld) (string, SSORefusal) {
			return w.finish(t, w.visitProvider(t, account("cora@elsewhere.org", true)))
		}},
		{"unknown user", SSOUnknown, func(t *testing.T, w *ssoWorld) (string, SSORefusal) {
			return w.finish(t, w.visitProvider(t, account("nobody@example.org", true)))
		}},
		{"deactivated user", SSOInactive, func(t *testing.T, w *ssoWorld) (string, SSORefusal) {
			ctx := context.Background()
			u, err := w.store.UserRecord(ctx, w.coach.ID)
			if err != nil {
				t.Fatal(err)
			}
			u.Active, u.PasswordHash = false, ""
			if err := w.store.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateUser(ctx, u) }); err != nil {
				t.Fatal(err)
			}
			return w.finish(t, w.visitProvider(t, account("cora@example.org", true)))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachSSOWorld(t, func(t *testing.T, w *ssoWorld) {
				code, refusal := c.run(t, w)
				if refusal != c.want || code != "" {
					t.Errorf("answered refusal %q (code %q), want %q", refusal, code, c.want)
				}
			})
		})
	}
}

func TestSSOPasswordsOffKeepsTheAdministratorsPassword(t *testing.T) {
	eachSSOWorld(t, func(t *testing.T, w *ssoWorld) {
		ctx := context.Background()
		admin := Principal{User: w.admin}
		ip, err := w.svc.GetIdentityProvider(ctx, admin)
		if err != nil || !ip.SecretSet {
			t.Fatalf("%+v %v", ip, err)
		}
		raw, err := w.store.IdentityProvider(ctx, w.admin.DistrictID)
		if err != nil || strings.Contains(raw.ClientSecret, w.idp.ClientSecret) || !strings.HasPrefix(raw.ClientSecret, sealedPrefix) {
			t.Errorf("the client secret is stored as given: %q", raw.ClientSecret)
		}
		_, err = w.svc.PutIdentityProvider(ctx, admin, IdentityProviderChange{Issuer: ip.Issuer, ClientID: ip.ClientID,
			Domains: ip.Domains, Label: ip.Label, PasswordsOff: true, Rev: ip.Rev}, Client{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.Login(ctx, w.coach.Email, refreshPassword, Client{IP: "192.0.2.8"})
		if domain.ErrorCode(err) != domain.EForbidden || !strings.Contains(domain.ErrorMessage(err), "Sign in with Microsoft") {
			t.Errorf("the coach's password still works or the refusal does not name the button: %v", err)
		}
		if _, err := w.svc.Login(ctx, w.admin.Email, refreshPassword, Client{IP: "192.0.2.8"}); err != nil {
			t.Errorf("the district administrator is locked out: %v", err)
		}
		code, refusal := w.finish(t, w.visitProvider(t, account("cora@example.org", true)))
		if refusal != "" || code == "" {
			t.Errorf("single sign-on refused with passwords off: %q", refusal)
		}
		// The secret kept on a change that leaves it out still works.
		if _, err := w.svc.PutIdentityProvider(ctx, Principal{User: w.coach}, IdentityProviderChange{}, Client{}); domain.ErrorCode(err) != domain.EForbidden {
			t.Errorf("a coach changed the identity provider: %v", err)
		}
		b, ok, err := w.svc.SSOButtonFor(ctx, "anyone@EXAMPLE.org")
		if err != nil || !ok || b.DistrictID != w.admin.DistrictID || b.ButtonName() != "Microsoft" {
			t.Errorf("no button for the domain: %+v %v %v", b, ok, err)
		}
		if _, ok, _ := w.svc.SSOButtonFor(ctx, "anyone@elsewhere.org"); ok {
			t.Error("a button for a domain no district named")
		}
	})
}
