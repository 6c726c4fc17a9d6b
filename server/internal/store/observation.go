package store

import (
	"context"
	"sort"
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
	if err := tx.db.Where("observation_id = ?", o.ID).Delete(&scoreRow{}).Error; err != nil {
		return translate(err, "score")
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

// rollupKey is one rollup cell and level.
type rollupKey struct {
	districtID, schoolID, rubricID, dimensionKey, indicatorKey string
	period                                                     time.Time
	gradeBand, subject, kind                                   string
	level                                                      int
}

// obsKey is one observation-count cell.
type obsKey struct {
	districtID, schoolID, rubricID string
	period                         time.Time
	gradeBand, subject, kind       string
}

type rollupDeltas struct {
	levels map[rollupKey]int64
	obs    map[obsKey]int64
}

// addContribution adds sign times o's contribution to the rollups: nothing
// unless o is submitted and not deleted.
func (tx *Tx) addContribution(ctx context.Context, d *rollupDeltas, o domain.Observation, sign int64) error {
	if o.Status != domain.ObservationSubmitted || o.Deleted {
		return nil
	}
	sh, err := tx.rubricShape(o.RubricVersionID)
	if err != nil {
		return err
	}
	loc, err := tx.location(ctx, o.DistrictID)
	if err != nil {
		return err
	}
	if d.levels == nil {
		d.levels, d.obs = map[rollupKey]int64{}, map[obsKey]int64{}
	}
	period := domain.PeriodStart(o.StartedAt, loc)
	band := domain.GradeBand(o.Grade)
	d.obs[obsKey{o.DistrictID, o.SchoolID, sh.rubricID, period, band, o.Subject, string(o.Kind)}] += sign
	for _, s := range o.Scores {
		if s.Level == nil {
			continue
		}
		k := rollupKey{o.DistrictID, o.SchoolID, sh.rubricID, sh.dimension[s.IndicatorKey], s.IndicatorKey, period, band, o.Subject, string(o.Kind), *s.Level}
		d.levels[k] += sign
	}
	return nil
}

// applyRollups adds the deltas to the rollup tables and removes cells that
// fall to zero. Keys are applied in a fixed order so that concurrent
// transactions take row locks in the same order and cannot deadlock.
func (tx *Tx) applyRollups(d rollupDeltas) error {
	lk := make([]rollupKey, 0, len(d.levels))
	for k, n := range d.levels {
		if n != 0 {
			lk = append(lk, k)
		}
	}
	sort.Slice(lk, func(i, j int) bool { return lessRollup(lk[i], lk[j]) })
	for _, k := range lk {
		err := tx.db.Exec(`INSERT INTO rollups (district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, level, n)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (district_id, rubric_id, period_start, school_id, dimension_key, indicator_key, grade_band, subject, kind, level)
			DO UPDATE SET n = rollups.n + excluded.n`,
			k.districtID, k.schoolID, k.rubricID, k.dimensionKey, k.indicatorKey, k.period, weekOf(k.period), domain.MonthStart(k.period),
			k.gradeBand, k.subject, k.kind, k.level, d.levels[k]).Error
		if err != nil {
			return translate(err, "rollup")
		}
		if d.levels[k] < 0 {
			err := tx.db.Exec(`DELETE FROM rollups WHERE district_id = ? AND rubric_id = ? AND period_start = ? AND school_id = ?
				AND dimension_key = ? AND indicator_key = ? AND grade_band = ? AND subject = ? AND kind = ? AND level = ? AND n = 0`,
				k.districtID, k.rubricID, k.period, k.schoolID, k.dimensionKey, k.indicatorKey, k.gradeBand, k.subject, k.kind, k.level).Error
			if err != nil {
				return translate(err, "rollup")
			}
		}
	}
	ok := make([]obsKey, 0, len(d.obs))
	for k, n := range d.obs {
		if n != 0 {
			ok = append(ok, k)
		}
	}
	sort.Slice(ok, func(i, j int) bool { return lessObs(ok[i], ok[j]) })
	for _, k := range ok {
		err := tx.db.Exec(`INSERT INTO rollup_observations (district_id, school_id, rubric_id, period_start, week_start, month_start, grade_band, subject, kind, n)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (district_id, rubric_id, period_start, school_id, grade_band, subject, kind)
			DO UPDATE SET n = rollup_observations.n + excluded.n`,
			k.districtID, k.schoolID, k.rubricID, k.period, weekOf(k.period), domain.MonthStart(k.period), k.gradeBand, k.subject, k.kind, d.obs[k]).Error
		if err != nil {
			return translate(err, "rollup")
		}
		if d.obs[k] < 0 {
			err := tx.db.Exec(`DELETE FROM rollup_observations WHERE district_id = ? AND rubric_id = ? AND period_start = ? AND school_id = ?
				AND grade_band = ? AND subject = ? AND kind = ? AND n = 0`,
				k.districtID, k.rubricID, k.period, k.schoolID, k.gradeBand, k.subject, k.kind).Error
			if err != nil {
				return translate(err, "rollup")
			}
		}
	}
	return nil
}

func lessRollup(a, b rollupKey) bool {
	if !a.period.Equal(b.period) {
		return a.period.Before(b.period)
	}
	for _, p := range [][2]string{{a.rubricID, b.rubricID}, {a.schoolID, b.schoolID}, {a.dimensionKey, b.dimensionKey},
		{a.indicatorKey, b.indicatorKey}, {a.gradeBand, b.gradeBand}, {a.subject, b.subject}, {a.kind, b.kind}} {
		if p[0] != p[1] {
			return p[0] < p[1]
		}
	}
	return a.level < b.level
}

func lessObs(a, b obsKey) bool {
	if !a.period.Equal(b.period) {
		return a.period.Before(b.period)
	}
	for _, p := range [][2]string{{a.rubricID, b.rubricID}, {a.schoolID, b.schoolID}, {a.gradeBand, b.gradeBand}, {a.subject, b.subject}, {a.kind, b.kind}} {
		if p[0] != p[1] {
			return p[0] < p[1]
		}
	}
	return false
}

// weekOf is the Monday of the week a period lies in.
func weekOf(period time.Time) time.Time {
	return domain.WeekStart(period, time.UTC)
}
