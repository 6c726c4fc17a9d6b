package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// Reads from a standby. With Options.StandbyURL the store keeps a second
// pool on a streaming replica of the primary. Reads whose context
// OnStandby marked go there: plain queries, and read-only transactions;
// everything else (every write, every read-write transaction) stays on the
// primary. A user always reads their own writes: RecordWrite notes the
// primary's WAL position after each of the user's writes, and OnStandby
// marks a context only when the standby has replayed that far.

type standbyKey struct{}

// routingPool is the connection pool GORM sees: the primary, and the
// standby for the reads of a marked context.
type routingPool struct {
	primary, standby *sql.DB
	reads            *atomic.Int64 // statements and transactions sent to the standby
}

func (p *routingPool) pick(ctx context.Context) *sql.DB {
	if p.standby != nil && ctx.Value(standbyKey{}) != nil {
		p.reads.Add(1)
		return p.standby
	}
	return p.primary
}

func (p *routingPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.primary.PrepareContext(ctx, query)
}

func (p *routingPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.primary.ExecContext(ctx, query, args...)
}

func (p *routingPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return p.pick(ctx).QueryContext(ctx, query, args...)
}

func (p *routingPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return p.pick(ctx).QueryRowContext(ctx, query, args...)
}

func (p *routingPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	if opts != nil && opts.ReadOnly {
		return p.pick(ctx).BeginTx(ctx, opts)
	}
	return p.primary.BeginTx(ctx, opts)
}

// GetDBConn is the primary, for what needs the *sql.DB itself.
func (p *routingPool) GetDBConn() (*sql.DB, error) { return p.primary, nil }

// HasStandby reports whether the store reads from a standby.
func (s *Store) HasStandby() bool { return s.standby != nil }

// StandbyReads counts the statements and read-only transactions sent to
// the standby so far.
func (s *Store) StandbyReads() int64 { return s.standbyReads.Load() }

type readFenceRow struct {
	UserID     string `gorm:"primaryKey"`
	DistrictID string
	LSN        string `gorm:"column:lsn"`
	UpdatedAt  time.Time
}

func (readFenceRow) TableName() string { return "read_fences" }

// RecordWrite notes, after a write of the user has committed, how far the
// standby must have replayed before the user's reads may go to it. Without
// a standby it does nothing.
func (s *Store) RecordWrite(ctx context.Context, districtID, userID string) error {
	if s.standby == nil {
		return nil
	}
	// pg_current_wal_lsn() here is past the commit of every write of the
	// user that has been answered.
	err := s.db.WithContext(ctx).Exec(`INSERT INTO read_fences (user_id, district_id, lsn, updated_at)
		VALUES (?, ?, pg_current_wal_lsn()::text, ?)
		ON CONFLICT (user_id) DO UPDATE SET lsn = excluded.lsn, updated_at = excluded.updated_at`,
		userID, districtID, s.now().UTC()).Error
	return translate(err, "read fence")
}

// OnStandby answers ctx marked so that its lag-tolerant reads go to the
// standby, when there is one and it has replayed the user's last write;
// otherwise ctx itself, and the reads go to the primary. A standby that
// does not answer is not an error: the primary serves.
func (s *Store) OnStandby(ctx context.Context, userID string) context.Context {
	if s.standby == nil {
		return ctx
	}
	var fences []readFenceRow
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Limit(1).Find(&fences).Error; err != nil {
		return ctx
	}
	fence := "0/0"
	if len(fences) == 1 {
		fence = fences[0].LSN
	}
	var caughtUp sql.NullBool
	if err := s.standby.QueryRowContext(ctx, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", fence).Scan(&caughtUp); err != nil || !caughtUp.Bool {
		// Behind the user's last write, or not a standby at all (NULL).
		return ctx
	}
	return context.WithValue(ctx, standbyKey{}, true)
}

// openStandby opens the standby's pool and routes GORM through it.
func (s *Store) openStandby(ctx context.Context, db *gorm.DB, url string) error {
	standby, err := sql.Open("pgx", url)
	if err != nil {
		return fmt.Errorf("store: open the standby: %w", err)
	}
	standby.SetMaxOpenConns(20)
	standby.SetMaxIdleConns(10)
	standby.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var inRecovery bool
	if err := standby.QueryRowContext(pingCtx, "SELECT pg_is_in_recovery()").Scan(&inRecovery); err != nil {
		standby.Close()
		return fmt.Errorf("store: reach the standby: %w", err)
	}
	if !inRecovery {
		standby.Close()
		return fmt.Errorf("store: WALKTHROUGH_READ_DATABASE_URL is not a standby (pg_is_in_recovery() is false)")
	}
	pool := &routingPool{primary: s.sqlDB, standby: standby, reads: &s.standbyReads}
	db.ConnPool = pool
	db.Statement.ConnPool = pool
	s.standby = standby
	return nil
}
