package store

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

type cycleRow struct {
	ID                string
	DistrictID        string
	SchoolID          string
	CoachID           string
	RubricID          *string
	FocusIndicatorKey string
	FocusShift        string
	Status            string
	Outcome           string
	OutcomeEvidence   string
	StartedOn         *time.Time
	EndedOn           *time.Time
	DeviceID          *string
	Rev               int64
	DeletedAt         *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

func (cycleRow) TableName() string { return "cycles" }

type cycleTeacherRow struct {
	CycleID    string
	TeacherID  string
	DistrictID string
}

func (cycleTeacherRow) TableName() string { return "cycle_teachers" }

func datePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := dateOnly(*t)
	return &d
}

func (tx *Tx) deletedAt(deleted bool) *time.Time {
	if deleted {
		return &tx.now
	}
	return nil
}

// PutCycle inserts or replaces a cycle of support and its teachers.
func (tx *Tx) PutCycle(ctx context.Context, c domain.Cycle) error {
	if err := c.Validate(); err != nil {
		return err
	}
	row := cycleRow{ID: c.ID, DistrictID: c.DistrictID, SchoolID: c.SchoolID, CoachID: c.CoachID,
		FocusIndicatorKey: c.FocusIndicatorKey, FocusShift: c.FocusShift, Status: string(c.Status), Outcome: string(c.Outcome),
		OutcomeEvidence: c.OutcomeEvidence, StartedOn: datePtr(c.StartedOn), EndedOn: datePtr(c.EndedOn), Rev: c.Rev,
		DeletedAt: tx.deletedAt(c.Deleted), CreatedAt: tx.now, UpdatedAt: tx.now}
	if err := tx.upsert(&row, "cycles", "cycle", "school_id", "coach_id", "focus_indicator_key", "focus_shift", "status",
		"outcome", "outcome_evidence", "started_on", "ended_on", "rev", "deleted_at", "updated_at"); err != nil {
		return err
	}
	if err := tx.db.Where("cycle_id = ?", c.ID).Delete(&cycleTeacherRow{}).Error; err != nil {
		return translate(err, "cycle teacher")
	}
	teachers := make([]cycleTeacherRow, 0, len(c.TeacherIDs))
	for _, t := range c.TeacherIDs {
		teachers = append(teachers, cycleTeacherRow{CycleID: c.ID, TeacherID: t, DistrictID: c.DistrictID})
	}
	if err := tx.db.Create(&teachers).Error; err != nil {
		return translate(err, "cycle teacher")
	}
	return tx.AppendChange(ctx, Change{DistrictID: c.DistrictID, Entity: "cycle", RecordID: c.ID, SchoolID: c.SchoolID, Rev: c.Rev, Deleted: c.Deleted})
}

type activityRow struct {
	ID         string
	DistrictID string
	CycleID    string
	Kind       string
	OccurredOn time.Time
	Notes      string
	AuthorID   string
	DeviceID   *string
	Rev        int64
	DeletedAt  *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (activityRow) TableName() string { return "cycle_activities" }

// PutActivity inserts or replaces a support activity; schoolID is its
// cycle's school, for the change log.
func (tx *Tx) PutActivity(ctx context.Context, a domain.Activity, schoolID string) error {
	if err := a.Validate(); err != nil {
		return err
	}
	row := activityRow{ID: a.ID, DistrictID: a.DistrictID, CycleID: a.CycleID, Kind: string(a.Kind), OccurredOn: dateOnly(a.OccurredOn),
		Notes: a.Notes, AuthorID: a.AuthorID, DeviceID: nullable(a.DeviceID), Rev: a.Rev, DeletedAt: tx.deletedAt(a.Deleted),
		CreatedAt: tx.now, UpdatedAt: tx.now}
	if err := tx.upsert(&row, "cycle_activities", "activity", "kind", "occurred_on", "notes", "rev", "deleted_at", "updated_at"); err != nil {
		return err
	}
	return tx.AppendChange(ctx, Change{DistrictID: a.DistrictID, Entity: "cycle_activity", RecordID: a.ID, SchoolID: schoolID, Rev: a.Rev, Deleted: a.Deleted})
}

type followUpRow struct {
	ID            string
	DistrictID    string
	CycleID       string
	SchoolID      string
	TeacherID     string
	StartsAt      time.Time
	EndsAt        time.Time
	Status        string
	ObservationID *string
	Notes         string
	DeviceID      *string
	Rev           int64
	DeletedAt     *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (followUpRow) TableName() string { return "follow_ups" }

type followUpObserverRow struct {
	FollowUpID string
	UserID     string
	DistrictID string
}

func (followUpObserverRow) TableName() string { return "follow_up_observers" }

// PutFollowUp inserts or replaces a follow-up and its invited observers.
func (tx *Tx) PutFollowUp(ctx context.Context, f domain.FollowUp) error {
	if err := f.Validate(); err != nil {
		return err
	}
	row := followUpRow{ID: f.ID, DistrictID: f.DistrictID, CycleID: f.CycleID, SchoolID: f.SchoolID, TeacherID: f.TeacherID,
		StartsAt: f.StartsAt.UTC(), EndsAt: f.EndsAt.UTC(), Status: string(f.Status), ObservationID: nullable(f.ObservationID),
		Notes: f.Notes, Rev: f.Rev, DeletedAt: tx.deletedAt(f.Deleted), CreatedAt: tx.now, UpdatedAt: tx.now}
	if err := tx.upsert(&row, "follow_ups", "follow-up", "teacher_id", "starts_at", "ends_at", "status", "observation_id", "notes", "rev",
		"deleted_at", "updated_at"); err != nil {
		return err
	}
	if err := tx.db.Where("follow_up_id = ?", f.ID).Delete(&followUpObserverRow{}).Error; err != nil {
		return translate(err, "follow-up observer")
	}
	obs := make([]followUpObserverRow, 0, len(f.ObserverIDs))
	for _, u := range f.ObserverIDs {
		obs = append(obs, followUpObserverRow{FollowUpID: f.ID, UserID: u, DistrictID: f.DistrictID})
	}
	if err := tx.db.Create(&obs).Error; err != nil {
		return translate(err, "follow-up observer")
	}
	return tx.AppendChange(ctx, Change{DistrictID: f.DistrictID, Entity: "follow_up", RecordID: f.ID, SchoolID: f.SchoolID, Rev: f.Rev, Deleted: f.Deleted})
}

type nextStepRow struct {
	ID            string
	DistrictID    string
	WalkthroughID *string
	SchoolID      string
	OwnerID       string
	Action        string
	DueOn         *time.Time
	IndicatorKey  string
	DoneAt        *time.Time
	DeviceID      *string
	Rev           int64
	DeletedAt     *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (nextStepRow) TableName() string { return "next_steps" }

// PutNextStep inserts or replaces a next step.
func (tx *Tx) PutNextStep(ctx context.Context, n domain.NextStep) error {
	if err := n.Validate(); err != nil {
		return err
	}
	row := nextStepRow{ID: n.ID, DistrictID: n.DistrictID, WalkthroughID: nullable(n.WalkthroughID), SchoolID: n.SchoolID,
		OwnerID: n.OwnerID, Action: n.Action, DueOn: datePtr(n.DueOn), IndicatorKey: n.IndicatorKey, DoneAt: utcPtr(n.DoneAt),
		DeviceID: nullable(n.DeviceID), Rev: n.Rev, DeletedAt: tx.deletedAt(n.Deleted), CreatedAt: tx.now, UpdatedAt: tx.now}
	if n.Done && row.DoneAt == nil {
		row.DoneAt = &tx.now
	}
	if !n.Done {
		row.DoneAt = nil
	}
	if err := tx.upsert(&row, "next_steps", "next step", "owner_id", "action", "due_on", "indicator_key", "done_at", "rev", "deleted_at", "updated_at"); err != nil {
		return err
	}
	return tx.AppendChange(ctx, Change{DistrictID: n.DistrictID, Entity: "next_step", RecordID: n.ID, SchoolID: n.SchoolID, Rev: n.Rev, Deleted: n.Deleted})
}
