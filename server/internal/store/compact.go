package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
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
		for _, t := range []countTable{rollupsTable, observationRollupsTable, dimensionRollupsTable} {
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
	err = s.db.WithContext(ctx).Exec("VACUUM " + rollupsTable.deltas + ", " + observationRollupsTable.deltas + ", " + dimensionRollupsTable.deltas).Error
	return folded, translate(err, "rollup deltas")
}

// fold adds t's deltas, summed per cell, to t, removes the cells that fall
// to zero and the deltas, and answers how many cells it added to.
func fold(db *gorm.DB, t countTable) (int, error) {
	keys := t.columns[:len(t.columns)-len(t.counts)] // the key and the week and month of its period
	var sums, set, zero []string
	for _, c := range t.counts {
		sums = append(sums, "SUM("+c+")")
		set = append(set, fmt.Sprintf("%s = %s.%s + excluded.%s", c, t.name, c, c))
		zero = append(zero, c+" = 0")
	}
	// WHERE true keeps SQLite from reading ON CONFLICT as a join's ON.
	rows, err := db.Raw("INSERT INTO " + t.name + " (" + strings.Join(t.columns, ", ") + ") SELECT " + strings.Join(keys, ", ") + ", " +
		strings.Join(sums, ", ") + " FROM " + t.deltas + " WHERE true GROUP BY " + strings.Join(keys, ", ") +
		" ON CONFLICT (" + strings.Join(t.key, ", ") + ") DO UPDATE SET " + strings.Join(set, ", ") +
		" RETURNING " + strings.Join(t.key, ", ") + ", " + strings.Join(zero, " AND ")).Rows()
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cells := 0
	var empty [][]any
	for rows.Next() {
		key := make([]any, len(t.key)+1)
		ptrs := make([]any, len(key))
		for i := range key {
			ptrs[i] = &key[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return cells, err
		}
		cells++
		if isEmpty := key[len(t.key)]; isEmpty == true || isEmpty == int64(1) {
			empty = append(empty, key[:len(t.key)])
		}
	}
	if err := rows.Err(); err != nil {
		return cells, err
	}
	rows.Close()
	where := strings.Join(t.key, " = ? AND ") + " = ?"
	for _, key := range empty {
		if err := db.Exec("DELETE FROM "+t.name+" WHERE "+where+" AND "+strings.Join(zero, " AND "), key...).Error; err != nil {
			return cells, err
		}
	}
	return cells, db.Exec("DELETE FROM " + t.deltas).Error
}

// scan adds rows of t's columns (from t or its deltas) to d, one key per
// level, and answers how many rows it read. A row whose counts are all zero
// is an error: adding to the rollups removes such rows, and deltas never
// hold one.
func (d *rollupDeltas) scan(t countTable, rows *sql.Rows) (int, error) {
	defer rows.Close()
	d.init(0)
	read := 0
	var period, week, month any
	counts := make([]int64, len(t.counts))
	for rows.Next() {
		var ck cellKey
		var ok obsKey
		var dc dimCell
		var dest []any
		switch t.name {
		case rollupsTable.name:
			dest = []any{&ck.districtID, &ck.schoolID, &ck.rubricID, &ck.dimensionKey, &ck.indicatorKey, &period, &week, &month, &ck.gradeBand, &ck.subject, &ck.kind}
		case observationRollupsTable.name:
			dest = []any{&ok.districtID, &ok.schoolID, &ok.rubricID, &period, &week, &month, &ok.gradeBand, &ok.subject, &ok.kind}
		default:
			dest = []any{&dc.districtID, &dc.rubricID, &dc.scope, &dc.dimensionKey, &period, &week, &month}
		}
		for i := range counts {
			dest = append(dest, &counts[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return read, translate(err, "rollup")
		}
		read++
		p := anyTime(period)
		if p == nil {
			return read, fmt.Errorf("%s: period %v", t.name, period)
		}
		at := dateOnly(*p)
		if !slices.ContainsFunc(counts, func(n int64) bool { return n != 0 }) {
			return read, fmt.Errorf("%s: a row with no counts for period %s", t.name, at.Format(time.DateOnly))
		}
		switch t.name {
		case rollupsTable.name:
			ck.period = at
			c := d.cell(ck)
			for l, n := range counts {
				c[l] += n
			}
		case observationRollupsTable.name:
			ok.period = at
			d.obs[ok] += counts[0]
		default:
			dc.period = at
			c := d.dim(dc)
			for i, n := range counts {
				c[i] += n
			}
		}
	}
	return read, translate(rows.Err(), "rollup")
}
