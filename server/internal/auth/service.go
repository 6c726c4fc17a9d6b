package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"strings"
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

// Service signs people in and out and says who a request comes from.
type Service struct {
	store    *store.Store
	tokens   *Tokens
	log      *slog.Logger
	now      func() time.Time
	throttle ThrottlePolicy
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
	var sess Session
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		deviceID := c.DeviceID
		if !domain.ValidID(deviceID) {
			deviceID = domain.NewID()
		}
		if err := tx.PutDevice(ctx, store.Device{ID: deviceID, DistrictID: u.DistrictID, UserID: u.ID, Name: c.DeviceName, UserAgent: c.UserAgent}); err != nil {
			return err
		}
		var err error
		sess, err = s.newRefresh(ctx, tx, u, domain.NewID(), deviceID)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: u.DistrictID, ActorID: u.ID, Action: "auth.login", Entity: "user",
			EntityID: u.ID, IP: c.IP, UserAgent: c.UserAgent, Detail: map[string]any{"device_id": deviceID}})
	})
	if err != nil {
		return Session{}, err
	}
	return s.withAccess(sess, u)
}

func (s *Service) newRefresh(ctx context.Context, tx *store.Tx, u domain.User, familyID, deviceID string) (Session, error) {
	token, hash, err := newRefreshToken()
	if err != nil {
		return Session{}, err
	}
	dev := &deviceID
	if deviceID == "" {
		dev = nil
	}
	t := store.RefreshToken{ID: domain.NewID(), DistrictID: u.DistrictID, UserID: u.ID, DeviceID: dev, FamilyID: familyID,
		TokenHash: hash, ExpiresAt: tx.Now().Add(RefreshTTL)}
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
// the same family is returned with a new access token. Presenting a token
// that was already spent revokes its whole family, the newest token too.
func (s *Service) Refresh(ctx context.Context, refreshToken string, c Client) (Session, error) {
	if len(refreshToken) > 200 || !strings.HasPrefix(refreshToken, refreshPrefix) {
		return Session{}, errBadRefresh
	}
	hash := hashRefresh(refreshToken)
	var sess Session
	var u domain.User
	reused := false
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		successor := domain.NewID()
		t, consumed, err := tx.ConsumeRefreshToken(ctx, hash, successor)
		if domain.ErrorCode(err) == domain.ENotFound {
			return errBadRefresh
		}
		if err != nil {
			return err
		}
		if !consumed {
			if t.UsedAt != nil && t.RevokedAt == nil {
				reused = true
				n, err := tx.RevokeRefreshFamily(ctx, t.FamilyID)
				if err != nil {
					return err
				}
				return tx.Audit(ctx, store.AuditEntry{DistrictID: t.DistrictID, ActorID: t.UserID, Action: "auth.refresh_reuse",
					Entity: "session", EntityID: t.FamilyID, IP: c.IP, UserAgent: c.UserAgent, Detail: map[string]any{"revoked": n}})
			}
			return errBadRefresh
		}
		u, err = tx.UserRecord(ctx, t.UserID)
		if err != nil || !u.Active {
			return errBadRefresh
		}
		sess, err = s.newRefresh(ctx, tx, u, t.FamilyID, deref(t.DeviceID))
		return err
	})
	if err != nil {
		return Session{}, err
	}
	if reused {
		s.log.WarnContext(ctx, "refresh token reused: session revoked", "ip", c.IP)
		return Session{}, errBadRefresh
	}
	return s.withAccess(sess, u)
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

func newRefreshToken() (token, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	token = refreshPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, hashRefresh(token), nil
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
