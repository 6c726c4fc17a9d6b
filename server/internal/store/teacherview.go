package store

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// TeacherScoreSum is what a teacher's submitted scores on one dimension or
// indicator add up to: how many observations scored it, how many scores
// there are and their sum.
type TeacherScoreSum struct {
	TeacherID    string
	Key          string `gorm:"column:score_key"`
	Observations int64
	Scores       int64
	Sum          int64
}

// TeacherScoreQuery asks for the submitted scores of the teachers of the
// scope's schools on a rubric (any version) from the instant From until
// the instant To (no bound when zero), by dimension, or by indicator when
// Indicators names some (then only those).
type TeacherScoreQuery struct {
	Scope      domain.Scope
	RubricID   string
	TeacherIDs []string // all when empty
	From, To   time.Time
	Indicators []string
}

// TeacherScores sums submitted scores per teacher and dimension (or
// indicator), straight from the scores: teacher-level figures are not kept
// in the rollups.
func (s *Store) TeacherScores(ctx context.Context, q TeacherScoreQuery) ([]TeacherScoreSum, error) {
	key := "ri.dimension_key"
	if len(q.Indicators) > 0 {
		key = "sc.indicator_key"
	}
	db := s.read(ctx).db.Table("scores sc").
		Select(key+" AS score_key, o.teacher_id AS teacher_id, COUNT(DISTINCT o.id) AS observations, COUNT(sc.level) AS scores, COALESCE(SUM(sc.level), 0) AS sum").
		Joins("JOIN observations o ON o.id = sc.observation_id").
		Joins("JOIN rubric_versions v ON v.id = sc.rubric_version_id").
		Joins("JOIN rubric_indicators ri ON ri.rubric_version_id = sc.rubric_version_id AND ri.key = sc.indicator_key").
		Where("o.district_id = ? AND o.status = ? AND o.deleted_at IS NULL AND sc.level IS NOT NULL AND v.rubric_id = ?",
			q.Scope.DistrictID, string(domain.ObservationSubmitted), q.RubricID)
	if !q.Scope.AllSchools {
		if len(q.Scope.SchoolIDs) == 0 {
			return nil, nil
		}
		db = db.Where("o.school_id IN ?", q.Scope.SchoolIDs)
	}
	if len(q.TeacherIDs) > 0 {
		db = db.Where("o.teacher_id IN ?", q.TeacherIDs)
	}
	if !q.From.IsZero() {
		db = db.Where("o.counted_at >= ?", q.From.UTC())
	}
	if !q.To.IsZero() {
		db = db.Where("o.counted_at < ?", q.To.UTC())
	}
	if len(q.Indicators) > 0 {
		db = db.Where("sc.indicator_key IN ?", q.Indicators)
	}
	var out []TeacherScoreSum
	if err := db.Group(key + ", o.teacher_id").Order("teacher_id, score_key").Scan(&out).Error; err != nil {
		return nil, translate(err, "scores")
	}
	return out, nil
}

// TeacherVisit is how often a teacher was visited in a period and when
// last.
type TeacherVisit struct {
	Observations int64      // submitted observations in the period
	Last         *time.Time // the last submitted observation before its end
}

// TeacherVisits maps the teachers of the scope's schools to their visits
// from the instant from until the instant to (no bound when zero).
func (s *Store) TeacherVisits(ctx context.Context, sc domain.Scope, from, to time.Time) (map[string]TeacherVisit, error) {
	db := inScope(s.read(ctx).db.Model(&observationRow{}), "school_id", sc).
		Select("teacher_id, SUM(CASE WHEN counted_at >= ? THEN 1 ELSE 0 END) AS n, MAX(counted_at) AS last_at", from.UTC()).
		Where("status = ? AND deleted_at IS NULL", string(domain.ObservationSubmitted))
	if !to.IsZero() {
		db = db.Where("counted_at < ?", to.UTC())
	}
	rows, err := db.Group("teacher_id").Rows()
	if err != nil {
		return nil, translate(err, "observation")
	}
	defer rows.Close()
	out := map[string]TeacherVisit{}
	for rows.Next() {
		var id string
		var n int64
		var at any
		if err := rows.Scan(&id, &n, &at); err != nil {
			return nil, translate(err, "observation")
		}
		out[id] = TeacherVisit{Observations: n, Last: anyTime(at)}
	}
	return out, translate(rows.Err(), "observation")
}

// CoachLoad is what a coach has on hand.
type CoachLoad struct {
	OpenCycles      int64 // planned or active
	FollowUpsAhead  int64 // scheduled follow-ups from now for two weeks
	RequestsWaiting int64 // support requests assigned with no cycle opened yet
}

// CoachLoads maps the district's coaches with anything on hand to it.
func (s *Store) CoachLoads(ctx context.Context, districtID string, now time.Time) (map[string]CoachLoad, error) {
	db := s.read(ctx).db
	out := map[string]CoachLoad{}
	type count struct {
		CoachID string
		N       int64
	}
	var cs, fs, rs []count
	if err := db.Model(&cycleRow{}).Select("coach_id, COUNT(*) AS n").
		Where("district_id = ? AND deleted_at IS NULL AND status IN ?", districtID, []string{string(domain.CyclePlanned), string(domain.CycleActive)}).
		Group("coach_id").Scan(&cs).Error; err != nil {
		return nil, translate(err, "cycle")
	}
	if err := db.Table("follow_ups f").Select("c.coach_id AS coach_id, COUNT(*) AS n").Joins("JOIN cycles c ON c.id = f.cycle_id").
		Where("f.district_id = ? AND f.deleted_at IS NULL AND c.deleted_at IS NULL AND f.status = ? AND f.starts_at >= ? AND f.starts_at < ?",
			districtID, string(domain.FollowUpScheduled), now.UTC(), now.UTC().AddDate(0, 0, 14)).
		Group("c.coach_id").Scan(&fs).Error; err != nil {
		return nil, translate(err, "follow-up")
	}
	if err := db.Model(&supportRequestRow{}).Select("coach_id, COUNT(*) AS n").
		Where("district_id = ? AND deleted_at IS NULL AND status = ? AND cycle_id IS NULL", districtID, string(domain.SupportAssigned)).
		Group("coach_id").Scan(&rs).Error; err != nil {
		return nil, translate(err, "support request")
	}
	for _, c := range cs {
		l := out[c.CoachID]
		l.OpenCycles = c.N
		out[c.CoachID] = l
	}
	for _, c := range fs {
		l := out[c.CoachID]
		l.FollowUpsAhead = c.N
		out[c.CoachID] = l
	}
	for _, c := range rs {
		l := out[c.CoachID]
		l.RequestsWaiting = c.N
		out[c.CoachID] = l
	}
	return out, nil
}

// SchoolCycles lists the live cycles of support at the scope's schools,
// oldest first.
func (s *Store) SchoolCycles(ctx context.Context, sc domain.Scope) ([]domain.Cycle, error) {
	tx := s.read(ctx)
	var ids []string
	if err := inScope(tx.db.Model(&cycleRow{}), "school_id", sc).Where("deleted_at IS NULL").Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, translate(err, "cycle")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return tx.Cycles(ctx, sc.DistrictID, ids)
}
