package store

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// UpdateDistrict writes a district's name, time zone and settings and moves
// its revision on, if it is still at d.Rev.
func (tx *Tx) UpdateDistrict(ctx context.Context, d domain.District) error {
	if err := d.Validate(); err != nil {
		return err
	}
	settings, err := json.Marshal(d.Settings)
	if err != nil {
		return fmt.Errorf("encode district settings: %w", err)
	}
	res := tx.db.Model(&districtRow{}).Where("id = ? AND rev = ?", d.ID, d.Rev).
		Updates(map[string]any{"name": d.Name, "time_zone": d.TimeZone, "settings": string(settings), "rev": gorm.Expr("rev + 1"), "updated_at": tx.now})
	if res.Error != nil {
		return translate(res.Error, "district")
	}
	if res.RowsAffected == 0 {
		cur, err := tx.District(ctx, d.ID)
		if err != nil {
			return err
		}
		return domain.Stale("the district", d.Rev, cur.Rev)
	}
	delete(tx.cache.locations, d.ID)
	return nil
}

// HasObservations reports whether the district holds any observation, draft
// or submitted: their days and weeks are counted in its time zone.
func (tx *Tx) HasObservations(ctx context.Context, districtID string) (bool, error) {
	var n int64
	err := tx.db.Table("observations").Where("district_id = ?", districtID).Limit(1).Count(&n).Error
	return n > 0, translate(err, "observation")
}

// DeviceSession is a device a user signed in on, with whether it still holds
// a live refresh token (is signed in).
type DeviceSession struct {
	Device
	SignedIn bool
}

// DeviceSessions lists a user's devices, most recently seen first, each with
// whether it is still signed in.
func (s *Store) DeviceSessions(ctx context.Context, districtID, userID string) ([]DeviceSession, error) {
	devices, err := s.Devices(ctx, districtID, userID)
	if err != nil {
		return nil, err
	}
	var live []string
	err = s.db.WithContext(ctx).Model(&refreshTokenRow{}).
		Where("district_id = ? AND user_id = ? AND device_id IS NOT NULL AND revoked_at IS NULL AND used_at IS NULL AND expires_at > ?", districtID, userID, s.now().UTC()).
		Distinct().Pluck("device_id", &live).Error
	if err != nil {
		return nil, translate(err, "refresh token")
	}
	on := map[string]bool{}
	for _, id := range live {
		on[id] = true
	}
	out := make([]DeviceSession, len(devices))
	for i, d := range devices {
		out[i] = DeviceSession{Device: d, SignedIn: on[d.ID]}
	}
	return out, nil
}

// Device reads one of a user's devices.
func (tx *Tx) Device(ctx context.Context, districtID, userID, id string) (Device, error) {
	var row deviceRow
	err := tx.db.Where("district_id = ? AND user_id = ? AND id = ?", districtID, userID, id).Take(&row).Error
	return Device(row), translate(err, "device")
}
