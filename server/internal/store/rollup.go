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
