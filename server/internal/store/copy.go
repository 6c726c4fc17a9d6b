package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// canCopy tells whether the transaction can COPY rows in: on PostgreSQL,
// in a batch, which holds the connection the transaction runs on.
func (tx *Tx) canCopy() bool { return tx.dialect == Postgres && tx.conn != nil }

// copyIn copies rows (values of columns, ids as UUIDs) into table on the
// transaction's connection; canCopy must hold.
func (tx *Tx) copyIn(ctx context.Context, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: the connection is a %T, not pgx's", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
		return err
	})
}

// uuids parses ids for COPY, each once: pgx encodes a UUID directly, where
// a string would first fail a plan and then go through text.
type uuids map[string]pgtype.UUID

// of is id as a UUID.
func (m uuids) of(id string) (pgtype.UUID, error) {
	if u, ok := m[id]; ok {
		return u, nil
	}
	var u pgtype.UUID
	if err := u.Scan(id); err != nil {
		return u, fmt.Errorf("store: %q is not a UUID: %w", id, err)
	}
	m[id] = u
	return u, nil
}

// orNull is id as a UUID, NULL for nil.
func (m uuids) orNull(id *string) (pgtype.UUID, error) {
	if id == nil {
		return pgtype.UUID{}, nil
	}
	return m.of(*id)
}

// binaryCopy is rows in PostgreSQL's binary COPY format, appended value by
// value: for the score rows of a push, the bulk of what it writes, which
// pgx's CopyFrom would encode through a plan looked up per value.
type binaryCopy struct{ buf []byte }

// newBinaryCopy starts the data with the format's header; size is a guess
// of the bytes to come.
func newBinaryCopy(size int) *binaryCopy {
	b := &binaryCopy{buf: make([]byte, 0, size+21)}
	b.buf = append(b.buf, "PGCOPY\n\xff\r\n\x00"...)
	b.buf = binary.BigEndian.AppendUint32(b.buf, 0) // flags: no OIDs
	b.buf = binary.BigEndian.AppendUint32(b.buf, 0) // no header extension
	return b
}

// row starts a row of n values.
func (b *binaryCopy) row(n int) { b.buf = binary.BigEndian.AppendUint16(b.buf, uint16(n)) }

func (b *binaryCopy) uuid(u pgtype.UUID) {
	b.buf = binary.BigEndian.AppendUint32(b.buf, 16)
	b.buf = append(b.buf, u.Bytes[:]...)
}

func (b *binaryCopy) text(s string) {
	b.buf = binary.BigEndian.AppendUint32(b.buf, uint32(len(s)))
	b.buf = append(b.buf, s...)
}

// int2 is a smallint, NULL for nil.
func (b *binaryCopy) int2(v *int) {
	if v == nil {
		b.buf = binary.BigEndian.AppendUint32(b.buf, math.MaxUint32) // -1: NULL
		return
	}
	b.buf = binary.BigEndian.AppendUint32(b.buf, 2)
	b.buf = binary.BigEndian.AppendUint16(b.buf, uint16(int16(*v)))
}

func (b *binaryCopy) int8(v int64) {
	b.buf = binary.BigEndian.AppendUint32(b.buf, 8)
	b.buf = binary.BigEndian.AppendUint64(b.buf, uint64(v))
}

// date is t's day (its year, month and day where it is) as a date.
func (b *binaryCopy) date(t time.Time) {
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	b.buf = binary.BigEndian.AppendUint32(b.buf, 4)
	b.buf = binary.BigEndian.AppendUint32(b.buf, uint32(int32((day.Unix()-dateEpoch)/(24*60*60))))
}

// dateEpoch is the day PostgreSQL counts dates from, 2000-01-01, in Unix
// seconds.
const dateEpoch = 946684800

func (b *binaryCopy) bool(v bool) {
	b.buf = binary.BigEndian.AppendUint32(b.buf, 1)
	if v {
		b.buf = append(b.buf, 1)
	} else {
		b.buf = append(b.buf, 0)
	}
}

// timestamptz is t as a timestamp with time zone, to the microsecond.
func (b *binaryCopy) timestamptz(t time.Time) {
	b.buf = binary.BigEndian.AppendUint32(b.buf, 8)
	b.buf = binary.BigEndian.AppendUint64(b.buf, uint64(t.UnixMicro()-dateEpoch*1_000_000))
}

func (b *binaryCopy) null() { b.buf = binary.BigEndian.AppendUint32(b.buf, math.MaxUint32) } // -1

// data ends the rows with the format's trailer and answers them.
func (b *binaryCopy) data() []byte { return binary.BigEndian.AppendUint16(b.buf, math.MaxUint16) }

// copyTyped copies rows (values of columns) into table as copyIn does,
// encoding them itself in the binary COPY format: UUIDs (pgtype.UUID, NULL
// when not valid), strings as text, int64s as bigints, bools, and times
// (time.Time, or *time.Time with nil for NULL) as timestamps with time
// zone. Rows holding a value of another type go through copyIn.
func (tx *Tx) copyTyped(ctx context.Context, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	b := newBinaryCopy(len(rows) * (2 + len(columns)*16))
	for _, r := range rows {
		if len(r) != len(columns) {
			return tx.copyIn(ctx, table, columns, rows)
		}
		b.row(len(columns))
		for _, v := range r {
			switch v := v.(type) {
			case pgtype.UUID:
				if v.Valid {
					b.uuid(v)
				} else {
					b.null()
				}
			case string:
				b.text(v)
			case int64:
				b.int8(v)
			case bool:
				b.bool(v)
			case time.Time:
				b.timestamptz(v)
			case *time.Time:
				if v == nil {
					b.null()
				} else {
					b.timestamptz(*v)
				}
			default:
				return tx.copyIn(ctx, table, columns, rows)
			}
		}
	}
	return tx.copyBinary(ctx, table, columns, b.data())
}

// copyBinary copies data in binaryCopy's format into columns of table on
// the transaction's connection; canCopy must hold.
func (tx *Tx) copyBinary(ctx context.Context, table string, columns []string, data []byte) error {
	cols := make([]string, len(columns))
	for i, c := range columns {
		cols[i] = pgx.Identifier{c}.Sanitize()
	}
	q := "COPY " + pgx.Identifier{table}.Sanitize() + " (" + strings.Join(cols, ", ") + ") FROM STDIN (FORMAT binary)"
	return tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: the connection is a %T, not pgx's", dc)
		}
		_, err := c.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(data), q)
		return err
	})
}
