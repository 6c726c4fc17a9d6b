package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// AppliedChange is the record that a synced change was applied: its payload
// hash tells a retry from a different change under a reused id, and its
// result is answered again to every retry.
type AppliedChange struct {
	ChangeID    string
	DistrictID  string
	DeviceID    string
	UserID      string
	Entity      string
	RecordID    string
	PayloadHash string
	Result      string
	AppliedAt   time.Time
}

type appliedChangeRow AppliedChange

func (appliedChangeRow) TableName() string { return "applied_changes" }

// AppliedChange returns the record of an applied change, ENotFound if none.
func (tx *Tx) AppliedChange(ctx context.Context, changeID string) (AppliedChange, error) {
	var row appliedChangeRow
	err := tx.db.Where("change_id = ?", changeID).Take(&row).Error
	return AppliedChange(row), translate(err, "applied change")
}

// RecordAppliedChange stores that a change was applied, in the transaction
// that applied it.
func (tx *Tx) RecordAppliedChange(ctx context.Context, a AppliedChange) error {
	row := appliedChangeRow(a)
	row.AppliedAt = tx.now
	return translate(tx.db.Create(&row).Error, "applied change")
}

// AppliedChanges returns the records of those of ids that were applied,
// by change id.
func (tx *Tx) AppliedChanges(ctx context.Context, ids []string) (map[string]AppliedChange, error) {
	var rows []appliedChangeRow
	if err := tx.db.Where("change_id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, translate(err, "applied change")
	}
	out := make(map[string]AppliedChange, len(rows))
	for _, r := range rows {
		out[r.ChangeID] = AppliedChange(r)
	}
	return out, nil
}

// RecordAppliedChanges stores that changes were applied, in one statement
// (a COPY in a batch on PostgreSQL), in the transaction that applied them.
func (tx *Tx) RecordAppliedChanges(ctx context.Context, as []AppliedChange) error {
	if len(as) == 0 {
		return nil
	}
	if tx.canCopy() {
		ids := uuids{}
		rows := make([][]any, len(as))
		for i, a := range as {
			row := make([]any, 0, 9)
			for _, id := range []string{a.ChangeID, a.DistrictID, a.DeviceID, a.UserID, a.RecordID} {
				u, err := ids.of(id)
				if err != nil {
					return err
				}
				row = append(row, u)
			}
			rows[i] = append(row, a.Entity, a.PayloadHash, a.Result, tx.now)
		}
		return translate(tx.copyIn(ctx, "applied_changes", []string{"change_id", "district_id", "device_id", "user_id", "record_id",
			"entity", "payload_hash", "result", "applied_at"}, rows), "applied change")
	}
	rows := make([]appliedChangeRow, len(as))
	for i, a := range as {
		rows[i] = appliedChangeRow(a)
		rows[i].AppliedAt = tx.now
	}
	return translate(tx.db.CreateInBatches(rows, rowsPerStatement).Error, "applied change")
}

// LockRecords takes LockRecord's lock on every key, in one statement and
// in sorted order, so that transactions locking overlapping sets cannot
// deadlock on them.
func (tx *Tx) LockRecords(ctx context.Context, keys []string) error {
	if tx.dialect != Postgres || len(keys) == 0 {
		return nil
	}
	keys = slices.Clone(keys)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	for start := 0; start < len(keys); start += rowsPerStatement * 5 {
		chunk := keys[start:min(start+rowsPerStatement*5, len(keys))]
		values := strings.TrimSuffix(strings.Repeat("(?), ", len(chunk)), ", ")
		args := make([]any, len(chunk))
		for i, k := range chunk {
			args[i] = k
		}
		q := "SELECT pg_advisory_xact_lock(7002, hashtext(k)) FROM (VALUES " + values + ") AS keys (k)"
		if err := tx.db.Exec(q, args...).Error; err != nil {
			return translate(err, "record lock")
		}
	}
	return nil
}

// LockRecord serialises transactions that change the same record (or apply
// the same change id): on PostgreSQL a transaction-scoped advisory lock on
// the key; SQLite has one writer at a time already.
func (tx *Tx) LockRecord(ctx context.Context, key string) error {
	if tx.dialect != Postgres {
		return nil
	}
	return translate(tx.db.Exec("SELECT pg_advisory_xact_lock(7002, hashtext(?))", key).Error, "record lock")
}

// ChangesAfter reads the change log of a district after seq, in order, at
// most limit entries, narrowed to entries of the scope's schools and entries
// that belong to no school (rubric versions).
func (s *Store) ChangesAfter(ctx context.Context, sc domain.Scope, after int64, limit int) ([]Change, error) {
	q := s.db.WithContext(ctx).Where("district_id = ? AND seq > ?", sc.DistrictID, after)
	if !sc.AllSchools {
		if len(sc.SchoolIDs) == 0 {
			q = q.Where("school_id IS NULL")
		} else {
			q = q.Where("(school_id IS NULL OR school_id IN ?)", sc.SchoolIDs)
		}
	}
	var rows []changeRow
	if err := q.Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "change log")
	}
	out := make([]Change, len(rows))
	for i, r := range rows {
		out[i] = Change{Seq: r.Seq, DistrictID: r.DistrictID, Entity: r.Entity, RecordID: r.RecordID, SchoolID: deref(r.SchoolID),
			Rev: r.Rev, Deleted: r.Deleted, ChangedAt: r.ChangedAt.UTC()}
	}
	return out, nil
}

type horizonRow struct {
	DistrictID  string
	Seq         int64
	CompactedAt time.Time
}

func (horizonRow) TableName() string { return "change_log_horizon" }

// ChangeHorizon is the lowest cursor the district's log can still serve.
func (s *Store) ChangeHorizon(ctx context.Context, districtID string) (int64, error) {
	var row horizonRow
	err := s.db.WithContext(ctx).Where("district_id = ?", districtID).Take(&row).Error
	if err == gorm.ErrRecordNotFound {
		return 0, nil
	}
	return row.Seq, translate(err, "change log horizon")
}

// CompactChangeLog removes the entries a snapshot no longer needs: every
// entry superseded by a later one of the same record, and tombstones older
// than keepTombstones. A cursor below the newest removed tombstone can then
// not be served; the horizon remembers where that is.
func (s *Store) CompactChangeLog(ctx context.Context, districtID string, keepTombstones time.Duration) (removed int64, err error) {
	err = s.InTx(ctx, func(tx *Tx) error {
		res := tx.db.Exec(`DELETE FROM change_log WHERE district_id = ? AND seq < (
			SELECT MAX(c2.seq) FROM change_log c2 WHERE c2.district_id = change_log.district_id AND c2.record_id = change_log.record_id)`, districtID)
		if res.Error != nil {
			return translate(res.Error, "change log")
		}
		removed = res.RowsAffected
		var maxTomb *int64
		cutoff := tx.now.Add(-keepTombstones)
		if err := tx.db.Model(&changeRow{}).Where("district_id = ? AND deleted AND changed_at < ?", districtID, cutoff).
			Select("MAX(seq)").Scan(&maxTomb).Error; err != nil {
			return translate(err, "change log")
		}
		if maxTomb == nil {
			return nil
		}
		res = tx.db.Where("district_id = ? AND deleted AND seq <= ?", districtID, *maxTomb).Delete(&changeRow{})
		if res.Error != nil {
			return translate(res.Error, "change log")
		}
		removed += res.RowsAffected
		return translate(tx.db.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "district_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"seq", "compacted_at"}),
		}).Create(&horizonRow{DistrictID: districtID, Seq: *maxTomb, CompactedAt: tx.now}).Error, "change log horizon")
	})
	return removed, err
}
