package store

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// DimensionTrendable reports whether q can be answered from the dimension
// rollups: a dimension's figures by school or for the district, without
// filters or groups below the dimension.
func (q TrendQuery) DimensionTrendable() bool {
	if q.Indicator != "" || q.GradeBand != "" || q.Subject != "" || q.Kind != "" {
		return false
	}
	byDimension := q.Dimension != ""
	for _, g := range q.Group {
		switch g {
		case "dimension":
			byDimension = true
		case "school":
		default:
			return false
		}
	}
	return byDimension
}

// MaxLevel is the highest level a rubric's scale may have.
const MaxLevel = 10

// DimensionCell is one bucket × group of the dimension rollups: the
// observations that scored the dimension and the scores at each level.
type DimensionCell struct {
	Bucket       time.Time
	Group        []string // values in the order of TrendQuery.Group
	Observations int64
	Levels       [MaxLevel + 1]int64
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
func (s *Store) TrendDimensions(ctx context.Context, q TrendQuery) ([]DimensionCell, error) {
	if !q.DimensionTrendable() {
		return nil, domain.Errorf(domain.EInvalid, "the query has filters the dimension rollups do not keep")
	}
	_, group, err := q.columns()
	if err != nil {
		return nil, err
	}
	if len(group) > 2 {
		return nil, domain.Errorf(domain.EInvalid, "a dimension trend is grouped by school and dimension at most")
	}
	for i, c := range group {
		if c == "school_id" {
			group[i] = "scope"
		}
	}
	if q.SchoolIDs != nil && len(q.SchoolIDs) == 0 {
		return nil, nil
	}
	sums := newDimensionSums(q, len(group))
	if s.dialect == Postgres {
		err = s.readDimensionsPostgres(ctx, q, group, sums)
	} else {
		err = s.readDimensionsSQLite(ctx, q, group, sums)
	}
	if err != nil {
		return nil, err
	}
	return sums.cells(), nil
}

// readDimensionsPostgres reads the rubric's level range and the periods in
// one read-only snapshot, through the pgx connection under database/sql.
func (s *Store) readDimensionsPostgres(ctx context.Context, q TrendQuery, group []string, sums *dimensionSums) error {
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
		lo, hi, err := rubricLevelRange(ctx, tx, q.DistrictID, q.RubricID)
		if err != nil {
			return err
		}
		query, args := dimensionPeriods(q, group, lo, hi, true)
		// Every query is planned for its own bounds and schools: a generic plan
		// of the prepared statement cannot tell a week from the whole table.
		rows, err := tx.Query(ctx, query, append([]any{pgx.QueryExecModeCacheDescribe}, args...)...)
		if err != nil {
			return translate(err, "trend")
		}
		defer rows.Close()
		// The columns come in PostgreSQL's binary format (the described
		// statement asks for it): a date is the days since 2000 and a bigint
		// eight bytes, read here without going through Scan.
		first := 1
		if q.Whole {
			first = 0
		}
		counts := first + len(group)
		for i, f := range rows.FieldDescriptions() {
			if (i < first || i >= counts) && f.Format != pgx.BinaryFormatCode {
				return fmt.Errorf("store: trend: column %s came as text", f.Name)
			}
		}
		levels := make([]int64, hi-lo+1)
		for rows.Next() {
			raw := rows.RawValues()
			if len(raw) != counts+1+len(levels) {
				return fmt.Errorf("store: trend: %d columns, want %d", len(raw), counts+1+len(levels))
			}
			var id cellID
			if !q.Whole {
				id.bucket = int32(binary.BigEndian.Uint32(raw[0])) + daysFrom1970To2000
			}
			for i := range group {
				id.group[i] = sums.intern(raw[first+i])
			}
			for i := range levels {
				levels[i] = int64(binary.BigEndian.Uint64(raw[counts+1+i]))
			}
			sums.add(id, int64(binary.BigEndian.Uint64(raw[counts])), lo, levels)
		}
		if err := rows.Err(); err != nil {
			return translate(err, "trend")
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
	lo, hi = 0, MaxLevel
	if least != nil && most != nil {
		lo, hi = max(*least, 0), min(*most, MaxLevel)
	}
	if lo > hi {
		lo, hi = 0, MaxLevel
	}
	return lo, hi, nil
}

// readDimensionsSQLite reads the periods through GORM, every level column.
func (s *Store) readDimensionsSQLite(ctx context.Context, q TrendQuery, group []string, sums *dimensionSums) error {
	query, args := dimensionPeriods(q, group, 0, MaxLevel, false)
	rows, err := s.db.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return translate(err, "trend")
	}
	defer rows.Close()
	var bucket any
	groups := make([]string, len(group))
	var obs int64
	var levels [MaxLevel + 1]int64
	var dest []any
	if !q.Whole {
		dest = append(dest, &bucket)
	}
	for i := range groups {
		dest = append(dest, &groups[i])
	}
	dest = append(dest, &obs)
	for i := range levels {
		dest = append(dest, &levels[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return translate(err, "trend")
		}
		var id cellID
		if t := anyTime(bucket); t != nil && !q.Whole {
			id.bucket = days(dateOnly(*t))
		}
		for i, g := range groups {
			id.group[i] = sums.intern([]byte(g))
		}
		sums.add(id, obs, 0, levels[:])
	}
	return translate(rows.Err(), "trend")
}

// dimensionPeriods is the query for the dimension rollups' periods of a
// trend: the bucket's column (unless the bucket is the whole range), the
// group's columns, the observations and the level columns from lo to hi.
// A week or a month is filtered on its own column and also on
// period_start, which the primary key orders after the scope, so that the
// key serves the range: a period starts within its week or month, at most
// six days after the week's start and thirty after the month's.
func dimensionPeriods(q TrendQuery, group []string, lo, hi int, postgres bool) (string, []any) {
	var args []any
	arg := func(v any, cast string) string {
		args = append(args, v)
		if postgres {
			return "$" + strconv.Itoa(len(args)) + cast
		}
		return "?"
	}
	var cols []string
	switch {
	case q.Whole:
	case q.Month:
		cols = append(cols, "month_start")
	default:
		cols = append(cols, "week_start")
	}
	cols = append(cols, group...)
	cols = append(cols, "observations")
	for l := lo; l <= hi; l++ {
		cols = append(cols, "l"+strconv.Itoa(l))
	}
	var b strings.Builder
	b.WriteString("SELECT " + strings.Join(cols, ", ") + " FROM " + dimensionRollupsTable.read() + " WHERE district_id = " + arg(q.DistrictID, "::uuid") +
		" AND rubric_id = " + arg(q.RubricID, "::uuid"))
	periodTo := q.To
	switch {
	case q.Whole:
	case q.Month:
		periodTo = q.To.AddDate(0, 0, 31)
		b.WriteString(" AND month_start >= " + arg(q.From, "::date") + " AND month_start < " + arg(q.To, "::date"))
	default:
		periodTo = q.To.AddDate(0, 0, 7)
		b.WriteString(" AND week_start >= " + arg(q.From, "::date") + " AND week_start < " + arg(q.To, "::date"))
	}
	b.WriteString(" AND period_start >= " + arg(q.From, "::date") + " AND period_start < " + arg(periodTo, "::date"))
	switch {
	case q.SchoolIDs != nil && postgres:
		b.WriteString(" AND scope = ANY(" + arg(q.SchoolIDs, "::text[]") + ")")
	case q.SchoolIDs != nil:
		b.WriteString(" AND scope IN " + arg(q.SchoolIDs, ""))
	case slices.Contains(q.Group, "school"):
		b.WriteString(" AND scope <> '" + DistrictScope + "'")
	default:
		b.WriteString(" AND scope = '" + DistrictScope + "'")
	}
	if q.Dimension != "" {
		b.WriteString(" AND dimension_key = " + arg(q.Dimension, "::text"))
	}
	return b.String(), args
}

// cellID is a cell of a dimension trend: its bucket as days since 1970 and
// its group's values interned.
type cellID struct {
	bucket int32
	group  [2]int32
}

func days(t time.Time) int32 { return int32(t.Unix() / 86400) }

// daysFrom1970To2000 turns PostgreSQL's day numbers into days since 1970.
const daysFrom1970To2000 = 10957

// key packs the cell's id in one word for hashing, when it fits: a day
// number in 24 bits (1970 to the year 47000) and each group value's number
// in 20 (a million values).
func (id cellID) key() (uint64, bool) {
	fits := uint32(id.bucket) < 1<<24 && uint32(id.group[0]) < 1<<20 && uint32(id.group[1]) < 1<<20
	return uint64(uint32(id.bucket))<<40 | uint64(uint32(id.group[0]))<<20 | uint64(uint32(id.group[1])), fits
}

// dimensionSums adds rollup periods into cells.
type dimensionSums struct {
	whole  time.Time // every cell's bucket when the query is one bucket
	ngroup int
	names  map[string]int32
	values []string
	index  map[uint64]int32 // by cellID.key
	wide   map[cellID]int32 // the cells whose id does not fit a key
	// chunks hold the sums, sumChunk at a time, so that a large trend
	// never copies them to grow.
	chunks [][]dimensionSum
	n      int32
}

const sumChunk = 4096

type dimensionSum struct {
	id           cellID
	observations int64
	levels       [MaxLevel + 1]int64
}

func newDimensionSums(q TrendQuery, ngroup int) *dimensionSums {
	d := &dimensionSums{ngroup: ngroup, names: map[string]int32{}, index: map[uint64]int32{}, wide: map[cellID]int32{}}
	if q.Whole {
		d.whole = dateOnly(q.From)
	}
	return d
}

// intern numbers a group value; looking up a []byte as a string key does
// not copy it.
func (d *dimensionSums) intern(v []byte) int32 {
	if i, ok := d.names[string(v)]; ok {
		return i
	}
	s := string(v)
	i := int32(len(d.values))
	d.values = append(d.values, s)
	d.names[s] = i
	return i
}

// add adds a period's counts to its cell; levels[0] is level lo.
func (d *dimensionSums) add(id cellID, observations int64, lo int, levels []int64) {
	k, fits := id.key()
	var i int32
	var ok bool
	if fits {
		i, ok = d.index[k]
	} else {
		i, ok = d.wide[id]
	}
	if !ok {
		i = d.n
		d.n++
		if fits {
			d.index[k] = i
		} else {
			d.wide[id] = i
		}
		if i%sumChunk == 0 {
			d.chunks = append(d.chunks, make([]dimensionSum, sumChunk))
		}
		d.sum(i).id = id
	}
	c := d.sum(i)
	c.observations += observations
	for l, n := range levels {
		c.levels[lo+l] += n
	}
}

func (d *dimensionSums) sum(i int32) *dimensionSum { return &d.chunks[i/sumChunk][i%sumChunk] }

// cells is the sums in bucket order, then in the byte order of the group's
// values. A cell whose counts add up to nothing (a period in the rollups
// and its removal still in the deltas) is left out, as it is once the
// deltas are folded in.
func (d *dimensionSums) cells() []DimensionCell {
	byName := make([]int32, len(d.values))
	for i := range byName {
		byName[i] = int32(i)
	}
	slices.SortFunc(byName, func(a, b int32) int { return strings.Compare(d.values[a], d.values[b]) })
	rank := make([]int32, len(d.values))
	for r, i := range byName {
		rank[i] = int32(r)
	}
	order := slices.DeleteFunc(d.order(rank), func(i int32) bool {
		s := d.sum(i)
		return s.observations == 0 && !slices.ContainsFunc(s.levels[:], func(n int64) bool { return n != 0 })
	})
	out := make([]DimensionCell, len(order))
	groups := make([]string, len(order)*d.ngroup)
	for n, i := range order {
		s := d.sum(i)
		c := &out[n]
		c.Bucket = d.whole
		if d.whole.IsZero() {
			c.Bucket = time.Unix(int64(s.id.bucket)*86400, 0).UTC()
		}
		c.Group = groups[n*d.ngroup : (n+1)*d.ngroup : (n+1)*d.ngroup]
		for g := range c.Group {
			c.Group[g] = d.values[s.id.group[g]]
		}
		c.Observations, c.Levels = s.observations, s.levels
	}
	return out
}

// order is the sums' indexes in bucket order, then in the groups' ranks.
// When the bucket, the ranks and the index fit in one word (a year of days
// and a few hundred values take about 40 bits) it sorts the words, several
// times quicker than comparing the parts.
func (d *dimensionSums) order(rank []int32) []int32 {
	ranks := func(id cellID) [3]int32 {
		k := [3]int32{id.bucket}
		for g := range d.ngroup {
			k[g+1] = rank[id.group[g]]
		}
		return k
	}
	order := make([]int32, d.n)
	if d.n == 0 {
		return order
	}
	lo, hi := d.sum(0).id.bucket, d.sum(0).id.bucket
	for i := range d.n {
		b := d.sum(i).id.bucket
		lo, hi = min(lo, b), max(hi, b)
	}
	rankBits, indexBits := bits.Len32(uint32(len(rank))), bits.Len32(uint32(d.n))
	if bits.Len32(uint32(hi-lo))+d.ngroup*rankBits+indexBits <= 64 {
		words := make([]uint64, d.n)
		for i := range d.n {
			k := ranks(d.sum(i).id)
			w := uint64(k[0] - lo)
			for g := range d.ngroup {
				w = w<<rankBits | uint64(k[g+1])
			}
			words[i] = w<<indexBits | uint64(i)
		}
		slices.Sort(words)
		for n, w := range words {
			order[n] = int32(w & (1<<indexBits - 1))
		}
		return order
	}
	keys := make([][3]int32, d.n)
	for i := range order {
		order[i], keys[i] = int32(i), ranks(d.sum(int32(i)).id)
	}
	slices.SortFunc(order, func(a, b int32) int {
		ka, kb := keys[a], keys[b]
		return cmp.Or(cmp.Compare(ka[0], kb[0]), cmp.Compare(ka[1], kb[1]), cmp.Compare(ka[2], kb[2]))
	})
	return order
}
