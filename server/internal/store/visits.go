package store

import (
	"context"
	"slices"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
)

// ObservationFilter narrows an observation listing. Visible is who may be
// listed: observations at the scope's schools, plus the caller's own.
type ObservationFilter struct {
	Visible        domain.Scope
	ObserverID     string // the caller: their own observations are always visible
	SchoolIDs      []string
	TeacherIDs     []string
	WalkthroughIDs []string
	Status         string
	Kind           string
	GradeBand      string // a band of domain.GradeBand, e.g. "3-5"
	Subject        string
	From, To       *time.Time // counting times: a trend cell's observations are those it counts
	Before         string     // id of the last item of the previous page
	Limit          int
}

// ObservationsPage lists observations newest first, tombstones left out.
func (s *Store) ObservationsPage(ctx context.Context, f ObservationFilter) ([]domain.Observation, error) {
	q := s.db.WithContext(ctx).Model(&observationRow{}).Where("district_id = ? AND deleted_at IS NULL", f.Visible.DistrictID)
	switch {
	case f.Visible.AllSchools:
	case len(f.Visible.SchoolIDs) > 0:
		q = q.Where("(school_id IN ? OR observer_id = ?)", f.Visible.SchoolIDs, f.ObserverID)
	default:
		q = q.Where("observer_id = ?", f.ObserverID)
	}
	for col, vs := range map[string][]string{"school_id": f.SchoolIDs, "teacher_id": f.TeacherIDs, "walkthrough_id": f.WalkthroughIDs} {
		if len(vs) > 0 {
			q = q.Where(col+" IN ?", vs)
		}
	}
	for col, v := range map[string]string{"status": f.Status, "kind": f.Kind, "grade_band": f.GradeBand, "subject": f.Subject} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	if f.From != nil {
		q = q.Where("counted_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("counted_at < ?", f.To.UTC())
	}
	if f.Before != "" {
		q = q.Where("id < ?", f.Before)
	}
	var ids []string
	if err := q.Order("id DESC").Limit(f.Limit).Pluck("id", &ids).Error; err != nil {
		return nil, translate(err, "observation")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	obs, err := s.read(ctx).Observations(ctx, f.Visible.DistrictID, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]domain.Observation{}
	for _, o := range obs {
		byID[o.ID] = o
	}
	out := make([]domain.Observation, 0, len(ids))
	for _, id := range ids {
		out = append(out, byID[id])
	}
	return out, nil
}

// WalkthroughFilter narrows a walkthrough listing: those at the scope's
// schools plus those the member is on.
type WalkthroughFilter struct {
	Visible   domain.Scope
	MemberID  string
	SchoolIDs []string
	Kind      string
	Before    string
	Limit     int
}

// WalkthroughsPage lists walkthroughs newest first, tombstones left out.
func (s *Store) WalkthroughsPage(ctx context.Context, f WalkthroughFilter) ([]domain.Walkthrough, error) {
	q := s.db.WithContext(ctx).Model(&walkthroughRow{}).Where("district_id = ? AND deleted_at IS NULL", f.Visible.DistrictID)
	member := s.db.Model(&walkthroughMemberRow{}).Select("walkthrough_id").Where("user_id = ?", f.MemberID)
	switch {
	case f.Visible.AllSchools:
	case len(f.Visible.SchoolIDs) > 0:
		q = q.Where("(school_id IN ? OR id IN (?))", f.Visible.SchoolIDs, member)
	default:
		q = q.Where("id IN (?)", member)
	}
	if len(f.SchoolIDs) > 0 {
		q = q.Where("school_id IN ?", f.SchoolIDs)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.Before != "" {
		q = q.Where("id < ?", f.Before)
	}
	var ids []string
	if err := q.Order("id DESC").Limit(f.Limit).Pluck("id", &ids).Error; err != nil {
		return nil, translate(err, "walkthrough")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	ws, err := s.read(ctx).Walkthroughs(ctx, f.Visible.DistrictID, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]domain.Walkthrough{}
	for _, w := range ws {
		byID[w.ID] = w
	}
	out := make([]domain.Walkthrough, 0, len(ids))
	for _, id := range ids {
		out = append(out, byID[id])
	}
	return out, nil
}

// LeftOutOfTrends is which of the observations lie in a school period that
// trends leave out for roles that may not see the school's teachers: a
// dimension they scored has fewer than min observations in its school and
// rollup period (KeptDimensions). Drafts and deleted observations count in
// no period and are never left out.
func (s *Store) LeftOutOfTrends(ctx context.Context, districtID string, obs []domain.Observation, min int64) (map[string]bool, error) {
	type unit struct {
		school, rubric, dimension string
		period                    time.Time
	}
	tx := s.read(ctx)
	loc, err := tx.location(ctx, districtID)
	if err != nil {
		return nil, err
	}
	units := map[string][]unit{} // by observation
	var schools []string
	var first, last time.Time
	for _, o := range obs {
		if o.Status != domain.ObservationSubmitted || o.Deleted {
			continue
		}
		r, err := tx.rollupRubric(o.RubricVersionID)
		if err != nil {
			return nil, err
		}
		period := domain.PeriodStart(o.CountedAt, loc)
		for _, sc := range o.Scores {
			u := unit{o.SchoolID, r.ID, r.Dimension[sc.IndicatorKey], period}
			if sc.Level != nil && !slices.Contains(units[o.ID], u) {
				units[o.ID] = append(units[o.ID], u)
			}
		}
		if !slices.Contains(schools, o.SchoolID) {
			schools = append(schools, o.SchoolID)
		}
		if first.IsZero() || period.Before(first) {
			first = period
		}
		if period.After(last) {
			last = period
		}
	}
	out := map[string]bool{}
	if len(units) == 0 {
		return out, nil
	}
	rows, err := tx.db.Table(readTable(rollup.Dimensions)).
		Select("scope, rubric_id, dimension_key, period_start").
		Where("district_id = ? AND scope IN ? AND period_start >= ? AND period_start <= ?", districtID, schools, first, last).
		Group("scope, rubric_id, dimension_key, period_start").
		Having("SUM(observations) < ?", min).Rows()
	if err != nil {
		return nil, translate(err, "trend")
	}
	defer rows.Close()
	small := map[unit]bool{}
	for rows.Next() {
		var u unit
		var period any
		if err := rows.Scan(&u.school, &u.rubric, &u.dimension, &period); err != nil {
			return nil, translate(err, "trend")
		}
		if t := anyTime(period); t != nil {
			u.period = dateOnly(*t)
			small[u] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "trend")
	}
	for id, us := range units {
		out[id] = slices.ContainsFunc(us, func(u unit) bool { return small[u] })
	}
	return out, nil
}
