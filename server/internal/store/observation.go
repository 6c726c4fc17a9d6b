package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm/clause"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
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
	CountedAt       time.Time
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
		Kind: domain.WalkthroughKind(r.Kind), Grade: r.Grade, Subject: r.Subject, StartedAt: r.StartedAt.UTC(), CountedAt: r.CountedAt.UTC(),
		EndedAt: utcPtr(r.EndedAt), Status: domain.ObservationStatus(r.Status), Evidence: r.Evidence, Tags: decodeList(r.Tags), DeviceID: deref(r.DeviceID),
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
	old := map[string]domain.Observation{}
	prev, err := tx.Observation(ctx, o.DistrictID, o.ID)
	switch domain.ErrorCode(err) {
	case "":
		old[o.ID] = prev
	case domain.ENotFound:
	default:
		return err
	}
	return tx.PutObservations(ctx, []domain.Observation{o}, old)
}

// observationColumns are the columns an upsert of an observation rewrites:
// all but its id, district and creation time.
var observationColumns = []string{"school_id", "walkthrough_id", "follow_up_id", "teacher_id", "observer_id",
	"rubric_version_id", "kind", "grade", "grade_band", "subject", "started_at", "counted_at", "ended_at", "status", "evidence", "tags",
	"device_id", "rev", "submitted_at", "clock_skewed", "deleted_at", "updated_at"}

// scoresPerStatement bounds a multi-row insert of scores (six columns each)
// under both databases' limits on bind parameters.
const scoresPerStatement = 1000

// PutObservations inserts or replaces many observations (each id once) and
// their scores in a few statements whatever their number, and moves the
// rollups as PutObservation does. old holds the stored version of each
// observation that exists, by id; the caller read it under the records'
// locks, validated every observation against its rubric and set its Rev.
// An id that belongs to another district is refused, never overwritten.
func (tx *Tx) PutObservations(ctx context.Context, obs []domain.Observation, old map[string]domain.Observation) error {
	if len(obs) == 0 {
		return nil
	}
	var deltas rollup.Deltas
	rows := make([]observationRow, len(obs))
	changes := make([]Change, len(obs))
	var scores []scoreRow
	var replaced []string
	seen := make(map[string]bool, len(obs))
	for i, o := range obs {
		if err := o.Validate(); err != nil {
			return err
		}
		if seen[o.ID] {
			return fmt.Errorf("store: observation %s written twice in one statement", o.ID)
		}
		seen[o.ID] = true
		if o.CountedAt.IsZero() {
			o.CountedAt = o.StartedAt // written by the server itself, whose clock is right
		}
		if prev, ok := old[o.ID]; ok {
			if err := tx.contribute(ctx, &deltas, prev, -1); err != nil {
				return err
			}
			replaced = append(replaced, o.ID)
		}
		if err := tx.contribute(ctx, &deltas, o, +1); err != nil {
			return err
		}
		rows[i] = tx.observationRow(o)
		for _, s := range o.Scores {
			scores = append(scores, scoreRow{ObservationID: o.ID, IndicatorKey: s.IndicatorKey, DistrictID: o.DistrictID,
				RubricVersionID: o.RubricVersionID, Level: s.Level, Evidence: s.Evidence})
		}
		changes[i] = Change{DistrictID: o.DistrictID, Entity: "observation", RecordID: o.ID, SchoolID: o.SchoolID, Rev: o.Rev, Deleted: o.Deleted}
	}
	if tx.canCopy() && len(replaced) < len(rows) {
		// New observations are copied in; only replaced ones need an upsert.
		var fresh []observationRow
		upserts := rows[:0:0]
		for _, r := range rows {
			if _, ok := old[r.ID]; ok {
				upserts = append(upserts, r)
			} else {
				fresh = append(fresh, r)
			}
		}
		if err := tx.copyObservations(ctx, fresh); err != nil {
			return err
		}
		rows = upserts
	}
	for start := 0; start < len(rows); start += rowsPerStatement {
		chunk := rows[start:min(start+rowsPerStatement, len(rows))]
		res := tx.db.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "id"}},
			Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "observations.district_id = excluded.district_id"}}},
			DoUpdates: clause.AssignmentColumns(observationColumns),
		}).Create(&chunk)
		if res.Error != nil {
			return translate(res.Error, "observation")
		}
		if res.RowsAffected != int64(len(chunk)) {
			return otherDistrict("observation")
		}
	}
	if len(replaced) > 0 {
		if err := tx.db.Where("observation_id IN ?", replaced).Delete(&scoreRow{}).Error; err != nil {
			return translate(err, "score")
		}
	}
	if len(scores) > 0 {
		if err := tx.insertScores(ctx, scores); err != nil {
			return translate(err, "score")
		}
	}
	if err := tx.applyRollups(ctx, deltas); err != nil {
		return err
	}
	return tx.AppendChanges(ctx, changes)
}

// copyObservations copies in observations that are not stored yet, their
// ids locked by the caller. An id that is taken can only be another
// district's, and is refused as the upsert refuses it.
func (tx *Tx) copyObservations(ctx context.Context, rows []observationRow) error {
	ids := uuids{}
	values := make([][]any, len(rows))
	for i := range rows {
		r := &rows[i]
		v := make([]any, 0, len(observationCopyColumns))
		for _, id := range []*string{&r.ID, &r.DistrictID, &r.SchoolID, r.WalkthroughID, r.FollowUpID, &r.TeacherID, &r.ObserverID, &r.RubricVersionID, r.DeviceID} {
			u, err := ids.orNull(id)
			if err != nil {
				return err
			}
			v = append(v, u)
		}
		values[i] = append(v, r.Kind, r.Grade, r.GradeBand, r.Subject, r.StartedAt, r.CountedAt, r.EndedAt, r.Status, r.Evidence, r.Tags,
			r.Rev, r.SubmittedAt, r.ReceivedAt, r.ClockSkewed, r.DeletedAt, r.CreatedAt, r.UpdatedAt)
	}
	err := translate(tx.copyTyped(ctx, "observations", observationCopyColumns, values), "observation")
	if domain.ErrorCode(err) == domain.EConflict {
		return conflict("an observation id is taken in another district")
	}
	return err
}

// observationCopyColumns are the observation columns in copyObservations'
// order: the ids first.
var observationCopyColumns = []string{"id", "district_id", "school_id", "walkthrough_id", "follow_up_id", "teacher_id", "observer_id",
	"rubric_version_id", "device_id", "kind", "grade", "grade_band", "subject", "started_at", "counted_at", "ended_at", "status", "evidence", "tags",
	"rev", "submitted_at", "received_at", "clock_skewed", "deleted_at", "created_at", "updated_at"}

// observationRow is the row an observation is stored as.
func (tx *Tx) observationRow(o domain.Observation) observationRow {
	row := observationRow{ID: o.ID, DistrictID: o.DistrictID, SchoolID: o.SchoolID, WalkthroughID: nullable(o.WalkthroughID),
		FollowUpID: nullable(o.FollowUpID), TeacherID: o.TeacherID, ObserverID: o.ObserverID, RubricVersionID: o.RubricVersionID,
		Kind: string(o.Kind), Grade: o.Grade, GradeBand: domain.GradeBand(o.Grade), Subject: o.Subject,
		StartedAt: o.StartedAt.UTC(), CountedAt: o.CountedAt.UTC(), EndedAt: utcPtr(o.EndedAt), Status: string(o.Status), Evidence: o.Evidence,
		Tags: encodeList(o.Tags), DeviceID: nullable(o.DeviceID), Rev: o.Rev, SubmittedAt: utcPtr(o.SubmittedAt),
		ReceivedAt: o.ReceivedAt.UTC(), ClockSkewed: o.ClockSkewed, CreatedAt: tx.now, UpdatedAt: tx.now}
	if row.ReceivedAt.IsZero() {
		row.ReceivedAt = tx.now
	}
	if o.Deleted {
		row.DeletedAt = &tx.now
	}
	return row
}

// rollupRubric is what rollups need to know of a rubric version.
func (tx *Tx) rollupRubric(versionID string) (rollup.Rubric, error) {
	if sh, ok := tx.cache.rubrics[versionID]; ok {
		return sh, nil
	}
	if v, ok := tx.publishedVersion(versionID); ok {
		sh := rollupRubricOf(v)
		tx.cache.setRubric(versionID, sh)
		return sh, nil
	}
	var v rubricVersionRow
	if err := tx.db.Select("id, rubric_id").Where("id = ?", versionID).Take(&v).Error; err != nil {
		return rollup.Rubric{}, translate(err, "rubric version")
	}
	var inds []rubricIndicatorRow
	if err := tx.db.Select("key, dimension_key").Where("rubric_version_id = ?", versionID).Find(&inds).Error; err != nil {
		return rollup.Rubric{}, translate(err, "rubric indicators")
	}
	sh := rollup.Rubric{ID: v.RubricID, Dimension: make(map[string]string, len(inds))}
	for _, ind := range inds {
		sh.Dimension[ind.Key] = ind.DimensionKey
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

// insertScores inserts score rows: on PostgreSQL by COPY when the
// transaction's connection is at hand (a batch), else in one statement that
// unnests an array per column, so that the cost is the rows' and not the
// parsing of thousands of parameters; elsewhere many rows a statement.
func (tx *Tx) insertScores(ctx context.Context, scores []scoreRow) error {
	if tx.dialect != Postgres {
		return tx.db.CreateInBatches(scores, scoresPerStatement).Error
	}
	if tx.canCopy() {
		data, err := scoresCopy(scores)
		if err != nil {
			return err
		}
		return tx.copyBinary(ctx, "scores", scoreCopyColumns, data)
	}
	n := len(scores)
	obs, keys, districts, versions, evidence := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	levels := make([]*int32, n)
	for i, s := range scores {
		obs[i], keys[i], districts[i], versions[i], evidence[i] = s.ObservationID, s.IndicatorKey, s.DistrictID, s.RubricVersionID, s.Evidence
		if s.Level != nil {
			l := int32(*s.Level)
			levels[i] = &l
		}
	}
	_, err := tx.db.Statement.ConnPool.ExecContext(ctx, `INSERT INTO scores (observation_id, indicator_key, district_id, rubric_version_id, level, evidence)
		SELECT o::uuid, k, d::uuid, v::uuid, l::smallint, e FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::text[]) AS s (o, k, d, v, l, e)`,
		obs, keys, districts, versions, levels, evidence)
	return err
}

// scoreCopyColumns are the score columns scoresCopy writes, in order.
var scoreCopyColumns = []string{"observation_id", "indicator_key", "district_id", "rubric_version_id", "level", "evidence"}

// scoresCopy is the scores in the binary COPY format, their ids as UUIDs
// and their levels as smallints.
func scoresCopy(scores []scoreRow) ([]byte, error) {
	size := 0
	for _, s := range scores {
		size += 2 + 3*(4+16) + 4 + len(s.IndicatorKey) + 6 + 4 + len(s.Evidence)
	}
	b := newBinaryCopy(size)
	ids := uuids{}
	// An observation's scores come together, and a push's are of one
	// district and mostly one rubric version: each id is parsed when it
	// differs from the row before's.
	var prev [3]string
	var id [3]pgtype.UUID
	for i, s := range scores {
		for j, v := range [3]string{s.ObservationID, s.DistrictID, s.RubricVersionID} {
			if i > 0 && v == prev[j] {
				continue
			}
			u, err := ids.of(v)
			if err != nil {
				return nil, err
			}
			id[j], prev[j] = u, v
		}
		b.row(len(scoreCopyColumns))
		b.uuid(id[0])
		b.text(s.IndicatorKey)
		b.uuid(id[1])
		b.uuid(id[2])
		b.int2(s.Level)
		b.text(s.Evidence)
	}
	return b.data(), nil
}
