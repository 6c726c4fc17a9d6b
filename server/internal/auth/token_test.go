package auth

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

const (
	tokIssuer   = "walkthrough"
	tokAudience = "walkthrough-api"
	tokTTL      = 15 * time.Minute
)

// tokStart is where every fake token clock starts.
var tokStart = time.Date(2026, 11, 23, 13, 5, 0, 0, time.UTC)

// fakeTokenClock is a clock that moves only when told.
type fakeTokenClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeTokenClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeTokenClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// tokenEnv is a keyring, a fake clock and the Tokens using both.
type tokenEnv struct {
	keys   *Keyring
	clock  *fakeTokenClock
	tokens *Tokens
}

func mustTokenKeyring(tb testing.TB) *Keyring {
	tb.Helper()
	k, err := NewKeyring()
	if err != nil {
		tb.Fatalf("NewKeyring: %v", err)
	}
	return k
}

func newTokenEnv(tb testing.TB) tokenEnv {
	tb.Helper()
	keys := mustTokenKeyring(tb)
	clock := &fakeTokenClock{t: tokStart}
	return tokenEnv{keys: keys, clock: clock, tokens: NewTokens(keys, tokIssuer, tokAudience, tokTTL, clock.Now)}
}

func mustIssue(tb testing.TB, tokens *Tokens, userID, districtID, sessionID string) string {
	tb.Helper()
	tok, _, err := tokens.Issue(userID, districtID, sessionID)
	if err != nil {
		tb.Fatalf("Issue: %v", err)
	}
	return tok
}

// goodClaims are the claims Issue would write at now.
func goodClaims(now time.Time) AccessClaims {
	return AccessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: tokIssuer, Subject: "user-1", Audience: jwt.ClaimStrings{tokAudience},
			ExpiresAt: jwt.NewNumericDate(now.Add(tokTTL)), NotBefore: jwt.NewNumericDate(now),
			IssuedAt: jwt.NewNumericDate(now), ID: "jti-1",
		},
		DistrictID: "district-1", SessionID: "session-1",
	}
}

// signClaims signs claims with method and key, naming kid in the header.
func signClaims(tb testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.Claims) string {
	tb.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		tb.Fatalf("sign: %v", err)
	}
	return s
}

// signingKey returns the keyring's signing kid and keys.
func signingKey(tb testing.TB, k *Keyring) (string, ed25519.PrivateKey, ed25519.PublicKey) {
	tb.Helper()
	kid, priv := k.signing()
	pub, ok := k.publicKey(kid)
	if !ok {
		tb.Fatalf("no public key for the signing kid %q", kid)
	}
	return kid, priv, pub
}

// tamperOneChar changes one character of a base64url JSON segment so that it
// still decodes to valid, different JSON: only the signature can catch it.
func tamperOneChar(tb testing.TB, seg string) string {
	tb.Helper()
	orig, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		tb.Fatalf("decode payload: %v", err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := len(seg) / 2; i < len(seg)-1; i++ {
		for _, r := range []byte(alphabet) {
			if r == seg[i] {
				continue
			}
			b := []byte(seg)
			b[i] = r
			dec, err := base64.RawURLEncoding.Strict().DecodeString(string(b))
			if err == nil && json.Valid(dec) && !bytes.Equal(dec, orig) {
				return string(b)
			}
		}
	}
	tb.Fatal("no one-character change keeps the payload valid JSON")
	return ""
}

func assertUnauthorized(tb testing.TB, claims AccessClaims, err error) {
	tb.Helper()
	if got := domain.ErrorCode(err); got != domain.EUnauthorized {
		tb.Fatalf("error code = %q (%v), want %q", got, err, domain.EUnauthorized)
	}
	if claims.Subject != "" || claims.DistrictID != "" || claims.SessionID != "" {
		tb.Errorf("refused token still returned claims %+v", claims)
	}
}

func TestIssueVerify(t *testing.T) {
	env := newTokenEnv(t)
	tok, exp, err := env.tokens.Issue("user-1", "district-1", "session-1")
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	if want := tokStart.Add(tokTTL); !exp.Equal(want) {
		t.Errorf("expiresAt = %v, want %v", exp, want)
	}

	env.clock.Advance(time.Minute)
	c, err := env.tokens.Verify(tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if c.Subject != "user-1" || c.DistrictID != "district-1" || c.SessionID != "session-1" {
		t.Errorf("sub, did, sid = %q, %q, %q", c.Subject, c.DistrictID, c.SessionID)
	}
	if c.Issuer != tokIssuer || len(c.Audience) != 1 || c.Audience[0] != tokAudience {
		t.Errorf("iss, aud = %q, %q", c.Issuer, c.Audience)
	}
	if c.IssuedAt == nil || !c.IssuedAt.Equal(tokStart) || c.NotBefore == nil || !c.NotBefore.Equal(tokStart) {
		t.Errorf("iat, nbf = %v, %v, want %v", c.IssuedAt, c.NotBefore, tokStart)
	}
	if c.ExpiresAt == nil || !c.ExpiresAt.Equal(exp) {
		t.Errorf("exp = %v, want %v", c.ExpiresAt, exp)
	}
	if c.ID == "" {
		t.Error("no jti")
	}

	parsed, _, err := jwt.NewParser().ParseUnverified(tok, &AccessClaims{})
	if err != nil {
		t.Fatalf("ParseUnverified: %v", err)
	}
	if parsed.Method.Alg() != "EdDSA" {
		t.Errorf("alg = %q, want EdDSA", parsed.Method.Alg())
	}
	if kid := parsed.Header["kid"]; kid != env.keys.SigningKID() {
		t.Errorf("kid = %v, want %q", kid, env.keys.SigningKID())
	}

	other, err := env.tokens.Verify(mustIssue(t, env.tokens, "user-1", "district-1", "session-1"))
	if err != nil {
		t.Fatalf("Verify second token: %v", err)
	}
	if other.ID == c.ID {
		t.Errorf("two tokens share the jti %q", c.ID)
	}
}

func TestVerifyLeeway(t *testing.T) {
	env := newTokenEnv(t)
	tok := mustIssue(t, env.tokens, "user-1", "district-1", "session-1")
	env.clock.Advance(tokTTL + tokenLeeway - time.Second)
	if _, err := env.tokens.Verify(tok); err != nil {
		t.Fatalf("Verify within the leeway: %v", err)
	}
	env.clock.Advance(2 * time.Second)
	c, err := env.tokens.Verify(tok)
	assertUnauthorized(t, c, err)
	if msg := domain.ErrorMessage(err); !strings.Contains(msg, "expired") {
		t.Errorf("message = %q, want it to say the token expired", msg)
	}
}

func TestVerifyRefuses(t *testing.T) {
	tests := []struct {
		name  string
		token func(t *testing.T, env tokenEnv) string
	}{
		{"no token", func(t *testing.T, env tokenEnv) string {
			if tok, ok := BearerToken(""); ok {
				t.Errorf("BearerToken(\"\") = %q, true", tok)
			}
			if tok, ok := BearerToken("Bearer "); ok {
				t.Errorf("BearerToken(\"Bearer \") = %q, true", tok)
			}
			return ""
		}},
		{"garbage", func(t *testing.T, env tokenEnv) string { return "abc.def.ghi" }},
		{"alg none", func(t *testing.T, env tokenEnv) string {
			return signClaims(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, env.keys.SigningKID(), goodClaims(tokStart))
		}},
		{"alg none with a signature segment", func(t *testing.T, env tokenEnv) string {
			tok := signClaims(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, env.keys.SigningKID(), goodClaims(tokStart))
			return tok + "c2ln"
		}},
		{"HS256 keyed with the public key", func(t *testing.T, env tokenEnv) string {
			kid, _, pub := signingKey(t, env.keys)
			return signClaims(t, jwt.SigningMethodHS256, []byte(pub), kid, goodClaims(tokStart))
		}},
		{"HS256 keyed with the public key PEM", func(t *testing.T, env tokenEnv) string {
			kid, _, pub := signingKey(t, env.keys)
			der, err := x509.MarshalPKIXPublicKey(pub)
			if err != nil {
				t.Fatal(err)
			}
			secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
			return signClaims(t, jwt.SigningMethodHS256, secret, kid, goodClaims(tokStart))
		}},
		{"expired", func(t *testing.T, env tokenEnv) string {
			tok := mustIssue(t, env.tokens, "user-1", "district-1", "session-1")
			env.clock.Advance(tokTTL + tokenLeeway + time.Second)
			return tok
		}},
		{"no exp", func(t *testing.T, env tokenEnv) string {
			kid, priv, _ := signingKey(t, env.keys)
			c := goodClaims(tokStart)
			c.ExpiresAt = nil
			return signClaims(t, jwt.SigningMethodEdDSA, priv, kid, c)
		}},
		{"wrong issuer", func(t *testing.T, env tokenEnv) string {
			kid, priv, _ := signingKey(t, env.keys)
			c := goodClaims(tokStart)
			c.Issuer = "someone-else"
			return signClaims(t, jwt.SigningMethodEdDSA, priv, kid, c)
		}},
		{"no issuer", func(t *testing.T, env tokenEnv) string {
			kid, priv, _ := signingKey(t, env.keys)
			c := goodClaims(tokStart)
			c.Issuer = ""
			return signClaims(t, jwt.SigningMethodEdDSA, priv, kid, c)
		}},
		{"wrong audience", func(t *testing.T, env tokenEnv) string {
			return mustIssue(t, NewTokens(env.keys, tokIssuer, "another-api", tokTTL, env.clock.Now), "user-1", "district-1", "session-1")
		}},
		{"no audience", func(t *testing.T, env tokenEnv) string {
			kid, priv, _ := signingKey(t, env.keys)
			c := goodClaims(tokStart)
			c.Audience = nil
			return signClaims(t, jwt.SigningMethodEdDSA, priv, kid, c)
		}},
		{"unknown kid", func(t *testing.T, env tokenEnv) string {
			other := NewTokens(mustTokenKeyring(t), tokIssuer, tokAudience, tokTTL, env.clock.Now)
			return mustIssue(t, other, "user-1", "district-1", "session-1")
		}},
		{"known kid, another key", func(t *testing.T, env tokenEnv) string {
			_, priv, _ := signingKey(t, mustTokenKeyring(t))
			return signClaims(t, jwt.SigningMethodEdDSA, priv, env.keys.SigningKID(), goodClaims(tokStart))
		}},
		{"no kid", func(t *testing.T, env tokenEnv) string {
			_, priv, _ := signingKey(t, env.keys)
			return signClaims(t, jwt.SigningMethodEdDSA, priv, "", goodClaims(tokStart))
		}},
		{"tampered payload", func(t *testing.T, env tokenEnv) string {
			parts := strings.Split(mustIssue(t, env.tokens, "user-1", "district-1", "session-1"), ".")
			parts[1] = tamperOneChar(t, parts[1])
			return strings.Join(parts, ".")
		}},
		{"iat in the future", func(t *testing.T, env tokenEnv) string {
			kid, priv, _ := signingKey(t, env.keys)
			c := goodClaims(tokStart.Add(time.Hour))
			c.NotBefore = nil
			return signClaims(t, jwt.SigningMethodEdDSA, priv, kid, c)
		}},
		{"nbf in the future", func(t *testing.T, env tokenEnv) string {
			kid, priv, _ := signingKey(t, env.keys)
			c := goodClaims(tokStart)
			c.NotBefore = jwt.NewNumericDate(tokStart.Add(time.Hour))
			return signClaims(t, jwt.SigningMethodEdDSA, priv, kid, c)
		}},
		{"no sub", func(t *testing.T, env tokenEnv) string {
			kid, priv, _ := signingKey(t, env.keys)
			c := goodClaims(tokStart)
			c.Subject = ""
			return signClaims(t, jwt.SigningMethodEdDSA, priv, kid, c)
		}},
		{"no did", func(t *testing.T, env tokenEnv) string {
			kid, priv, _ := signingKey(t, env.keys)
			c := goodClaims(tokStart)
			c.DistrictID = ""
			return signClaims(t, jwt.SigningMethodEdDSA, priv, kid, c)
		}},
		{"too long", func(t *testing.T, env tokenEnv) string {
			kid, priv, _ := signingKey(t, env.keys)
			c := goodClaims(tokStart)
			c.SessionID = strings.Repeat("s", maxAuthorization)
			return signClaims(t, jwt.SigningMethodEdDSA, priv, kid, c)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTokenEnv(t)
			tok := tt.token(t, env)
			c, err := env.tokens.Verify(tok)
			assertUnauthorized(t, c, err)
			if tok != "" && strings.Contains(err.Error(), tok) {
				t.Errorf("the error repeats the token: %v", err)
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		header string
		want   string
		ok     bool
	}{
		{"Bearer aaa.bbb.ccc", "aaa.bbb.ccc", true},
		{"bearer aaa.bbb.ccc", "aaa.bbb.ccc", true},
		{"BEARER  a-_1.b.c", "a-_1.b.c", true},
		{"Bearer " + strings.Repeat("a", maxAuthorization-len("Bearer ")-2) + "..", "", false},
		{"Bearer " + strings.Repeat("a", maxAuthorization-len("Bearer a.b.")) + "a.b.c", "", false},
		{"", "", false},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Bearer    ", "", false},
		{"Basic aaa.bbb.ccc", "", false},
		{"Bearerx aaa.bbb.ccc", "", false},
		{"aaa.bbb.ccc", "", false},
		{"Bearer aaa.bbb", "", false},
		{"Bearer aaa.bbb.ccc.ddd", "", false},
		{"Bearer aaa..ccc", "", false},
		{"Bearer .bbb.ccc", "", false},
		{"Bearer aaa.bbb.", "", false},
		{"Bearer aaa.bbb.ccc ddd", "", false},
		{"Bearer aaa.b=b.ccc", "", false},
		{"Bearer aaa.bbb.ccc\n", "aaa.bbb.ccc", true},
	}
	for _, tt := range tests {
		got, ok := BearerToken(tt.header)
		if got != tt.want || ok != tt.ok {
			name := tt.header
			if len(name) > 40 {
				name = name[:40] + "…"
			}
			t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", name, got, ok, tt.want, tt.ok)
		}
	}

	// The longest header allowed still works.
	tok := "a." + strings.Repeat("b", maxAuthorization-len("Bearer a.b.")) + ".c"
	if got, ok := BearerToken("Bearer " + tok); !ok || got != tok {
		t.Errorf("a %d-byte header was refused", len("Bearer "+tok))
	}
	if _, ok := BearerToken("Bearer " + tok + "c"); ok {
		t.Errorf("a %d-byte header was accepted", len("Bearer "+tok+"c"))
	}
}

func TestBearerTokenMegabyteOfDots(t *testing.T) {
	header := "Bearer " + strings.Repeat(".", 1<<20)
	tok, ok := BearerToken(header)
	if ok || tok != "" {
		t.Fatalf("BearerToken = %.20q, %v; want refused", tok, ok)
	}
	if allocs := testing.AllocsPerRun(100, func() { BearerToken(header) }); allocs != 0 {
		t.Errorf("refusing allocates %v times", allocs)
	}

	env := newTokenEnv(t)
	c, err := env.tokens.Verify(header[len("Bearer "):])
	assertUnauthorized(t, c, err)
}

func TestTokensWhileRotating(t *testing.T) {
	env := newTokenEnv(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				tok, _, err := env.tokens.Issue("user-1", "district-1", "session-1")
				if err != nil {
					t.Errorf("Issue: %v", err)
					return
				}
				if _, err := env.tokens.Verify(tok); err != nil {
					t.Errorf("Verify: %v", err)
					return
				}
			}
		}()
	}
	for range 10 {
		if _, err := env.keys.Rotate(); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
	}
	wg.Wait()
}
