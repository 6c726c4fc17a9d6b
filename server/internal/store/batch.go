package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
)

// pending is what a batch writes last, for the steps that succeeded.
type pending struct {
	deltas  rollup.Deltas
	changes []Change
}

func (p *pending) merge(q *pending) {
	p.deltas.Merge(q.deltas)
	p.changes = append(p.changes, q.changes...)
}

// Batch is one transaction of many steps, each of which succeeds or fails
// alone (a savepoint each). The rollups and the change log are written once,
// when the batch ends, for the steps that succeeded, and everything commits
// together: many changes for the price of one commit, and rollup rows and
// the change log's lock are taken in one fixed order by every batch, so
// concurrent batches cannot deadlock on them.
type Batch struct {
	tx    *Tx
	steps int // savepoints taken, for their names
}

// ErrBatchFailed is in the error of a step after which the batch cannot go
// on or should not: the database or the connection failed, the context
// ended, the step could not be undone, or the database refused for a
// reason that passes (a deadlock, a lock or statement timeout, a lack of
// resources). The caller returns it, nothing of the batch commits, and the
// whole batch may be tried again. Any other error of a step is the step's
// own: what it wrote is undone and the batch goes on.
var ErrBatchFailed = errors.New("store: the batch cannot go on")

// InBatch runs fn in one batch transaction, committed when fn returns nil.
func (s *Store) InBatch(ctx context.Context, fn func(b *Batch) error) error {
	if s.dialect == SQLite {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	run := func(conn *sql.Conn) func(db *gorm.DB) error {
		return func(db *gorm.DB) error {
			tx := &Tx{db: db, dialect: s.dialect, now: s.now().UTC().Truncate(time.Microsecond),
				cache:     txCache{rubrics: map[string]rollup.Rubric{}, locations: map[string]*time.Location{}, versions: map[string]domain.RubricVersion{}},
				published: s.published, pending: &pending{}, conn: conn}
			if err := fn(&Batch{tx: tx}); err != nil {
				return err
			}
			return tx.flush(ctx)
		}
	}
	if s.dialect != Postgres {
		return s.db.WithContext(ctx).Transaction(run(nil))
	}
	// The transaction runs on a connection of its own, so that scores can
	// be copied in on it.
	return s.db.WithContext(ctx).Connection(func(db *gorm.DB) error {
		conn, _ := db.Statement.ConnPool.(*sql.Conn)
		return db.Transaction(run(conn))
	})
}

// Step runs fn in a savepoint of the batch: if fn fails, what it wrote is
// undone and the batch goes on, unless the error wraps ErrBatchFailed (see
// there). The savepoint is rolled back before Step returns, which
// PostgreSQL needs before the transaction takes another statement.
func (b *Batch) Step(ctx context.Context, fn func(tx *Tx) error) error {
	b.steps++
	name := "step" + strconv.Itoa(b.steps)
	if err := b.tx.db.WithContext(ctx).SavePoint(name).Error; err != nil {
		return fmt.Errorf("%w: savepoint: %w", ErrBatchFailed, err)
	}
	step := &Tx{db: b.tx.db.WithContext(ctx), dialect: b.tx.dialect, now: b.tx.now, cache: b.tx.cache, published: b.tx.published,
		pending: &pending{}, conn: b.tx.conn}
	err := fn(step)
	if err == nil {
		b.tx.pending.merge(step.pending)
		return nil
	}
	if rbErr := b.tx.db.WithContext(ctx).RollbackTo(name).Error; rbErr != nil {
		return fmt.Errorf("%w: %w (and rolling back to the savepoint: %w)", ErrBatchFailed, err, rbErr)
	}
	if ctx.Err() != nil || passing(err) {
		return fmt.Errorf("%w: %w", ErrBatchFailed, err)
	}
	return err
}

// passing tells a refusal of the database that says nothing of what was
// written: the same statements may well succeed when tried again.
func passing(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && len(pgErr.Code) == 5 {
		switch pgErr.Code[:2] {
		case "08", // connection exception
			"25", // invalid transaction state
			"40", // transaction rollback: serialization failure, deadlock
			"53", // insufficient resources
			"57", // operator intervention: statement timeout, shutdown
			"58", // system error
			"XX": // internal error
			return true
		}
		return pgErr.Code == "55P03" // lock not available
	}
	var sqliteErr interface{ Code() int }
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code() & 0xff { // the primary result code
		case 5, // SQLITE_BUSY
			6,  // SQLITE_LOCKED
			7,  // SQLITE_NOMEM
			8,  // SQLITE_READONLY
			9,  // SQLITE_INTERRUPT
			10, // SQLITE_IOERR
			11, // SQLITE_CORRUPT
			13, // SQLITE_FULL
			14, // SQLITE_CANTOPEN
			15, // SQLITE_PROTOCOL
			26: // SQLITE_NOTADB
			return true
		}
	}
	return false
}

// flush writes the batch's rollup deltas and change-log entries.
func (tx *Tx) flush(ctx context.Context) error {
	p := tx.pending
	tx.pending = nil
	if err := tx.applyRollups(ctx, p.deltas); err != nil {
		return err
	}
	byDistrict := map[string][]Change{}
	var order []string
	for _, c := range p.changes {
		if _, ok := byDistrict[c.DistrictID]; !ok {
			order = append(order, c.DistrictID)
		}
		byDistrict[c.DistrictID] = append(byDistrict[c.DistrictID], c)
	}
	for _, d := range order {
		if err := tx.AppendChanges(ctx, byDistrict[d]); err != nil {
			return err
		}
	}
	return nil
}
