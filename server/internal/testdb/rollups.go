package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// CheckRollups recomputes a district's four rollups from its raw rows and
// reports how they differ from the maintained ones (the tables and the
// deltas not folded into them yet), or nil when they are equal.
//
// The recomputation shares no code with the store: it is SQL over
// observations, scores and the rubric versions' indicators, grouped by the
// rollup keys. Two things are worked out here, per observation, from the
// rules in docs/decisions.md and domain/grade.go rather than with the code
// that applies them: the period, week and month of its counting time in
// the district's time zone (which SQLite's SQL cannot compute), and the
// grade band of its grade. They go into a VALUES list that the SQL joins.
// Everything is read in one transaction, which is rolled back.
func CheckRollups(ctx context.Context, s *store.Store, districtID string) error {
	var opts *sql.TxOptions
	if s.Dialect() == store.Postgres {
		// One snapshot, so that a fold by a running server cannot fall
		// between the reads.
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := s.SQL().BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("check rollups: %w", err)
	}
	defer tx.Rollback()
	if s.Dialect() == store.Postgres {
		// Dates as text are YYYY-MM-DD, as they are compared; the joins
		// are taken in the order written, which saves planning them.
		if _, err := tx.ExecContext(ctx, `SELECT set_config('datestyle', 'ISO', true), set_config('join_collapse_limit', '1', true)`); err != nil {
			return fmt.Errorf("check rollups: %w", err)
		}
	}
	c := &rollupCheck{ctx: ctx, tx: tx, dialect: s.Dialect(), district: districtID}
	if err := c.countingDays(); err != nil {
		return fmt.Errorf("check rollups: %w", err)
	}
	var problems []string
	for _, t := range checkedRollups {
		want, err := c.counts(countQuery{c.with + t.recompute.sql, t.recompute.keys, t.recompute.counts})
		if err != nil {
			return fmt.Errorf("check rollups: recompute %s: %w", t.name, err)
		}
		got, err := c.counts(t.maintained())
		if err != nil {
			return fmt.Errorf("check rollups: read %s: %w", t.name, err)
		}
		problems = append(problems, differences(t, want, got)...)
	}
	empty, err := c.emptyRows()
	if err != nil {
		return fmt.Errorf("check rollups: %w", err)
	}
	problems = append(problems, empty...)
	small, err := c.smallPeriods()
	if err != nil {
		return fmt.Errorf("check rollups: %w", err)
	}
	problems = append(problems, small...)
	if len(problems) == 0 {
		return nil
	}
	const shown = 8
	more := ""
	if len(problems) > shown {
		more = fmt.Sprintf("\n(and %d more)", len(problems)-shown)
		problems = problems[:shown]
	}
	return errors.New("rollups differ from their recomputation from raw rows:\n" + strings.Join(problems, "\n") + more)
}

// districtScope is the dimension rollups' scope for the whole district.
const districtScope = "district"

// gradeBands are the grade bands of the grades the product knows
// (domain/grade.go: PK, K and 1 to 12, as written, once upper-cased and
// trimmed): PK-2, 3-5, 6-8 and 9-12. Anything else is no grade, band "".
var gradeBands = map[string]string{
	"PK": "PK-2", "PREK": "PK-2", "PRE-K": "PK-2", "PREKINDERGARTEN": "PK-2",
	"K": "PK-2", "KG": "PK-2", "KINDERGARTEN": "PK-2",
	"1": "PK-2", "01": "PK-2", "2": "PK-2", "02": "PK-2",
	"3": "3-5", "03": "3-5", "4": "3-5", "04": "3-5", "5": "3-5", "05": "3-5",
	"6": "6-8", "06": "6-8", "7": "6-8", "07": "6-8", "8": "6-8", "08": "6-8",
	"9": "9-12", "09": "9-12", "10": "9-12", "11": "9-12", "12": "9-12",
}

// gradeBand is the band of a grade as an observation holds it.
func gradeBand(grade string) string {
	return gradeBands[strings.ToUpper(strings.TrimSpace(grade))]
}

// countingDays are the days an observation counted at t falls in, in the
// district's zone loc, as dates written YYYY-MM-DD: its period, the part of
// its week (weeks start on Monday) that lies in its month, named by its
// first day, which is the last day up to t's that is a Monday or the first
// of a month; the Monday of its week; and the first of its month.
func countingDays(t time.Time, loc *time.Location) (period, week, month string) {
	y, m, d := t.In(loc).Date()
	day := time.Date(y, m, d, 12, 0, 0, 0, time.UTC) // noon: no step of a day lands on another date
	p := day
	for p.Weekday() != time.Monday && p.Day() != 1 {
		p = p.AddDate(0, 0, -1)
	}
	w := day
	for w.Weekday() != time.Monday {
		w = w.AddDate(0, 0, -1)
	}
	return p.Format(time.DateOnly), w.Format(time.DateOnly), fmt.Sprintf("%04d-%02d-01", y, int(m))
}

// rollupCheck is one check's transaction.
type rollupCheck struct {
	ctx      context.Context
	tx       *sql.Tx
	dialect  string
	district string
	// with is the WITH clause that every recomputation follows: the
	// relation counting_days, made by countingDays.
	with string
}

// bind is q with PostgreSQL's numbered placeholders for its question marks.
func (c *rollupCheck) bind(q string) string {
	if c.dialect != store.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// countingDays sets c.with to a WITH clause naming counting_days the
// counting days and grade band of each of the district's submitted
// observations that is not deleted. It is a VALUES list of literals (ids
// read from the database, dates and bands made here), which unlike
// parameters have no limit in number.
func (c *rollupCheck) countingDays() error {
	var zone string
	if err := c.tx.QueryRowContext(c.ctx, c.bind(`SELECT time_zone FROM districts WHERE id = ?`), c.district).Scan(&zone); err != nil {
		return fmt.Errorf("district %s: %w", c.district, err)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return fmt.Errorf("district %s's time zone: %w", c.district, err)
	}
	rows, err := c.tx.QueryContext(c.ctx, c.bind(`SELECT CAST(id AS text), counted_at, grade FROM observations
		WHERE district_id = ? AND status = 'submitted' AND deleted_at IS NULL`), c.district)
	if err != nil {
		return err
	}
	defer rows.Close()
	var values []string
	for rows.Next() {
		var id, grade string
		var counted sql.NullTime
		if err := rows.Scan(&id, &counted, &grade); err != nil {
			return err
		}
		if !counted.Valid {
			return fmt.Errorf("observation %s has no counting time", id)
		}
		period, week, month := countingDays(counted.Time, loc)
		values = append(values, "("+quote(id)+", "+quote(period)+", "+quote(week)+", "+quote(month)+", "+quote(gradeBand(grade))+")")
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(values) == 0 {
		values = []string{"('', '', '', '', '')"} // no observation has the id ''
	}
	c.with = "WITH counting_days (observation_id, period_start, week_start, month_start, grade_band) AS (VALUES " +
		strings.Join(values, ", ") + ")"
	return nil
}

// counts runs a query whose rows are key columns and then count columns,
// with the district as every parameter, and answers the counts by key,
// leaving out keys whose counts are all zero.
func (c *rollupCheck) counts(q countQuery) (map[string][]int64, error) {
	args := make([]any, strings.Count(q.sql, "?"))
	for i := range args {
		args[i] = c.district
	}
	rows, err := c.tx.QueryContext(c.ctx, c.bind(q.sql), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		keys := make([]string, q.keys)
		counts := make([]int64, q.counts)
		dest := make([]any, 0, q.keys+q.counts)
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		for i := range counts {
			dest = append(dest, &counts[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(counts, func(n int64) bool { return n != 0 }) {
			continue
		}
		k := strings.Join(keys, "\x00")
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("key %q twice", keys)
		}
		out[k] = counts
	}
	return out, rows.Err()
}

// emptyRows reports the rollup and delta tables that hold rows of the
// district whose counts are all zero: folding deletes such rows, and no
// delta is one.
func (c *rollupCheck) emptyRows() ([]string, error) {
	var tables, counts []string
	for _, t := range checkedRollups {
		var zero []string
		for _, n := range t.counts {
			zero = append(zero, n+" = 0")
		}
		for _, name := range []string{t.name, t.deltas} {
			tables = append(tables, name)
			counts = append(counts, "(SELECT COUNT(*) FROM "+name+" WHERE district_id = ? AND "+strings.Join(zero, " AND ")+")")
		}
	}
	n := make([]int64, len(tables))
	dest, args := make([]any, len(n)), make([]any, len(n))
	for i := range n {
		dest[i], args[i] = &n[i], c.district
	}
	if err := c.tx.QueryRowContext(c.ctx, c.bind("SELECT "+strings.Join(counts, ", ")), args...).Scan(dest...); err != nil {
		return nil, err
	}
	var out []string
	for i, name := range tables {
		if n[i] != 0 {
			out = append(out, fmt.Sprintf("%s: %d rows with no counts", name, n[i]))
		}
	}
	return out, nil
}

// smallPeriods compares rollup.SmallPeriods with the small school periods
// of the folded dimension rollups, counted again here.
func (c *rollupCheck) smallPeriods() ([]string, error) {
	cols := "rubric_id, dimension_key, period_start, week_start, month_start, observations, periods, " + strings.Join(rollup.LevelCounts, ", ")
	var sums []string
	for _, l := range rollup.LevelCounts {
		sums = append(sums, "SUM("+l+")")
	}
	recount := "SELECT rubric_id, dimension_key, period_start, week_start, month_start, observations, COUNT(*), " + strings.Join(sums, ", ") +
		" FROM " + rollup.Dimensions.Name + " WHERE district_id = ? AND scope <> '" + districtScope + "' AND observations < ?" +
		" GROUP BY rubric_id, dimension_key, period_start, week_start, month_start, observations"
	kept := "SELECT " + cols + " FROM " + rollup.SmallPeriods + " WHERE district_id = ?"
	var missing, extra int64
	err := c.tx.QueryRowContext(c.ctx, c.bind("SELECT (SELECT COUNT(*) FROM ("+recount+" EXCEPT "+kept+") AS a), (SELECT COUNT(*) FROM ("+kept+" EXCEPT "+recount+") AS b)"),
		c.district, domain.MaxMinCellSize, c.district, c.district, c.district, domain.MaxMinCellSize).Scan(&missing, &extra)
	if err != nil {
		return nil, err
	}
	if missing+extra == 0 {
		return nil, nil
	}
	return []string{fmt.Sprintf("%s: %d counts missing or wrong, %d not in the folded rollups", rollup.SmallPeriods, missing, extra)}, nil
}

// differences are the cells whose maintained counts differ from their
// recomputation, in key order.
func differences(t checkedRollup, want, got map[string][]int64) []string {
	var keys []string
	for k, w := range want {
		if !slices.Equal(w, got[k]) {
			keys = append(keys, k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make([]string, 0, len(keys))
	zero := make([]int64, len(t.counts))
	for _, k := range keys {
		cell := strings.Split(k, "\x00")
		var named []string
		for i, col := range t.keys {
			named = append(named, col+"="+cell[i])
		}
		w, g := want[k], got[k]
		if w == nil {
			w = zero
		}
		if g == nil {
			g = zero
		}
		out = append(out, fmt.Sprintf("%s {%s}: maintained %s, recomputed %s", t.name, strings.Join(named, " "), counted(t.counts, g), counted(t.counts, w)))
	}
	return out
}

// counted is counts by column name, the zeros left out.
func counted(columns []string, counts []int64) string {
	var out []string
	for i, n := range counts {
		if n != 0 {
			out = append(out, fmt.Sprintf("%s=%d", columns[i], n))
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, " ")
}

// countQuery is SQL answering key columns (text) and then count columns;
// every parameter is the district.
type countQuery struct {
	sql          string
	keys, counts int
}

// checkedRollup is one rollup: its table and its deltas' with the same
// columns, its key columns as compared (the district left out) and its
// count columns, and its recomputation from raw rows, which follows the
// WITH clause of the counting days.
type checkedRollup struct {
	name, deltas string
	keys         []string
	counts       []string
	recompute    countQuery
}

// maintained reads the rollup as trends do, the table and its deltas
// together, added up by key: ids as text and dates as YYYY-MM-DD on both
// databases.
func (t checkedRollup) maintained() countQuery {
	var cols, outer, sums []string
	for _, k := range t.keys {
		switch {
		case strings.HasSuffix(k, "_id"):
			cols = append(cols, "CAST("+k+" AS text) AS "+k)
		case strings.HasSuffix(k, "_start"):
			cols = append(cols, "substr(CAST("+k+" AS text), 1, 10) AS "+k)
		default:
			cols = append(cols, k)
		}
		outer = append(outer, "m."+k)
	}
	for _, n := range t.counts {
		cols = append(cols, n)
		sums = append(sums, "CAST(SUM(m."+n+") AS bigint)")
	}
	one := "SELECT " + strings.Join(cols, ", ") + " FROM %s WHERE district_id = ?"
	q := "SELECT " + strings.Join(outer, ", ") + ", " + strings.Join(sums, ", ") + " FROM (" +
		fmt.Sprintf(one, t.name) + " UNION ALL " + fmt.Sprintf(one, t.deltas) + ") AS m GROUP BY " + strings.Join(outer, ", ")
	return countQuery{q, len(t.keys), len(t.counts)}
}

// levelColumns are the count columns l0 to l10 (the most levels a scale
// may have); countLevels is the SQL that counts a group's scores at each,
// and sumLevels the SQL that adds up such counts.
var levelColumns, countLevels, sumLevels = func() ([]string, string, string) {
	var cols, counts, sums []string
	for l := 0; l <= 10; l++ {
		cols = append(cols, fmt.Sprintf("l%d", l))
		counts = append(counts, fmt.Sprintf("SUM(CASE WHEN s.level = %d THEN 1 ELSE 0 END) AS l%[1]d", l))
		sums = append(sums, fmt.Sprintf("CAST(SUM(l%d) AS bigint)", l))
	}
	return cols, strings.Join(counts, ", "), strings.Join(sums, ", ")
}()

// counting is the FROM and WHERE of the observations that count: the
// district's submitted observations that are not deleted, with their
// counting days and grade band, and the rubric their version is of.
const counting = ` FROM observations o
	JOIN counting_days p ON p.observation_id = CAST(o.id AS text)
	JOIN rubric_versions v ON v.id = o.rubric_version_id`

const countingWhere = ` WHERE o.district_id = ? AND o.status = 'submitted' AND o.deleted_at IS NULL`

// scored joins an observation's scores that have a level, and the
// dimension of each score's indicator in the observation's rubric version.
const scored = `
	JOIN scores s ON s.observation_id = o.id AND s.level IS NOT NULL
	JOIN rubric_indicators i ON i.rubric_version_id = o.rubric_version_id AND i.key = s.indicator_key`

// checkedRollups are the four rollups, their coarser tables, and their
// recomputations. A coarser table holds its rollup's folded rows summed
// more coarsely (by month; the district's observations), and the deltas
// not yet folded are its rollup's: read together they are its counts,
// recomputed here so.
var checkedRollups = []checkedRollup{
	{
		name: "rollups", deltas: "rollup_deltas",
		keys: []string{"school_id", "rubric_id", "dimension_key", "indicator_key", "period_start", "week_start", "month_start",
			"grade_band", "subject", "kind"},
		counts: levelColumns,
		recompute: countQuery{` SELECT CAST(o.school_id AS text), CAST(v.rubric_id AS text), i.dimension_key, s.indicator_key,
			p.period_start, p.week_start, p.month_start, p.grade_band, o.subject, o.kind, ` + countLevels + counting + scored + countingWhere + `
			GROUP BY o.school_id, v.rubric_id, i.dimension_key, s.indicator_key, p.period_start, p.week_start, p.month_start,
				p.grade_band, o.subject, o.kind`, 10, len(levelColumns)},
	},
	{
		name: "rollup_observations", deltas: "rollup_observation_deltas",
		keys:   []string{"school_id", "rubric_id", "period_start", "week_start", "month_start", "grade_band", "subject", "kind"},
		counts: []string{"n"},
		recompute: countQuery{` SELECT CAST(o.school_id AS text), CAST(v.rubric_id AS text), p.period_start, p.week_start, p.month_start,
			p.grade_band, o.subject, o.kind, COUNT(*)` + counting + countingWhere + `
			GROUP BY o.school_id, v.rubric_id, p.period_start, p.week_start, p.month_start, p.grade_band, o.subject, o.kind`, 8, 1},
	},
	{
		// An observation counts once in each dimension it scored, at its
		// school and in the district; an observation is at one school, so
		// the district's counts are its schools' added up.
		name: "dimension_rollups", deltas: "dimension_rollup_deltas",
		keys:   []string{"rubric_id", "scope", "dimension_key", "period_start", "week_start", "month_start"},
		counts: append([]string{"observations"}, levelColumns...),
		recompute: countQuery{`, schools AS (
				SELECT CAST(v.rubric_id AS text) AS rubric_id, CAST(o.school_id AS text) AS scope, i.dimension_key,
					p.period_start, p.week_start, p.month_start, COUNT(DISTINCT o.id) AS observations, ` + countLevels + counting + scored + countingWhere + `
				GROUP BY v.rubric_id, o.school_id, i.dimension_key, p.period_start, p.week_start, p.month_start)
			SELECT * FROM schools
			UNION ALL
			SELECT rubric_id, '` + districtScope + `', dimension_key, period_start, week_start, month_start,
				CAST(SUM(observations) AS bigint), ` + sumLevels + ` FROM schools
			GROUP BY rubric_id, dimension_key, period_start, week_start, month_start`, 6, 1 + len(levelColumns)},
	},
	{
		// An indicator's scores at each school and in the district.
		name: "indicator_rollups", deltas: "indicator_rollup_deltas",
		keys:   []string{"rubric_id", "scope", "dimension_key", "indicator_key", "period_start", "week_start", "month_start"},
		counts: levelColumns,
		recompute: countQuery{`, schools AS (
				SELECT CAST(v.rubric_id AS text) AS rubric_id, CAST(o.school_id AS text) AS scope, i.dimension_key, s.indicator_key,
					p.period_start, p.week_start, p.month_start, ` + countLevels + counting + scored + countingWhere + `
				GROUP BY v.rubric_id, o.school_id, i.dimension_key, s.indicator_key, p.period_start, p.week_start, p.month_start)
			SELECT * FROM schools
			UNION ALL
			SELECT rubric_id, '` + districtScope + `', dimension_key, indicator_key, period_start, week_start, month_start, ` + sumLevels + ` FROM schools
			GROUP BY rubric_id, dimension_key, indicator_key, period_start, week_start, month_start`, 7, len(levelColumns)},
	},
	{
		name: "rollup_observation_months", deltas: "rollup_observation_deltas",
		keys:   []string{"school_id", "rubric_id", "month_start", "grade_band", "subject", "kind"},
		counts: []string{"n"},
		recompute: countQuery{` SELECT CAST(o.school_id AS text), CAST(v.rubric_id AS text), p.month_start, p.grade_band, o.subject, o.kind, COUNT(*)` +
			counting + countingWhere + `
			GROUP BY o.school_id, v.rubric_id, p.month_start, p.grade_band, o.subject, o.kind`, 6, 1},
	},
	{
		name: "rollup_district_observations", deltas: "rollup_observation_deltas",
		keys:   []string{"rubric_id", "period_start", "week_start", "month_start"},
		counts: []string{"n"},
		recompute: countQuery{` SELECT CAST(v.rubric_id AS text), p.period_start, p.week_start, p.month_start, COUNT(*)` + counting + countingWhere + `
			GROUP BY v.rubric_id, p.period_start, p.week_start, p.month_start`, 4, 1},
	},
	{
		name: "dimension_month_rollups", deltas: "dimension_rollup_deltas",
		keys:   []string{"rubric_id", "scope", "dimension_key", "month_start"},
		counts: append([]string{"observations"}, levelColumns...),
		recompute: countQuery{`, schools AS (
				SELECT CAST(v.rubric_id AS text) AS rubric_id, CAST(o.school_id AS text) AS scope, i.dimension_key,
					p.month_start, COUNT(DISTINCT o.id) AS observations, ` + countLevels + counting + scored + countingWhere + `
				GROUP BY v.rubric_id, o.school_id, i.dimension_key, p.month_start)
			SELECT * FROM schools
			UNION ALL
			SELECT rubric_id, '` + districtScope + `', dimension_key, month_start, CAST(SUM(observations) AS bigint), ` + sumLevels + ` FROM schools
			GROUP BY rubric_id, dimension_key, month_start`, 4, 1 + len(levelColumns)},
	},
	{
		name: "indicator_month_rollups", deltas: "indicator_rollup_deltas",
		keys:   []string{"rubric_id", "scope", "dimension_key", "indicator_key", "month_start"},
		counts: levelColumns,
		recompute: countQuery{`, schools AS (
				SELECT CAST(v.rubric_id AS text) AS rubric_id, CAST(o.school_id AS text) AS scope, i.dimension_key, s.indicator_key,
					p.month_start, ` + countLevels + counting + scored + countingWhere + `
				GROUP BY v.rubric_id, o.school_id, i.dimension_key, s.indicator_key, p.month_start)
			SELECT * FROM schools
			UNION ALL
			SELECT rubric_id, '` + districtScope + `', dimension_key, indicator_key, month_start, ` + sumLevels + ` FROM schools
			GROUP BY rubric_id, dimension_key, indicator_key, month_start`, 5, len(levelColumns)},
	},
}
