package store

import (
	"context"
	"fmt"

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
