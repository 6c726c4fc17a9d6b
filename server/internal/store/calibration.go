package store

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// CalibrationFilter says which walkthroughs' scores calibration reads:
// those visited in [From, To) at the scope's schools (narrowed to SchoolIDs
// when set).
type CalibrationFilter struct {
	Scope     domain.Scope
	SchoolIDs []string
	From, To  time.Time
}

// CalibrationScore is one submitted level inside a walkthrough.
type CalibrationScore struct {
	WalkthroughID   string
	VisitDate       time.Time
	RubricVersionID string
	RubricID        string // the framework
	TeacherID       string
	ObservationID   string
	ObserverID      string
	IndicatorKey    string
	Level           int
}

// CalibrationScores lists the levels of submitted observations made inside
// walkthroughs, ordered by walkthrough, teacher and indicator, "not
// observed" left out.
func (s *Store) CalibrationScores(ctx context.Context, f CalibrationFilter) ([]CalibrationScore, error) {
	q := s.db.WithContext(ctx).Table("scores").
		Select("o.walkthrough_id, w.visit_date, o.rubric_version_id, rv.rubric_id, o.teacher_id, o.id AS observation_id, o.observer_id, scores.indicator_key, scores.level").
		Joins("JOIN observations o ON o.id = scores.observation_id").
		Joins("JOIN walkthroughs w ON w.id = o.walkthrough_id").
		Joins("JOIN rubric_versions rv ON rv.id = o.rubric_version_id").
		Where("o.district_id = ? AND o.status = ? AND o.deleted_at IS NULL AND w.deleted_at IS NULL AND scores.level IS NOT NULL",
			f.Scope.DistrictID, string(domain.ObservationSubmitted)).
		Where("w.visit_date >= ? AND w.visit_date < ?", dateOnly(f.From), dateOnly(f.To))
	if !f.Scope.AllSchools {
		if len(f.Scope.SchoolIDs) == 0 {
			return nil, nil
		}
		q = q.Where("w.school_id IN ?", f.Scope.SchoolIDs)
	}
	if len(f.SchoolIDs) > 0 {
		q = q.Where("w.school_id IN ?", f.SchoolIDs)
	}
	var rows []CalibrationScore
	if err := q.Order("o.walkthrough_id, o.teacher_id, scores.indicator_key, o.id").Scan(&rows).Error; err != nil {
		return nil, translate(err, "calibration scores")
	}
	for i := range rows {
		rows[i].VisitDate = dateOnly(rows[i].VisitDate.UTC())
	}
	return rows, nil
}
