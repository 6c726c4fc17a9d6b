package store

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

type rubricRow struct {
	ID         string
	DistrictID string
	Name       string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (rubricRow) TableName() string { return "rubrics" }

type rubricVersionRow struct {
	ID          string
	DistrictID  string
	RubricID    string
	Version     int
	Name        string
	Description string
	Status      string
	PublishedAt *time.Time
	Rev         int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (rubricVersionRow) TableName() string { return "rubric_versions" }

type rubricLevelRow struct {
	RubricVersionID string
	DistrictID      string
	Value           int
	Label           string
}

func (rubricLevelRow) TableName() string { return "rubric_levels" }

type rubricDimensionRow struct {
	RubricVersionID string
	Key             string
	DistrictID      string
	Name            string
	Position        int
}

func (rubricDimensionRow) TableName() string { return "rubric_dimensions" }

type rubricIndicatorRow struct {
	RubricVersionID string
	Key             string
	DistrictID      string
	DimensionKey    string
	Name            string
	Position        int
}

func (rubricIndicatorRow) TableName() string { return "rubric_indicators" }

type descriptorRow struct {
	RubricVersionID string
	IndicatorKey    string
	Level           int
	DistrictID      string
	Text            string
}

func (descriptorRow) TableName() string { return "indicator_descriptors" }

// CreateRubricVersion stores a version and its content, creating the rubric
// when no rubric with v.RubricID exists yet. A published version is stored
// as published.
func (tx *Tx) CreateRubricVersion(ctx context.Context, v domain.RubricVersion) error {
	if err := v.Validate(); err != nil {
		return err
	}
	var n int64
	if err := tx.db.Model(&rubricRow{}).Where("id = ? AND district_id = ?", v.RubricID, v.DistrictID).Count(&n).Error; err != nil {
		return translate(err, "rubric")
	}
	if n == 0 {
		if err := tx.db.Create(&rubricRow{ID: v.RubricID, DistrictID: v.DistrictID, Name: v.Name, CreatedAt: tx.now, UpdatedAt: tx.now}).Error; err != nil {
			return translate(err, "rubric")
		}
	}
	row := rubricVersionRow{ID: v.ID, DistrictID: v.DistrictID, RubricID: v.RubricID, Version: v.Version, Name: v.Name,
		Description: v.Description, Status: string(v.Status), PublishedAt: v.PublishedAt, Rev: 1, CreatedAt: tx.now, UpdatedAt: tx.now}
	if err := tx.db.Create(&row).Error; err != nil {
		return translate(err, "rubric version")
	}
	levels := make([]rubricLevelRow, len(v.Levels))
	for i, l := range v.Levels {
		levels[i] = rubricLevelRow{RubricVersionID: v.ID, DistrictID: v.DistrictID, Value: l.Value, Label: l.Label}
	}
	var dims []rubricDimensionRow
	var inds []rubricIndicatorRow
	var descs []descriptorRow
	pos := 0
	for i, d := range v.Dimensions {
		dims = append(dims, rubricDimensionRow{RubricVersionID: v.ID, Key: d.Key, DistrictID: v.DistrictID, Name: d.Name, Position: i})
		for _, ind := range d.Indicators {
			inds = append(inds, rubricIndicatorRow{RubricVersionID: v.ID, Key: ind.Key, DistrictID: v.DistrictID, DimensionKey: d.Key, Name: ind.Name, Position: pos})
			pos++
			for _, desc := range ind.Descriptors {
				descs = append(descs, descriptorRow{RubricVersionID: v.ID, IndicatorKey: ind.Key, Level: desc.Level, DistrictID: v.DistrictID, Text: desc.Text})
			}
		}
	}
	for _, batch := range []any{levels, dims, inds, descs} {
		if err := tx.db.CreateInBatches(batch, 200).Error; err != nil {
			return translate(err, "rubric content")
		}
	}
	if v.Status == domain.RubricPublished {
		return tx.AppendChange(ctx, Change{DistrictID: v.DistrictID, Entity: "rubric_version", RecordID: v.ID, Rev: 1})
	}
	return nil
}

// RubricVersion loads a version of the district with all its content.
func (tx *Tx) RubricVersion(ctx context.Context, districtID, id string) (domain.RubricVersion, error) {
	var row rubricVersionRow
	if err := tx.db.Where("district_id = ? AND id = ?", districtID, id).Take(&row).Error; err != nil {
		return domain.RubricVersion{}, translate(err, "rubric version")
	}
	v := domain.RubricVersion{ID: row.ID, DistrictID: row.DistrictID, RubricID: row.RubricID, Name: row.Name,
		Description: row.Description, Version: row.Version, Status: domain.RubricStatus(row.Status), PublishedAt: row.PublishedAt}
	var levels []rubricLevelRow
	var dims []rubricDimensionRow
	var inds []rubricIndicatorRow
	var descs []descriptorRow
	if err := tx.db.Where("rubric_version_id = ?", id).Order("value").Find(&levels).Error; err != nil {
		return v, translate(err, "rubric levels")
	}
	if err := tx.db.Where("rubric_version_id = ?", id).Order("position").Find(&dims).Error; err != nil {
		return v, translate(err, "rubric dimensions")
	}
	if err := tx.db.Where("rubric_version_id = ?", id).Order("position").Find(&inds).Error; err != nil {
		return v, translate(err, "rubric indicators")
	}
	if err := tx.db.Where("rubric_version_id = ?", id).Order("indicator_key, level").Find(&descs).Error; err != nil {
		return v, translate(err, "rubric descriptors")
	}
	for _, l := range levels {
		v.Levels = append(v.Levels, domain.Level{Value: l.Value, Label: l.Label})
	}
	byIndicator := map[string][]domain.Descriptor{}
	for _, d := range descs {
		byIndicator[d.IndicatorKey] = append(byIndicator[d.IndicatorKey], domain.Descriptor{Level: d.Level, Text: d.Text})
	}
	for _, d := range dims {
		dim := domain.Dimension{Key: d.Key, Name: d.Name}
		for _, ind := range inds {
			if ind.DimensionKey == d.Key {
				dim.Indicators = append(dim.Indicators, domain.Indicator{Key: ind.Key, Name: ind.Name, Descriptors: byIndicator[ind.Key]})
			}
		}
		v.Dimensions = append(v.Dimensions, dim)
	}
	return v, nil
}

// RubricVersion loads a version of the district with all its content.
func (s *Store) RubricVersion(ctx context.Context, districtID, id string) (domain.RubricVersion, error) {
	return s.read(ctx).RubricVersion(ctx, districtID, id)
}
