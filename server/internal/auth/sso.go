package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Lifetimes of a single sign-on in flight. A person has ten minutes at
// their provider; the app has two minutes to exchange the code it is
// handed for its session. Both are spent by their first use.
const (
	SSORequestTTL = 10 * time.Minute
	SSOHandoffTTL = 2 * time.Minute
)

// Provider labels: what the sign-in button says.
var ssoLabels = []string{"google", "microsoft", "clever", "other"}

// SSOOptions are what single sign-on needs beyond the store.
type SSOOptions struct {
	// HTTPClient talks to the identity providers; http.DefaultClient when nil.
	HTTPClient *http.Client
	// SecretKey (KeyEncryptionKeySize bytes), when set, seals the client
	// secrets kept in the database; without it they are kept as given.
	SecretKey []byte
}

// ssoState is the service's single sign-on part: provider discovery
// documents are cached per issuer (a cache, not state: any server can
// fetch them again).
type ssoState struct {
	client *http.Client
	aead   cipher.AEAD
	mu     sync.Mutex
	cache  map[string]cachedProvider
}

type cachedProvider struct {
	p  *oidc.Provider
	at time.Time
}

// ConfigureSSO sets how the service reaches identity providers and seals
// their client secrets.
func (s *Service) ConfigureSSO(o SSOOptions) error {
	st := &ssoState{client: o.HTTPClient, cache: map[string]cachedProvider{}}
	if st.client == nil {
		st.client = http.DefaultClient
	}
	if len(o.SecretKey) > 0 {
		key, err := hkdf.Key(sha256.New, o.SecretKey, nil, "walkthrough identity provider secret v1", 32)
		if err != nil {
			return fmt.Errorf("auth: derive the secret key: %w", err)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return fmt.Errorf("auth: %w", err)
		}
		if st.aead, err = cipher.NewGCM(block); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	s.ssoMu.Lock()
	s.sso = st
	s.ssoMu.Unlock()
	return nil
}

func (s *Service) ssoConfig() *ssoState {
	s.ssoMu.Lock()
	defer s.ssoMu.Unlock()
	if s.sso == nil {
		s.sso = &ssoState{client: http.DefaultClient, cache: map[string]cachedProvider{}}
	}
	return s.sso
}

// IdentityProvider is a district's identity provider as its administrator
// sees it: the client secret is never answered, only whether one is set.
type IdentityProvider struct {
	Issuer       string
	ClientID     string
	SecretSet    bool
	Domains      []string
	Label        string
	LabelText    string
	PasswordsOff bool
	Rev          int64
	UpdatedAt    time.Time
}

// IdentityProviderChange is what an administrator (or the command line)
// sets. An empty ClientSecret keeps the stored one.
type IdentityProviderChange struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	Domains      []string
	Label        string
	LabelText    string
	PasswordsOff bool
	Rev          int64 // 0 to connect the first provider
}

func toIdentityProvider(p store.IdentityProvider) IdentityProvider {
	return IdentityProvider{Issuer: p.Issuer, ClientID: p.ClientID, SecretSet: p.ClientSecret != "", Domains: p.Domains,
		Label: p.Label, LabelText: p.LabelText, PasswordsOff: p.PasswordsOff, Rev: p.Rev, UpdatedAt: p.UpdatedAt}
}

// GetIdentityProvider reads the caller's district's identity provider;
// ENotFound when it has none.
func (s *Service) GetIdentityProvider(ctx context.Context, p Principal) (IdentityProvider, error) {
	if err := p.RequireAdmin(); err != nil {
		return IdentityProvider{}, err
	}
	ip, err := s.store.IdentityProvider(ctx, p.DistrictID())
	if err != nil {
		return IdentityProvider{}, err
	}
	return toIdentityProvider(ip), nil
}

// validate checks a change and normalises its domains.
func (c *IdentityProviderChange) validate(hasSecret bool) error {
	var pr domain.Problems
	u, err := url.Parse(strings.TrimSpace(c.Issuer))
	switch {
	case err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
		pr.Add("issuer", "must be the provider's issuer URL, such as https://accounts.google.com")
	case u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname())):
		pr.Add("issuer", "must be an https URL")
	}
	c.Issuer = strings.TrimSpace(c.Issuer)
	if c.ClientID = strings.TrimSpace(c.ClientID); c.ClientID == "" || len(c.ClientID) > 500 {
		pr.Add("client_id", "must be the client id the provider gave")
	}
	if c.ClientSecret == "" && !hasSecret {
		pr.Add("client_secret", "must be the client secret the provider gave")
	}
	if len(c.ClientSecret) > 2000 {
		pr.Add("client_secret", "is too long")
	}
	seen := map[string]bool{}
	var domains []string
	for _, d := range c.Domains {
		d = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(d), "@")))
		if d == "" || seen[d] {
			continue
		}
		if !validDomain(d) {
			pr.Add("domains", "%q is not an e-mail domain", d)
			continue
		}
		seen[d] = true
		domains = append(domains, d)
	}
	slices.Sort(domains)
	if len(domains) == 0 {
		pr.Add("domains", "must name at least one e-mail domain, such as district.org")
	}
	c.Domains = domains
	if !slices.Contains(ssoLabels, c.Label) {
		pr.Add("label", "must be google, microsoft, clever or other")
	}
	c.LabelText = strings.TrimSpace(c.LabelText)
	if c.Label == "other" && (c.LabelText == "" || len(c.LabelText) > 60) {
		pr.Add("label_text", "must name the provider on the button (up to 60 characters)")
	}
	return pr.Err("the identity provider is not right")
}

func loopback(host string) bool {
	return host == "127.0.0.1" || host == "localhost" || host == "::1"
}

func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// PutIdentityProvider connects or changes the caller's district's identity
// provider. The issuer must answer its discovery document. Audited as
// sso.provider_update, without the secret.
func (s *Service) PutIdentityProvider(ctx context.Context, p Principal, c IdentityProviderChange, cl Client) (IdentityProvider, error) {
	if err := p.RequireAdmin(); err != nil {
		return IdentityProvider{}, err
	}
	old, err := s.store.IdentityProvider(ctx, p.DistrictID())
	if err != nil && domain.ErrorCode(err) != domain.ENotFound {
		return IdentityProvider{}, err
	}
	if err := c.validate(old.ClientSecret != ""); err != nil {
		return IdentityProvider{}, err
	}
	if _, err := s.provider(ctx, c.Issuer); err != nil {
		return IdentityProvider{}, domain.Invalid("the issuer does not answer as an OpenID provider",
			domain.FieldError{Field: "issuer", Message: "has no OpenID discovery document (" + err.Error() + ")"})
	}
	secret := old.ClientSecret
	if c.ClientSecret != "" {
		if secret, err = s.sealSecret(p.DistrictID(), c.ClientSecret); err != nil {
			return IdentityProvider{}, err
		}
	}
	var saved store.IdentityProvider
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		saved, err = tx.PutIdentityProvider(ctx, store.IdentityProvider{DistrictID: p.DistrictID(), Issuer: c.Issuer, ClientID: c.ClientID,
			ClientSecret: secret, Domains: c.Domains, Label: c.Label, LabelText: c.LabelText, PasswordsOff: c.PasswordsOff}, c.Rev)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: "sso.provider_update",
			Entity: "district", EntityID: p.DistrictID(), IP: cl.IP, UserAgent: cl.UserAgent, Detail: map[string]any{
				"issuer": c.Issuer, "client_id": c.ClientID, "domains": c.Domains, "label": c.Label,
				"passwords_off": c.PasswordsOff, "secret_changed": c.ClientSecret != ""}})
	})
	if err != nil {
		return IdentityProvider{}, err
	}
	return toIdentityProvider(saved), nil
}

// DeleteIdentityProvider disconnects the caller's district's identity
// provider: its users sign in with passwords again. Audited as
// sso.provider_delete.
func (s *Service) DeleteIdentityProvider(ctx context.Context, p Principal, cl Client) error {
	if err := p.RequireAdmin(); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteIdentityProvider(ctx, p.DistrictID()); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: "sso.provider_delete",
			Entity: "district", EntityID: p.DistrictID(), IP: cl.IP, UserAgent: cl.UserAgent})
	})
}

const (
	sealedPrefix = "v1:"
	plainPrefix  = "plain:"
)

// sealSecret seals a client secret with AES-256-GCM bound to its district
// when the service has a secret key; otherwise it is kept marked plain.
func (s *Service) sealSecret(districtID, secret string) (string, error) {
	st := s.ssoConfig()
	if st.aead == nil {
		return plainPrefix + secret, nil
	}
	nonce := make([]byte, st.aead.NonceSize(), st.aead.NonceSize()+len(secret)+st.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("auth: nonce: %w", err)
	}
	return sealedPrefix + base64.RawURLEncoding.EncodeToString(st.aead.Seal(nonce, nonce, []byte(secret), []byte(districtID))), nil
}

func (s *Service) openSecret(districtID, stored string) (string, error) {
	if plain, ok := strings.CutPrefix(stored, plainPrefix); ok {
		return plain, nil
	}
	st := s.ssoConfig()
	raw, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok || st.aead == nil {
		return "", errors.New("auth: the client secret is sealed and this server has no key encryption key")
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(b) < st.aead.NonceSize() {
		return "", errors.New("auth: the client secret is damaged")
	}
	plain, err := st.aead.Open(nil, b[:st.aead.NonceSize()], b[st.aead.NonceSize():], []byte(districtID))
	if err != nil {
		return "", errors.New("auth: the client secret was sealed with another key encryption key")
	}
	return string(plain), nil
}

// provider fetches (or reuses for up to an hour) an issuer's discovery
// document.
func (s *Service) provider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	st := s.ssoConfig()
	st.mu.Lock()
	c, ok := st.cache[issuer]
	st.mu.Unlock()
	if ok && time.Since(c.at) < time.Hour {
		return c.p, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, st.client), issuer)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	st.cache[issuer] = cachedProvider{p: p, at: time.Now()}
	st.mu.Unlock()
	return p, nil
}

// SSOButton is what the sign-in screen shows for an e-mail domain.
type SSOButton struct {
	DistrictID   string
	Label        string
	LabelText    string
	PasswordsOff bool
}

// SSOButtonFor answers the sign-in button of the district whose provider
// answers for an e-mail address's domain. It depends on the domain alone,
// never on whether the address is a user's.
func (s *Service) SSOButtonFor(ctx context.Context, email string) (SSOButton, bool, error) {
	_, d, ok := strings.Cut(domain.NormalizeEmail(email), "@")
	if !ok || !validDomain(d) {
		return SSOButton{}, false, nil
	}
	ip, err := s.store.IdentityProviderForDomain(ctx, d)
	if domain.ErrorCode(err) == domain.ENotFound {
		return SSOButton{}, false, nil
	}
	if err != nil {
		return SSOButton{}, false, err
	}
	return SSOButton{DistrictID: ip.DistrictID, Label: ip.Label, LabelText: ip.LabelText, PasswordsOff: ip.PasswordsOff}, true, nil
}

func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func hashToken(t string) string { return hashRefresh(t) }

func (s *Service) oauthConfig(ctx context.Context, ip store.IdentityProvider, redirectURL string) (*oauth2.Config, *oidc.Provider, error) {
	prov, err := s.provider(ctx, ip.Issuer)
	if err != nil {
		return nil, nil, err
	}
	secret, err := s.openSecret(ip.DistrictID, ip.ClientSecret)
	if err != nil {
		return nil, nil, err
	}
	return &oauth2.Config{ClientID: ip.ClientID, ClientSecret: secret, Endpoint: prov.Endpoint(), RedirectURL: redirectURL,
		Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}, prov, nil
}

// StartSSO begins a sign-in with the district's provider: it stores the
// request's state, nonce and PKCE verifier (single-use, SSORequestTTL) and
// answers the provider's authorization URL and a binding the caller keeps
// in the browser (a cookie) so that only the browser that started the
// sign-in can finish it.
func (s *Service) StartSSO(ctx context.Context, districtID, redirectURL string) (authURL, binding string, err error) {
	ip, err := s.store.IdentityProvider(ctx, districtID)
	if err != nil {
		return "", "", err
	}
	cfg, _, err := s.oauthConfig(ctx, ip, redirectURL)
	if err != nil {
		return "", "", domain.Errorf(domain.EUnavailable, "the district's identity provider does not answer")
	}
	state, err := randomToken()
	if err != nil {
		return "", "", err
	}
	nonce, err := randomToken()
	if err != nil {
		return "", "", err
	}
	if binding, err = randomToken(); err != nil {
		return "", "", err
	}
	verifier := oauth2.GenerateVerifier()
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateSSORequest(ctx, store.SSORequest{StateHash: hashToken(state), DistrictID: districtID, Nonce: nonce,
			Verifier: verifier, BindingHash: hashToken(binding), ExpiresAt: tx.Now().Add(SSORequestTTL)})
	})
	if err != nil {
		return "", "", err
	}
	return cfg.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), binding, nil
}

// SSORefusal is why a single sign-on did not sign anyone in; the app shows
// a page for each.
type SSORefusal string

// The refusals, as the app's page names them.
const (
	SSOExpired    SSORefusal = "expired"    // the request is unknown, spent or too old, or another browser's
	SSODenied     SSORefusal = "denied"     // the provider answered an error (the person cancelled, say)
	SSOInvalid    SSORefusal = "invalid"    // the ID token failed a check: signature, audience, expiry, nonce
	SSOUnverified SSORefusal = "unverified" // the provider does not vouch for the e-mail address
	SSODomain     SSORefusal = "domain"     // the address is outside the district's domains
	SSOUnknown    SSORefusal = "unknown"    // no user of the district has this address
	SSOInactive   SSORefusal = "inactive"   // the user is deactivated
)

// SSOCallback is what the provider sent back to the browser.
type SSOCallback struct {
	State, Code, Error, Binding, RedirectURL string
}

// FinishSSO checks the provider's answer and, when it names an active user
// of the district by a verified address in its domains, answers a
// single-use hand-off code (SSOHandoffTTL) the app exchanges for its
// session. A refusal is answered as refusal with a nil error; err is for
// failures of the server itself.
func (s *Service) FinishSSO(ctx context.Context, cb SSOCallback, cl Client) (code string, refusal SSORefusal, err error) {
	if cb.State == "" || len(cb.State) > 200 {
		return "", SSOExpired, nil
	}
	var req store.SSORequest
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		req, err = tx.ConsumeSSORequest(ctx, hashToken(cb.State))
		return err
	})
	if domain.ErrorCode(err) == domain.ENotFound || (err == nil && req.BindingHash != hashToken(cb.Binding)) {
		return "", SSOExpired, nil
	}
	if err != nil {
		return "", "", err
	}
	refuse := func(r SSORefusal, userID, email, why string) (string, SSORefusal, error) {
		s.log.InfoContext(ctx, "single sign-on refused", "reason", string(r), "why", why, "district", req.DistrictID)
		err := s.store.InTx(ctx, func(tx *store.Tx) error {
			return tx.Audit(ctx, store.AuditEntry{DistrictID: req.DistrictID, ActorID: userID, Action: "auth.sso_refused",
				Entity: "district", EntityID: req.DistrictID, IP: cl.IP, UserAgent: cl.UserAgent,
				Detail: map[string]any{"reason": string(r), "email": email}})
		})
		return "", r, err
	}
	if cb.Error != "" || cb.Code == "" {
		return refuse(SSODenied, "", "", truncateText(cb.Error, 100))
	}
	ip, err := s.store.IdentityProvider(ctx, req.DistrictID)
	if domain.ErrorCode(err) == domain.ENotFound {
		return "", SSOExpired, nil // disconnected meanwhile
	}
	if err != nil {
		return "", "", err
	}
	cfg, prov, err := s.oauthConfig(ctx, ip, cb.RedirectURL)
	if err != nil {
		return "", "", domain.Errorf(domain.EUnavailable, "the district's identity provider does not answer")
	}
	hctx := oidc.ClientContext(ctx, s.ssoConfig().client)
	tok, err := cfg.Exchange(hctx, cb.Code, oauth2.VerifierOption(req.Verifier))
	if err != nil {
		return refuse(SSOInvalid, "", "", "code exchange: "+err.Error())
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return refuse(SSOInvalid, "", "", "no id_token")
	}
	idt, err := prov.VerifierContext(hctx, &oidc.Config{ClientID: ip.ClientID}).Verify(hctx, raw)
	if err != nil {
		return refuse(SSOInvalid, "", "", err.Error())
	}
	if idt.Nonce == "" || idt.Nonce != req.Nonce {
		return refuse(SSOInvalid, "", "", "nonce does not match")
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return refuse(SSOInvalid, "", "", err.Error())
	}
	email := domain.NormalizeEmail(claims.Email)
	if email == "" || !(claims.EmailVerified == true || claims.EmailVerified == "true") {
		return refuse(SSOUnverified, "", truncateText(email, 200), "email not verified")
	}
	_, d, _ := strings.Cut(email, "@")
	if !slices.Contains(ip.Domains, d) {
		return refuse(SSODomain, "", truncateText(email, 200), "domain not allowed")
	}
	u, err := s.store.UserByEmail(ctx, email)
	if domain.ErrorCode(err) == domain.ENotFound || (err == nil && u.DistrictID != ip.DistrictID) {
		return refuse(SSOUnknown, "", email, "no such user in the district")
	}
	if err != nil {
		return "", "", err
	}
	if !u.Active {
		return refuse(SSOInactive, u.ID, email, "deactivated")
	}
	handoff, err := randomToken()
	if err != nil {
		return "", "", err
	}
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateSSOHandoff(ctx, store.SSOHandoff{CodeHash: hashToken(handoff), DistrictID: u.DistrictID, UserID: u.ID,
			ExpiresAt: tx.Now().Add(SSOHandoffTTL)})
	})
	if err != nil {
		return "", "", err
	}
	return handoff, "", nil
}

var errBadHandoff = domain.Errorf(domain.EUnauthorized, "this sign-in link has been used or has expired; sign in again")

// ExchangeSSO trades a hand-off code for the app's own session, exactly as
// a password sign-in hands it out. Audited as auth.sso_login.
func (s *Service) ExchangeSSO(ctx context.Context, code string, c Client) (Session, error) {
	if code == "" || len(code) > 200 {
		return Session{}, errBadHandoff
	}
	var sess Session
	var u domain.User
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		h, err := tx.ConsumeSSOHandoff(ctx, hashToken(code))
		if domain.ErrorCode(err) == domain.ENotFound {
			return errBadHandoff
		}
		if err != nil {
			return err
		}
		if u, err = tx.UserRecord(ctx, h.UserID); err != nil || !u.Active || u.DistrictID != h.DistrictID {
			return errBadHandoff
		}
		sess, err = s.openSession(ctx, tx, u, c, "auth.sso_login")
		return err
	})
	if err != nil {
		return Session{}, err
	}
	return s.withAccess(sess, u)
}

// openSession registers the device and starts a refresh family for u,
// audited as action.
func (s *Service) openSession(ctx context.Context, tx *store.Tx, u domain.User, c Client, action string) (Session, error) {
	deviceID := c.DeviceID
	if !domain.ValidID(deviceID) {
		deviceID = domain.NewID()
	}
	if err := tx.PutDevice(ctx, store.Device{ID: deviceID, DistrictID: u.DistrictID, UserID: u.ID, Name: c.DeviceName, UserAgent: c.UserAgent}); err != nil {
		return Session{}, err
	}
	sess, err := s.newRefresh(ctx, tx, u, domain.NewID(), deviceID)
	if err != nil {
		return Session{}, err
	}
	return sess, tx.Audit(ctx, store.AuditEntry{DistrictID: u.DistrictID, ActorID: u.ID, Action: action, Entity: "user",
		EntityID: u.ID, IP: c.IP, UserAgent: c.UserAgent, Detail: map[string]any{"device_id": deviceID}})
}

// passwordsRefused says whether u's district has turned passwords off for
// them. District administrators keep their password, so that a provider
// that is down or misconfigured never locks a district out.
func (s *Service) passwordsRefused(ctx context.Context, u domain.User) (SSOButton, bool, error) {
	if u.HasRole(domain.RoleDistrictAdmin) {
		return SSOButton{}, false, nil
	}
	ip, err := s.store.IdentityProvider(ctx, u.DistrictID)
	if domain.ErrorCode(err) == domain.ENotFound {
		return SSOButton{}, false, nil
	}
	if err != nil {
		return SSOButton{}, false, err
	}
	return SSOButton{DistrictID: ip.DistrictID, Label: ip.Label, LabelText: ip.LabelText, PasswordsOff: ip.PasswordsOff}, ip.PasswordsOff, nil
}

// ButtonName is what the sign-in button names: "Google", "Microsoft",
// "Clever" or the district's own words.
func (b SSOButton) ButtonName() string {
	switch b.Label {
	case "google":
		return "Google"
	case "microsoft":
		return "Microsoft"
	case "clever":
		return "Clever"
	}
	return b.LabelText
}

func truncateText(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
