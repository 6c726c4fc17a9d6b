package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
)

// contribute adds sign times o's contribution to the rollups' deltas d,
// with its rubric and its district's zone read once a transaction.
func (tx *Tx) contribute(ctx context.Context, d *rollup.Deltas, o domain.Observation, sign int64) error {
	if o.Status != domain.ObservationSubmitted || o.Deleted {
		return nil
	}
	r, err := tx.rollupRubric(o.RubricVersionID)
	if err != nil {
		return err
	}
	loc, err := tx.location(ctx, o.DistrictID)
	if err != nil {
		return err
	}
	d.Add(o, r, loc, sign)
	return nil
}

// readTable is t as every read must see it, for a FROM clause under the
// table's own name: its rows and the deltas not folded into them yet.
func readTable(t rollup.Table) string {
	cols := strings.Join(t.Columns, ", ")
	return "(SELECT " + cols + " FROM " + t.Name + " UNION ALL SELECT " + cols + " FROM " + t.Deltas + ") AS " + t.Name
}

// readTableFor is t as q reads it, from fewer rows where a coarser table
// of t holds what q asks, with the same figures as readTable's:
//   - the district's observations, when q asks them without school, grade
//     band, subject or kind, from the district's table;
//   - a view by month or over a range, its months from t's month table,
//     with the periods of a month the range cuts either read from t (when
//     the range holds the smaller part of the month) or read from t and
//     taken away from the month (when it holds the larger part; no school
//     year starts or ends with observations on every day of its months),
//     so that a school year reads a few rows per school and month.
//
// Both add every delta of t not yet folded, by period. Rows that stand
// for more than one period name q's first day as their period, so that a
// filter on q's range keeps them. Its arguments are added to a.
func readTableFor(t rollup.Table, q rollup.Query, a *sqlArgs) string {
	cols := strings.Join(t.Columns, ", ")
	deltas := "SELECT " + cols + " FROM " + t.Deltas
	if t.Name == rollup.Observations.Name && districtWide(q) {
		d := rollup.DistrictObservations
		return "(SELECT " + columnsFrom(t, d, "", false) + " FROM " + d.Name + " UNION ALL " + deltas + ") AS " + t.Name
	}
	m, ok := rollup.MonthsOf(t)
	if !ok || !q.Month && !q.Whole {
		return readTable(t)
	}
	plan := planMonths(q.From, q.To)
	if !plan.first.Before(plan.end) {
		return readTable(t)
	}
	periods := func(r [2]time.Time) string {
		return " WHERE period_start >= " + a.add(r[0], "::date") + " AND period_start < " + a.add(r[1], "::date")
	}
	branches := []string{"SELECT " + columnsFrom(t, m, a.add(q.From, "::date"), false) + " FROM " + m.Name +
		" WHERE month_start >= " + a.add(plan.first, "::date") + " AND month_start < " + a.add(plan.end, "::date")}
	for _, r := range plan.add {
		branches = append(branches, "SELECT "+cols+" FROM "+t.Name+periods(r))
	}
	for _, r := range plan.subtract {
		branches = append(branches, "SELECT "+columnsFrom(t, t, a.add(q.From, "::date"), true)+" FROM "+t.Name+periods(r))
	}
	return "(" + strings.Join(append(branches, deltas), " UNION ALL ") + ") AS " + t.Name
}

// columnsFrom selects t's columns from c, t or a coarser table of it: the
// period is the expression period where given (else c's month, or c's
// period), what c does not keep is NULL, and the counts are negated when
// taken away.
func columnsFrom(t, c rollup.Table, period string, negated bool) string {
	cols := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		switch {
		case col == "period_start" && period != "":
			cols[i] = period + " AS period_start"
		case negated && slices.Contains(t.Counts, col):
			cols[i] = "-" + col + " AS " + col
		case slices.Contains(c.Columns, col):
			cols[i] = col
		case col == "period_start":
			cols[i] = "month_start AS period_start"
		default:
			cols[i] = "NULL AS " + col
		}
	}
	return strings.Join(cols, ", ")
}

// districtWide reports whether q asks for the district's observations as
// a whole: no school, grade band, subject or kind as filter or group.
func districtWide(q rollup.Query) bool {
	if q.SchoolIDs != nil || q.GradeBand != "" || q.Subject != "" || q.Kind != "" {
		return false
	}
	for _, g := range q.Group {
		if g == "school" || g == "grade_band" || g == "subject" || g == "kind" {
			return false
		}
	}
	return true
}

// monthPlan is how a range of whole periods is read by month: the months
// from first to end (exclusive) from a month table, the periods in add as
// they are, and the periods in subtract taken away.
type monthPlan struct {
	first, end    time.Time
	add, subtract [][2]time.Time
}

// planMonths plans the range from to to (exclusive, both the starts of
// periods). A month the range cuts is read by the smaller of its parts:
// the periods inside the range, or the month less the periods outside it.
func planMonths(from, to time.Time) monthPlan {
	monthOf := func(d time.Time) time.Time { return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC) }
	days := func(a, b time.Time) int { return int(b.Sub(a).Hours()/24 + 0.5) }
	lo, hi := monthOf(from), monthOf(to.AddDate(0, 0, -1))
	p := monthPlan{first: lo, end: hi.AddDate(0, 1, 0)}
	// cut plans the month m, of which the range holds [in0, in1).
	cut := func(m, in0, in1 time.Time) (whole bool) {
		m1 := m.AddDate(0, 1, 0)
		if in0.Equal(m) && in1.Equal(m1) {
			return true
		}
		if 2*days(in0, in1) < days(m, m1) {
			p.add = append(p.add, [2]time.Time{in0, in1})
			return false
		}
		for _, r := range [][2]time.Time{{m, in0}, {in1, m1}} {
			if r[0].Before(r[1]) {
				p.subtract = append(p.subtract, r)
			}
		}
		return true
	}
	if lo.Equal(hi) {
		if !cut(lo, from, to) {
			p.end = p.first
		}
		return p
	}
	if !cut(lo, from, lo.AddDate(0, 1, 0)) {
		p.first = lo.AddDate(0, 1, 0)
	}
	if !cut(hi, hi, to) {
		p.end = hi
	}
	return p
}

// rowsPerStatement bounds a multi-row insert's bind parameters well under
// both databases' limits.
const rowsPerStatement = 200

// applyRollups appends the deltas to the rollups' delta tables, which
// reads add to the rollups until CompactRollups folds them in; in a batch,
// it keeps them for the batch's end.
func (tx *Tx) applyRollups(ctx context.Context, d rollup.Deltas) error {
	if tx.pending != nil {
		tx.pending.deltas.Merge(d)
		return nil
	}
	for i, rows := range d.Rows() {
		if err := tx.appendDeltas(ctx, rollup.Tables[i], rows); err != nil {
			return translate(err, "rollup")
		}
	}
	return nil
}

// appendDeltas appends rows (the values of t's columns) to t's deltas: on
// PostgreSQL by COPY when the transaction's connection is at hand (a
// batch), else many rows a statement.
func (tx *Tx) appendDeltas(ctx context.Context, t rollup.Table, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if tx.canCopy() {
		if data, ok, err := deltasCopy(t.Columns, rows); err != nil || ok {
			if err != nil {
				return err
			}
			return tx.copyBinary(ctx, t.Deltas, t.Columns, data)
		}
		typed, err := copyValues(t.Columns, rows)
		if err != nil {
			return err
		}
		return tx.copyIn(ctx, t.Deltas, t.Columns, typed)
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.Columns)), ", ") + ")"
	for start := 0; start < len(rows); start += rowsPerStatement {
		chunk := rows[start:min(start+rowsPerStatement, len(rows))]
		args := make([]any, 0, len(chunk)*len(t.Columns))
		for _, r := range chunk {
			args = append(args, r...)
		}
		q := "INSERT INTO " + t.Deltas + " (" + strings.Join(t.Columns, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+", ", len(chunk)), ", ")
		if err := tx.db.Exec(q, args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// deltasCopy is rows (the values of columns) in the binary COPY format:
// ids (the columns named *_id) as UUIDs, other strings as text, times as
// dates and int64s as bigints. ok is false when a value is of another
// type; then nothing is answered.
func deltasCopy(columns []string, rows [][]any) (data []byte, ok bool, err error) {
	isID := make([]bool, len(columns))
	for c, col := range columns {
		isID[c] = strings.HasSuffix(col, "_id")
	}
	b := newBinaryCopy(len(rows) * (2 + len(columns)*12))
	ids := uuids{}
	for _, r := range rows {
		if len(r) != len(columns) {
			return nil, false, nil
		}
		b.row(len(columns))
		for c, v := range r {
			switch v := v.(type) {
			case string:
				if !isID[c] {
					b.text(v)
					continue
				}
				u, err := ids.of(v)
				if err != nil {
					return nil, false, err
				}
				b.uuid(u)
			case time.Time:
				b.date(v)
			case int64:
				b.int8(v)
			default:
				return nil, false, nil
			}
		}
	}
	return b.data(), true, nil
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
