package store

import (
	"context"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// SetCalendarToken keeps the hash of a user's calendar secret (empty: no
// feed).
func (s *Store) SetCalendarToken(ctx context.Context, districtID, userID, hash string) error {
	res := s.db.WithContext(ctx).Model(&userRow{}).Where("district_id = ? AND id = ?", districtID, userID).
		Updates(map[string]any{"calendar_token": nullable(hash), "updated_at": s.now().UTC()})
	if res.Error != nil {
		return translate(res.Error, "user")
	}
	if res.RowsAffected == 0 {
		return notFound("user")
	}
	return nil
}

// HasCalendarToken reports whether the user has a calendar feed.
func (s *Store) HasCalendarToken(ctx context.Context, districtID, userID string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&userRow{}).Where("district_id = ? AND id = ? AND calendar_token IS NOT NULL", districtID, userID).Count(&n).Error
	return n > 0, translate(err, "user")
}

// UserByCalendarToken returns the active user whose calendar secret hashes
// to hash.
func (s *Store) UserByCalendarToken(ctx context.Context, hash string) (domain.User, error) {
	return s.read(ctx).userWhere("calendar feed", "calendar_token = ? AND active", hash)
}
