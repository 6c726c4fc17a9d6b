package store

import (
	"context"
	"time"
)

// Change is one entry of the change log that devices pull.
type Change struct {
	Seq        int64
	DistrictID string
	Entity     string
	RecordID   string
	SchoolID   string
	Rev        int64
	Deleted    bool
	ChangedAt  time.Time
}

type changeRow struct {
	Seq        int64 `gorm:"primaryKey;autoIncrement"`
	DistrictID string
	Entity     string
	RecordID   string
	SchoolID   *string
	Rev        int64
	Deleted    bool
	ChangedAt  time.Time
}

func (changeRow) TableName() string { return "change_log" }

// AppendChange records that a record changed. Call it last in a transaction.
func (tx *Tx) AppendChange(ctx context.Context, c Change) error {
	return tx.AppendChanges(ctx, []Change{c})
}

// AppendChanges records several changes of one district.
//
// A pull reads the log by sequence number, so a number must never become
// visible before every smaller number of the same district has. On
// PostgreSQL a transaction-scoped advisory lock per district is taken before
// the numbers are drawn and held until commit, so numbers are drawn in commit
// order. SQLite has one writer at a time, which gives the same guarantee.
func (tx *Tx) AppendChanges(ctx context.Context, cs []Change) error {
	if len(cs) == 0 {
		return nil
	}
	if tx.pending != nil {
		tx.pending.changes = append(tx.pending.changes, cs...)
		return nil
	}
	if tx.dialect == Postgres {
		if err := tx.db.Exec("SELECT pg_advisory_xact_lock(7001, hashtext(?))", cs[0].DistrictID).Error; err != nil {
			return translate(err, "change log lock")
		}
	}
	if tx.canCopy() {
		ids := uuids{}
		rows := make([][]any, len(cs))
		for i, c := range cs {
			district, err := ids.of(c.DistrictID)
			if err != nil {
				return err
			}
			record, err := ids.of(c.RecordID)
			if err != nil {
				return err
			}
			school, err := ids.orNull(nullable(c.SchoolID))
			if err != nil {
				return err
			}
			rows[i] = []any{district, c.Entity, record, school, c.Rev, c.Deleted, tx.now}
		}
		return translate(tx.copyTyped(ctx, "change_log", []string{"district_id", "entity", "record_id", "school_id", "rev", "deleted", "changed_at"}, rows),
			"change log entry")
	}
	rows := make([]changeRow, len(cs))
	for i, c := range cs {
		rows[i] = changeRow{DistrictID: c.DistrictID, Entity: c.Entity, RecordID: c.RecordID, SchoolID: nullable(c.SchoolID),
			Rev: c.Rev, Deleted: c.Deleted, ChangedAt: tx.now}
	}
	return translate(tx.db.CreateInBatches(rows, 500).Error, "change log entry")
}
