package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
)

// compactLock is the advisory lock a compaction holds on PostgreSQL (key 0
// folding rollup deltas, key 1 compacting the change log), so that of many
// servers on one database one compacts at a time and the others skip.
const compactLock = 7003

// CompactRollups folds the rollup deltas into the rollups in one
// transaction and answers how many cells it added to: many pushes' deltas
// become one addition per cell, summed by the database. Reads give the
// same answers before and after. On PostgreSQL the transaction is
// repeatable read, so that it deletes exactly the deltas it added up while
// pushes go on appending; it returns at once, folding nothing, while
// another compaction runs, and clears the emptied delta tables' dead rows
// after it commits.
func (s *Store) CompactRollups(ctx context.Context) (int, error) {
	if s.dialect == SQLite {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	folded := 0
	err := s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		if s.dialect == Postgres {
			var mine bool
			if err := db.Raw("SELECT pg_try_advisory_xact_lock(?, 0)", compactLock).Scan(&mine).Error; err != nil {
				return translate(err, "rollup compaction lock")
			}
			if !mine {
				return nil
			}
		}
		for _, t := range rollup.Tables {
			n, err := fold(db, t)
			if err != nil {
				return translate(err, "rollup deltas")
			}
			folded += n
		}
		return nil
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil || folded == 0 || s.dialect != Postgres {
		return folded, err
	}
	// Deleted rows stay in a table until it is vacuumed; the delta tables
	// are emptied every second, faster than autovacuum may come.
	err = s.db.WithContext(ctx).Exec("VACUUM " + rollup.Levels.Deltas + ", " + rollup.Observations.Deltas + ", " + rollup.Dimensions.Deltas).Error
	return folded, translate(err, "rollup deltas")
}

// fold adds t's deltas, summed per cell, to t, removes the cells that fall
// to zero and the deltas, and answers how many cells it added to.
func fold(db *gorm.DB, t rollup.Table) (int, error) {
	keys := t.Columns[:len(t.Columns)-len(t.Counts)] // the key and the week and month of its period
	var sums, set, zero []string
	for _, c := range t.Counts {
		sums = append(sums, "SUM("+c+")")
		set = append(set, fmt.Sprintf("%s = %s.%s + excluded.%s", c, t.Name, c, c))
		zero = append(zero, c+" = 0")
	}
	// WHERE true keeps SQLite from reading ON CONFLICT as a join's ON.
	rows, err := db.Raw("INSERT INTO " + t.Name + " (" + strings.Join(t.Columns, ", ") + ") SELECT " + strings.Join(keys, ", ") + ", " +
		strings.Join(sums, ", ") + " FROM " + t.Deltas + " WHERE true GROUP BY " + strings.Join(keys, ", ") +
		" ON CONFLICT (" + strings.Join(t.Key, ", ") + ") DO UPDATE SET " + strings.Join(set, ", ") +
		" RETURNING " + strings.Join(t.Key, ", ") + ", " + strings.Join(zero, " AND ")).Rows()
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cells := 0
	var empty [][]any
	for rows.Next() {
		key := make([]any, len(t.Key)+1)
		ptrs := make([]any, len(key))
		for i := range key {
			ptrs[i] = &key[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return cells, err
		}
		cells++
		if isEmpty := key[len(t.Key)]; isEmpty == true || isEmpty == int64(1) {
			empty = append(empty, key[:len(t.Key)])
		}
	}
	if err := rows.Err(); err != nil {
		return cells, err
	}
	rows.Close()
	where := strings.Join(t.Key, " = ? AND ") + " = ?"
	for _, key := range empty {
		if err := db.Exec("DELETE FROM "+t.Name+" WHERE "+where+" AND "+strings.Join(zero, " AND "), key...).Error; err != nil {
			return cells, err
		}
	}
	return cells, db.Exec("DELETE FROM " + t.Deltas).Error
}
