package store

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// Supervisors lists every district's active users who hold the supervisor
// role over at least one school, with their grants: the readers of the
// Monday digest.
func (s *Store) Supervisors(ctx context.Context) ([]domain.User, error) {
	tx := s.read(ctx)
	var rows []userRow
	if err := tx.db.Where("active AND id IN (SELECT user_id FROM role_grants WHERE role = ? AND school_id IS NOT NULL)", domain.RoleSupervisor).
		Order("district_id, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "user")
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	g, err := tx.grants(ids...)
	if err != nil {
		return nil, err
	}
	out := make([]domain.User, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain(g[r.ID])
	}
	return out, nil
}

// SchoolVisits counts the submitted observations of a district's schools
// that count from the instant from until the instant to, by school.
func (s *Store) SchoolVisits(ctx context.Context, districtID string, schoolIDs []string, from, to time.Time) (map[string]int64, error) {
	out := map[string]int64{}
	if len(schoolIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		SchoolID string
		N        int64
	}
	if err := s.read(ctx).db.Model(&observationRow{}).Select("school_id, COUNT(*) AS n").
		Where("district_id = ? AND school_id IN ? AND status = 'submitted' AND deleted_at IS NULL AND counted_at >= ? AND counted_at < ?",
			districtID, schoolIDs, from.UTC(), to.UTC()).
		Group("school_id").Scan(&rows).Error; err != nil {
		return nil, translate(err, "observation")
	}
	for _, r := range rows {
		out[r.SchoolID] = r.N
	}
	return out, nil
}

// ActiveTeachers counts the active teachers of a district's schools, by
// school.
func (s *Store) ActiveTeachers(ctx context.Context, districtID string, schoolIDs []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(schoolIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		SchoolID string
		N        int64
	}
	if err := s.read(ctx).db.Table("teachers").Select("school_id, COUNT(*) AS n").
		Where("district_id = ? AND school_id IN ? AND active", districtID, schoolIDs).
		Group("school_id").Scan(&rows).Error; err != nil {
		return nil, translate(err, "teacher")
	}
	for _, r := range rows {
		out[r.SchoolID] = r.N
	}
	return out, nil
}

// MessageRecorded reports whether a message of this key is recorded.
func (s *Store) MessageRecorded(ctx context.Context, kind, recipient, subjectID, day string) (bool, error) {
	var n int64
	if err := s.read(ctx).db.Model(&messageRow{}).
		Where("kind = ? AND recipient = ? AND subject_id = ? AND day = ?", kind, recipient, subjectID, day).
		Count(&n).Error; err != nil {
		return false, translate(err, "message")
	}
	return n > 0, nil
}
