package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// Device is a tablet or browser a user signed in on.
type Device struct {
	ID         string
	DistrictID string
	UserID     string
	Name       string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

type deviceRow Device

func (deviceRow) TableName() string { return "devices" }

// PutDevice records a device, or refreshes its name and last-seen time.
func (tx *Tx) PutDevice(ctx context.Context, d Device) error {
	row := deviceRow(d)
	row.CreatedAt, row.LastSeenAt = tx.now, tx.now
	err := tx.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "user_agent", "last_seen_at"}),
		Where:     clause.Where{Exprs: []clause.Expression{clause.Eq{Column: "devices.user_id", Value: d.UserID}}},
	}).Create(&row).Error
	return translate(err, "device")
}

// Devices lists a user's devices, most recently seen first.
func (s *Store) Devices(ctx context.Context, districtID, userID string) ([]Device, error) {
	var rows []deviceRow
	err := s.db.WithContext(ctx).Where("district_id = ? AND user_id = ?", districtID, userID).Order("last_seen_at DESC").Find(&rows).Error
	out := make([]Device, len(rows))
	for i, r := range rows {
		out[i] = Device(r)
	}
	return out, translate(err, "device")
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
