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

// observationsLevel is the level a dimKey uses for the observations that
// scored the dimension (a rubric's levels run 0 to 10): the dimension
// rollups' observations column.
const observationsLevel = -1

// rollupKey is one rollup cell and level.
type rollupKey struct {
	cellKey
	level int
}

// cellKey is one rollup cell.
type cellKey struct {
	districtID, schoolID, rubricID, dimensionKey, indicatorKey string
	period                                                     time.Time
	gradeBand, subject, kind                                   string
}

// obsKey is one observation-count cell.
type obsKey struct {
	districtID, schoolID, rubricID string
	period                         time.Time
	gradeBand, subject, kind       string
}

// dimKey is one dimension-rollup cell and level: level observationsLevel
// counts observations.
type dimKey struct {
	dimCell
	level int
}

// dimCell is one dimension-rollup cell: scope is a school's id or
// DistrictScope.
type dimCell struct {
	districtID, rubricID, scope, dimensionKey string
	period                                    time.Time
}

// cellCounts are a rollup cell's scores at each level.
type cellCounts [MaxLevel + 1]int64

// dimCounts are a dimension-rollup cell's observations, then its scores at
// each level: the dimension rollups' count columns.
type dimCounts [MaxLevel + 2]int64

// rollupDeltas are what changes add to the rollups, a cell's counts side by
// side as the rollup rows hold them.
type rollupDeltas struct {
	cells map[cellKey]*cellCounts
	obs   map[obsKey]int64
	dims  map[dimCell]*dimCounts
}

// init makes the maps, sized for about n scores.
func (d *rollupDeltas) init(n int) {
	if d.cells == nil {
		d.cells, d.obs, d.dims = make(map[cellKey]*cellCounts, n), make(map[obsKey]int64, n/8), make(map[dimCell]*dimCounts, n/4)
	}
}

// cell is k's counts, made on first use.
func (d *rollupDeltas) cell(k cellKey) *cellCounts {
	c := d.cells[k]
	if c == nil {
		c = new(cellCounts)
		d.cells[k] = c
	}
	return c
}

// dim is k's counts, made on first use.
func (d *rollupDeltas) dim(k dimCell) *dimCounts {
	c := d.dims[k]
	if c == nil {
		c = new(dimCounts)
		d.dims[k] = c
	}
	return c
}

// addContribution adds sign times o's contribution to the rollups: nothing
// unless o is submitted and not deleted. Its period is that of its counting
// time, which a device's wrong clock does not move.
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
	d.init(16 * len(o.Scores))
	period := domain.PeriodStart(o.CountedAt, loc)
	band := domain.GradeBand(o.Grade)
	d.obs[obsKey{o.DistrictID, o.SchoolID, sh.rubricID, period, band, o.Subject, string(o.Kind)}] += sign
	var scored []string // the dimensions scored so far
	for _, s := range o.Scores {
		if s.Level == nil {
			continue
		}
		dim := sh.dimension[s.IndicatorKey]
		d.cell(cellKey{o.DistrictID, o.SchoolID, sh.rubricID, dim, s.IndicatorKey, period, band, o.Subject, string(o.Kind)})[*s.Level] += sign
		first := !slices.Contains(scored, dim)
		for _, scope := range []string{o.SchoolID, DistrictScope} {
			c := d.dim(dimCell{o.DistrictID, sh.rubricID, scope, dim, period})
			c[*s.Level+1] += sign
			if first {
				c[0] += sign // the observations
			}
		}
		if first {
			scored = append(scored, dim)
		}
	}
	return nil
}

// flat is the deltas one count per key and level, left out where zero.
func (d rollupDeltas) flat() (map[rollupKey]int64, map[obsKey]int64, map[dimKey]int64) {
	levels, obs, dims := map[rollupKey]int64{}, map[obsKey]int64{}, map[dimKey]int64{}
	for k, c := range d.cells {
		for l, n := range c {
			if n != 0 {
				levels[rollupKey{k, l}] = n
			}
		}
	}
	for k, n := range d.obs {
		if n != 0 {
			obs[k] = n
		}
	}
	for k, c := range d.dims {
		for i, n := range c {
			if n != 0 {
				dims[dimKey{k, i + observationsLevel}] = n // the observations are the first count
			}
		}
	}
	return levels, obs, dims
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
	if d.cells == nil {
		*d = e
		return
	}
	for k, c := range e.cells {
		sum := d.cell(k)
		for l, n := range c {
			sum[l] += n
		}
	}
	for k, n := range e.obs {
		d.obs[k] += n
	}
	for k, c := range e.dims {
		sum := d.dim(k)
		for i, n := range c {
			sum[i] += n
		}
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
	nonzero := func(n int64) bool { return n != 0 }
	levelRows = make([][]any, 0, len(d.cells))
	for k, c := range d.cells {
		if !slices.ContainsFunc(c[:], nonzero) {
			continue
		}
		row := make([]any, 0, 11+len(c))
		row = append(row, k.districtID, k.schoolID, k.rubricID, k.dimensionKey, k.indicatorKey, k.period, weekOf(k.period),
			domain.MonthStart(k.period), k.gradeBand, k.subject, k.kind)
		for _, n := range c {
			row = append(row, n)
		}
		levelRows = append(levelRows, row)
	}
	obsRows = make([][]any, 0, len(d.obs))
	for k, n := range d.obs {
		if n != 0 {
			obsRows = append(obsRows, []any{k.districtID, k.schoolID, k.rubricID, k.period, weekOf(k.period), domain.MonthStart(k.period),
				k.gradeBand, k.subject, k.kind, n})
		}
	}
	dimRows = make([][]any, 0, len(d.dims))
	for k, c := range d.dims {
		if !slices.ContainsFunc(c[:], nonzero) {
			continue
		}
		row := make([]any, 0, 7+len(c))
		row = append(row, k.districtID, k.rubricID, k.scope, k.dimensionKey, k.period, weekOf(k.period), domain.MonthStart(k.period))
		for _, n := range c {
			row = append(row, n)
		}
		dimRows = append(dimRows, row)
	}
	return levelRows, obsRows, dimRows
}
