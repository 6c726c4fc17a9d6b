package sync

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// applyCycle applies a change to a cycle of support: its teachers, its
// shift in words, its status and its outcome. Its coach or a leader of its
// school changes it, on a device offline as through PATCH /cycles/{id}.
// Opening a cycle stays online (POST /cycles): the server checks the coach,
// the teachers and the support request it answers in one go, so a change
// that names no cycle the server has is refused. A cycle is never deleted;
// it is abandoned. The school, the coach and the focus indicator stay as the
// cycle was opened; started_on and ended_on follow the status.
func (s *Service) applyCycle(ctx context.Context, tx *store.Tx, p auth.Principal, c Change) (int64, error) {
	cur, exists, err := existing(ctx, tx, p, c, tx.Cycles)
	if err != nil {
		return 0, err
	}
	if !exists {
		if err := checkRev(c, false, false, 0, nil); err != nil {
			return 0, err
		}
		return s.openCycle(ctx, tx, p, c)
	}
	if !p.SeesCycle(cur) {
		return 0, notYours()
	}
	if !p.RunsCycle(cur) {
		return 0, forbidden("only the cycle's coach or the school's leaders may change it")
	}
	if err := checkRev(c, exists, cur.Deleted, cur.Rev, func() *Record {
		return &Record{Entity: EntityCycle, ID: cur.ID, Rev: cur.Rev, Deleted: cur.Deleted, Data: CycleDataOf(cur)}
	}); err != nil {
		return 0, err
	}
	if c.Op == OpDelete {
		return 0, rejected("op", "a cycle of support is not deleted; set its status to abandoned")
	}
	var d CycleData
	if err := decodeData(c.Data, &d); err != nil {
		return 0, err
	}
	switch {
	case d.SchoolID != cur.SchoolID:
		return 0, rejected("data.school_id", "a cycle stays at the school it was opened at")
	case d.CoachID != cur.CoachID:
		return 0, rejected("data.coach_id", "a cycle keeps the coach it was opened with")
	case d.FocusIndicatorKey != cur.FocusIndicatorKey:
		return 0, rejected("data.focus_indicator_key", "a cycle keeps its focus; open another for another indicator")
	}
	next := cur
	next.TeacherIDs = sorted(d.TeacherIDs)
	next.FocusShift = strings.TrimSpace(d.FocusShift)
	next.Status = domain.CycleStatus(d.Status)
	next.Outcome = domain.CycleOutcome(d.Outcome)
	next.OutcomeEvidence = strings.TrimSpace(d.OutcomeEvidence)
	next.Rev = cur.Rev + 1
	if next.Status != cur.Status {
		today := dateIn(tx.Now(), districtLoc(ctx, tx, p.DistrictID()))
		switch next.Status {
		case domain.CyclePlanned:
			next.EndedOn = nil
		case domain.CycleActive:
			if next.StartedOn == nil {
				next.StartedOn = &today
			}
			next.EndedOn = nil
		case domain.CycleCompleted, domain.CycleAbandoned:
			// The day the device says it ended (it may have been offline
			// since), unless that day is before the cycle began or after
			// today in the district.
			end := today
			if e := datePtr(d.EndedOn); e != nil && !e.After(today) && (next.StartedOn == nil || !e.Before(*next.StartedOn)) {
				end = *e
			}
			next.EndedOn = &end
		}
	}
	if err := next.Validate(); err != nil {
		return 0, err
	}
	if next.Status == domain.CycleCompleted && next.Outcome == domain.OutcomeNone {
		return 0, rejected("data.outcome", "a completed cycle needs an outcome: seen, partly or not_yet")
	}
	if next.Status != domain.CycleCompleted && next.Outcome != domain.OutcomeNone {
		return 0, rejected("data.outcome", "only a completed cycle has an outcome")
	}
	if len(next.OutcomeEvidence) > 5000 {
		return 0, rejected("data.outcome_evidence", "must be at most 5000 characters")
	}
	if !slices.Equal(next.TeacherIDs, cur.TeacherIDs) {
		if err := CheckCycleRefs(ctx, tx, next); err != nil {
			return 0, err
		}
	}
	return next.Rev, tx.PutCycle(ctx, next)
}

// openCycle opens the cycle a device made, offline perhaps: the caller is its
// coach, at a school of theirs, with teachers of that school and a focus
// from a published rubric; it starts planned or active, on the day the
// device says it started unless that is after today in the district.
func (s *Service) openCycle(ctx context.Context, tx *store.Tx, p auth.Principal, c Change) (int64, error) {
	var d CycleData
	if err := decodeData(c.Data, &d); err != nil {
		return 0, err
	}
	if ok, err := tx.SchoolsExist(ctx, p.DistrictID(), []string{d.SchoolID}); err != nil {
		return 0, err
	} else if !ok[d.SchoolID] || !p.ReadScope().HasSchool(d.SchoolID) {
		return 0, notYours()
	}
	if d.CoachID != "" && d.CoachID != p.User.ID {
		return 0, rejected("data.coach_id", "a cycle opened on a device is the caller's own")
	}
	n := domain.Cycle{ID: c.ID, DistrictID: p.DistrictID(), SchoolID: d.SchoolID, CoachID: p.User.ID, TeacherIDs: sorted(d.TeacherIDs),
		FocusIndicatorKey: d.FocusIndicatorKey, FocusShift: strings.TrimSpace(d.FocusShift), Status: domain.CycleStatus(d.Status), Rev: 1}
	switch n.Status {
	case domain.CyclePlanned:
	case domain.CycleActive:
		today := dateIn(tx.Now(), districtLoc(ctx, tx, p.DistrictID()))
		n.StartedOn = &today
		if st := datePtr(d.StartedOn); st != nil && !st.After(today) {
			n.StartedOn = st
		}
	default:
		return 0, rejected("data.status", "a new cycle is planned or active")
	}
	if d.Outcome != "" || d.OutcomeEvidence != "" {
		return 0, rejected("data.outcome", "only a completed cycle has an outcome")
	}
	if err := n.Validate(); err != nil {
		return 0, err
	}
	if err := CheckCycleRefs(ctx, tx, n); err != nil {
		return 0, err
	}
	return n.Rev, tx.PutCycle(ctx, n)
}

// CheckCycleRefs checks that a cycle's coach coaches at its school, its
// teachers teach there and its focus is an indicator of a published rubric.
func CheckCycleRefs(ctx context.Context, tx *store.Tx, c domain.Cycle) error {
	var p domain.Problems
	coach, err := tx.UserRecord(ctx, c.CoachID)
	switch {
	case domain.ErrorCode(err) == domain.ENotFound || (err == nil && coach.DistrictID != c.DistrictID):
		p.Add("coach_id", "no such user in this district")
	case err != nil:
		return err
	case !coach.HasRole(domain.RoleDistrictAdmin) && !slices.ContainsFunc(coach.Grants, func(g domain.RoleGrant) bool {
		return g.Role == domain.RoleCoach && (g.SchoolID == c.SchoolID || g.SchoolID == "")
	}):
		p.Add("coach_id", "is not a coach at this school")
	}
	ts, err := tx.TeachersByID(ctx, c.DistrictID, c.TeacherIDs)
	if err != nil {
		return err
	}
	at := map[string]bool{}
	for _, t := range ts {
		at[t.ID] = t.SchoolID == c.SchoolID
	}
	for i, id := range c.TeacherIDs {
		if !at[id] {
			p.Add("teacher_ids["+itoa(i)+"]", "no such teacher at this school")
		}
	}
	ok, err := tx.PublishedIndicator(ctx, c.DistrictID, c.FocusIndicatorKey)
	if err != nil {
		return err
	}
	if !ok {
		p.Add("focus_indicator_key", "is not an indicator of a published rubric of the district")
	}
	return p.Err("the cycle is not valid")
}

// districtLoc is the district's time zone; UTC when it cannot be read.
func districtLoc(ctx context.Context, tx *store.Tx, districtID string) *time.Location {
	d, err := tx.District(ctx, districtID)
	if err != nil {
		return time.UTC
	}
	return d.Location()
}

// dateIn is t's calendar day in loc, as a date at 00:00 UTC.
func dateIn(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}
