package store

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
)

// KeptDimensions answers a dimension trend (q must be DimensionTrendable)
// from whole school periods, one school's figures for one dimension in one
// rollup period: a period is kept when its school is one of seen or it has
// at least min observations, and is left out of every figure otherwise. A
// period whose counts add up to nothing (a score and its removal) is
// neither kept nor left out.
//
// The cells are q's schools (every school when q.SchoolIDs is nil) by q's
// bucket and group, summed from their periods. The district's cells are by
// the bucket and the group without the school: the district's rollups less
// the periods left out, which are the small periods of rollup.SmallPeriods
// (what the folded rollups hold), corrected for the school periods the
// deltas not yet folded touch, less the small periods of the schools in
// seen. So a district line reads the district's rollups and the small
// periods, not every school's periods. All reads share one snapshot.
//
// Each cell also carries the submitted observations of the periods it
// counts (KeptCell.Submitted, see submittedPeriods), the base of its share
// not observed, counted by the same rule as its figures.
func (s *Store) KeptDimensions(ctx context.Context, q rollup.Query, seen []string, min int64) (cells, district []rollup.KeptCell, err error) {
	if !q.DimensionTrendable() {
		return nil, nil, domain.Errorf(domain.EInvalid, "the query has filters the dimension rollups do not keep")
	}
	if min > domain.MaxMinCellSize {
		return nil, nil, domain.Errorf(domain.EInvalid, "the minimum cell size may be at most %d", domain.MaxMinCellSize)
	}
	err = s.keptSnapshot(ctx, q, func(read keptReader, lo, hi int) error {
		k := newKeptSums(q, seen, min, lo, hi)
		k.postgres = s.dialect == Postgres
		if err := k.schoolPeriods(read); err != nil {
			return err
		}
		if err := k.districtPeriods(read); err != nil {
			return err
		}
		if min > 0 {
			if err := k.smallPeriods(read); err != nil {
				return err
			}
			if err := k.unfolded(read); err != nil {
				return err
			}
		}
		if err := k.submittedPeriods(read); err != nil {
			return err
		}
		cells, district = k.result()
		return nil
	})
	return cells, district, err
}

// keptReader runs a query and calls row after scanning each row into dest.
type keptReader func(query string, args []any, dest []any, row func()) error

// keptSnapshot runs fn in one read-only snapshot: on PostgreSQL through pgx
// with the rubric's level range, on SQLite in a transaction with every
// level.
func (s *Store) keptSnapshot(ctx context.Context, q rollup.Query, fn func(read keptReader, lo, hi int) error) error {
	if s.dialect == Postgres {
		return s.pgxSnapshot(ctx, func(tx pgx.Tx) error {
			lo, hi, err := rubricLevelRange(ctx, tx, q.DistrictID, q.RubricID)
			if err != nil {
				return err
			}
			return fn(func(query string, args []any, dest []any, row func()) error {
				rows, err := tx.Query(ctx, query, append([]any{pgx.QueryExecModeCacheDescribe}, args...)...)
				if err != nil {
					return translate(err, "trend")
				}
				defer rows.Close()
				return scanEach(rows, dest, row)
			}, lo, hi)
		})
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(func(query string, args []any, dest []any, row func()) error {
			rows, err := tx.Raw(query, args...).Rows()
			if err != nil {
				return translate(err, "trend")
			}
			defer rows.Close()
			return scanEach(rows, dest, row)
		}, 0, rollup.MaxLevel)
	})
}

func scanEach(rows periodRows, dest []any, row func()) error {
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return translate(err, "trend")
		}
		row()
	}
	return translate(rows.Err(), "trend")
}

// periodCounts are a school period's, or a sum of periods', observations
// and scores per level.
type periodCounts struct {
	obs    int64
	levels [rollup.MaxLevel + 1]int64
}

func (c *periodCounts) add(o periodCounts, sign int64) {
	c.obs += sign * o.obs
	for l, n := range o.levels {
		c.levels[l] += sign * n
	}
}

func (c periodCounts) empty() bool {
	return c.obs == 0 && c.levels == [rollup.MaxLevel + 1]int64{}
}

// keptPeriod is one school's period kept in a cell.
type keptPeriod struct {
	school string
	start  time.Time
	cell   keptKey
}

type keptKey struct {
	bucket time.Time
	g      [2]string
}

// keptFigure is a cell's kept counts and how many periods were left out.
type keptFigure struct {
	periodCounts
	leftOut int64
}

// keptSums reads the periods of KeptDimensions and adds them up.
type keptSums struct {
	q        rollup.Query
	seen     map[string]bool
	min      int64
	lo, hi   int
	postgres bool
	cells    map[keptKey]*keptFigure
	// district holds the district's rollups; leftOut what the periods
	// left out of them add up to.
	district, leftOut map[keptKey]*keptFigure
	// cellsAreDistrict: q asks for every school without grouping by
	// school, so its cells are the district's.
	cellsAreDistrict bool
	// cellSubmitted is the submitted observations of the kept periods of
	// the cells' schools not in seen, by cell; seenSubmitted
	// those of every period of the schools in seen (of every school when
	// min is 0), by school and bucket.
	cellSubmitted map[keptKey]int64
	// keptPeriods are the kept periods of the cells' schools not in seen
	// (schoolPeriods), whose visits submittedPeriods adds to their cells.
	keptPeriods   []keptPeriod
	seenSubmitted map[string]map[time.Time]int64
}

func newKeptSums(q rollup.Query, seen []string, min int64, lo, hi int) *keptSums {
	k := &keptSums{q: q, seen: map[string]bool{}, min: min, lo: lo, hi: hi, cells: map[keptKey]*keptFigure{},
		district: map[keptKey]*keptFigure{}, leftOut: map[keptKey]*keptFigure{},
		cellSubmitted: map[keptKey]int64{}, seenSubmitted: map[string]map[time.Time]int64{},
		cellsAreDistrict: q.SchoolIDs == nil && !slices.Contains(q.Group, "school")}
	for _, id := range seen {
		k.seen[id] = true
	}
	return k
}

// small says whether a school period is left out unless its school is seen.
func (k *keptSums) small(c periodCounts) bool {
	return !c.empty() && c.obs < k.min
}

func figure(m map[keptKey]*keptFigure, key keptKey) *keptFigure {
	f := m[key]
	if f == nil {
		f = &keptFigure{}
		m[key] = f
	}
	return f
}

// bucket is a period's bucket from its week and month.
func (k *keptSums) bucket(week, month any) time.Time {
	var t *time.Time
	switch {
	case k.q.Whole:
		return dateOnly(k.q.From)
	case k.q.Month:
		t = anyTime(month)
	default:
		t = anyTime(week)
	}
	if t == nil {
		return dateOnly(k.q.From)
	}
	return dateOnly(*t)
}

// key is the cell of a period of school in dimension by group.
func (k *keptSums) key(bucket time.Time, group []string, school, dimension string) keptKey {
	key := keptKey{bucket: bucket}
	for i, g := range group {
		if g == "school" {
			key.g[i] = school
		} else {
			key.g[i] = dimension
		}
	}
	return key
}

func (k *keptSums) districtGroup() []string {
	return slices.DeleteFunc(slices.Clone(k.q.Group), func(g string) bool { return g == "school" })
}

// sqlArgs numbers a query's arguments for its dialect.
type sqlArgs struct {
	args     []any
	postgres bool
	// marks: question marks, cast on PostgreSQL (for GORM, which numbers
	// them itself).
	marks bool
}

func (a *sqlArgs) add(v any, cast string) string {
	a.args = append(a.args, v)
	switch {
	case a.marks && a.postgres:
		return "?" + cast
	case a.postgres:
		return "$" + strconv.Itoa(len(a.args)) + cast
	}
	return "?"
}

// inIDs is in for a column of ids, which PostgreSQL keeps as uuid: compared
// as such, an index on the column serves it.
func (a *sqlArgs) inIDs(ids []string) string {
	if a.postgres {
		return " = ANY(" + a.add(ids, "::uuid[]") + ")"
	}
	return a.in(ids)
}

func (a *sqlArgs) in(ids []string) string {
	if a.postgres {
		return " = ANY(" + a.add(ids, "::text[]") + ")"
	}
	if len(ids) == 0 {
		return " IN (NULL)"
	}
	return " IN " + a.add(ids, "")
}

// where narrows a read of a dimension rollups table (or of the small
// periods) to q's district, rubric, range and dimension, its columns
// prefixed by alias.
func (k *keptSums) where(a *sqlArgs, alias string) string {
	w := " WHERE " + alias + "district_id = " + a.add(k.q.DistrictID, "::uuid") + " AND " + alias + "rubric_id = " + a.add(k.q.RubricID, "::uuid") +
		" AND " + alias + "period_start >= " + a.add(k.q.From, "::date") + " AND " + alias + "period_start < " + a.add(k.q.To, "::date")
	if k.q.Dimension != "" {
		w += " AND " + alias + "dimension_key = " + a.add(k.q.Dimension, "::text")
	}
	return w
}

// sums are the summed count columns, observations first, as integers:
// PostgreSQL's SUM of a bigint is a numeric, far slower to add.
func (k *keptSums) sums(alias string) string {
	cols := []string{"SUM(CAST(" + alias + "observations AS integer))"}
	for l := k.lo; l <= k.hi; l++ {
		cols = append(cols, "SUM(CAST("+alias+"l"+strconv.Itoa(l)+" AS integer))")
	}
	return strings.Join(cols, ", ")
}

// countsDest scans the count columns of sums into c.
func (k *keptSums) countsDest(c *periodCounts) []any {
	dest := []any{&c.obs}
	for l := k.lo; l <= k.hi; l++ {
		dest = append(dest, &c.levels[l])
	}
	return dest
}

const periodColumns = "dimension_key, period_start, week_start, month_start"

// schoolPeriods reads the school periods the cells are made of and those
// of the schools in seen, whose small periods are kept in the district's
// cells too. It reads the rollup rows as they are (a period is one row,
// or more while deltas wait to be folded) and adds them up here: the
// database's SUM of a bigint costs far more than the addition.
func (k *keptSums) schoolPeriods(read keptReader) error {
	a := &sqlArgs{postgres: k.postgres}
	cols := []string{"scope", "dimension_key", "period_start", "week_start", "month_start", "observations"}
	for l := k.lo; l <= k.hi; l++ {
		cols = append(cols, "l"+strconv.Itoa(l))
	}
	query := "SELECT " + strings.Join(cols, ", ") + " FROM " + readTable(rollup.Dimensions) + k.where(a, "") + " AND scope <> '" + rollup.DistrictScope + "'"
	switch {
	case k.cellsAreDistrict:
		query += " AND scope" + a.in(slices.Sorted(maps.Keys(k.seen)))
	case k.q.SchoolIDs != nil:
		query += " AND scope" + a.in(append(slices.Clone(k.q.SchoolIDs), k.seenNotIn(k.q.SchoolIDs)...))
	}
	// Ordered by period, so that a period's rows (more than one while
	// deltas wait) come one after another and add up without a map.
	query += " ORDER BY scope, period_start, dimension_key"
	type period struct {
		scope, dimension   string
		start, week, month time.Time
		periodCounts
	}
	var periods []period
	var p period
	var start, week, month any
	var c periodCounts
	dest := append([]any{&p.scope, &p.dimension, &start, &week, &month}, k.countsDest(&c)...)
	err := read(query, a.args, dest, func() {
		if t := anyTime(start); t != nil {
			p.start = dateOnly(*t)
		}
		if t := anyTime(week); t != nil {
			p.week = *t
		}
		if t := anyTime(month); t != nil {
			p.month = *t
		}
		if n := len(periods); n > 0 {
			if last := &periods[n-1]; last.scope == p.scope && last.dimension == p.dimension && last.start.Equal(p.start) {
				last.add(c, 1)
				return
			}
		}
		p.periodCounts = c
		periods = append(periods, p)
	})
	if err != nil {
		return err
	}
	inCells := map[string]bool{}
	for _, id := range k.q.SchoolIDs {
		inCells[id] = true
	}
	for _, p := range periods {
		c := &p.periodCounts
		if c.empty() {
			continue
		}
		b := k.bucket(p.week, p.month)
		seen := k.seen[p.scope]
		if !k.cellsAreDistrict && (k.q.SchoolIDs == nil || inCells[p.scope]) {
			key := k.key(b, k.q.Group, p.scope, p.dimension)
			f := figure(k.cells, key)
			if seen || c.obs >= k.min {
				f.add(*c, 1)
				if !seen {
					k.keptPeriods = append(k.keptPeriods, keptPeriod{school: p.scope, start: p.start, cell: key})
				}
			} else {
				f.leftOut++
			}
		}
		if seen && k.small(*c) {
			f := figure(k.leftOut, k.key(b, k.districtGroup(), p.scope, p.dimension))
			f.add(*c, -1)
			f.leftOut--
		}
	}
	return nil
}

func (k *keptSums) seenNotIn(ids []string) []string {
	var out []string
	for id := range k.seen {
		if !slices.Contains(ids, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// districtPeriods reads the district's rollups.
func (k *keptSums) districtPeriods(read keptReader) error {
	a := &sqlArgs{postgres: k.postgres}
	query := "SELECT dimension_key, week_start, month_start, " + k.sums("") + " FROM " + readTable(rollup.Dimensions) + k.where(a, "") +
		" AND scope = '" + rollup.DistrictScope + "' GROUP BY " + periodColumns
	var dimension string
	var week, month any
	var c periodCounts
	dest := append([]any{&dimension, &week, &month}, k.countsDest(&c)...)
	return read(query, a.args, dest, func() {
		figure(k.district, k.key(k.bucket(week, month), k.districtGroup(), "", dimension)).add(c, 1)
		c = periodCounts{}
	})
}

// smallPeriods reads the folded school periods under the minimum.
func (k *keptSums) smallPeriods(read keptReader) error {
	a := &sqlArgs{postgres: k.postgres}
	cols := []string{"SUM(CAST(periods AS integer))", "SUM(CAST(observations * periods AS integer))"}
	for l := k.lo; l <= k.hi; l++ {
		cols = append(cols, "SUM(CAST(l"+strconv.Itoa(l)+" AS integer))")
	}
	query := "SELECT dimension_key, week_start, month_start, " + strings.Join(cols, ", ") + " FROM " + rollup.SmallPeriods + k.where(a, "") +
		" AND observations < " + a.add(k.min, "::bigint") + " GROUP BY " + periodColumns
	var dimension string
	var week, month any
	var periods int64
	var c periodCounts
	dest := append([]any{&dimension, &week, &month, &periods}, k.countsDest(&c)...)
	return read(query, a.args, dest, func() {
		f := figure(k.leftOut, k.key(k.bucket(week, month), k.districtGroup(), "", dimension))
		f.add(c, 1)
		f.leftOut += periods
		c = periodCounts{}
	})
}

// unfolded corrects the small periods for the school periods the deltas
// not yet folded touch: each is taken out as folded and counted as it is.
func (k *keptSums) unfolded(read keptReader) error {
	a := &sqlArgs{postgres: k.postgres}
	folded := []string{"COALESCE(r.observations, 0)"}
	deltas := []string{"SUM(CAST(observations AS integer)) AS observations"}
	for l := k.lo; l <= k.hi; l++ {
		c := "l" + strconv.Itoa(l)
		folded = append(folded, "COALESCE(r."+c+", 0)")
		deltas = append(deltas, "SUM(CAST("+c+" AS integer)) AS "+c)
	}
	dcols := []string{"t.observations"}
	for l := k.lo; l <= k.hi; l++ {
		dcols = append(dcols, "t.l"+strconv.Itoa(l))
	}
	touched := "SELECT scope, " + periodColumns + ", " + strings.Join(deltas, ", ") + " FROM " + rollup.Dimensions.Deltas + k.where(a, "") +
		" AND scope <> '" + rollup.DistrictScope + "' GROUP BY scope, " + periodColumns
	query := "SELECT t.dimension_key, t.week_start, t.month_start, " + strings.Join(folded, ", ") + ", " + strings.Join(dcols, ", ") +
		" FROM (" + touched + ") AS t LEFT JOIN " + rollup.Dimensions.Name + " AS r ON r.district_id = " + a.add(k.q.DistrictID, "::uuid") +
		" AND r.rubric_id = " + a.add(k.q.RubricID, "::uuid") + " AND r.scope = t.scope AND r.period_start = t.period_start AND r.dimension_key = t.dimension_key"
	var dimension string
	var week, month any
	var was, delta periodCounts
	dest := append(append([]any{&dimension, &week, &month}, k.countsDest(&was)...), k.countsDest(&delta)...)
	return read(query, a.args, dest, func() {
		defer func() { was, delta = periodCounts{}, periodCounts{} }()
		f := figure(k.leftOut, k.key(k.bucket(week, month), k.districtGroup(), "", dimension))
		if k.small(was) {
			f.add(was, -1)
			f.leftOut--
		}
		now := was
		now.add(delta, 1)
		if k.small(now) {
			f.add(now, 1)
			f.leftOut++
		}
	})
}

// result is the cells and the district's cells in bucket order and then
// in the byte order of the group's values.
func (k *keptSums) result() (cells, district []rollup.KeptCell) {
	keys := map[keptKey]bool{}
	for key := range k.district {
		keys[key] = true
	}
	for key, f := range k.leftOut {
		if f.leftOut != 0 || !f.empty() {
			keys[key] = true
		}
	}
	n := len(k.districtGroup())
	for key := range keys {
		kept, out := keptFigure{}, keptFigure{}
		if f := k.district[key]; f != nil {
			kept = *f
		}
		if f := k.leftOut[key]; f != nil {
			out = *f
		}
		kept.add(out.periodCounts, -1)
		c := keptCell(key, n, kept.periodCounts, out.leftOut)
		if k.everySchoolSeen() {
			c.Submitted = k.seenIn(key.bucket, nil)
		}
		district = append(district, c)
	}
	n = len(k.q.Group)
	school := slices.Index(k.q.Group, "school")
	for key, f := range k.cells {
		c := keptCell(key, n, f.periodCounts, f.leftOut)
		schools := k.q.SchoolIDs
		if school >= 0 {
			schools = []string{key.g[school]}
		}
		c.Submitted = k.cellSubmitted[key] + k.seenIn(key.bucket, schools)
		cells = append(cells, c)
	}
	for _, cs := range [][]rollup.KeptCell{cells, district} {
		slices.SortFunc(cs, func(a, b rollup.KeptCell) int {
			return cmp.Or(a.Bucket.Compare(b.Bucket), slices.Compare(a.Group, b.Group))
		})
	}
	if cells == nil {
		cells = []rollup.KeptCell{}
	}
	if district == nil {
		district = []rollup.KeptCell{}
	}
	if k.cellsAreDistrict {
		cells = slices.Clone(district)
	}
	return cells, district
}

func keptCell(key keptKey, ngroup int, c periodCounts, leftOut int64) rollup.KeptCell {
	return rollup.KeptCell{DimensionCell: rollup.DimensionCell{Bucket: key.bucket, Group: slices.Clone(key.g[:ngroup]), Observations: c.obs, Levels: c.levels},
		LeftOut: leftOut}
}

// everySchoolSeen: with no minimum every period is kept, so every school's
// visits count as a seen school's do.
func (k *keptSums) everySchoolSeen() bool { return k.min == 0 }

// seenIn is the submitted observations in bucket of the seen schools among
// schools (nil: every school).
func (k *keptSums) seenIn(bucket time.Time, schools []string) int64 {
	var n int64
	for school, byBucket := range k.seenSubmitted {
		if schools == nil || slices.Contains(schools, school) {
			n += byBucket[bucket]
		}
	}
	return n
}

// obsWhere narrows a read of the observation rollups to q's district,
// rubric and range.
func (k *keptSums) obsWhere(a *sqlArgs) string {
	return " WHERE district_id = " + a.add(k.q.DistrictID, "::uuid") + " AND rubric_id = " + a.add(k.q.RubricID, "::uuid") +
		" AND period_start >= " + a.add(k.q.From, "::date") + " AND period_start < " + a.add(k.q.To, "::date")
}

// submittedPeriods reads the submitted observations behind the kept
// periods, the base of a cell's share not observed, by the rule of the
// figures: a school period's visits count in a dimension's figure exactly
// when that school period is counted in it. For a school in seen that is
// every period, whether or not its visits scored the dimension. For
// another school it is the periods kept, those in which at least min
// observations scored the dimension, each counted with all its visits; a
// period left out, or in which no visit scored the dimension, adds
// nothing. So a cell's submitted observations, like its other figures,
// are a sum of whole kept periods (each of at least min visits) and of
// seen schools' periods. The district's line has a base only when every
// period is kept (no minimum), and the passes read only the cells' schools.
func (k *keptSums) submittedPeriods(read keptReader) error {
	var seen []string
	if !k.everySchoolSeen() {
		seen = slices.Sorted(maps.Keys(k.seen))
	}
	// Every period of the seen schools, by school and bucket.
	if k.everySchoolSeen() || len(seen) > 0 {
		a := &sqlArgs{postgres: k.postgres}
		query := "SELECT CAST(school_id AS text), week_start, month_start, SUM(CAST(n AS integer)) FROM " + readTable(rollup.Observations) + k.obsWhere(a)
		if !k.everySchoolSeen() {
			query += " AND school_id" + a.inIDs(seen)
		}
		query += " GROUP BY school_id, week_start, month_start"
		var school string
		var week, month any
		var n int64
		err := read(query, a.args, []any{&school, &week, &month, &n}, func() {
			byBucket := k.seenSubmitted[school]
			if byBucket == nil {
				byBucket = map[time.Time]int64{}
				k.seenSubmitted[school] = byBucket
			}
			byBucket[k.bucket(week, month)] += n
		})
		if err != nil || k.everySchoolSeen() {
			return err
		}
	}
	// The kept periods of the other schools of the cells (schoolPeriods),
	// each with the visits of its school and period. The district's line
	// gets no base: it would be the district's visits less those of every
	// school period not kept, which only a read of every school's periods
	// gives (see docs/decisions.md).
	if len(k.keptPeriods) == 0 {
		return nil
	}
	var schools []string
	for _, p := range k.keptPeriods {
		if !slices.Contains(schools, p.school) {
			schools = append(schools, p.school)
		}
	}
	type schoolPeriod struct {
		school string
		start  time.Time
	}
	visits := map[schoolPeriod]int64{}
	a := &sqlArgs{postgres: k.postgres}
	query := "SELECT CAST(school_id AS text), period_start, SUM(CAST(n AS integer)) FROM " + readTable(rollup.Observations) + k.obsWhere(a) +
		" AND school_id" + a.inIDs(schools) + " GROUP BY school_id, period_start"
	var school string
	var start any
	var n int64
	err := read(query, a.args, []any{&school, &start, &n}, func() {
		if t := anyTime(start); t != nil {
			visits[schoolPeriod{school, dateOnly(*t)}] += n
		}
	})
	for _, p := range k.keptPeriods {
		k.cellSubmitted[p.cell] += visits[schoolPeriod{p.school, p.start}]
	}
	return err
}
