package store

import (
	"context"
	"fmt"
	"slices"
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

// countTable is a rollup table: rows of key columns and counts, and the
// table of its deltas, which has the same columns and no key.
type countTable struct {
	name    string
	deltas  string
	columns []string // in insert order, the counts last
	key     []string // the primary key
	counts  []string // the count columns, added to on conflict
}

// read is the table as every read must see it, for a FROM clause under the
// table's own name: its rows and the deltas not folded into them yet.
func (t countTable) read() string {
	cols := strings.Join(t.columns, ", ")
	return "(SELECT " + cols + " FROM " + t.name + " UNION ALL SELECT " + cols + " FROM " + t.deltas + ") AS " + t.name
}

var (
	rollupsTable = countTable{"rollups", "rollup_deltas",
		append([]string{"district_id", "school_id", "rubric_id", "dimension_key", "indicator_key", "period_start", "week_start", "month_start", "grade_band", "subject", "kind"}, levelCounts...),
		[]string{"district_id", "rubric_id", "period_start", "school_id", "dimension_key", "indicator_key", "grade_band", "subject", "kind"},
		levelCounts}
	observationRollupsTable = countTable{"rollup_observations", "rollup_observation_deltas",
		[]string{"district_id", "school_id", "rubric_id", "period_start", "week_start", "month_start", "grade_band", "subject", "kind", "n"},
		[]string{"district_id", "rubric_id", "period_start", "school_id", "grade_band", "subject", "kind"},
		[]string{"n"}}
	dimensionRollupsTable = countTable{"dimension_rollups", "dimension_rollup_deltas",
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

// rowsPerStatement bounds a multi-row insert's bind parameters well under
// both databases' limits.
const rowsPerStatement = 200

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

// applyRollups appends the deltas to the rollups' delta tables, which
// reads add to the rollups until CompactRollups folds them in; in a batch,
// it keeps them for the batch's end.
func (tx *Tx) applyRollups(ctx context.Context, d rollupDeltas) error {
	if tx.pending != nil {
		tx.pending.deltas.merge(d)
		return nil
	}
	levelRows, obsRows, dimRows := d.rows()
	for _, t := range []struct {
		table countTable
		rows  [][]any
	}{{rollupsTable, levelRows}, {observationRollupsTable, obsRows}, {dimensionRollupsTable, dimRows}} {
		if err := tx.appendDeltas(ctx, t.table, t.rows); err != nil {
			return translate(err, "rollup")
		}
	}
	return nil
}

// appendDeltas appends rows (the values of t's columns) to t's deltas: on
// PostgreSQL by COPY when the transaction's connection is at hand (a
// batch), else many rows a statement.
func (tx *Tx) appendDeltas(ctx context.Context, t countTable, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if tx.canCopy() {
		typed, err := copyValues(t.columns, rows)
		if err != nil {
			return err
		}
		return tx.copyIn(ctx, t.deltas, t.columns, typed)
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.columns)), ", ") + ")"
	for start := 0; start < len(rows); start += rowsPerStatement {
		chunk := rows[start:min(start+rowsPerStatement, len(rows))]
		args := make([]any, 0, len(chunk)*len(t.columns))
		for _, r := range chunk {
			args = append(args, r...)
		}
		q := "INSERT INTO " + t.deltas + " (" + strings.Join(t.columns, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+", ", len(chunk)), ", ")
		if err := tx.db.Exec(q, args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// copyValues are rows as COPY takes them: ids (the columns named *_id) as
// UUIDs.
func copyValues(columns []string, rows [][]any) ([][]any, error) {
	ids := uuids{}
	out := make([][]any, len(rows))
	for i, r := range rows {
		row := slices.Clone(r)
		for c, col := range columns {
			if strings.HasSuffix(col, "_id") {
				u, err := ids.of(r[c].(string))
				if err != nil {
					return nil, err
				}
				row[c] = u
			}
		}
		out[i] = row
	}
	return out, nil
}

// rows are the deltas as rows of the three rollup tables: a rollup row
// holds a cell's counts at every level, a dimension rollup row also its
// observations.
func (d rollupDeltas) rows() (levelRows, obsRows, dimRows [][]any) {
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
	levelRows = make([][]any, len(lk))
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
	obsRows = make([][]any, len(ok))
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
	dimRows = make([][]any, len(dk))
	for i, c := range dk {
		row := []any{c.districtID, c.rubricID, c.scope, c.dimensionKey, c.period, weekOf(c.period), domain.MonthStart(c.period)}
		for _, n := range cells[c] {
			row = append(row, n)
		}
		dimRows[i] = row
	}
	return levelRows, obsRows, dimRows
}
