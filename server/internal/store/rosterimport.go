package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// RosterImport is what one applied roster import changed, step by step, so
// that it can be undone.
type RosterImport struct {
	ID         string
	DistrictID string
	ActorID    string // empty for an import run at the command line
	At         time.Time
	Kind       string
	Mode       string
	Steps      []ImportStep
	UndoneAt   *time.Time
}

// ImportStep is one record an import created, changed or deactivated: Rev
// is the record's revision right after the import, and Before what it was
// (nil for a record the import created). For users, GrantsAdded and
// GrantsRevoked are the role grants the import gave and took away.
type ImportStep struct {
	Entity        string             `json:"entity"` // school, teacher or user
	ID            string             `json:"id"`
	Rev           int64              `json:"rev"`
	School        *domain.School     `json:"school,omitempty"`
	Teacher       *domain.Teacher    `json:"teacher,omitempty"`
	User          *UserBefore        `json:"user,omitempty"`
	GrantsAdded   []domain.RoleGrant `json:"grants_added,omitempty"`
	GrantsRevoked []domain.RoleGrant `json:"grants_revoked,omitempty"`
}

// UserBefore is what an import may change of a user (never a password).
type UserBefore struct {
	Name       string `json:"name"`
	ExternalID string `json:"external_id"`
	Active     bool   `json:"active"`
}

type rosterImportRow struct {
	ID         string
	DistrictID string
	ActorID    *string
	At         time.Time
	Kind       string
	Mode       string
	Steps      string
	UndoneAt   *time.Time
	UndoneBy   *string
}

func (rosterImportRow) TableName() string { return "roster_imports" }

// RecordRosterImport stores what an import changed.
func (tx *Tx) RecordRosterImport(ctx context.Context, im RosterImport) error {
	steps, err := json.Marshal(im.Steps)
	if err != nil {
		return fmt.Errorf("encode import steps: %w", err)
	}
	row := rosterImportRow{ID: im.ID, DistrictID: im.DistrictID, ActorID: nullable(im.ActorID), At: tx.now, Kind: im.Kind, Mode: im.Mode, Steps: string(steps)}
	return translate(tx.db.Create(&row).Error, "roster import")
}

// RosterImportForUndo returns an import of the district, locking its row
// so that two undos of the same import cannot both run.
func (tx *Tx) RosterImportForUndo(ctx context.Context, districtID, id string) (RosterImport, error) {
	if !domain.ValidID(id) {
		return RosterImport{}, domain.Errorf(domain.ENotFound, "roster import not found")
	}
	var row rosterImportRow
	if err := tx.db.Clauses(clause.Locking{Strength: "UPDATE"}).Where("district_id = ? AND id = ?", districtID, id).Take(&row).Error; err != nil {
		return RosterImport{}, translate(err, "roster import")
	}
	im := RosterImport{ID: row.ID, DistrictID: row.DistrictID, At: row.At, Kind: row.Kind, Mode: row.Mode, UndoneAt: row.UndoneAt}
	if row.ActorID != nil {
		im.ActorID = *row.ActorID
	}
	if err := json.Unmarshal([]byte(row.Steps), &im.Steps); err != nil {
		return RosterImport{}, fmt.Errorf("decode import steps: %w", err)
	}
	return im, nil
}

// MarkRosterImportUndone records that an import was undone, and by whom.
func (tx *Tx) MarkRosterImportUndone(ctx context.Context, districtID, id, by string) error {
	return translate(tx.db.Model(&rosterImportRow{}).Where("district_id = ? AND id = ? AND undone_at IS NULL", districtID, id).
		Updates(map[string]any{"undone_at": tx.now, "undone_by": nullable(by)}).Error, "roster import")
}
