package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"gorm.io/gorm"
)

type districtRow struct {
	ID        string
	Name      string
	TimeZone  string
	Settings  string
	Rev       int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (districtRow) TableName() string { return "districts" }

func (r districtRow) toDomain() domain.District {
	d := domain.District{ID: r.ID, Name: r.Name, TimeZone: r.TimeZone, Settings: domain.DefaultDistrictSettings(), Rev: r.Rev}
	_ = json.Unmarshal([]byte(r.Settings), &d.Settings) // a bad blob keeps the defaults
	return d
}

// CreateDistrict inserts a district.
func (tx *Tx) CreateDistrict(ctx context.Context, d domain.District) error {
	if err := d.Validate(); err != nil {
		return err
	}
	settings, _ := json.Marshal(d.Settings)
	row := districtRow{ID: d.ID, Name: d.Name, TimeZone: d.TimeZone, Settings: string(settings), Rev: 1, CreatedAt: tx.now, UpdatedAt: tx.now}
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

// LockDistrictName makes transactions that check and add a district of the
// same name (ignoring case) run one after the other, so that two at once
// cannot both find the name free: on PostgreSQL a transaction-scoped
// advisory lock (class 7004, beside the change log's 7001, records' 7002 and
// compaction's 7003); SQLite has one writer at a time already.
func (tx *Tx) LockDistrictName(ctx context.Context, name string) error {
	if tx.dialect != Postgres {
		return nil
	}
	key := strings.ToLower(strings.TrimSpace(name))
	return translate(tx.db.Exec("SELECT pg_advisory_xact_lock(7004, hashtext(?))", key).Error, "district name lock")
}

// DistrictByName returns the district whose name matches name, ignoring
// case (as the database folds it: SQLite folds only ASCII letters) and
// surrounding spaces; ENotFound when none does.
func (tx *Tx) DistrictByName(ctx context.Context, name string) (domain.District, error) {
	var row districtRow
	err := tx.db.Where("lower(trim(name)) = lower(?)", strings.TrimSpace(name)).Order("created_at, id").Take(&row).Error
	if err != nil {
		return domain.District{}, translate(err, "district")
	}
	return row.toDomain(), nil
}

// DistrictSummary is a district with the size of its roster, for operators.
type DistrictSummary struct {
	District domain.District
	Schools  int64
	Users    int64
}

type districtSummaryRow struct {
	ID       string
	Name     string
	TimeZone string
	Settings string
	Schools  int64
	Users    int64
}

// DistrictSummaries lists every district, oldest first, with how many
// schools and users (active or not) each holds.
func (s *Store) DistrictSummaries(ctx context.Context) ([]DistrictSummary, error) {
	var rows []districtSummaryRow
	err := s.db.WithContext(ctx).Raw(`SELECT d.id, d.name, d.time_zone, d.settings,
	(SELECT count(*) FROM schools s WHERE s.district_id = d.id) AS schools,
	(SELECT count(*) FROM users u WHERE u.district_id = d.id) AS users
FROM districts d ORDER BY d.created_at, d.id`).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "district")
	}
	out := make([]DistrictSummary, len(rows))
	for i, r := range rows {
		d := districtRow{ID: r.ID, Name: r.Name, TimeZone: r.TimeZone, Settings: r.Settings}
		out[i] = DistrictSummary{District: d.toDomain(), Schools: r.Schools, Users: r.Users}
	}
	return out, nil
}

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
