package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Lifetimes. A refresh token lives about 30 days from its last use, so that
// a tablet back from a week or more offline can still sync.
const (
	AccessTTL  = 15 * time.Minute
	RefreshTTL = 30 * 24 * time.Hour
)

// RefreshGrace is how long after a refresh token is spent presenting it
// again answers the same successor rather than revoking the family as
// theft (RFC 9700, section 4.14.2): two tabs that refresh at once, or a
// retry after an answer lost on a flaky network, keep the user signed in.
// It is measured on the store's clock, the one that stamped the token spent.
// Longer would widen what a stolen spent token is worth; shorter would not
// cover a retry over a slow link.
const RefreshGrace = 30 * time.Second

// Service signs people in and out and says who a request comes from.
type Service struct {
	store    *store.Store
	tokens   *Tokens
	log      *slog.Logger
	now      func() time.Time
	throttle ThrottlePolicy
	mailer   MessageQueuer
	baseURL  string

	ssoMu sync.Mutex
	sso   *ssoState // single sign-on: see ConfigureSSO
}

// NewService builds the sign-in service.
func NewService(s *store.Store, tokens *Tokens, log *slog.Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: s, tokens: tokens, log: log, now: now, throttle: DefaultThrottle()}
}

// Client is where a request comes from.
type Client struct {
	IP         string
	UserAgent  string
	DeviceID   string // the device's own id, when it sends one
	DeviceName string
}

// Session is what a sign-in or refresh hands the client.
type Session struct {
	AccessToken  string
	ExpiresAt    time.Time
	RefreshToken string
	User         domain.User
}

var errBadCredentials = domain.Errorf(domain.EUnauthorized, "the email or password is not right")

// Login checks an email and password. An unknown email, a wrong password and
// a deactivated account get the same answer after the same work.
func (s *Service) Login(ctx context.Context, email, password string, c Client) (Session, error) {
	email = domain.NormalizeEmail(email)
	keys := []string{"account:" + email, "client:" + c.IP}
	for _, k := range keys {
		if err := s.checkThrottle(ctx, k); err != nil {
			return Session{}, err
		}
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && domain.ErrorCode(err) != domain.ENotFound {
		return Session{}, err
	}
	ok := VerifyPassword(u.PasswordHash, password) // costs the same for a missing user
	if !ok || !u.Active || u.ID == "" {
		if err := s.store.RecordFailure(ctx, keys, s.now().Add(-s.throttle.Window), s.throttle.next); err != nil {
			return Session{}, err
		}
		if u.ID != "" {
			_ = s.store.InTx(ctx, func(tx *store.Tx) error {
				return tx.Audit(ctx, store.AuditEntry{DistrictID: u.DistrictID, ActorID: u.ID, Action: "auth.login_failed",
					Entity: "user", EntityID: u.ID, IP: c.IP, UserAgent: c.UserAgent})
			})
		}
		return Session{}, errBadCredentials
	}
	if err := s.store.ClearThrottle(ctx, keys[0]); err != nil {
		return Session{}, err
	}
	if b, refused, err := s.passwordsRefused(ctx, u); err != nil {
		return Session{}, err
	} else if refused {
		return Session{}, domain.Errorf(domain.EForbidden, "your district signs in with %s: use the “Sign in with %s” button", b.ButtonName(), b.ButtonName())
	}
	var sess Session
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		sess, err = s.openSession(ctx, tx, u, c, "auth.login")
		return err
	})
	if err != nil {
		return Session{}, err
	}
	return s.withAccess(sess, u)
}

func (s *Service) newRefresh(ctx context.Context, tx *store.Tx, u domain.User, familyID, deviceID string) (Session, error) {
	token, err := newRefreshToken()
	if err != nil {
		return Session{}, err
	}
	return s.saveRefresh(ctx, tx, u, domain.NewID(), familyID, deviceID, token)
}

// saveRefresh stores a refresh token of the family under id, its hash only.
func (s *Service) saveRefresh(ctx context.Context, tx *store.Tx, u domain.User, id, familyID, deviceID, token string) (Session, error) {
	dev := &deviceID
	if deviceID == "" {
		dev = nil
	}
	t := store.RefreshToken{ID: id, DistrictID: u.DistrictID, UserID: u.ID, DeviceID: dev, FamilyID: familyID,
		TokenHash: hashRefresh(token), ExpiresAt: tx.Now().Add(RefreshTTL)}
	if err := tx.CreateRefreshToken(ctx, t); err != nil {
		return Session{}, err
	}
	return Session{RefreshToken: token, User: u, AccessToken: familyID}, nil
}

// withAccess signs the access token; newRefresh left the family id in
// AccessToken for it.
func (s *Service) withAccess(sess Session, u domain.User) (Session, error) {
	tok, exp, err := s.tokens.Issue(u.ID, u.DistrictID, sess.AccessToken)
	if err != nil {
		return Session{}, err
	}
	sess.AccessToken, sess.ExpiresAt, sess.User = tok, exp, u
	return sess, nil
}

var errBadRefresh = domain.Errorf(domain.EUnauthorized, "the session has ended; sign in again")

// Refresh rotates a refresh token: the old one is spent and a new one of
// the same family is returned with a new access token. The same token
// presented again within RefreshGrace of being spent answers the same
// successor with a new access token; presented later, it revokes its whole
// family, the newest token too, as a stolen token would.
func (s *Service) Refresh(ctx context.Context, refreshToken string, c Client) (Session, error) {
	if len(refreshToken) > 200 || !strings.HasPrefix(refreshToken, refreshPrefix) {
		return Session{}, errBadRefresh
	}
	hash := hashRefresh(refreshToken)
	successorID := domain.NewID()
	successor, err := newRefreshToken()
	if err != nil {
		return Session{}, err
	}
	sealed, err := sealSuccessor(refreshToken, successorID, successor)
	if err != nil {
		return Session{}, err
	}
	var sess Session
	var u domain.User
	reused, again := false, false
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		t, consumed, err := tx.ConsumeRefreshToken(ctx, hash, successorID, sealed)
		if domain.ErrorCode(err) == domain.ENotFound {
			return errBadRefresh
		}
		if err != nil {
			return err
		}
		if !consumed {
			if t.UsedAt == nil || t.RevokedAt != nil {
				return errBadRefresh // expired or revoked
			}
			next, ok, err := successorInGrace(ctx, tx, t, refreshToken)
			if err != nil {
				return err
			}
			if ok {
				again = true
				if u, err = tx.UserRecord(ctx, t.UserID); err != nil || !u.Active {
					return errBadRefresh
				}
				sess = Session{RefreshToken: next, User: u, AccessToken: t.FamilyID}
				return nil
			}
			reused = true
			n, err := tx.RevokeRefreshFamily(ctx, t.FamilyID)
			if err != nil {
				return err
			}
			return tx.Audit(ctx, store.AuditEntry{DistrictID: t.DistrictID, ActorID: t.UserID, Action: "auth.refresh_reuse",
				Entity: "session", EntityID: t.FamilyID, IP: c.IP, UserAgent: c.UserAgent, Detail: map[string]any{"revoked": n}})
		}
		u, err = tx.UserRecord(ctx, t.UserID)
		if err != nil || !u.Active {
			return errBadRefresh
		}
		if sess, err = s.saveRefresh(ctx, tx, u, successorID, t.FamilyID, deref(t.DeviceID), successor); err != nil {
			return err
		}
		return tx.ForgetSealedSuccessors(ctx, t.FamilyID, tx.Now().Add(-RefreshGrace))
	})
	if err != nil {
		return Session{}, err
	}
	if reused {
		s.log.WarnContext(ctx, "refresh token reused: session revoked", "ip", c.IP)
		return Session{}, errBadRefresh
	}
	if again {
		s.log.DebugContext(ctx, "refresh token presented again within the grace period", "ip", c.IP)
	}
	return s.withAccess(sess, u)
}

// successorInGrace answers the successor of a token spent less than
// RefreshGrace ago, opened with the spent token itself, when that successor
// is still live. ok is false when the grace is over or the successor cannot
// be handed back; the caller then takes the token for stolen.
func successorInGrace(ctx context.Context, tx *store.Tx, t store.RefreshToken, spent string) (token string, ok bool, err error) {
	if t.ReplacedBy == nil || t.SuccessorSealed == "" || tx.Now().Sub(*t.UsedAt) > RefreshGrace {
		return "", false, nil
	}
	token, err = openSuccessor(spent, *t.ReplacedBy, t.SuccessorSealed)
	if err != nil {
		return "", false, nil
	}
	next, err := tx.RefreshToken(ctx, *t.ReplacedBy)
	if domain.ErrorCode(err) == domain.ENotFound {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if next.RevokedAt != nil || !next.ExpiresAt.After(tx.Now()) || next.FamilyID != t.FamilyID || next.TokenHash != hashRefresh(token) {
		return "", false, nil
	}
	return token, true, nil
}

// Logout ends the caller's session: every token of its family stops working.
func (s *Service) Logout(ctx context.Context, p Principal, c Client) error {
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.RevokeRefreshFamily(ctx, p.SessionID); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: "auth.logout",
			Entity: "session", EntityID: p.SessionID, IP: c.IP, UserAgent: c.UserAgent})
	})
}

var errNoSession = domain.Errorf(domain.EUnauthorized, "sign in to continue")

// Authenticate turns an Authorization header into the caller. The user and
// grants are read afresh, so a deactivation, a revoked grant or a logout
// takes effect on the next request, not at token expiry.
func (s *Service) Authenticate(ctx context.Context, header string) (Principal, error) {
	raw, ok := BearerToken(header)
	if !ok {
		return Principal{}, errNoSession
	}
	claims, err := s.tokens.Verify(raw)
	if err != nil {
		return Principal{}, err
	}
	u, err := s.store.UserRecord(ctx, claims.Subject)
	if domain.ErrorCode(err) == domain.ENotFound {
		return Principal{}, errNoSession
	}
	if err != nil {
		return Principal{}, err
	}
	if !u.Active || u.DistrictID != claims.DistrictID {
		return Principal{}, errNoSession
	}
	live, err := s.store.FamilyLive(ctx, claims.SessionID)
	if err != nil {
		return Principal{}, err
	}
	if !live {
		return Principal{}, errNoSession
	}
	return Principal{User: u, SessionID: claims.SessionID}, nil
}

const refreshPrefix = "wtr_"

func newRefreshToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return refreshPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func hashRefresh(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (s *Service) checkThrottle(ctx context.Context, key string) error {
	t, err := s.store.Throttle(ctx, key)
	if err != nil {
		return err
	}
	now := s.now()
	if t.BlockedUntil != nil && t.BlockedUntil.After(now) {
		wait := t.BlockedUntil.Sub(now).Round(time.Second) + time.Second
		return &domain.Error{Code: domain.ERateLimited, Message: "too many failed sign-ins; try again shortly", RetryAfter: wait}
	}
	return nil
}
