// Package testdb opens fresh, migrated stores for tests on both databases.
// Every PostgreSQL store is a database of its own, dropped when the test
// ends, so tests never see each other's rows.
//
// PostgreSQL is required: a test that cannot reach it fails. The server is
// found at $WALKTHROUGH_TEST_DATABASE_URL, by default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// DefaultAdminURL is the PostgreSQL server tests use when
// WALKTHROUGH_TEST_DATABASE_URL is not set.
const DefaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Dialects are the databases every store and API test runs on.
var Dialects = []string{store.SQLite, store.Postgres}

// Each runs fn as a subtest on a fresh store of each dialect.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh, migrated store of the dialect, closed and removed
// when the test ends.
func Open(tb testing.TB, dialect string) *store.Store {
	tb.Helper()
	s := OpenEmpty(tb, dialect)
	if err := s.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate %s: %v", dialect, err)
	}
	return s
}

// OpenAt is Open with the store's clock set to now, for tests of what
// depends on time passing.
func OpenAt(tb testing.TB, dialect string, now func() time.Time) *store.Store {
	tb.Helper()
	s := openEmpty(tb, dialect, now)
	if err := s.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate %s: %v", dialect, err)
	}
	return s
}

// OpenEmpty returns a fresh store with no migrations applied.
func OpenEmpty(tb testing.TB, dialect string) *store.Store {
	tb.Helper()
	return openEmpty(tb, dialect, nil)
}

func openEmpty(tb testing.TB, dialect string, now func() time.Time) *store.Store {
	tb.Helper()
	dbURL, sqlitePath := NewDatabase(tb, dialect)
	s, err := store.Open(context.Background(), store.Options{DatabaseURL: dbURL, SQLitePath: sqlitePath, Now: now})
	if err != nil {
		tb.Fatalf("open %s: %v", dialect, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// OpenExisting opens a store on a database NewDatabase made, or on one
// restored from its backup, closed when the test ends; it does not migrate.
// now may be nil.
func OpenExisting(tb testing.TB, databaseURL, sqlitePath string, now func() time.Time) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), store.Options{DatabaseURL: databaseURL, SQLitePath: sqlitePath, Now: now})
	if err != nil {
		tb.Fatalf("open %q: %v", redact(databaseURL)+sqlitePath, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// OpenWithSQL returns a fresh, migrated store of the dialect and a plain
// database/sql handle on the same database, closed when the test ends, for
// tests that change behind the store's back what the database refuses (a
// trigger that fails on one value, say).
func OpenWithSQL(tb testing.TB, dialect string) (*store.Store, *sql.DB) {
	tb.Helper()
	dbURL, sqlitePath := NewDatabase(tb, dialect)
	s, err := store.Open(context.Background(), store.Options{DatabaseURL: dbURL, SQLitePath: sqlitePath})
	if err != nil {
		tb.Fatalf("open %s: %v", dialect, err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate %s: %v", dialect, err)
	}
	// The store registers the "sqlite" driver (glebarez/go-sqlite).
	driver, dsn := "pgx", dbURL
	if dialect == store.SQLite {
		driver, dsn = "sqlite", sqlitePath
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		tb.Fatalf("open %s with database/sql: %v", dialect, err)
	}
	tb.Cleanup(func() { db.Close() })
	return s, db
}

// RefuseValue makes the database refuse, on insert and update, a row of
// table whose column holds value: a rule of the database that validation
// does not know, so that writing such a row fails unexpectedly. PostgreSQL
// raises sqlstate (check_violation, say, or lock_not_available); SQLite
// raises a constraint error.
func RefuseValue(tb testing.TB, dialect string, db *sql.DB, table, column, value, sqlstate string) {
	tb.Helper()
	name := "refuse_" + table + "_" + column
	var stmts []string
	if dialect == store.Postgres {
		stmts = []string{
			`CREATE FUNCTION ` + name + `() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				IF NEW.` + column + ` = ` + quote(value) + ` THEN
					RAISE EXCEPTION 'refused by a test trigger' USING ERRCODE = ` + quote(sqlstate) + `;
				END IF;
				RETURN NEW;
			END $$`,
			`CREATE TRIGGER ` + name + ` BEFORE INSERT OR UPDATE ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION ` + name + `()`,
		}
	} else {
		for _, op := range []string{"insert", "update"} {
			stmts = append(stmts, `CREATE TRIGGER `+name+`_`+op+` BEFORE `+op+` ON `+table+
				` WHEN NEW.`+column+` = `+quote(value)+` BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END`)
		}
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			tb.Fatalf("refuse %s.%s = %q: %v", table, column, value, err)
		}
	}
}

// quote is s as an SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// NewDatabase makes an empty database of the dialect and returns how to
// reach it: a PostgreSQL URL, or an SQLite file path.
func NewDatabase(tb testing.TB, dialect string) (databaseURL, sqlitePath string) {
	tb.Helper()
	if dialect == store.SQLite {
		return "", filepath.Join(tb.TempDir(), "walkthrough.db")
	}
	return newPostgresDatabase(tb), ""
}

// AdminURL is the PostgreSQL server tests create their databases on.
func AdminURL() string {
	if u := os.Getenv("WALKTHROUGH_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultAdminURL
}

func newPostgresDatabase(tb testing.TB) string {
	tb.Helper()
	admin := AdminURL()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		tb.Fatalf("PostgreSQL is required for tests (%s): %v", redact(admin), err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		tb.Fatalf("PostgreSQL is required for tests and did not answer at %s: %v", redact(admin), err)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	name := "wt_test_" + hex.EncodeToString(b[:])
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			tb.Errorf("drop test database: %v", err)
			return
		}
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("parse %s: %v", redact(admin), err)
	}
	u.Path = "/" + name
	return u.String()
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return p.Redacted()
}
