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
