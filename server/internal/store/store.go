// Package store is the only package that talks SQL. It opens PostgreSQL or
// the embedded SQLite file through GORM, runs the embedded goose migrations,
// and turns rows into domain values and driver errors into domain errors.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/walkthrough-edu/walkthrough/migrations"
)

// Dialects.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Store is a handle on one database.
type Store struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	dialect string
	now     func() time.Time
	// writeMu lets one SQLite transaction run at a time. SQLite allows one
	// writer; a deferred transaction that reads and then writes while
	// another writes fails at once with SQLITE_BUSY, and the driver ignores
	// _txlock=immediate when _time_format is set, so the store queues its
	// own transactions instead. PostgreSQL does not take it.
	writeMu gosync.Mutex
	// standby, when not nil, is a streaming replica that serves the reads
	// of contexts OnStandby marked (standby.go).
	standby      *sql.DB
	standbyReads atomic.Int64
	// published remembers published rubric versions, which never change.
	published *publishedVersions
}

// Options open a store.
type Options struct {
	// DatabaseURL is postgres://… for PostgreSQL; empty means SQLite at
	// SQLitePath.
	DatabaseURL string
	SQLitePath  string
	// StandbyURL, with a PostgreSQL DatabaseURL, is a streaming replica of
	// it for reads that tolerate lag.
	StandbyURL string
	Logger     *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Open connects to the database. It does not migrate; call Migrate.
func Open(ctx context.Context, o Options) (*Store, error) {
	gcfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         false,
	}
	s := &Store{now: o.Now, published: &publishedVersions{}}
	if s.now == nil {
		s.now = time.Now
	}
	var dial gorm.Dialector
	if o.DatabaseURL != "" {
		s.dialect = Postgres
		dial = postgres.New(postgres.Config{DSN: o.DatabaseURL})
	} else {
		s.dialect = SQLite
		if o.SQLitePath == "" {
			return nil, errors.New("store: no database URL and no SQLite path")
		}
		if err := os.MkdirAll(filepath.Dir(o.SQLitePath), 0o700); err != nil {
			return nil, fmt.Errorf("store: create data directory: %w", err)
		}
		dial = sqlite.Open(sqliteDSN(o.SQLitePath))
	}
	db, err := gorm.Open(dial, gcfg)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", s.dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if s.dialect == SQLite {
		// One writer at a time is SQLite's rule; a small pool with immediate
		// transactions and a busy timeout queues writers instead of failing.
		sqlDB.SetMaxOpenConns(4)
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	s.db, s.sqlDB = db, sqlDB
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: reach %s: %w", s.dialect, err)
	}
	if o.StandbyURL != "" {
		if s.dialect != Postgres {
			sqlDB.Close()
			return nil, errors.New("store: a standby for reads needs a PostgreSQL primary")
		}
		if err := s.openStandby(ctx, db, o.StandbyURL); err != nil {
			sqlDB.Close()
			return nil, err
		}
	}
	return s, nil
}

func sqliteDSN(path string) string {
	q := url.Values{}
	for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_time_format", "sqlite")
	return "file:" + path + "?" + q.Encode()
}

// Close closes the connection pool.
func (s *Store) Close() error {
	if s.standby != nil {
		s.standby.Close()
	}
	return s.sqlDB.Close()
}

// Dialect is Postgres or SQLite.
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.sqlDB.PingContext(ctx) }

func (s *Store) migrationsFS() (fs.FS, error) { return migrations.For(s.dialect) }

func (s *Store) provider() (*goose.Provider, error) {
	fsys, err := s.migrationsFS()
	if err != nil {
		return nil, err
	}
	if s.dialect == Postgres {
		// Several replicas and a migration job may start at once: a lock
		// row lets one of them migrate while the others wait. A row, not a
		// session advisory lock, so that it holds behind a pooler in
		// transaction mode (PgBouncer), where consecutive statements of one
		// connection may reach different server sessions.
		locker, err := lock.NewPostgresTableLocker(lock.WithTableLockTimeout(time.Second, 300),
			lock.WithTableLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			return nil, err
		}
		return goose.NewProvider(goose.DialectPostgres, s.sqlDB, fsys, goose.WithLocker(locker))
	}
	return goose.NewProvider(goose.DialectSQLite3, s.sqlDB, fsys)
}

// Migrate applies every pending migration.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate up: %w", err)
	}
	return nil
}

// MigrateDown rolls back the most recent migration, or every migration when
// all is true.
func (s *Store) MigrateDown(ctx context.Context, all bool) error {
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if all {
		_, err = p.DownTo(ctx, 0)
	} else {
		_, err = p.Down(ctx)
	}
	if err != nil && !errors.Is(err, goose.ErrNoNextVersion) {
		return fmt.Errorf("store: migrate down: %w", err)
	}
	return nil
}

// MigrationState is one migration's version, file and whether it is applied.
type MigrationState struct {
	Version   int64
	Source    string
	Applied   bool
	AppliedAt time.Time
}

// MigrationStatus lists every known migration and whether it is applied.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	p, err := s.provider()
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migration status: %w", err)
	}
	out := make([]MigrationState, 0, len(st))
	for _, m := range st {
		out = append(out, MigrationState{
			Version: m.Source.Version, Source: filepath.Base(m.Source.Path),
			Applied: m.State == goose.StateApplied, AppliedAt: m.AppliedAt,
		})
	}
	return out, nil
}

// AtHead reports whether every migration is applied.
func (s *Store) AtHead(ctx context.Context) (bool, error) {
	p, err := s.provider()
	if err != nil {
		return false, err
	}
	has, err := p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("store: pending migrations: %w", err)
	}
	return !has, nil
}

// Tx is a transaction; the private helpers of every store file hang off it
// so that one service call can compose several writes atomically.
type Tx struct {
	db      *gorm.DB
	dialect string
	now     time.Time
	cache   txCache
	// published, in a batch, is the store's memory of published rubric
	// versions. Only batches (pushes) read and fill it: they never write a
	// rubric version, so every version they read was committed before, and
	// a version remembered from a transaction that rolls back cannot be.
	published *publishedVersions
	// pending, in a batch, holds the rollup deltas and change-log entries
	// written once when the batch ends; nil writes them at once.
	pending *pending
	// conn, in a batch on PostgreSQL, is the connection the transaction
	// runs on, for what only the driver itself can do (COPY).
	conn *sql.Conn
}

// InTx runs fn in one transaction, committed when fn returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	if s.dialect == SQLite {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	return s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		return fn(&Tx{db: db, dialect: s.dialect, now: s.now().UTC().Truncate(time.Microsecond)})
	})
}

// read returns a Tx over the pool for single reads that need no transaction.
func (s *Store) read(ctx context.Context) *Tx {
	return &Tx{db: s.db.WithContext(ctx), dialect: s.dialect, now: s.now().UTC().Truncate(time.Microsecond)}
}

// Now is the store's clock reading, in UTC.
func (s *Store) Now() time.Time { return s.now().UTC() }

// Now is the transaction's clock reading, the same for every row it writes.
func (tx *Tx) Now() time.Time { return tx.now }

// translate turns driver errors into domain errors.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(err, sql.ErrNoRows) {
		return notFound(what)
	}
	switch dbErrorClass(err) {
	case classUnique:
		return conflict("%s already exists", what)
	case classForeignKey:
		return invalidRef(what)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// What a database error means, read from its code, never its message.
const (
	classOther = iota
	classUnique
	classForeignKey
)

// SQLSTATE codes of PostgreSQL, and extended result codes of SQLite.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
	sqliteForeignKey      = 787  // SQLITE_CONSTRAINT_FOREIGNKEY
	sqlitePrimaryKey      = 1555 // SQLITE_CONSTRAINT_PRIMARYKEY
	sqliteUnique          = 2067 // SQLITE_CONSTRAINT_UNIQUE
)

// dbErrorClass classifies a driver error by its code: pgx's errors carry
// an SQLSTATE, SQLite's an extended result code.
func dbErrorClass(err error) int {
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		switch pg.SQLState() {
		case pgUniqueViolation:
			return classUnique
		case pgForeignKeyViolation:
			return classForeignKey
		}
		return classOther
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		switch lite.Code() {
		case sqliteUnique, sqlitePrimaryKey:
			return classUnique
		case sqliteForeignKey:
			return classForeignKey
		}
	}
	return classOther
}
