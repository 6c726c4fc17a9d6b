package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

type districtRow struct {
	ID        string
	Name      string
	TimeZone  string
	Settings  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (districtRow) TableName() string { return "districts" }

func (r districtRow) toDomain() domain.District {
	d := domain.District{ID: r.ID, Name: r.Name, TimeZone: r.TimeZone, Settings: domain.DefaultDistrictSettings()}
	_ = json.Unmarshal([]byte(r.Settings), &d.Settings) // a bad blob keeps the defaults
	return d
}

// CreateDistrict inserts a district.
func (tx *Tx) CreateDistrict(ctx context.Context, d domain.District) error {
	if err := d.Validate(); err != nil {
		return err
	}
	settings, _ := json.Marshal(d.Settings)
	row := districtRow{ID: d.ID, Name: d.Name, TimeZone: d.TimeZone, Settings: string(settings), CreatedAt: tx.now, UpdatedAt: tx.now}
	return translate(tx.db.Create(&row).Error, "district")
}

// District returns the district with id.
func (tx *Tx) District(ctx context.Context, id string) (domain.District, error) {
	var row districtRow
	if err := tx.db.Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.District{}, translate(err, "district")
	}
	return row.toDomain(), nil
}

// District returns the district with id.
func (s *Store) District(ctx context.Context, id string) (domain.District, error) {
	return s.read(ctx).District(ctx, id)
}

// CountDistricts tells whether the database is empty of tenants.
func (s *Store) CountDistricts(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&districtRow{}).Count(&n).Error
	return n, translate(err, "district")
}

// Districts lists every district, oldest first.
func (s *Store) Districts(ctx context.Context) ([]domain.District, error) {
	var rows []districtRow
	if err := s.db.WithContext(ctx).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "district")
	}
	out := make([]domain.District, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}
