package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// RefreshToken is a stored refresh token: only its hash is kept.
type RefreshToken struct {
	ID         string
	DistrictID string
	UserID     string
	DeviceID   *string
	FamilyID   string
	TokenHash  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	UsedAt     *time.Time
	RevokedAt  *time.Time
	ReplacedBy *string
	// SuccessorSealed is, for a spent token, its successor's token sealed
	// with a key only the spent token's holder can derive; empty once it is
	// wiped (see auth.RefreshGrace).
	SuccessorSealed string
}

type refreshTokenRow RefreshToken

func (refreshTokenRow) TableName() string { return "refresh_tokens" }

// CreateRefreshToken stores a new refresh token.
func (tx *Tx) CreateRefreshToken(ctx context.Context, t RefreshToken) error {
	row := refreshTokenRow(t)
	row.CreatedAt = tx.now
	return translate(tx.db.Create(&row).Error, "refresh token")
}

// ConsumeRefreshToken marks the live token with this hash used and replaced
// by successorID, keeping the successor's sealed token beside it, in one
// conditional update, so that of two concurrent refreshes with one token
// exactly one wins. It returns the consumed token, or for a token that was
// not live the stored token (to tell a retry from reuse and expiry) with
// consumed false; a loser of a race sees the winner's successor. An unknown
// hash is ENotFound.
func (tx *Tx) ConsumeRefreshToken(ctx context.Context, hash, successorID, successorSealed string) (t RefreshToken, consumed bool, err error) {
	res := tx.db.Model(&refreshTokenRow{}).
		Where("token_hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?", hash, tx.now).
		Updates(map[string]any{"used_at": tx.now, "replaced_by": successorID, "successor_sealed": successorSealed})
	if res.Error != nil {
		return t, false, translate(res.Error, "refresh token")
	}
	var row refreshTokenRow
	if err := tx.db.Where("token_hash = ?", hash).Take(&row).Error; err != nil {
		return t, false, translate(err, "refresh token")
	}
	return RefreshToken(row), res.RowsAffected == 1, nil
}

// RefreshToken reads a stored refresh token by id.
func (tx *Tx) RefreshToken(ctx context.Context, id string) (RefreshToken, error) {
	var row refreshTokenRow
	if err := tx.db.Where("id = ?", id).Take(&row).Error; err != nil {
		return RefreshToken{}, translate(err, "refresh token")
	}
	return RefreshToken(row), nil
}

// ForgetSealedSuccessors wipes the sealed successors of a family's tokens
// spent before usedBefore: past its grace a spent token is answered only as
// reuse, so its successor need not be kept.
func (tx *Tx) ForgetSealedSuccessors(ctx context.Context, familyID string, usedBefore time.Time) error {
	res := tx.db.Model(&refreshTokenRow{}).Where("family_id = ? AND successor_sealed <> '' AND used_at < ?", familyID, usedBefore).
		Update("successor_sealed", "")
	return translate(res.Error, "refresh token")
}

// RevokeRefreshFamily revokes every live token of a family, wiping their
// sealed successors, and returns how many it revoked.
func (tx *Tx) RevokeRefreshFamily(ctx context.Context, familyID string) (int64, error) {
	res := tx.db.Model(&refreshTokenRow{}).Where("family_id = ? AND revoked_at IS NULL", familyID).
		Updates(map[string]any{"revoked_at": tx.now, "successor_sealed": ""})
	return res.RowsAffected, translate(res.Error, "refresh token")
}

// RevokeUserRefreshTokens revokes every live token of a user (deactivation,
// password reset), or only those of one device when deviceID is set, wiping
// their sealed successors.
func (tx *Tx) RevokeUserRefreshTokens(ctx context.Context, userID, deviceID string) (int64, error) {
	q := tx.db.Model(&refreshTokenRow{}).Where("user_id = ? AND revoked_at IS NULL", userID)
	if deviceID != "" {
		q = q.Where("device_id = ?", deviceID)
	}
	res := q.Updates(map[string]any{"revoked_at": tx.now, "successor_sealed": ""})
	return res.RowsAffected, translate(res.Error, "refresh token")
}

// FamilyLive reports whether a refresh family still has a live token: an
// access token of a revoked family (after logout or reuse) stops working.
func (s *Store) FamilyLive(ctx context.Context, familyID string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&refreshTokenRow{}).Where("family_id = ? AND revoked_at IS NULL", familyID).Count(&n).Error
	return n > 0, translate(err, "refresh token")
}

// Throttle is the sign-in failure count of one key (an account or a client
// address) within its window.
type Throttle struct {
	Key          string
	WindowStart  time.Time
	Failures     int
	BlockedUntil *time.Time
}

type throttleRow Throttle

func (throttleRow) TableName() string { return "login_throttle" }

// Throttle returns the state of key; a key never seen has zero failures.
func (s *Store) Throttle(ctx context.Context, key string) (Throttle, error) {
	var row throttleRow
	err := s.db.WithContext(ctx).Where("key = ?", key).Take(&row).Error
	if err == gorm.ErrRecordNotFound {
		return Throttle{Key: key}, nil
	}
	return Throttle(row), translate(err, "throttle")
}

// RecordFailure counts one failed sign-in for each key and lets decide set
// the new state from the old, inside one transaction. It also forgets every
// key whose window started before staleBefore and that is not blocked any
// more, so that the counts of client addresses, which no sign-in clears,
// do not pile up.
func (s *Store) RecordFailure(ctx context.Context, keys []string, staleBefore time.Time, decide func(old Throttle, now time.Time) Throttle) error {
	return s.InTx(ctx, func(tx *Tx) error {
		err := tx.db.Where("window_start < ? AND (blocked_until IS NULL OR blocked_until < ?)", staleBefore, tx.now).Delete(&throttleRow{}).Error
		if err != nil {
			return translate(err, "throttle")
		}
		for _, k := range keys {
			var row throttleRow
			err := tx.db.Clauses(clause.Locking{Strength: "UPDATE"}).Where("key = ?", k).Take(&row).Error
			if err != nil && err != gorm.ErrRecordNotFound {
				return translate(err, "throttle")
			}
			if err == gorm.ErrRecordNotFound {
				row = throttleRow{Key: k}
			}
			next := throttleRow(decide(Throttle(row), tx.now))
			next.Key = k
			err = tx.db.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "key"}},
				DoUpdates: clause.AssignmentColumns([]string{"window_start", "failures", "blocked_until"}),
			}).Create(&next).Error
			if err != nil {
				return translate(err, "throttle")
			}
		}
		return nil
	})
}

// ClearThrottle forgets the failures of key (after a successful sign-in).
func (s *Store) ClearThrottle(ctx context.Context, key string) error {
	return translate(s.db.WithContext(ctx).Where("key = ?", key).Delete(&throttleRow{}).Error, "throttle")
}

// UserRecord reads a user of any district by id, for token checks that know
// only the id; the caller compares the district.
func (s *Store) UserRecord(ctx context.Context, id string) (domain.User, error) {
	return s.read(ctx).UserRecord(ctx, id)
}

// UserRecord reads a user of any district by id inside tx.
func (tx *Tx) UserRecord(ctx context.Context, id string) (domain.User, error) {
	return tx.userWhere("user", "id = ?", id)
}
