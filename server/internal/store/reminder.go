package store

import (
	"context"
	"strings"
	"time"
)

// OpenNextStep is a next step not done, with a due date, and its owner.
type OpenNextStep struct {
	ID            string
	DistrictID    string
	WalkthroughID string
	DueOn         string // YYYY-MM-DD
	Action        string
	SchoolName    string
	OwnerEmail    string
	OwnerName     string
}

// OpenNextSteps lists every district's next steps that are not done, due
// from from to to (dates, inclusive), with an active owner.
func (s *Store) OpenNextSteps(ctx context.Context, from, to string) ([]OpenNextStep, error) {
	var rows []struct {
		ID, DistrictID, Action, SchoolName, OwnerEmail, OwnerName string
		WalkthroughID                                             *string
		DueOn                                                     string
	}
	due := "n.due_on"
	if s.dialect == Postgres {
		due = "to_char(n.due_on, 'YYYY-MM-DD')"
	}
	err := s.read(ctx).db.Raw(`SELECT n.id, n.district_id, n.walkthrough_id, `+due+` AS due_on, n.action, s.name AS school_name,
			u.email AS owner_email, u.name AS owner_name
		FROM next_steps n
		JOIN schools s ON s.id = n.school_id
		JOIN users u ON u.id = n.owner_id AND u.district_id = n.district_id
		WHERE n.done_at IS NULL AND n.deleted_at IS NULL AND u.active AND n.due_on >= ? AND n.due_on <= ?
		ORDER BY n.due_on, n.id`, from, to).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "next step")
	}
	out := make([]OpenNextStep, len(rows))
	for i, r := range rows {
		out[i] = OpenNextStep{ID: r.ID, DistrictID: r.DistrictID, DueOn: r.DueOn[:min(10, len(r.DueOn))], Action: r.Action,
			SchoolName: r.SchoolName, OwnerEmail: r.OwnerEmail, OwnerName: r.OwnerName}
		if r.WalkthroughID != nil {
			out[i].WalkthroughID = *r.WalkthroughID
		}
	}
	return out, nil
}

// IdleCycle is an open cycle of support with nothing done on it since
// LastActivity.
type IdleCycle struct {
	ID           string
	DistrictID   string
	SchoolName   string
	FocusShift   string
	CoachEmail   string
	CoachName    string
	LastActivity time.Time
}

// IdleCycles lists the planned and active cycles of every district in
// which nothing was written (the cycle, an activity, a follow-up) since
// before, with an active coach, and when that last write was.
func (s *Store) IdleCycles(ctx context.Context, before time.Time) ([]IdleCycle, error) {
	var rows []struct {
		ID, DistrictID, SchoolName, FocusShift, CoachEmail, CoachName string
		UpdatedAt                                                     time.Time
	}
	db := s.read(ctx).db
	err := db.Raw(`SELECT c.id, c.district_id, s.name AS school_name, c.focus_shift, u.email AS coach_email, u.name AS coach_name, c.updated_at
		FROM cycles c
		JOIN schools s ON s.id = c.school_id
		JOIN users u ON u.id = c.coach_id AND u.district_id = c.district_id
		WHERE c.status IN ('planned', 'active') AND c.deleted_at IS NULL AND u.active AND c.updated_at < ?
		  AND NOT EXISTS (SELECT 1 FROM cycle_activities a WHERE a.cycle_id = c.id AND a.updated_at >= ?)
		  AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.cycle_id = c.id AND f.updated_at >= ?)
		ORDER BY c.id`, before.UTC(), before.UTC(), before.UTC()).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "cycle")
	}
	out := make([]IdleCycle, 0, len(rows))
	for _, r := range rows {
		c := IdleCycle{ID: r.ID, DistrictID: r.DistrictID, SchoolName: r.SchoolName, FocusShift: r.FocusShift,
			CoachEmail: r.CoachEmail, CoachName: r.CoachName, LastActivity: r.UpdatedAt}
		for _, table := range []string{"cycle_activities", "follow_ups"} {
			var last []time.Time
			if err := db.Raw("SELECT updated_at FROM "+table+" WHERE cycle_id = ? ORDER BY updated_at DESC LIMIT 1", r.ID).
				Scan(&last).Error; err != nil {
				return nil, translate(err, "cycle")
			}
			if len(last) == 1 && last[0].After(c.LastActivity) {
				c.LastActivity = last[0]
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// SharedFeedback is feedback shared with a teacher who signs in.
type SharedFeedback struct {
	ID           string
	DistrictID   string
	SchoolName   string
	SharedAt     time.Time
	TeacherEmail string
	TeacherName  string
}

// FeedbackSharedSince lists feedback on submitted observations shared
// since since with a teacher who has a login: a user holding the teacher
// role at the school who signs in with the roster teacher's e-mail.
func (s *Store) FeedbackSharedSince(ctx context.Context, since time.Time) ([]SharedFeedback, error) {
	var rows []struct {
		ID, DistrictID, SchoolName, TeacherEmail, TeacherName string
		SharedAt                                              time.Time
	}
	err := s.read(ctx).db.Raw(`SELECT f.id, f.district_id, s.name AS school_name, f.shared_at, u.email AS teacher_email, u.name AS teacher_name
		FROM feedback f
		JOIN observations o ON o.id = f.observation_id AND o.status = 'submitted' AND o.deleted_at IS NULL
		JOIN schools s ON s.id = f.school_id
		JOIN teachers t ON t.id = f.teacher_id
		JOIN users u ON u.district_id = f.district_id AND u.email = lower(trim(t.email)) AND u.active
		WHERE f.shared AND f.deleted_at IS NULL AND f.shared_at >= ? AND t.email <> ''
		  AND EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = u.id AND g.role = 'teacher' AND (g.school_id = f.school_id OR g.school_id IS NULL))
		ORDER BY f.shared_at, f.id`, since.UTC()).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "feedback")
	}
	out := make([]SharedFeedback, len(rows))
	for i, r := range rows {
		out[i] = SharedFeedback{ID: r.ID, DistrictID: r.DistrictID, SchoolName: r.SchoolName, SharedAt: r.SharedAt,
			TeacherEmail: r.TeacherEmail, TeacherName: strings.TrimSpace(r.TeacherName)}
	}
	return out, nil
}
