// Package rollup holds the arithmetic of the rollups: what an observation
// adds to them, the tables' columns, and the trend queries read from them
// with their sums. It knows nothing of SQL; store writes and reads the
// tables it describes.
package rollup

import (
	"fmt"
	"slices"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// MaxLevel is the highest level a rubric's scale may have.
const MaxLevel = 10

// DistrictScope is the dimension and indicator rollups' scope for the
// whole district.
const DistrictScope = "district"

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

// dimCell is one dimension-rollup cell: scope is a school's id or
// DistrictScope.
type dimCell struct {
	districtID, rubricID, scope, dimensionKey string
	period                                    time.Time
}

// indCell is one indicator-rollup cell: scope is a school's id or
// DistrictScope.
type indCell struct {
	districtID, rubricID, scope, dimensionKey, indicatorKey string
	period                                                  time.Time
}

// cellCounts are a rollup cell's scores at each level.
type cellCounts [MaxLevel + 1]int64

// dimCounts are a dimension-rollup cell's observations, then its scores at
// each level: the dimension rollups' count columns.
type dimCounts [MaxLevel + 2]int64

// Deltas are what changes add to the rollups, a cell's counts side by side
// as the rollup rows hold them. The zero value is empty and ready.
type Deltas struct {
	cells map[cellKey]*cellCounts
	obs   map[obsKey]int64
	dims  map[dimCell]*dimCounts
	inds  map[indCell]*cellCounts
}

// Rubric is what the rollups need of an observation's rubric version: the
// rubric it is a version of, and each indicator's dimension.
type Rubric struct {
	ID        string
	Dimension map[string]string // indicator key -> dimension key
}

// init makes the maps, sized for about n scores.
func (d *Deltas) init(n int) {
	if d.cells == nil {
		d.cells, d.obs, d.dims = make(map[cellKey]*cellCounts, n), make(map[obsKey]int64, n/8), make(map[dimCell]*dimCounts, n/4)
		d.inds = make(map[indCell]*cellCounts, n/4)
	}
}

// cell is k's counts, made on first use.
func (d *Deltas) cell(k cellKey) *cellCounts {
	c := d.cells[k]
	if c == nil {
		c = new(cellCounts)
		d.cells[k] = c
	}
	return c
}

// ind is k's counts, made on first use.
func (d *Deltas) ind(k indCell) *cellCounts {
	c := d.inds[k]
	if c == nil {
		c = new(cellCounts)
		d.inds[k] = c
	}
	return c
}

// dim is k's counts, made on first use.
func (d *Deltas) dim(k dimCell) *dimCounts {
	c := d.dims[k]
	if c == nil {
		c = new(dimCounts)
		d.dims[k] = c
	}
	return c
}

// Add adds sign times o's contribution to the rollups: nothing unless o is
// submitted and not deleted. r is o's rubric and loc its district's zone.
// Its period is that of its counting time, which a device's wrong clock
// does not move.
func (d *Deltas) Add(o domain.Observation, r Rubric, loc *time.Location, sign int64) {
	if o.Status != domain.ObservationSubmitted || o.Deleted {
		return
	}
	d.init(16 * len(o.Scores))
	period := domain.PeriodStart(o.CountedAt, loc)
	band := domain.GradeBand(o.Grade)
	d.obs[obsKey{o.DistrictID, o.SchoolID, r.ID, period, band, o.Subject, string(o.Kind)}] += sign
	var scored []string // the dimensions scored so far
	for _, s := range o.Scores {
		if s.Level == nil {
			continue
		}
		dim := r.Dimension[s.IndicatorKey]
		d.cell(cellKey{o.DistrictID, o.SchoolID, r.ID, dim, s.IndicatorKey, period, band, o.Subject, string(o.Kind)})[*s.Level] += sign
		first := !slices.Contains(scored, dim)
		for _, scope := range []string{o.SchoolID, DistrictScope} {
			d.ind(indCell{o.DistrictID, r.ID, scope, dim, s.IndicatorKey, period})[*s.Level] += sign
			c := d.dim(dimCell{o.DistrictID, r.ID, scope, dim, period})
			c[*s.Level+1] += sign
			if first {
				c[0] += sign // the observations
			}
		}
		if first {
			scored = append(scored, dim)
		}
	}
}

// Merge adds e's deltas to d's; into none yet, it takes e's as they are.
func (d *Deltas) Merge(e Deltas) {
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
	for k, c := range e.inds {
		sum := d.ind(k)
		for l, n := range c {
			sum[l] += n
		}
	}
}

// Table is a rollup table: rows of key columns and counts, and the table
// of its deltas, which has the same columns and no key.
type Table struct {
	Name    string
	Deltas  string
	Columns []string // in insert order, the counts last
	Key     []string // the primary key
	Counts  []string // the count columns, added to on conflict
}

// The four rollup tables: scores per indicator cell and level,
// observations per cell, a dimension's observations and scores per school
// and for the district, and an indicator's scores per school and for the
// district.
var (
	Levels = Table{"rollups", "rollup_deltas",
		append([]string{"district_id", "school_id", "rubric_id", "dimension_key", "indicator_key", "period_start", "week_start", "month_start", "grade_band", "subject", "kind"}, LevelCounts...),
		[]string{"district_id", "rubric_id", "period_start", "school_id", "dimension_key", "indicator_key", "grade_band", "subject", "kind"},
		LevelCounts}
	Observations = Table{"rollup_observations", "rollup_observation_deltas",
		[]string{"district_id", "school_id", "rubric_id", "period_start", "week_start", "month_start", "grade_band", "subject", "kind", "n"},
		[]string{"district_id", "rubric_id", "period_start", "school_id", "grade_band", "subject", "kind"},
		[]string{"n"}}
	Dimensions = Table{"dimension_rollups", "dimension_rollup_deltas",
		append([]string{"district_id", "rubric_id", "scope", "dimension_key", "period_start", "week_start", "month_start"}, DimensionCounts...),
		[]string{"district_id", "rubric_id", "scope", "period_start", "dimension_key"},
		DimensionCounts}
	Indicators = Table{"indicator_rollups", "indicator_rollup_deltas",
		append([]string{"district_id", "rubric_id", "scope", "dimension_key", "indicator_key", "period_start", "week_start", "month_start"}, LevelCounts...),
		[]string{"district_id", "rubric_id", "scope", "period_start", "dimension_key", "indicator_key"},
		LevelCounts}
	Tables = []Table{Levels, Observations, Dimensions, Indicators}
)

// Coarser tables hold the folded rows of a rollup summed more coarsely:
// by month, for the views by month and over a range, and the district's
// observations without school, grade band, subject or kind, for the
// district's line. Their Deltas are their rollup's, which folding adds to
// both; pushes write only the rollup's deltas, and reads add the deltas
// not yet folded as the rollup's rows.
var (
	DimensionMonths = Table{"dimension_month_rollups", Dimensions.Deltas,
		append([]string{"district_id", "rubric_id", "scope", "dimension_key", "month_start"}, DimensionCounts...),
		[]string{"district_id", "rubric_id", "scope", "month_start", "dimension_key"},
		DimensionCounts}
	IndicatorMonths = Table{"indicator_month_rollups", Indicators.Deltas,
		append([]string{"district_id", "rubric_id", "scope", "dimension_key", "indicator_key", "month_start"}, LevelCounts...),
		[]string{"district_id", "rubric_id", "scope", "month_start", "dimension_key", "indicator_key"},
		LevelCounts}
	ObservationMonths = Table{"rollup_observation_months", Observations.Deltas,
		[]string{"district_id", "school_id", "rubric_id", "month_start", "grade_band", "subject", "kind", "n"},
		[]string{"district_id", "rubric_id", "month_start", "school_id", "grade_band", "subject", "kind"},
		[]string{"n"}}
	DistrictObservations = Table{"rollup_district_observations", Observations.Deltas,
		[]string{"district_id", "rubric_id", "period_start", "week_start", "month_start", "n"},
		[]string{"district_id", "rubric_id", "period_start"},
		[]string{"n"}}
	coarser = []Table{DimensionMonths, IndicatorMonths, ObservationMonths, DistrictObservations}
)

// Coarser are the coarser tables of the rollup t, which folding keeps.
func Coarser(t Table) []Table {
	var out []Table
	for _, c := range coarser {
		if c.Deltas == t.Deltas {
			out = append(out, c)
		}
	}
	return out
}

// MonthsOf is the month table of the rollup t, if it has one.
func MonthsOf(t Table) (Table, bool) {
	for _, c := range Coarser(t) {
		if slices.Contains(c.Key, "month_start") {
			return c, true
		}
	}
	return Table{}, false
}

// SmallPeriods is the table that counts and sums the folded dimension
// rollups' school periods of fewer than domain.MaxMinCellSize
// observations by district period, dimension and number of observations,
// so that the periods under any district's minimum add up without reading
// every school's periods. Folding the dimension deltas keeps it.
const SmallPeriods = "small_school_periods"

// LevelCounts are the rollups' count columns: the scores at each level
// from 0 to MaxLevel.
var LevelCounts = func() []string {
	var cs []string
	for l := 0; l <= MaxLevel; l++ {
		cs = append(cs, fmt.Sprintf("l%d", l))
	}
	return cs
}()

// DimensionCounts are the dimension rollups' count columns: the
// observations, then the scores at each level.
var DimensionCounts = append([]string{"observations"}, LevelCounts...)

// Rows are the deltas as rows of each of Tables, in its Columns' order,
// leaving out cells whose counts add up to nothing.
func (d Deltas) Rows() [][][]any {
	nonzero := func(n int64) bool { return n != 0 }
	week := func(period time.Time) time.Time { return domain.WeekStart(period, time.UTC) }
	levelRows := make([][]any, 0, len(d.cells))
	for k, c := range d.cells {
		if !slices.ContainsFunc(c[:], nonzero) {
			continue
		}
		row := make([]any, 0, 11+len(c))
		row = append(row, k.districtID, k.schoolID, k.rubricID, k.dimensionKey, k.indicatorKey, k.period, week(k.period),
			domain.MonthStart(k.period), k.gradeBand, k.subject, k.kind)
		for _, n := range c {
			row = append(row, n)
		}
		levelRows = append(levelRows, row)
	}
	obsRows := make([][]any, 0, len(d.obs))
	for k, n := range d.obs {
		if n != 0 {
			obsRows = append(obsRows, []any{k.districtID, k.schoolID, k.rubricID, k.period, week(k.period), domain.MonthStart(k.period),
				k.gradeBand, k.subject, k.kind, n})
		}
	}
	dimRows := make([][]any, 0, len(d.dims))
	for k, c := range d.dims {
		if !slices.ContainsFunc(c[:], nonzero) {
			continue
		}
		row := make([]any, 0, 7+len(c))
		row = append(row, k.districtID, k.rubricID, k.scope, k.dimensionKey, k.period, week(k.period), domain.MonthStart(k.period))
		for _, n := range c {
			row = append(row, n)
		}
		dimRows = append(dimRows, row)
	}
	indRows := make([][]any, 0, len(d.inds))
	for k, c := range d.inds {
		if !slices.ContainsFunc(c[:], nonzero) {
			continue
		}
		row := make([]any, 0, 8+len(c))
		row = append(row, k.districtID, k.rubricID, k.scope, k.dimensionKey, k.indicatorKey, k.period, week(k.period), domain.MonthStart(k.period))
		for _, n := range c {
			row = append(row, n)
		}
		indRows = append(indRows, row)
	}
	return [][][]any{levelRows, obsRows, dimRows, indRows}
}
