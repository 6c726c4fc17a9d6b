package store

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

type walkthroughRow struct {
	ID              string
	DistrictID      string
	SchoolID        string
	RubricVersionID string
	Kind            string
	VisitDate       time.Time
	LeadID          string
	Focus           string
	DebriefNotes    string
	DeviceID        *string
	Rev             int64
	DeletedAt       *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (walkthroughRow) TableName() string { return "walkthroughs" }

type walkthroughMemberRow struct {
	WalkthroughID string
	UserID        string
	DistrictID    string
}

func (walkthroughMemberRow) TableName() string { return "walkthrough_members" }

// PutWalkthrough inserts or replaces a walkthrough and its team.
func (tx *Tx) PutWalkthrough(ctx context.Context, w domain.Walkthrough) error {
	if err := w.Validate(); err != nil {
		return err
	}
	row := walkthroughRow{ID: w.ID, DistrictID: w.DistrictID, SchoolID: w.SchoolID, RubricVersionID: w.RubricVersionID,
		Kind: string(w.Kind), VisitDate: dateOnly(w.Date), LeadID: w.LeadID, Focus: encodeList(w.Focus),
		DebriefNotes: w.DebriefNotes, DeviceID: nullable(w.DeviceID), Rev: w.Rev, CreatedAt: tx.now, UpdatedAt: tx.now}
	if w.Deleted {
		row.DeletedAt = &tx.now
	}
	if err := tx.upsert(&row, "walkthroughs", "walkthrough", "school_id", "rubric_version_id", "kind", "visit_date", "lead_id", "focus",
		"debrief_notes", "rev", "deleted_at", "updated_at"); err != nil {
		return err
	}
	if err := tx.db.Where("walkthrough_id = ?", w.ID).Delete(&walkthroughMemberRow{}).Error; err != nil {
		return translate(err, "walkthrough team")
	}
	team := map[string]bool{w.LeadID: true}
	members := []walkthroughMemberRow{{WalkthroughID: w.ID, UserID: w.LeadID, DistrictID: w.DistrictID}}
	for _, m := range w.Team {
		if !team[m] {
			team[m] = true
			members = append(members, walkthroughMemberRow{WalkthroughID: w.ID, UserID: m, DistrictID: w.DistrictID})
		}
	}
	if err := tx.db.Create(&members).Error; err != nil {
		return translate(err, "walkthrough team member")
	}
	return tx.AppendChange(ctx, Change{DistrictID: w.DistrictID, Entity: "walkthrough", RecordID: w.ID, SchoolID: w.SchoolID, Rev: w.Rev, Deleted: w.Deleted})
}
