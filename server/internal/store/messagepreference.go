package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"slices"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// MessagePreferences are the kinds of message a user has turned off, and
// the key that signs their unsubscribe links.
type MessagePreferences struct {
	UserID     string
	DistrictID string
	Email      string
	Name       string
	Off        []string
	Key        []byte
	Rev        int64
	active     bool
}

type messagePreferenceRow struct {
	UserID         string
	DistrictID     string
	Off            string
	UnsubscribeKey string
	Rev            int64
	UpdatedAt      time.Time
}

func (messagePreferenceRow) TableName() string { return "message_preferences" }

// ensurePreferences reads the preferences of the user that where names,
// making them (every kind on, a new key) on first use; false when no such
// user. It writes first, so that on SQLite the transaction holds the
// write lock before it reads.
func (tx *Tx) ensurePreferences(where string, args ...any) (MessagePreferences, bool, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return MessagePreferences{}, false, err
	}
	ins := append([]any{base64.RawURLEncoding.EncodeToString(key), tx.now}, args...)
	if err := tx.db.Exec(`INSERT INTO message_preferences (user_id, district_id, off, unsubscribe_key, rev, updated_at)
		SELECT u.id, u.district_id, '[]', ?, 1, ? FROM users u WHERE `+where+` ON CONFLICT (user_id) DO NOTHING`, ins...).Error; err != nil {
		return MessagePreferences{}, false, translate(err, "message preferences")
	}
	var rows []struct {
		ID, DistrictID, Email, Name, Off, UnsubscribeKey string
		Active                                           bool
		Rev                                              int64
	}
	if err := tx.db.Raw(`SELECT u.id, u.district_id, u.email, u.name, u.active, p.off, p.unsubscribe_key, p.rev
		FROM users u JOIN message_preferences p ON p.user_id = u.id WHERE `+where, args...).Scan(&rows).Error; err != nil {
		return MessagePreferences{}, false, translate(err, "message preferences")
	}
	if len(rows) == 0 {
		return MessagePreferences{}, false, nil
	}
	r := rows[0]
	p := MessagePreferences{UserID: r.ID, DistrictID: r.DistrictID, Email: r.Email, Name: r.Name, Rev: r.Rev, active: r.Active}
	_ = json.Unmarshal([]byte(r.Off), &p.Off) // written here only
	p.Key, _ = base64.RawURLEncoding.DecodeString(r.UnsubscribeKey)
	return p, true, nil
}

func (tx *Tx) preferencesOf(where string, args ...any) (MessagePreferences, error) {
	p, ok, err := tx.ensurePreferences(where, args...)
	if err == nil && !ok {
		err = notFound("user")
	}
	return p, err
}

// MessagePreferences answers a user's preferences in their district.
func (s *Store) MessagePreferences(ctx context.Context, districtID, userID string) (MessagePreferences, error) {
	var p MessagePreferences
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		p, err = tx.preferencesOf("u.id = ? AND u.district_id = ?", userID, districtID)
		return err
	})
	return p, err
}

// RecipientPreferences answers the preferences of the active user who
// signs in with email; false when no active user does.
func (s *Store) RecipientPreferences(ctx context.Context, email string) (MessagePreferences, bool, error) {
	var p MessagePreferences
	var found bool
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		p, found, err = tx.ensurePreferences("u.email = ? AND u.active", email)
		return err
	})
	return p, found, err
}

// SetMessagePreferences replaces the kinds a user has turned off, at
// revision rev (a stale one is refused with the current revision).
func (s *Store) SetMessagePreferences(ctx context.Context, districtID, userID string, rev int64, off []string) (MessagePreferences, error) {
	var p MessagePreferences
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		if p, err = tx.preferencesOf("u.id = ? AND u.district_id = ?", userID, districtID); err != nil {
			return err
		}
		if p.Rev != rev {
			return domain.Stale("your message preferences", rev, p.Rev)
		}
		return tx.writeOff(&p, off)
	})
	return p, err
}

// TurnOffMessage turns one kind of message off for a user, whatever the
// revision; turning off what is off already changes nothing.
func (s *Store) TurnOffMessage(ctx context.Context, userID, kind string) (MessagePreferences, error) {
	var p MessagePreferences
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		if p, err = tx.preferencesOf("u.id = ?", userID); err != nil {
			return err
		}
		if slices.Contains(p.Off, kind) {
			return nil
		}
		return tx.writeOff(&p, append(slices.Clone(p.Off), kind))
	})
	return p, err
}

func (tx *Tx) writeOff(p *MessagePreferences, off []string) error {
	off = slices.Clone(off)
	slices.Sort(off)
	off = slices.Compact(off)
	if off == nil {
		off = []string{}
	}
	b, _ := json.Marshal(off)
	res := tx.db.Model(&messagePreferenceRow{}).Where("user_id = ? AND rev = ?", p.UserID, p.Rev).
		Updates(map[string]any{"off": string(b), "rev": p.Rev + 1, "updated_at": tx.now})
	if res.Error != nil {
		return translate(res.Error, "message preferences")
	}
	if res.RowsAffected != 1 {
		return conflict("your message preferences changed meanwhile; try again")
	}
	p.Off, p.Rev = off, p.Rev+1
	return nil
}

// PreferencesOf answers the preferences of a user of any district, for an
// unsubscribe link, which names the user and carries no district.
func (s *Store) PreferencesOf(ctx context.Context, userID string) (MessagePreferences, error) {
	var p MessagePreferences
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		p, err = tx.preferencesOf("u.id = ?", userID)
		return err
	})
	return p, err
}
