package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// ResetTTL is how long a password-reset link works.
const ResetTTL = 30 * time.Minute

// MessageQueuer records a message and has it sent: the mail service.
type MessageQueuer interface {
	Queue(ctx context.Context, m store.Message) (bool, error)
}

// SetMailer lets the service send password-reset links, which point at
// baseURL's reset screen.
func (s *Service) SetMailer(m MessageQueuer, baseURL string) {
	s.mailer, s.baseURL = m, baseURL
}

const resetPrefix = "wtp_"

// ForgotPassword sends a single-use reset link, valid ResetTTL, to the
// active user of email, and answers the same (nil) whether or not there is
// one. Requests are throttled per address and per client, as sign-ins are,
// and audited when the user exists.
func (s *Service) ForgotPassword(ctx context.Context, email string, c Client) error {
	email = domain.NormalizeEmail(email)
	keys := []string{"reset:" + email, "client:reset:" + c.IP}
	for _, k := range keys {
		if err := s.checkThrottle(ctx, k); err != nil {
			return err
		}
	}
	// Every request counts toward the throttle, found or not.
	if err := s.store.RecordFailure(ctx, keys, s.now().Add(-s.throttle.Window), s.throttle.next); err != nil {
		return err
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENotFound {
			return nil
		}
		return err
	}
	if !u.Active || s.mailer == nil {
		return nil
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	token := resetPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	id := domain.NewID()
	now := s.now()
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutPasswordReset(ctx, id, u.DistrictID, u.ID, hashRefresh(token), now.Add(ResetTTL)); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: u.DistrictID, ActorID: u.ID, Action: "auth.password_reset_requested",
			Entity: "user", EntityID: u.ID, IP: c.IP, UserAgent: c.UserAgent})
	})
	if err != nil {
		return err
	}
	link := s.baseURL + "/reset-password#token=" + token
	_, err = s.mailer.Queue(ctx, store.Message{DistrictID: u.DistrictID, Kind: "password_reset", Recipient: u.Email, SubjectID: id,
		Day: now.UTC().Format(time.DateOnly), Subject: "Reset your Walkthrough password",
		Body: fmt.Sprintf("Hello %s,\n\nSomeone asked to reset the password of your Walkthrough account. If it was you, choose a new password here within 30 minutes:\n\n%s\n\nThe link works once. If you did not ask, ignore this message: your password stays as it is.\n", u.Name, link)})
	return err
}

// errBadReset is the answer to a reset link that is unknown, used or
// expired.
var errBadReset = domain.Errorf(domain.EInvalid, "this reset link is invalid, used or expired; ask for a new one")

// ResetPassword sets a new password with a reset link's token, once: the
// token is spent, the user's sessions are signed out and the reset is
// audited.
func (s *Service) ResetPassword(ctx context.Context, token, password string, c Client) error {
	if err := CheckPasswordRules(password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		districtID, userID, err := tx.UsePasswordReset(ctx, hashRefresh(token))
		if err != nil {
			if domain.ErrorCode(err) == domain.ENotFound {
				return errBadReset
			}
			return err
		}
		u, err := tx.User(ctx, districtID, userID)
		if err != nil {
			return err
		}
		if !u.Active {
			return errBadReset
		}
		u.PasswordHash = hash
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if _, err := tx.RevokeUserRefreshTokens(ctx, u.ID, ""); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: u.DistrictID, ActorID: u.ID, Action: "auth.password_reset",
			Entity: "user", EntityID: u.ID, IP: c.IP, UserAgent: c.UserAgent})
	})
}
