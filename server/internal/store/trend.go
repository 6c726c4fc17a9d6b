package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/jackc/pgx/v5"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
)

// trendWhere narrows a read of a rollup table to q's district, rubric, range
// and filters; withIndicator also to its dimension and indicator.
func trendWhere(db *gorm.DB, q rollup.Query, withIndicator bool) *gorm.DB {
	db = db.Where("district_id = ? AND rubric_id = ?", q.DistrictID, q.RubricID)
	// A range is whole rollup periods (rollup.Query), which the primary key
	// orders after the rubric: the key serves it, whatever the bucket.
	db = db.Where("period_start >= ? AND period_start < ?", q.From, q.To)
	if q.SchoolIDs != nil {
		if len(q.SchoolIDs) == 0 {
			return db.Where("1 = 0")
		}
		db = db.Where("school_id IN ?", q.SchoolIDs)
	}
	for col, v := range map[string]string{"grade_band": q.GradeBand, "subject": q.Subject, "kind": q.Kind} {
		if v != "" {
			db = db.Where(col+" = ?", v)
		}
	}
	if withIndicator {
		if q.Dimension != "" {
			db = db.Where("dimension_key = ?", q.Dimension)
		}
		if q.Indicator != "" {
			db = db.Where("indicator_key = ?", q.Indicator)
		}
	}
	return db
}

// TrendLevels sums rollups per bucket, group and level.
func (s *Store) TrendLevels(ctx context.Context, q rollup.Query) ([]rollup.Row, error) {
	bucket, group, err := q.Columns()
	if err != nil {
		return nil, err
	}
	var out []rollup.Row
	err = s.trendRead(ctx, func(db *gorm.DB) error {
		rows, err := s.trendLevels(db, q, bucket, group)
		out = rows
		return err
	})
	return out, err
}

// trendRead runs a trend query; on PostgreSQL in a read-only transaction
// with enough memory to aggregate without spilling to disk, planned for
// its own parameters each time: the generic plan of a prepared statement
// guesses a few rows for any range and reads a whole district through the
// primary key, one row at a time, where a custom plan scans it in parallel.
func (s *Store) trendRead(ctx context.Context, fn func(db *gorm.DB) error) error {
	if s.dialect != Postgres {
		return fn(s.db.WithContext(ctx))
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL work_mem = '64MB'; SET LOCAL plan_cache_mode = force_custom_plan").Error; err != nil {
			return translate(err, "trend")
		}
		return fn(tx)
	}, &sql.TxOptions{ReadOnly: true})
}

func (s *Store) trendLevels(db *gorm.DB, q rollup.Query, bucket string, group []string) ([]rollup.Row, error) {
	db = trendWhere(db.Table(readTable(rollup.Levels)), q, true)
	return trendRows(db, q, bucket, group, true)
}

// trendRows sums the counts per bucket and group, and scans them into rows:
// one per level that has scores when withLevel (the rollups hold a cell's
// levels side by side), else one of the observations counted in n. Both
// dialects answer an aggregate of dates differently (a time or text);
// anyTime reads either.
func trendRows(db *gorm.DB, q rollup.Query, bucket string, group []string, withLevel bool) ([]rollup.Row, error) {
	var sel string
	var by []string
	if bucket == "" {
		sel = "MIN(week_start) AS bucket"
	} else {
		sel, by = bucket+" AS bucket", []string{bucket}
	}
	counts := []string{"n"}
	if withLevel {
		counts = rollup.LevelCounts
	}
	for _, c := range counts {
		sel += fmt.Sprintf(", COALESCE(SUM(%s), 0)", c)
	}
	for i, c := range group {
		sel += fmt.Sprintf(", %s AS g%d", c, i)
		by = append(by, c)
	}
	if len(by) > 0 {
		db = db.Group(strings.Join(by, ", "))
	}
	rows, err := db.Select(sel).Rows()
	if err != nil {
		return nil, translate(err, "trend")
	}
	defer rows.Close()
	var out []rollup.Row
	var bucketAt any
	n := make([]int64, len(counts))
	dest := []any{&bucketAt}
	for i := range n {
		dest = append(dest, &n[i])
	}
	groupOf := make([]string, len(group))
	for i := range groupOf {
		dest = append(dest, &groupOf[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, translate(err, "trend")
		}
		var at time.Time
		if b := anyTime(bucketAt); b != nil {
			at = dateOnly(*b)
		}
		if q.Whole {
			at = dateOnly(q.From)
		}
		g := slices.Clone(groupOf)
		if !withLevel {
			if n[0] != 0 { // no rows and no grouping: one row of nothing
				out = append(out, rollup.Row{Bucket: at, Group: g, N: n[0]})
			}
			continue
		}
		for level, c := range n {
			if c != 0 {
				out = append(out, rollup.Row{Bucket: at, Group: g, Level: level, N: c})
			}
		}
	}
	return out, translate(rows.Err(), "trend")
}

// TrendObservations counts observations per bucket and group (Level is
// unused); the group may not include dimension or indicator (an observation
// has many).
func (s *Store) TrendObservations(ctx context.Context, q rollup.Query) ([]rollup.Row, error) {
	bucket, group, err := q.Columns()
	if err != nil {
		return nil, err
	}
	for _, c := range group {
		if c == "dimension_key" || c == "indicator_key" {
			return nil, domain.Errorf(domain.EInvalid, "observation counts have no dimension or indicator")
		}
	}
	var out []rollup.Row
	err = s.trendRead(ctx, func(db *gorm.DB) error {
		a := &sqlArgs{postgres: s.dialect == Postgres, marks: true}
		db = trendWhere(db.Table(readTableFor(rollup.Observations, q, a), a.args...), q, false)
		rows, err := trendRows(db, q, bucket, group, false)
		out = rows
		return err
	})
	return out, err
}

// TrendDimensions sums the dimension rollups per bucket and group, in
// bucket order and then in the byte order of the group's values. The query
// must be DimensionTrendable. Without a school filter it reads the
// district's own scope unless the group asks for schools.
//
// It reads the rollup periods as they are and sums them here: a week is one
// period or two, so most cells are one row, and the database's SUM of a
// bigint (kept as a numeric) costs far more than the addition. On
// PostgreSQL it reads through pgx and only the level columns the rubric's
// scales use.
func (s *Store) TrendDimensions(ctx context.Context, q rollup.Query) ([]rollup.DimensionCell, error) {
	if !q.DimensionTrendable() {
		return nil, domain.Errorf(domain.EInvalid, "the query has filters the dimension rollups do not keep")
	}
	return s.trendScoped(ctx, q, rollup.Dimensions)
}

// TrendIndicators sums the indicator rollups per bucket and group as
// TrendDimensions sums the dimension rollups; the query must be
// IndicatorTrendable. A cell's observations are its scores: an observation
// scores an indicator at most once.
func (s *Store) TrendIndicators(ctx context.Context, q rollup.Query) ([]rollup.DimensionCell, error) {
	if !q.IndicatorTrendable() {
		return nil, domain.Errorf(domain.EInvalid, "the query has filters the indicator rollups do not keep")
	}
	cells, err := s.trendScoped(ctx, q, rollup.Indicators)
	for i := range cells {
		c := &cells[i]
		for _, n := range c.Levels {
			c.Observations += n
		}
	}
	return cells, err
}

// trendScoped reads the periods of t, a rollup kept per school and for the
// district (scope), and sums them into cells.
func (s *Store) trendScoped(ctx context.Context, q rollup.Query, t rollup.Table) ([]rollup.DimensionCell, error) {
	_, group, err := q.Columns()
	if err != nil {
		return nil, err
	}
	if len(group) > 2 {
		return nil, domain.Errorf(domain.EInvalid, "a trend of %s is grouped by two columns at most", t.Name)
	}
	for i, c := range group {
		if c == "school_id" {
			group[i] = "scope"
		}
	}
	if q.SchoolIDs != nil && len(q.SchoolIDs) == 0 {
		return nil, nil
	}
	sums := rollup.NewSums(q, len(group))
	if s.dialect == Postgres {
		err = s.readScopedPostgres(ctx, q, t, group, sums)
	} else {
		err = s.readScopedSQLite(ctx, q, t, group, sums)
	}
	if err != nil {
		return nil, err
	}
	return sums.Cells(), nil
}

// readScopedPostgres reads the rubric's level range and t's periods in one
// read-only snapshot, through the pgx connection under database/sql.
func (s *Store) readScopedPostgres(ctx context.Context, q rollup.Query, t rollup.Table, group []string, sums *rollup.Sums) error {
	return s.pgxSnapshot(ctx, func(tx pgx.Tx) error {
		lo, hi, err := rubricLevelRange(ctx, tx, q.DistrictID, q.RubricID)
		if err != nil {
			return err
		}
		query, args := scopedPeriods(q, t, group, lo, hi, true)
		// Every query is planned for its own bounds and schools: a generic plan
		// of the prepared statement cannot tell a week from the whole table.
		rows, err := tx.Query(ctx, query, append([]any{pgx.QueryExecModeCacheDescribe}, args...)...)
		if err != nil {
			return translate(err, "trend")
		}
		defer rows.Close()
		return addPeriods(rows, q, t, len(group), lo, hi, sums)
	})
}

// pgxSnapshot runs fn in one read-only repeatable-read transaction on the
// pgx connection under database/sql.
func (s *Store) pgxSnapshot(ctx context.Context, fn func(tx pgx.Tx) error) error {
	conn, err := s.sqlDB.Conn(ctx)
	if err != nil {
		return translate(err, "trend")
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		pc, ok := driverConn.(interface{ Conn() *pgx.Conn })
		if !ok {
			return fmt.Errorf("store: trend: the PostgreSQL driver is %T, not pgx", driverConn)
		}
		tx, err := pc.Conn().BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return translate(err, "trend")
		}
		defer func() { _ = tx.Rollback(ctx) }() // a no-op after Commit
		if err := fn(tx); err != nil {
			return err
		}
		return translate(tx.Commit(ctx), "trend")
	})
}

// rubricLevelRange is the lowest and highest level of any version of the
// rubric: no score can lie outside it, since a score is refused unless its
// level is on its version's scale.
func rubricLevelRange(ctx context.Context, tx pgx.Tx, districtID, rubricID string) (lo, hi int, err error) {
	var least, most *int
	err = tx.QueryRow(ctx, `SELECT MIN(l.value), MAX(l.value) FROM rubric_levels l
		JOIN rubric_versions v ON v.id = l.rubric_version_id
		WHERE v.district_id = $1::uuid AND v.rubric_id = $2::uuid`, districtID, rubricID).Scan(&least, &most)
	if err != nil {
		return 0, 0, translate(err, "rubric levels")
	}
	lo, hi = 0, rollup.MaxLevel
	if least != nil && most != nil {
		lo, hi = max(*least, 0), min(*most, rollup.MaxLevel)
	}
	if lo > hi {
		lo, hi = 0, rollup.MaxLevel
	}
	return lo, hi, nil
}

// readScopedSQLite reads t's periods through GORM, every level column.
func (s *Store) readScopedSQLite(ctx context.Context, q rollup.Query, t rollup.Table, group []string, sums *rollup.Sums) error {
	query, args := scopedPeriods(q, t, group, 0, rollup.MaxLevel, false)
	rows, err := s.db.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return translate(err, "trend")
	}
	defer rows.Close()
	return addPeriods(rows, q, t, len(group), 0, rollup.MaxLevel, sums)
}

// periodRows are rows of dimension rollup periods, from pgx or database/sql.
type periodRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// addPeriods adds each period's observations (when t counts them) and
// levels lo to hi into its cell. A bucket comes as a date from PostgreSQL
// and as text from SQLite; anyTime reads either.
func addPeriods(rows periodRows, q rollup.Query, t rollup.Table, ngroup, lo, hi int, sums *rollup.Sums) error {
	var bucket any
	groups := make([][]byte, ngroup)
	var obs int64
	levels := make([]int64, hi-lo+1)
	var dest []any
	if !q.Whole {
		dest = append(dest, &bucket)
	}
	for i := range groups {
		dest = append(dest, &groups[i])
	}
	if countsObservations(t) {
		dest = append(dest, &obs)
	}
	for i := range levels {
		dest = append(dest, &levels[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return translate(err, "trend")
		}
		var id rollup.CellID
		if t := anyTime(bucket); t != nil && !q.Whole {
			id.Day = rollup.Day(dateOnly(*t))
		}
		for i, g := range groups {
			id.Group[i] = sums.Intern(g)
		}
		sums.Add(id, obs, lo, levels)
	}
	return translate(rows.Err(), "trend")
}

// countsObservations reports whether t has a column of observations.
func countsObservations(t rollup.Table) bool { return slices.Contains(t.Counts, "observations") }

// scopedPeriods is the query for the periods of a trend from t, the
// dimension or the indicator rollups: the bucket's column (unless the
// bucket is the whole range), the group's columns, the observations (where
// t counts them) and the level columns from lo to hi. The range is whole
// periods (rollup.Query), filtered on period_start, which the primary key
// orders after the scope, so that the key serves it.
func scopedPeriods(q rollup.Query, t rollup.Table, group []string, lo, hi int, postgres bool) (string, []any) {
	a := &sqlArgs{postgres: postgres}
	arg := a.add
	var cols []string
	switch {
	case q.Whole:
	case q.Month:
		cols = append(cols, "month_start")
	default:
		cols = append(cols, "week_start")
	}
	cols = append(cols, group...)
	if countsObservations(t) {
		cols = append(cols, "observations")
	}
	for l := lo; l <= hi; l++ {
		cols = append(cols, "l"+strconv.Itoa(l))
	}
	var b strings.Builder
	b.WriteString("SELECT " + strings.Join(cols, ", ") + " FROM " + readTableFor(t, q, a) + " WHERE district_id = " + arg(q.DistrictID, "::uuid") +
		" AND rubric_id = " + arg(q.RubricID, "::uuid"))
	b.WriteString(" AND period_start >= " + arg(q.From, "::date") + " AND period_start < " + arg(q.To, "::date"))
	switch {
	case q.SchoolIDs != nil && postgres:
		b.WriteString(" AND scope = ANY(" + arg(q.SchoolIDs, "::text[]") + ")")
	case q.SchoolIDs != nil:
		b.WriteString(" AND scope IN " + arg(q.SchoolIDs, ""))
	case slices.Contains(q.Group, "school"):
		b.WriteString(" AND scope <> '" + rollup.DistrictScope + "'")
	default:
		b.WriteString(" AND scope = '" + rollup.DistrictScope + "'")
	}
	if q.Dimension != "" {
		b.WriteString(" AND dimension_key = " + arg(q.Dimension, "::text"))
	}
	if q.Indicator != "" && t.Name == rollup.Indicators.Name {
		b.WriteString(" AND indicator_key = " + arg(q.Indicator, "::text"))
	}
	return b.String(), a.args
}

// RollupState names the state of a district's figures: the last entry of
// its change log and its compaction horizon. Every write that moves the
// rollups (a push or a REST write of observations) appends to the change
// log in the same transaction, numbered in commit order within the
// district, and compaction never removes the last entry except with a
// tombstone below a horizon it moves, so the state changes whenever a
// figure may have changed and never comes back. Folding the deltas changes
// no figure and leaves the state as it is.
func (s *Store) RollupState(ctx context.Context, districtID string) (string, error) {
	var st struct{ Last, Horizon int64 }
	err := s.read(ctx).db.Raw(`SELECT COALESCE((SELECT MAX(seq) FROM change_log WHERE district_id = ?), 0) AS last,
		COALESCE((SELECT seq FROM change_log_horizon WHERE district_id = ?), 0) AS horizon`, districtID, districtID).Scan(&st).Error
	if err != nil {
		return "", translate(err, "rollup state")
	}
	return strconv.FormatInt(st.Last, 10) + "." + strconv.FormatInt(st.Horizon, 10), nil
}
