package store

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// pending is what a batch writes last, for the steps that succeeded.
type pending struct {
	deltas  rollupDeltas
	changes []Change
}

func (p *pending) merge(q *pending) {
	p.deltas.merge(q.deltas)
	p.changes = append(p.changes, q.changes...)
}

// Batch is one transaction of many steps, each of which succeeds or fails
// alone (a savepoint each). The rollups and the change log are written once,
// when the batch ends, for the steps that succeeded, and everything commits
// together: many changes for the price of one commit, and rollup rows and
// the change log's lock are taken in one fixed order by every batch, so
// concurrent batches cannot deadlock on them.
type Batch struct {
	tx *Tx
}

// InBatch runs fn in one batch transaction, committed when fn returns nil.
func (s *Store) InBatch(ctx context.Context, fn func(b *Batch) error) error {
	if s.dialect == SQLite {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	run := func(conn *sql.Conn) func(db *gorm.DB) error {
		return func(db *gorm.DB) error {
			tx := &Tx{db: db, dialect: s.dialect, now: s.now().UTC().Truncate(time.Microsecond),
				cache:   txCache{rubrics: map[string]rubricShape{}, locations: map[string]*time.Location{}, versions: map[string]domain.RubricVersion{}},
				pending: &pending{}, conn: conn}
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
// undone and the batch goes on.
func (b *Batch) Step(ctx context.Context, fn func(tx *Tx) error) error {
	step := &Tx{dialect: b.tx.dialect, now: b.tx.now, cache: b.tx.cache, pending: &pending{}, conn: b.tx.conn}
	err := b.tx.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		step.db = db
		return fn(step)
	})
	if err != nil {
		return err
	}
	b.tx.pending.merge(step.pending)
	return nil
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
