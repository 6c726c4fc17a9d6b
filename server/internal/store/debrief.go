package store

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// DebriefRecords is everything a walkthrough's debrief is built from, read
// together: the walkthrough, its live observations (drafts included, for
// who-has-synced), the people and teachers they name, its rubric version,
// its next steps, and when each team member's devices last synced.
type DebriefRecords struct {
	Walkthrough  domain.Walkthrough
	School       domain.School
	Rubric       domain.RubricVersion
	Observations []domain.Observation
	Teachers     map[string]domain.Teacher
	Users        map[string]domain.User
	NextSteps    []domain.NextStep
	// LastSynced is the newest change applied for each team member, from
	// any of their devices; absent when none ever was.
	LastSynced map[string]time.Time
}

// Debrief reads the records of one walkthrough's debrief. A deleted or
// missing walkthrough is ENotFound.
func (s *Store) Debrief(ctx context.Context, districtID, walkthroughID string) (DebriefRecords, error) {
	tx := s.read(ctx)
	var out DebriefRecords
	w, err := tx.Walkthrough(ctx, districtID, walkthroughID)
	if err != nil {
		return out, err
	}
	if w.Deleted {
		return out, notFound("walkthrough")
	}
	out.Walkthrough = w
	if out.School, err = s.School(ctx, districtID, w.SchoolID); err != nil {
		return out, err
	}
	if out.Rubric, err = tx.RubricVersion(ctx, districtID, w.RubricVersionID); err != nil {
		return out, err
	}
	var ids []string
	if err := tx.db.Model(&observationRow{}).Where("district_id = ? AND walkthrough_id = ? AND deleted_at IS NULL", districtID, w.ID).
		Order("id").Pluck("id", &ids).Error; err != nil {
		return out, translate(err, "observation")
	}
	if len(ids) > 0 {
		if out.Observations, err = tx.Observations(ctx, districtID, ids); err != nil {
			return out, err
		}
	}
	people := map[string]bool{w.LeadID: true}
	for _, m := range w.Team {
		people[m] = true
	}
	teacherIDs := map[string]bool{}
	for _, o := range out.Observations {
		people[o.ObserverID] = true
		teacherIDs[o.TeacherID] = true
	}
	var stepIDs []string
	if err := tx.db.Model(&nextStepRow{}).Where("district_id = ? AND walkthrough_id = ? AND deleted_at IS NULL", districtID, w.ID).
		Order("id").Pluck("id", &stepIDs).Error; err != nil {
		return out, translate(err, "next step")
	}
	if len(stepIDs) > 0 {
		if out.NextSteps, err = tx.NextSteps(ctx, districtID, stepIDs); err != nil {
			return out, err
		}
	}
	for _, n := range out.NextSteps {
		people[n.OwnerID] = true
	}
	out.Teachers = map[string]domain.Teacher{}
	if len(teacherIDs) > 0 {
		ts, err := tx.TeachersByID(ctx, districtID, keys(teacherIDs))
		if err != nil {
			return out, err
		}
		for _, t := range ts {
			out.Teachers[t.ID] = t
		}
	}
	out.Users = map[string]domain.User{}
	out.LastSynced = map[string]time.Time{}
	for id := range people {
		u, err := tx.userWhere("user", "district_id = ? AND id = ?", districtID, id)
		if domain.ErrorCode(err) == domain.ENotFound {
			continue
		}
		if err != nil {
			return out, err
		}
		out.Users[id] = u
	}
	for _, id := range append([]string{w.LeadID}, w.Team...) {
		var last []appliedChangeRow
		if err := tx.db.Select("applied_at").Where("user_id = ? AND district_id = ?", id, districtID).
			Order("applied_at DESC").Limit(1).Find(&last).Error; err != nil {
			return out, translate(err, "applied change")
		}
		if len(last) == 1 {
			out.LastSynced[id] = last[0].AppliedAt.UTC()
		}
	}
	return out, nil
}

func keys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	return out
}

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
		Select("o.walkthrough_id, w.visit_date, o.rubric_version_id, o.teacher_id, o.id AS observation_id, o.observer_id, scores.indicator_key, scores.level").
		Joins("JOIN observations o ON o.id = scores.observation_id").
		Joins("JOIN walkthroughs w ON w.id = o.walkthrough_id").
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

// NextStepFilter narrows a listing of next steps. Visible is who may be
// listed: the steps at the scope's schools, plus the caller's own and those
// of walkthroughs the caller leads.
type NextStepFilter struct {
	Visible  domain.Scope
	CallerID string
	// TeamOf are walkthroughs whose every step the caller sees, being on
	// their team.
	TeamOf         []string
	OwnerID        string
	WalkthroughIDs []string
	SchoolIDs      []string
	Open           bool       // not done
	Done           bool       // done
	DueBefore      *time.Time // due before this day (with Open: overdue)
	// Page is the page asked for, after the key [due day or "", id].
	Page Keyset
}

// NextStepsPage lists next steps by due date (undated last), a page at a
// time, tombstones left out.
func (s *Store) NextStepsPage(ctx context.Context, f NextStepFilter) ([]domain.NextStep, error) {
	q := s.db.WithContext(ctx).Model(&nextStepRow{}).Where("district_id = ? AND deleted_at IS NULL", f.Visible.DistrictID)
	led := s.db.Model(&walkthroughRow{}).Select("id").Where("district_id = ? AND lead_id = ?", f.Visible.DistrictID, f.CallerID)
	team := f.TeamOf
	if len(team) == 0 {
		team = []string{f.CallerID} // no walkthrough has that id: an IN list cannot be empty
	}
	switch {
	case f.Visible.AllSchools:
	case len(f.Visible.SchoolIDs) > 0:
		q = q.Where("(school_id IN ? OR owner_id = ? OR walkthrough_id IN (?) OR walkthrough_id IN ?)", f.Visible.SchoolIDs, f.CallerID, led, team)
	default:
		q = q.Where("(owner_id = ? OR walkthrough_id IN (?) OR walkthrough_id IN ?)", f.CallerID, led, team)
	}
	if f.OwnerID != "" {
		q = q.Where("owner_id = ?", f.OwnerID)
	}
	for col, vs := range map[string][]string{"walkthrough_id": f.WalkthroughIDs, "school_id": f.SchoolIDs} {
		if len(vs) > 0 {
			q = q.Where(col+" IN ?", vs)
		}
	}
	if len(f.Page.After) == 2 {
		due, id := f.Page.After[0], f.Page.After[1]
		if due == "" {
			q = q.Where("(due_on IS NULL AND id > ?)", id)
		} else {
			day, err := time.Parse(time.DateOnly, due)
			if err != nil {
				return nil, domain.Invalid("the cursor is not valid", domain.FieldError{Field: "cursor", Message: "is not a cursor of this list"})
			}
			q = q.Where("(due_on IS NULL OR due_on > ? OR (due_on = ? AND id > ?))", dateOnly(day), dateOnly(day), id)
		}
	}
	if f.Open {
		q = q.Where("done_at IS NULL")
	}
	if f.Done {
		q = q.Where("done_at IS NOT NULL")
	}
	if f.DueBefore != nil {
		q = q.Where("due_on < ?", dateOnly(*f.DueBefore))
	}
	var ids []string
	q = q.Order("CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, id")
	if f.Page.Limit > 0 {
		q = q.Limit(f.Page.Limit)
	}
	if err := q.Pluck("id", &ids).Error; err != nil {
		return nil, translate(err, "next step")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	ns, err := s.read(ctx).NextSteps(ctx, f.Visible.DistrictID, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]domain.NextStep{}
	for _, n := range ns {
		byID[n.ID] = n
	}
	out := make([]domain.NextStep, 0, len(ids))
	for _, id := range ids {
		out = append(out, byID[id])
	}
	return out, nil
}
