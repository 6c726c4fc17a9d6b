package store

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// TeacherCoverage is a teacher and when they were last visited.
type TeacherCoverage struct {
	Teacher      domain.Teacher
	LastObserved *time.Time
}

// Coverage lists the active teachers of the scope's schools not visited (no
// submitted observation) from the instant from until the instant to (no end
// when zero), least recently visited first; LastObserved is their last
// visit before to.
func (s *Store) Coverage(ctx context.Context, sc domain.Scope, from, to time.Time) ([]TeacherCoverage, error) {
	since := from
	last := s.db.Model(&observationRow{}).Select("teacher_id, MAX(counted_at) AS last_at").
		Where("district_id = ? AND status = 'submitted' AND deleted_at IS NULL", sc.DistrictID)
	if !to.IsZero() {
		last = last.Where("counted_at < ?", to.UTC())
	}
	last = last.Group("teacher_id")
	q := inScope(s.db.WithContext(ctx).Table("teachers"), "teachers.school_id", sc).
		Select("teachers.id AS id, l.last_at AS last_at").Joins("LEFT JOIN (?) l ON l.teacher_id = teachers.id", last).
		Where("teachers.active AND (l.last_at IS NULL OR l.last_at < ?)", since.UTC()).
		Order("l.last_at IS NOT NULL, l.last_at, teachers.family_name, teachers.id")
	rows, err := q.Rows()
	if err != nil {
		return nil, translate(err, "coverage")
	}
	defer rows.Close()
	var ids []string
	lastAt := map[string]*time.Time{}
	for rows.Next() {
		var id string
		var at any
		if err := rows.Scan(&id, &at); err != nil {
			return nil, translate(err, "coverage")
		}
		ids = append(ids, id)
		lastAt[id] = anyTime(at)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "coverage")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	ts, err := s.read(ctx).TeachersByID(ctx, sc.DistrictID, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]domain.Teacher{}
	for _, t := range ts {
		byID[t.ID] = t
	}
	out := make([]TeacherCoverage, len(ids))
	for i, id := range ids {
		out[i] = TeacherCoverage{Teacher: byID[id], LastObserved: lastAt[id]}
	}
	return out, nil
}
