package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

type observationRow struct {
	ID              string
	DistrictID      string
	SchoolID        string
	WalkthroughID   *string
	FollowUpID      *string
	TeacherID       string
	ObserverID      string
	RubricVersionID string
	Kind            string
	Grade           string
	GradeBand       string
	Subject         string
	StartedAt       time.Time
	EndedAt         *time.Time
	Status          string
	Evidence        string
	Tags            string
	DeviceID        *string
	Rev             int64
	SubmittedAt     *time.Time
	ReceivedAt      time.Time
	ClockSkewed     bool
	DeletedAt       *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (observationRow) TableName() string { return "observations" }

type scoreRow struct {
	ObservationID   string
	IndicatorKey    string
	DistrictID      string
	RubricVersionID string
	Level           *int
	Evidence        string
}

func (scoreRow) TableName() string { return "scores" }

func (r observationRow) toDomain(scores []scoreRow) domain.Observation {
	o := domain.Observation{ID: r.ID, DistrictID: r.DistrictID, SchoolID: r.SchoolID, WalkthroughID: deref(r.WalkthroughID),
		FollowUpID: deref(r.FollowUpID), TeacherID: r.TeacherID, ObserverID: r.ObserverID, RubricVersionID: r.RubricVersionID,
		Kind: domain.WalkthroughKind(r.Kind), Grade: r.Grade, Subject: r.Subject, StartedAt: r.StartedAt.UTC(), EndedAt: utcPtr(r.EndedAt),
		Status: domain.ObservationStatus(r.Status), Evidence: r.Evidence, Tags: decodeList(r.Tags), DeviceID: deref(r.DeviceID),
		Rev: r.Rev, Deleted: r.DeletedAt != nil, SubmittedAt: utcPtr(r.SubmittedAt), ReceivedAt: r.ReceivedAt.UTC(),
		ClockSkewed: r.ClockSkewed, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	for _, s := range scores {
		o.Scores = append(o.Scores, domain.Score{IndicatorKey: s.IndicatorKey, Level: s.Level, Evidence: s.Evidence})
	}
	return o
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Observation loads an observation of the district with its scores,
// tombstones included.
func (tx *Tx) Observation(ctx context.Context, districtID, id string) (domain.Observation, error) {
	var row observationRow
	if err := tx.db.Where("district_id = ? AND id = ?", districtID, id).Take(&row).Error; err != nil {
		return domain.Observation{}, translate(err, "observation")
	}
	var scores []scoreRow
	if err := tx.db.Where("observation_id = ?", id).Order("indicator_key").Find(&scores).Error; err != nil {
		return domain.Observation{}, translate(err, "score")
	}
	return row.toDomain(scores), nil
}

// Observation loads an observation of the district with its scores.
func (s *Store) Observation(ctx context.Context, districtID, id string) (domain.Observation, error) {
	return s.read(ctx).Observation(ctx, districtID, id)
}

// PutObservation inserts or replaces an observation and its scores, and in
// the same transaction moves the rollups: the old contribution (if it was
// submitted) comes out and the new one (if it is submitted) goes in. The
// caller has validated o against its rubric and set its Rev.
func (tx *Tx) PutObservation(ctx context.Context, o domain.Observation) error {
	if err := o.Validate(); err != nil {
		return err
	}
	var deltas rollupDeltas
	old, err := tx.Observation(ctx, o.DistrictID, o.ID)
	existed := err == nil
	switch domain.ErrorCode(err) {
	case "":
		if err := tx.addContribution(ctx, &deltas, old, -1); err != nil {
			return err
		}
	case domain.ENotFound:
	default:
		return err
	}
	row := observationRow{ID: o.ID, DistrictID: o.DistrictID, SchoolID: o.SchoolID, WalkthroughID: nullable(o.WalkthroughID),
		FollowUpID: nullable(o.FollowUpID), TeacherID: o.TeacherID, ObserverID: o.ObserverID, RubricVersionID: o.RubricVersionID,
		Kind: string(o.Kind), Grade: o.Grade, GradeBand: domain.GradeBand(o.Grade), Subject: o.Subject,
		StartedAt: o.StartedAt.UTC(), EndedAt: utcPtr(o.EndedAt), Status: string(o.Status), Evidence: o.Evidence,
		Tags: encodeList(o.Tags), DeviceID: nullable(o.DeviceID), Rev: o.Rev, SubmittedAt: utcPtr(o.SubmittedAt),
		ReceivedAt: o.ReceivedAt.UTC(), ClockSkewed: o.ClockSkewed, CreatedAt: tx.now, UpdatedAt: tx.now}
	if row.ReceivedAt.IsZero() {
		row.ReceivedAt = tx.now
	}
	if o.Deleted {
		row.DeletedAt = &tx.now
	}
	err = tx.db.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"school_id", "walkthrough_id", "follow_up_id", "teacher_id", "observer_id",
			"rubric_version_id", "kind", "grade", "grade_band", "subject", "started_at", "ended_at", "status", "evidence", "tags",
			"rev", "submitted_at", "clock_skewed", "deleted_at", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return translate(err, "observation")
	}
	if existed {
		if err := tx.db.Where("observation_id = ?", o.ID).Delete(&scoreRow{}).Error; err != nil {
			return translate(err, "score")
		}
	}
	if len(o.Scores) > 0 {
		scores := make([]scoreRow, len(o.Scores))
		for i, s := range o.Scores {
			scores[i] = scoreRow{ObservationID: o.ID, IndicatorKey: s.IndicatorKey, DistrictID: o.DistrictID,
				RubricVersionID: o.RubricVersionID, Level: s.Level, Evidence: s.Evidence}
		}
		if err := tx.db.CreateInBatches(scores, 200).Error; err != nil {
			return translate(err, "score")
		}
	}
	if err := tx.addContribution(ctx, &deltas, o, +1); err != nil {
		return err
	}
	if err := tx.applyRollups(deltas); err != nil {
		return err
	}
	return tx.AppendChange(ctx, Change{DistrictID: o.DistrictID, Entity: "observation", RecordID: o.ID, SchoolID: o.SchoolID, Rev: o.Rev, Deleted: o.Deleted})
}

// rubricShape is what rollups need to know of a rubric version.
type rubricShape struct {
	rubricID  string
	dimension map[string]string // indicator key -> dimension key
}

func (tx *Tx) rubricShape(versionID string) (rubricShape, error) {
	if sh, ok := tx.cache.rubrics[versionID]; ok {
		return sh, nil
	}
	var v rubricVersionRow
	if err := tx.db.Select("id, rubric_id").Where("id = ?", versionID).Take(&v).Error; err != nil {
		return rubricShape{}, translate(err, "rubric version")
	}
	var inds []rubricIndicatorRow
	if err := tx.db.Select("key, dimension_key").Where("rubric_version_id = ?", versionID).Find(&inds).Error; err != nil {
		return rubricShape{}, translate(err, "rubric indicators")
	}
	sh := rubricShape{rubricID: v.RubricID, dimension: make(map[string]string, len(inds))}
	for _, ind := range inds {
		sh.dimension[ind.Key] = ind.DimensionKey
	}
	tx.cache.setRubric(versionID, sh)
	return sh, nil
}

func (tx *Tx) location(ctx context.Context, districtID string) (*time.Location, error) {
	if loc, ok := tx.cache.locations[districtID]; ok {
		return loc, nil
	}
	d, err := tx.District(ctx, districtID)
	if err != nil {
		return nil, err
	}
	loc := d.Location()
	tx.cache.setLocation(districtID, loc)
	return loc, nil
}

// weekOf is the Monday of the week a period lies in.
func weekOf(period time.Time) time.Time {
	return domain.WeekStart(period, time.UTC)
}
