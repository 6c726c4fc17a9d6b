package store

import (
	"context"
	"time"
)

type passwordResetRow struct {
	ID         string
	DistrictID string
	UserID     string
	TokenHash  string
	ExpiresAt  time.Time
	UsedAt     *time.Time
	CreatedAt  time.Time
}

func (passwordResetRow) TableName() string { return "password_resets" }

// PutPasswordReset records a reset link's token hash for a user, valid
// until expires.
func (tx *Tx) PutPasswordReset(ctx context.Context, id, districtID, userID, tokenHash string, expires time.Time) error {
	return translate(tx.db.Create(&passwordResetRow{ID: id, DistrictID: districtID, UserID: userID, TokenHash: tokenHash,
		ExpiresAt: expires.UTC(), CreatedAt: tx.now}).Error, "password reset")
}

// UsePasswordReset marks the unused, unexpired reset of tokenHash used and
// answers its district and user; ErrNotFound when there is none.
func (tx *Tx) UsePasswordReset(ctx context.Context, tokenHash string) (districtID, userID string, err error) {
	var row passwordResetRow
	if err := tx.db.Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", tokenHash, tx.now).Take(&row).Error; err != nil {
		return "", "", translate(err, "password reset")
	}
	res := tx.db.Model(&passwordResetRow{}).Where("id = ? AND used_at IS NULL", row.ID).Update("used_at", tx.now)
	if res.Error != nil {
		return "", "", translate(res.Error, "password reset")
	}
	if res.RowsAffected != 1 {
		return "", "", notFound("password reset")
	}
	return row.DistrictID, row.UserID, nil
}
