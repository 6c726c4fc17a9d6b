package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

const (
	// tokenLeeway absorbs clock skew between servers when checking exp, nbf
	// and iat.
	tokenLeeway = 30 * time.Second
	// maxAuthorization caps the Authorization header, and so a token, before
	// any work is spent on it.
	maxAuthorization = 4096
)

var (
	errTokenInvalid = domain.Errorf(domain.EUnauthorized, "the access token is not valid")
	errTokenExpired = domain.Errorf(domain.EUnauthorized, "the access token has expired")
)

// AccessClaims are the claims of an access token.
type AccessClaims struct {
	jwt.RegisteredClaims        // iss, sub (user id), aud, exp, iat, nbf, jti
	DistrictID           string `json:"did"`
	SessionID            string `json:"sid"` // the refresh-token family this access token came from
}

// Tokens issues and verifies access tokens.
type Tokens struct {
	keys     *Keyring
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	parser   *jwt.Parser
}

// NewTokens builds the access-token issuer: issuer e.g. "walkthrough",
// audience "walkthrough-api", ttl about 15 minutes (AccessTTL when not
// positive), now is the clock (time.Now in production, and when nil; tests
// pass a fake).
func NewTokens(keys *Keyring, issuer, audience string, ttl time.Duration, now func() time.Time) *Tokens {
	if ttl <= 0 {
		ttl = AccessTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Tokens{
		keys: keys, issuer: issuer, audience: audience, ttl: ttl, now: now,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(tokenLeeway),
			jwt.WithTimeFunc(now),
			jwt.WithStrictDecoding(),
		),
	}
}

// Issue signs an EdDSA access token with header "kid" set to the signing
// key, claims sub=userID, did, sid, iss, aud, iat, nbf, exp, and a random jti.
// expiresAt is the exp claim.
func (t *Tokens) Issue(userID, districtID, sessionID string) (token string, expiresAt time.Time, err error) {
	if userID == "" || districtID == "" {
		return "", time.Time{}, errors.New("auth: issue: a token needs a user and a district")
	}
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("auth: issue: jti: %w", err)
	}
	now := t.now()
	exp := jwt.NewNumericDate(now.Add(t.ttl))
	claims := AccessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Subject:   userID,
			Audience:  jwt.ClaimStrings{t.audience},
			ExpiresAt: exp,
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        base64.RawURLEncoding.EncodeToString(jti[:]),
		},
		DistrictID: districtID,
		SessionID:  sessionID,
	}
	kid, key := t.keys.signing()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = kid
	token, err = tok.SignedString(key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: issue: %w", err)
	}
	return token, exp.Time, nil
}

// Verify checks the signature with the key named by kid (an unknown kid
// fails), the method allow-list (EdDSA only), issuer, audience, a required
// exp, iat not in the future, a 30-second leeway, non-empty sub and did; it
// uses the Tokens clock. Any failure is a *domain.Error with code
// domain.EUnauthorized and a short message that reveals nothing secret.
func (t *Tokens) Verify(token string) (AccessClaims, error) {
	if len(token) > maxAuthorization || !compactJWS(token) {
		return AccessClaims{}, errTokenInvalid
	}
	var c AccessClaims
	if _, err := t.parser.ParseWithClaims(token, &c, t.key); err != nil {
		// The parser checks the signature before the claims, so only a
		// genuine token is ever called expired.
		if errors.Is(err, jwt.ErrTokenExpired) {
			return AccessClaims{}, errTokenExpired
		}
		return AccessClaims{}, errTokenInvalid
	}
	// jwt.WithIssuer("") would check nothing; compare here as well.
	if c.Issuer != t.issuer || c.Subject == "" || c.DistrictID == "" {
		return AccessClaims{}, errTokenInvalid
	}
	return c, nil
}

// key finds the public key named by the token's kid.
func (t *Tokens) key(tok *jwt.Token) (any, error) {
	kid, _ := tok.Header["kid"].(string)
	if kid == "" {
		return nil, errors.New("no kid")
	}
	pub, ok := t.keys.publicKey(kid)
	if !ok {
		return nil, errors.New("unknown kid")
	}
	return pub, nil
}

// BearerToken takes the token out of an Authorization header value
// ("Bearer <token>", case-insensitive scheme). It refuses (ok=false) a header
// longer than 4096 bytes before any other work, an empty token, or one that
// is not three non-empty base64url segments joined by exactly two dots, so a
// megabyte of dots costs nothing.
func BearerToken(header string) (token string, ok bool) {
	if len(header) > maxAuthorization {
		return "", false
	}
	scheme, token, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(token, " ")
	if !compactJWS(token) {
		return "", false
	}
	return token, true
}

// compactJWS reports whether s has the shape of a compact JWS: three
// non-empty segments of base64url characters separated by two dots.
func compactJWS(s string) bool {
	dots, segment := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if segment == 0 {
				return false
			}
			dots, segment = dots+1, 0
			if dots > 2 {
				return false
			}
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
			segment++
		default:
			return false
		}
	}
	return dots == 2 && segment > 0
}
