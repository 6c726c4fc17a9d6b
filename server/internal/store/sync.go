package store

import (
	"context"
	"fmt"
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

// AppliedChangeIDs tells which of ids were applied, as committed now, in
// one read outside any transaction: a hint for work that can be spared,
// never the check itself, which AppliedChanges makes under the records'
// locks.
func (s *Store) AppliedChangeIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	var found []string
	if err := s.db.WithContext(ctx).Model(&appliedChangeRow{}).Where("change_id IN ?", ids).Pluck("change_id", &found).Error; err != nil {
		return nil, translate(err, "applied change")
	}
	out := make(map[string]bool, len(found))
	for _, id := range found {
		out[id] = true
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
		return translate(tx.copyTyped(ctx, "applied_changes", []string{"change_id", "district_id", "device_id", "user_id", "record_id",
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

// LogPosition is what the change log says about a position a pull cursor
// names.
type LogPosition struct {
	// End is the highest sequence number the log has handed out, committed
	// or not: no cursor it gave can be beyond it.
	End int64
	// Horizon is the lowest position the district's log can still serve.
	Horizon int64
	// Found reports whether an entry is at the position; DistrictID and
	// RecordID are then its district and record.
	Found      bool
	DistrictID string
	RecordID   string
	// RecordChangedLater reports whether the record the cursor names has an
	// entry of the district after the position (so compaction may have
	// removed the one at it).
	RecordChangedLater bool
}

// ChangeLogPosition reads, in one statement, what the log says about seq in
// a district and about recordID, the record a cursor says was at seq.
func (s *Store) ChangeLogPosition(ctx context.Context, districtID string, seq int64, recordID string) (LogPosition, error) {
	end := "(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM change_log_seq_seq)"
	if s.dialect == SQLite {
		end = "(SELECT seq FROM sqlite_sequence WHERE name = 'change_log')"
	}
	later, args := "false", []any{districtID, seq, seq}
	if recordID != "" {
		later = "EXISTS (SELECT 1 FROM change_log WHERE district_id = ? AND record_id = ? AND seq > ?)"
		args = append(args, districtID, recordID, seq)
	}
	q := "SELECT COALESCE(" + end + ", 0), COALESCE((SELECT seq FROM change_log_horizon WHERE district_id = ?), 0), " +
		"(SELECT district_id FROM change_log WHERE seq = ?), (SELECT record_id FROM change_log WHERE seq = ?), " + later
	var p LogPosition
	var district, record *string
	if err := s.db.WithContext(ctx).Raw(q, args...).Row().Scan(&p.End, &p.Horizon, &district, &record, &p.RecordChangedLater); err != nil {
		return LogPosition{}, translate(err, "change log")
	}
	if district != nil && record != nil {
		p.Found, p.DistrictID, p.RecordID = true, *district, *record
	}
	return p, nil
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

// ChangeLogCompaction is what one compaction of every district's change
// log did.
type ChangeLogCompaction struct {
	// Ran is false when another server was compacting (PostgreSQL): this
	// one removed nothing.
	Ran       bool
	Districts int
	Removed   int64
}

// CompactChangeLogs runs CompactChangeLog on every district, one
// transaction each. On PostgreSQL it holds an advisory lock meanwhile, so
// that of many servers on one database one compacts at a time; the others
// return at once with Ran false.
func (s *Store) CompactChangeLogs(ctx context.Context, keepTombstones time.Duration) (ChangeLogCompaction, error) {
	var out ChangeLogCompaction
	if s.dialect == Postgres {
		// The lock is a transaction's, so that it goes whatever happens to
		// the connection. The transaction writes nothing and, in read
		// committed, holds no snapshot between statements.
		lock, err := s.sqlDB.BeginTx(ctx, nil)
		if err != nil {
			return out, translate(err, "change log compaction lock")
		}
		defer lock.Rollback()
		var mine bool
		if err := lock.QueryRowContext(ctx, "SELECT pg_try_advisory_xact_lock($1, 1)", compactLock).Scan(&mine); err != nil {
			return out, translate(err, "change log compaction lock")
		}
		if !mine {
			return out, nil
		}
	}
	var districts []string
	if err := s.db.WithContext(ctx).Model(&districtRow{}).Order("id").Pluck("id", &districts).Error; err != nil {
		return out, translate(err, "district")
	}
	out.Ran = true
	for _, d := range districts {
		n, err := s.CompactChangeLog(ctx, d, keepTombstones)
		if err != nil {
			return out, fmt.Errorf("district %s: %w", d, err)
		}
		out.Districts++
		out.Removed += n
	}
	return out, nil
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
