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
	Main       bool
	RetiredAt  *time.Time
	Rev        int64
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
		if err := tx.db.Create(&rubricRow{ID: v.RubricID, DistrictID: v.DistrictID, Name: v.Name, Rev: 1, CreatedAt: tx.now, UpdatedAt: tx.now}).Error; err != nil {
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
		if err := tx.frameworkPublished(ctx, v.DistrictID, v.RubricID); err != nil {
			return err
		}
		return tx.AppendChange(ctx, Change{DistrictID: v.DistrictID, Entity: "rubric_version", RecordID: v.ID, Rev: 1})
	}
	return nil
}

// RubricVersion loads a version of the district with all its content. A
// published version never changes, so a transaction loads it once.
func (tx *Tx) RubricVersion(ctx context.Context, districtID, id string) (domain.RubricVersion, error) {
	if v, ok := tx.cache.versions[id]; ok && v.DistrictID == districtID {
		return v, nil
	}
	if v, ok := tx.publishedVersion(id); ok && v.DistrictID == districtID {
		tx.cache.setVersion(v)
		return v, nil
	}
	v, err := tx.rubricVersion(districtID, id)
	if err == nil && v.Status == domain.RubricPublished {
		tx.cache.setVersion(v)
		if tx.published != nil {
			tx.published.put(v)
		}
	}
	return v, err
}

// publishedVersion is the published version id as the store remembers it.
func (tx *Tx) publishedVersion(id string) (domain.RubricVersion, bool) {
	if tx.published == nil {
		return domain.RubricVersion{}, false
	}
	return tx.published.get(id)
}

func (tx *Tx) rubricVersion(districtID, id string) (domain.RubricVersion, error) {
	var row rubricVersionRow
	if err := tx.db.Where("district_id = ? AND id = ?", districtID, id).Take(&row).Error; err != nil {
		return domain.RubricVersion{}, translate(err, "rubric version")
	}
	v := domain.RubricVersion{ID: row.ID, DistrictID: row.DistrictID, RubricID: row.RubricID, Name: row.Name,
		Description: row.Description, Version: row.Version, Status: domain.RubricStatus(row.Status), PublishedAt: row.PublishedAt, Rev: row.Rev}
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

func (tx *Tx) rubricVersionRow(districtID, id string) (rubricVersionRow, error) {
	var row rubricVersionRow
	err := tx.db.Where("district_id = ? AND id = ?", districtID, id).Take(&row).Error
	return row, translate(err, "rubric version")
}

// NextRubricVersion is the number the next version of a rubric gets.
func (tx *Tx) NextRubricVersion(ctx context.Context, districtID, rubricID string) (int, error) {
	var max *int
	err := tx.db.Model(&rubricVersionRow{}).Where("district_id = ? AND rubric_id = ?", districtID, rubricID).Select("MAX(version)").Scan(&max).Error
	if err != nil {
		return 0, translate(err, "rubric version")
	}
	if max == nil {
		var n int64
		if err := tx.db.Model(&rubricRow{}).Where("district_id = ? AND id = ?", districtID, rubricID).Count(&n).Error; err != nil {
			return 0, translate(err, "rubric")
		}
		if n == 0 {
			return 0, notFound("rubric")
		}
		return 1, nil
	}
	return *max + 1, nil
}

// ReplaceDraft replaces the content of a draft version and moves its
// revision on; a published version is immutable and answers a conflict, as
// does a draft no longer at rev when rev is given.
func (tx *Tx) ReplaceDraft(ctx context.Context, v domain.RubricVersion, rev *int64) error {
	if err := v.Validate(); err != nil {
		return err
	}
	row, err := tx.rubricVersionRow(v.DistrictID, v.ID)
	if err != nil {
		return err
	}
	if row.Status != string(domain.RubricDraft) {
		return conflict("a published rubric version never changes; make a new version instead")
	}
	if rev != nil && *rev != row.Rev {
		return domain.Stale("the draft", *rev, row.Rev)
	}
	for _, m := range []any{&descriptorRow{}, &rubricIndicatorRow{}, &rubricDimensionRow{}, &rubricLevelRow{}} {
		if err := tx.db.Where("rubric_version_id = ?", v.ID).Delete(m).Error; err != nil {
			return translate(err, "rubric content")
		}
	}
	if err := tx.db.Where("id = ?", v.ID).Delete(&rubricVersionRow{}).Error; err != nil {
		return translate(err, "rubric version")
	}
	v.RubricID, v.Version, v.Status = row.RubricID, row.Version, domain.RubricDraft
	if err := tx.CreateRubricVersion(ctx, v); err != nil {
		return err
	}
	err = tx.db.Model(&rubricVersionRow{}).Where("id = ?", v.ID).Update("rev", row.Rev+1).Error
	return translate(err, "rubric version")
}

// PublishRubricVersion makes a draft the published version observers score
// against. Publishing a published version is a conflict.
func (tx *Tx) PublishRubricVersion(ctx context.Context, districtID, id string) (domain.RubricVersion, error) {
	row, err := tx.rubricVersionRow(districtID, id)
	if err != nil {
		return domain.RubricVersion{}, err
	}
	if row.Status != string(domain.RubricDraft) {
		return domain.RubricVersion{}, conflict("this rubric version is already published")
	}
	res := tx.db.Model(&rubricVersionRow{}).Where("id = ? AND status = ?", id, string(domain.RubricDraft)).
		Updates(map[string]any{"status": string(domain.RubricPublished), "published_at": tx.now, "updated_at": tx.now, "rev": row.Rev + 1})
	if res.Error != nil {
		return domain.RubricVersion{}, translate(res.Error, "rubric version")
	}
	if res.RowsAffected == 0 {
		return domain.RubricVersion{}, conflict("this rubric version was published meanwhile")
	}
	if err := tx.frameworkPublished(ctx, districtID, row.RubricID); err != nil {
		return domain.RubricVersion{}, err
	}
	if err := tx.AppendChange(ctx, Change{DistrictID: districtID, Entity: "rubric_version", RecordID: id, Rev: row.Rev + 1}); err != nil {
		return domain.RubricVersion{}, err
	}
	return tx.RubricVersion(ctx, districtID, id)
}

// Rubrics lists a district's rubrics with their versions, drafts only when
// asked for, newest version first.
func (s *Store) Rubrics(ctx context.Context, districtID string, withDrafts bool) ([]domain.Rubric, error) {
	db := s.db.WithContext(ctx)
	var rubrics []rubricRow
	if err := db.Where("district_id = ?", districtID).Order("name, id").Find(&rubrics).Error; err != nil {
		return nil, translate(err, "rubric")
	}
	q := db.Where("district_id = ?", districtID)
	if !withDrafts {
		q = q.Where("status = ?", string(domain.RubricPublished))
	}
	var versions []rubricVersionRow
	if err := q.Order("version DESC").Find(&versions).Error; err != nil {
		return nil, translate(err, "rubric version")
	}
	out := make([]domain.Rubric, 0, len(rubrics))
	for _, r := range rubrics {
		rb := domain.Rubric{ID: r.ID, DistrictID: r.DistrictID, Name: r.Name, Main: r.Main, Retired: r.RetiredAt != nil}
		for _, v := range versions {
			if v.RubricID == r.ID {
				if len(rb.Versions) == 0 {
					rb.Name = v.Name // the newest version names the rubric
				}
				rb.Versions = append(rb.Versions, domain.RubricVersionSummary{ID: v.ID, Version: v.Version,
					Status: domain.RubricStatus(v.Status), PublishedAt: utcPtr(v.PublishedAt)})
			}
		}
		if len(rb.Versions) > 0 {
			out = append(out, rb)
		}
	}
	return out, nil
}

// LatestPublishedRubric is the district's most recently published rubric.
func (s *Store) LatestPublishedRubric(ctx context.Context, districtID string) (string, error) {
	var row rubricVersionRow
	err := s.db.WithContext(ctx).Where("district_id = ? AND status = ?", districtID, string(domain.RubricPublished)).
		Order("published_at DESC, id DESC").Take(&row).Error
	return row.RubricID, translate(err, "published rubric")
}

// PublishedIndicator reports whether key is an indicator of a published
// rubric version of the district.
func (tx *Tx) PublishedIndicator(ctx context.Context, districtID, key string) (bool, error) {
	var n int64
	err := tx.db.Model(&rubricIndicatorRow{}).
		Joins("JOIN rubric_versions v ON v.id = rubric_indicators.rubric_version_id").
		Where("rubric_indicators.district_id = ? AND rubric_indicators.key = ? AND v.status = ?", districtID, key, string(domain.RubricPublished)).
		Count(&n).Error
	return n > 0, translate(err, "rubric indicator")
}

// IndicatorNames maps the district's published indicator keys to names
// (the newest version's name wins).
func (s *Store) IndicatorNames(ctx context.Context, districtID string) (map[string]string, error) {
	var rows []struct {
		Key, Name string
	}
	err := s.db.WithContext(ctx).Table("rubric_indicators").Select("rubric_indicators.key, rubric_indicators.name").
		Joins("JOIN rubric_versions v ON v.id = rubric_indicators.rubric_version_id").
		Where("rubric_indicators.district_id = ? AND v.status = ?", districtID, string(domain.RubricPublished)).
		Order("v.published_at, v.id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "rubric indicator")
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.Key] = r.Name
	}
	return out, nil
}

// RubricNames maps the dimension keys and the indicator keys of a rubric's
// published versions to their names (the newest version's name wins).
func (s *Store) RubricNames(ctx context.Context, districtID, rubricID string) (dimensions, indicators map[string]string, _ error) {
	read := func(table string) (map[string]string, error) {
		var rows []struct {
			Key, Name string
		}
		err := s.db.WithContext(ctx).Table(table).Select(table+".key, "+table+".name").
			Joins("JOIN rubric_versions v ON v.id = "+table+".rubric_version_id").
			Where(table+".district_id = ? AND v.rubric_id = ? AND v.status = ?", districtID, rubricID, string(domain.RubricPublished)).
			Order("v.published_at, v.id").Scan(&rows).Error
		if err != nil {
			return nil, translate(err, "rubric")
		}
		out := map[string]string{}
		for _, r := range rows {
			out[r.Key] = r.Name
		}
		return out, nil
	}
	dimensions, err := read("rubric_dimensions")
	if err != nil {
		return nil, nil, err
	}
	indicators, err = read("rubric_indicators")
	return dimensions, indicators, err
}
