package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// DistrictScope is the dimension rollups' scope for the whole district.
const DistrictScope = "district"

// ObservationsLevel is the level a dimension delta uses for the
// observations that scored the dimension (a rubric's levels run 0 to 10);
// it lands in the dimension rollups' observations column.
const ObservationsLevel = -1

// rollupKey is one rollup cell and level.
type rollupKey struct {
	districtID, schoolID, rubricID, dimensionKey, indicatorKey string
	period                                                     time.Time
	gradeBand, subject, kind                                   string
	level                                                      int
}

// obsKey is one observation-count cell.
type obsKey struct {
	districtID, schoolID, rubricID string
	period                         time.Time
	gradeBand, subject, kind       string
}

// dimKey is one dimension-rollup cell and level: scope is a school's id or
// DistrictScope; level ObservationsLevel counts observations.
type dimKey struct {
	districtID, rubricID, scope, dimensionKey string
	period                                    time.Time
	level                                     int
}

type rollupDeltas struct {
	levels map[rollupKey]int64
	obs    map[obsKey]int64
	dims   map[dimKey]int64
}

// addContribution adds sign times o's contribution to the rollups: nothing
// unless o is submitted and not deleted.
func (tx *Tx) addContribution(ctx context.Context, d *rollupDeltas, o domain.Observation, sign int64) error {
	if o.Status != domain.ObservationSubmitted || o.Deleted {
		return nil
	}
	sh, err := tx.rubricShape(o.RubricVersionID)
	if err != nil {
		return err
	}
	loc, err := tx.location(ctx, o.DistrictID)
	if err != nil {
		return err
	}
	if d.levels == nil {
		d.levels, d.obs, d.dims = map[rollupKey]int64{}, map[obsKey]int64{}, map[dimKey]int64{}
	}
	period := domain.PeriodStart(o.StartedAt, loc)
	band := domain.GradeBand(o.Grade)
	d.obs[obsKey{o.DistrictID, o.SchoolID, sh.rubricID, period, band, o.Subject, string(o.Kind)}] += sign
	scored := map[string]bool{}
	for _, s := range o.Scores {
		if s.Level == nil {
			continue
		}
		dim := sh.dimension[s.IndicatorKey]
		d.levels[rollupKey{o.DistrictID, o.SchoolID, sh.rubricID, dim, s.IndicatorKey, period, band, o.Subject, string(o.Kind), *s.Level}] += sign
		for _, scope := range []string{o.SchoolID, DistrictScope} {
			d.dims[dimKey{o.DistrictID, sh.rubricID, scope, dim, period, *s.Level}] += sign
			if !scored[dim] {
				d.dims[dimKey{o.DistrictID, sh.rubricID, scope, dim, period, ObservationsLevel}] += sign
			}
		}
		scored[dim] = true
	}
	return nil
}

// countTable is a rollup table: rows of key columns and a count n.
type countTable struct {
	name    string
	columns []string // in insert order, the counts last
	key     []string // the primary key
	counts  []string // the count columns, added to on conflict
}

var (
	rollupsTable = countTable{"rollups",
		append([]string{"district_id", "school_id", "rubric_id", "dimension_key", "indicator_key", "period_start", "week_start", "month_start", "grade_band", "subject", "kind"}, levelCounts...),
		[]string{"district_id", "rubric_id", "period_start", "school_id", "dimension_key", "indicator_key", "grade_band", "subject", "kind"},
		levelCounts}
	observationRollupsTable = countTable{"rollup_observations",
		[]string{"district_id", "school_id", "rubric_id", "period_start", "week_start", "month_start", "grade_band", "subject", "kind", "n"},
		[]string{"district_id", "rubric_id", "period_start", "school_id", "grade_band", "subject", "kind"},
		[]string{"n"}}
	dimensionRollupsTable = countTable{"dimension_rollups",
		append([]string{"district_id", "rubric_id", "scope", "dimension_key", "period_start", "week_start", "month_start"}, dimensionCounts...),
		[]string{"district_id", "rubric_id", "scope", "period_start", "dimension_key"},
		dimensionCounts}
)

// levelCounts are the rollups' count columns: the scores at each level
// from 0 to MaxLevel.
var levelCounts = func() []string {
	var cs []string
	for l := 0; l <= MaxLevel; l++ {
		cs = append(cs, fmt.Sprintf("l%d", l))
	}
	return cs
}()

// dimensionCounts are the dimension rollups' count columns: the
// observations, then the scores at each level.
var dimensionCounts = append([]string{"observations"}, levelCounts...)

// rowsPerStatement bounds a multi-row upsert's bind parameters well under
// both databases' limits.
const rowsPerStatement = 200

// add adds the counts of rows (the values of t.columns, counts last) many
// rows a statement, then deletes the rows whose counts all fell to zero.
// Rows come sorted, so that concurrent transactions lock rows in the same
// order and cannot deadlock.
func (tx *Tx) add(t countTable, all [][]any) error {
	rows := all
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.columns)), ", ") + ")"
	var set, zero []string
	for _, c := range t.counts {
		set = append(set, fmt.Sprintf("%s = %s.%s + excluded.%s", c, t.name, c, c))
		zero = append(zero, c+" = 0")
	}
	conflict := fmt.Sprintf("ON CONFLICT (%s) DO UPDATE SET %s", strings.Join(t.key, ", "), strings.Join(set, ", "))
	if tx.dialect == Postgres && len(rows) > 0 {
		if err := tx.addUnnested(t, rows, conflict); err != nil {
			return translate(err, "rollup")
		}
		rows = nil // added
	}
	for start := 0; start < len(rows); start += rowsPerStatement {
		chunk := rows[start:min(start+rowsPerStatement, len(rows))]
		values := strings.TrimSuffix(strings.Repeat(one+", ", len(chunk)), ", ")
		args := make([]any, 0, len(chunk)*len(t.columns))
		for _, r := range chunk {
			args = append(args, r...)
		}
		q := fmt.Sprintf("INSERT INTO %s (%s) VALUES %s %s", t.name, strings.Join(t.columns, ", "), values, conflict)
		if err := tx.db.Exec(q, args...).Error; err != nil {
			return translate(err, "rollup")
		}
	}
	var where []string
	for _, k := range t.key {
		where = append(where, k+" = ?")
	}
	del := "DELETE FROM " + t.name + " WHERE " + strings.Join(where, " AND ") + " AND " + strings.Join(zero, " AND ")
	for _, r := range all {
		shrank := false
		for _, v := range r[len(r)-len(t.counts):] {
			shrank = shrank || v.(int64) < 0
		}
		if !shrank {
			continue
		}
		args := make([]any, len(t.key))
		for i, k := range t.key {
			args[i] = r[slices.Index(t.columns, k)]
		}
		if err := tx.db.Exec(del, args...).Error; err != nil {
			return translate(err, "rollup")
		}
	}
	return nil
}

// addUnnested adds rows in one statement that unnests an array per column:
// PostgreSQL then parses a handful of parameters, not thousands. Rows keep
// their order, so row locks are still taken in it.
func (tx *Tx) addUnnested(t countTable, rows [][]any, conflict string) error {
	args := make([]any, len(t.columns))
	params := make([]string, len(t.columns))
	selects := make([]string, len(t.columns))
	for c, col := range t.columns {
		switch rows[0][c].(type) {
		case int64:
			v := make([]int64, len(rows))
			for i, r := range rows {
				v[i] = r[c].(int64)
			}
			args[c], params[c], selects[c] = v, fmt.Sprintf("$%d::int8[]", c+1), col
		case int:
			v := make([]int32, len(rows))
			for i, r := range rows {
				v[i] = int32(r[c].(int))
			}
			args[c], params[c], selects[c] = v, fmt.Sprintf("$%d::int4[]", c+1), col+"::smallint"
		case time.Time:
			v := make([]string, len(rows))
			for i, r := range rows {
				v[i] = r[c].(time.Time).Format(time.DateOnly)
			}
			args[c], params[c], selects[c] = v, fmt.Sprintf("$%d::text[]", c+1), col+"::date"
		case string:
			v := make([]string, len(rows))
			for i, r := range rows {
				v[i] = r[c].(string)
			}
			args[c], params[c], selects[c] = v, fmt.Sprintf("$%d::text[]", c+1), col
			if strings.HasSuffix(col, "_id") {
				selects[c] += "::uuid"
			}
		default:
			return fmt.Errorf("store: rollup column %s holds a %T", col, rows[0][c])
		}
	}
	cols := strings.Join(t.columns, ", ")
	q := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM unnest(%s) AS v (%s) %s",
		t.name, cols, strings.Join(selects, ", "), strings.Join(params, ", "), cols, conflict)
	_, err := tx.db.Statement.ConnPool.ExecContext(tx.db.Statement.Context, q, args...)
	return err
}

// merge adds e's deltas to d's; into none yet, it takes e's as they are.
func (d *rollupDeltas) merge(e rollupDeltas) {
	if d.levels == nil {
		*d = e
		return
	}
	for k, n := range e.levels {
		d.levels[k] += n
	}
	for k, n := range e.obs {
		d.obs[k] += n
	}
	for k, n := range e.dims {
		d.dims[k] += n
	}
}

// applyRollups adds the deltas to the rollup tables and removes cells that
// fall to zero; in a batch, it keeps them for the batch's end.
func (tx *Tx) applyRollups(d rollupDeltas) error {
	if tx.pending != nil {
		tx.pending.deltas.merge(d)
		return nil
	}
	// A rollup row holds a cell's count at every level.
	levelCells := map[rollupKey][]int64{}
	var lk []rollupKey
	for k, n := range d.levels {
		if n == 0 {
			continue
		}
		level := k.level
		k.level = 0
		if levelCells[k] == nil {
			levelCells[k] = make([]int64, len(levelCounts))
			lk = append(lk, k)
		}
		levelCells[k][level] += n
	}
	sort.Slice(lk, func(i, j int) bool { return lessRollup(lk[i], lk[j]) })
	levelRows := make([][]any, len(lk))
	for i, k := range lk {
		row := []any{k.districtID, k.schoolID, k.rubricID, k.dimensionKey, k.indicatorKey, k.period, weekOf(k.period),
			domain.MonthStart(k.period), k.gradeBand, k.subject, k.kind}
		for _, n := range levelCells[k] {
			row = append(row, n)
		}
		levelRows[i] = row
	}
	ok := make([]obsKey, 0, len(d.obs))
	for k, n := range d.obs {
		if n != 0 {
			ok = append(ok, k)
		}
	}
	sort.Slice(ok, func(i, j int) bool { return lessObs(ok[i], ok[j]) })
	obsRows := make([][]any, len(ok))
	for i, k := range ok {
		obsRows[i] = []any{k.districtID, k.schoolID, k.rubricID, k.period, weekOf(k.period), domain.MonthStart(k.period),
			k.gradeBand, k.subject, k.kind, d.obs[k]}
	}
	// A dimension rollup row holds a cell's observations and every level.
	type dimCell struct {
		districtID, rubricID, scope, dimensionKey string
		period                                    time.Time
	}
	cells := map[dimCell][]int64{}
	var dk []dimCell
	for k, n := range d.dims {
		if n == 0 {
			continue
		}
		c := dimCell{k.districtID, k.rubricID, k.scope, k.dimensionKey, k.period}
		if cells[c] == nil {
			cells[c] = make([]int64, len(dimensionCounts))
			dk = append(dk, c)
		}
		cells[c][k.level+1] += n // ObservationsLevel (-1) is the first count
	}
	sort.Slice(dk, func(i, j int) bool {
		a, b := dk[i], dk[j]
		for _, p := range [][2]string{{a.rubricID, b.rubricID}, {a.scope, b.scope}} {
			if p[0] != p[1] {
				return p[0] < p[1]
			}
		}
		if !a.period.Equal(b.period) {
			return a.period.Before(b.period)
		}
		return a.dimensionKey < b.dimensionKey
	})
	dimRows := make([][]any, len(dk))
	for i, c := range dk {
		row := []any{c.districtID, c.rubricID, c.scope, c.dimensionKey, c.period, weekOf(c.period), domain.MonthStart(c.period)}
		for _, n := range cells[c] {
			row = append(row, n)
		}
		dimRows[i] = row
	}
	if err := tx.add(rollupsTable, levelRows); err != nil {
		return err
	}
	if err := tx.add(observationRollupsTable, obsRows); err != nil {
		return err
	}
	return tx.add(dimensionRollupsTable, dimRows)
}

func lessRollup(a, b rollupKey) bool {
	if !a.period.Equal(b.period) {
		return a.period.Before(b.period)
	}
	for _, p := range [][2]string{{a.rubricID, b.rubricID}, {a.schoolID, b.schoolID}, {a.dimensionKey, b.dimensionKey},
		{a.indicatorKey, b.indicatorKey}, {a.gradeBand, b.gradeBand}, {a.subject, b.subject}, {a.kind, b.kind}} {
		if p[0] != p[1] {
			return p[0] < p[1]
		}
	}
	return false
}

func lessObs(a, b obsKey) bool {
	if !a.period.Equal(b.period) {
		return a.period.Before(b.period)
	}
	for _, p := range [][2]string{{a.rubricID, b.rubricID}, {a.schoolID, b.schoolID}, {a.gradeBand, b.gradeBand}, {a.subject, b.subject}, {a.kind, b.kind}} {
		if p[0] != p[1] {
			return p[0] < p[1]
		}
	}
	return false
}
