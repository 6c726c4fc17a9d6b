package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
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
			if t.Name == rollup.Dimensions.Name {
				if err := countSmallPeriods(db, -1); err != nil {
					return translate(err, "small school periods")
				}
			}
			n, err := fold(db, t)
			if err != nil {
				return translate(err, "rollup deltas")
			}
			folded += n
			for _, c := range rollup.Coarser(t) {
				if _, err := fold(db, c); err != nil {
					return translate(err, c.Name)
				}
			}
			if t.Name == rollup.Dimensions.Name {
				if err := countSmallPeriods(db, 1); err != nil {
					return translate(err, "small school periods")
				}
			}
			if err := db.Exec("DELETE FROM " + t.Deltas).Error; err != nil {
				return translate(err, "rollup deltas")
			}
		}
		return nil
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil || folded == 0 || s.dialect != Postgres {
		return folded, err
	}
	// Deleted rows stay in a table until it is vacuumed; the delta tables
	// are emptied every second, faster than autovacuum may come.
	var deltas []string
	for _, t := range rollup.Tables {
		deltas = append(deltas, t.Deltas)
	}
	err = s.db.WithContext(ctx).Exec("VACUUM " + strings.Join(deltas, ", ")).Error
	return folded, translate(err, "rollup deltas")
}

// fold adds t's deltas, summed per cell, to t, removes the cells that fall
// to zero, and answers how many cells it added to; the caller removes the
// deltas.
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
	return cells, nil
}

// countSmallPeriods adds sign times the folded school periods that the
// dimension deltas touch to rollup.SmallPeriods, where they are small:
// before a fold with -1 to take them out as they were, after it with +1
// to count them as they are now. Counts that fall to nothing are removed.
func countSmallPeriods(db *gorm.DB, sign int) error {
	d := rollup.Dimensions
	neg := ""
	if sign < 0 {
		neg = "-"
	}
	sums, set := []string{neg + "COUNT(*)"}, []string{"periods = " + rollup.SmallPeriods + ".periods + excluded.periods"}
	for _, c := range rollup.LevelCounts {
		sums = append(sums, neg+"SUM(r."+c+")")
		set = append(set, fmt.Sprintf("%s = %s.%s + excluded.%s", c, rollup.SmallPeriods, c, c))
	}
	touched := "SELECT DISTINCT district_id, rubric_id, scope, period_start, dimension_key FROM " + d.Deltas + " WHERE scope <> '" + rollup.DistrictScope + "'"
	// WHERE true keeps SQLite from reading ON CONFLICT as a join's ON.
	err := db.Exec("INSERT INTO "+rollup.SmallPeriods+" (district_id, rubric_id, dimension_key, period_start, week_start, month_start, observations, periods, "+
		strings.Join(rollup.LevelCounts, ", ")+") SELECT r.district_id, r.rubric_id, r.dimension_key, r.period_start, r.week_start, r.month_start, r.observations, "+
		strings.Join(sums, ", ")+" FROM ("+touched+") AS t JOIN "+d.Name+" AS r ON r.district_id = t.district_id AND r.rubric_id = t.rubric_id AND r.scope = t.scope"+
		" AND r.period_start = t.period_start AND r.dimension_key = t.dimension_key WHERE r.observations < ? "+
		"GROUP BY r.district_id, r.rubric_id, r.dimension_key, r.period_start, r.week_start, r.month_start, r.observations"+
		" ON CONFLICT (district_id, rubric_id, period_start, dimension_key, observations) DO UPDATE SET "+strings.Join(set, ", "), domain.MaxMinCellSize).Error
	if err != nil || sign < 0 {
		return err
	}
	return db.Exec("DELETE FROM " + rollup.SmallPeriods + " WHERE periods = 0 AND (district_id, rubric_id, period_start, dimension_key) IN " +
		"(SELECT district_id, rubric_id, period_start, dimension_key FROM " + d.Deltas + ")").Error
}
