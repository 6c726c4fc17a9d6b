package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// cliDatabase is a fresh database and the environment that points the
// commands at it.
type cliDatabase struct {
	dialect, url, sqlitePath string
	getenv                   func(string) string
}

func newCLIDatabase(t *testing.T, dialect string) cliDatabase {
	t.Helper()
	dbURL, _ := testdb.NewDatabase(t, dialect)
	dir := t.TempDir()
	env := map[string]string{"WALKTHROUGH_DATA_DIR": dir, "WALKTHROUGH_DATABASE_URL": dbURL, "WALKTHROUGH_LOG_LEVEL": "error"}
	return cliDatabase{dialect: dialect, url: dbURL, sqlitePath: filepath.Join(dir, "walkthrough.db"), getenv: func(k string) string { return env[k] }}
}

// open opens the commands' database for the test's own checks.
func (db cliDatabase) open(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Options{DatabaseURL: db.url, SQLitePath: db.sqlitePath})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// counts reads how many rows the tables provisioning writes hold, with
// plain SQL rather than the store that wrote them.
func (db cliDatabase) counts(t *testing.T) map[string]int64 {
	t.Helper()
	driver, dsn := "pgx", db.url
	if db.dialect == store.SQLite {
		driver, dsn = "sqlite", db.sqlitePath
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	out := map[string]int64{}
	for _, table := range []string{"districts", "users", "role_grants", "audit_log"} {
		var n int64
		if err := conn.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// districtAdd runs walkthrough district add with password on standard input.
func (db cliDatabase) districtAdd(password string, args ...string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"district", "add"}, args...), db.getenv, strings.NewReader(password), &out, &out)
	return out.String(), err
}

func TestDistrictCommands(t *testing.T) {
	ctx := context.Background()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			db := newCLIDatabase(t, dialect)
			var out bytes.Buffer
			if err := run(ctx, []string{"district", "list"}, db.getenv, nil, &out, &out); err != nil {
				t.Fatalf("list on an empty database: %v", err)
			}
			if !strings.Contains(out.String(), "No districts yet") {
				t.Errorf("list on an empty database:\n%s", out.String())
			}

			got, err := db.districtAdd("a long enough password\n", "--name", "North Valley", "--time-zone", "America/Denver",
				"--admin-email", "Ada@North.example.org", "--admin-name", "Ada Park")
			if err != nil {
				t.Fatalf("district add: %v\n%s", err, got)
			}
			var northID string
			for _, line := range strings.Split(got, "\n") {
				if rest, ok := strings.CutPrefix(line, "district id:"); ok {
					northID = strings.TrimSpace(rest)
				}
			}
			if !domain.ValidID(northID) || !strings.Contains(got, "administrator:  ada@north.example.org") {
				t.Fatalf("district add printed:\n%s", got)
			}
			if got, err := db.districtAdd("another long password\r\n", "--name", "South Lake", "--time-zone", "UTC", "--admin-email", "sam@south.example.org"); err != nil {
				t.Fatalf("second district: %v\n%s", err, got)
			}

			s := db.open(t)
			d, err := s.District(ctx, northID)
			if err != nil || d.Name != "North Valley" || d.TimeZone != "America/Denver" || d.Settings != domain.DefaultDistrictSettings() {
				t.Fatalf("the district: %+v %v", d, err)
			}
			u, err := s.UserByEmail(ctx, "ada@north.example.org")
			if err != nil || u.DistrictID != northID || u.Name != "Ada Park" || !u.Active ||
				len(u.Grants) != 1 || u.Grants[0] != (domain.RoleGrant{Role: domain.RoleDistrictAdmin}) {
				t.Fatalf("the administrator: %+v %v", u, err)
			}
			if !auth.VerifyPassword(u.PasswordHash, "a long enough password") {
				t.Error("the administrator's password is not the one given")
			}
			entries, err := s.AuditEntries(ctx, store.AuditFilter{DistrictID: northID})
			if err != nil {
				t.Fatal(err)
			}
			actions := map[string]bool{}
			for _, e := range entries {
				actions[e.Action] = true
			}
			if !actions["district.create"] || !actions["user.create"] || !actions["role.grant"] {
				t.Errorf("audit of the new district: %+v", entries)
			}
			if err := s.InTx(ctx, func(tx *store.Tx) error {
				return tx.CreateSchool(ctx, domain.School{ID: domain.NewID(), DistrictID: northID, Name: "Aspen Elementary", Active: true})
			}); err != nil {
				t.Fatal(err)
			}

			out.Reset()
			if err := run(ctx, []string{"district", "list"}, db.getenv, nil, &out, &out); err != nil {
				t.Fatalf("district list: %v", err)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "ID NAME TIME ZONE SCHOOLS USERS" {
				t.Fatalf("district list:\n%s", out.String())
			}
			if f := strings.Fields(lines[1]); strings.Join(f, " ") != northID+" North Valley America/Denver 1 1" {
				t.Errorf("first row %q", lines[1])
			}
			if f := strings.Fields(lines[2]); len(f) != 6 || strings.Join(f[1:], " ") != "South Lake UTC 0 1" {
				t.Errorf("second row %q", lines[2])
			}
		})
	}
}

func TestDistrictAddRefusesAndWritesNothing(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			db := newCLIDatabase(t, dialect)
			const pw = "a long enough password\n"
			if out, err := db.districtAdd(pw, "--name", "North Valley", "--time-zone", "America/Denver", "--admin-email", "ada@north.example.org"); err != nil {
				t.Fatalf("first district: %v\n%s", err, out)
			}
			before := db.counts(t)
			for _, c := range []struct {
				name, password string
				args           []string
				want           string
			}{
				{"unknown time zone", pw, []string{"--name", "Mars", "--time-zone", "Mars/Olympus", "--admin-email", "m@mars.example.org"}, `"Mars/Olympus" is not an IANA time zone`},
				{"server's own zone", pw, []string{"--name", "Here", "--time-zone", "Local", "--admin-email", "h@here.example.org"}, `"Local" is not an IANA time zone`},
				{"email taken", pw, []string{"--name", "South Lake", "--time-zone", "UTC", "--admin-email", " ADA@north.example.org"}, "ada@north.example.org is already used"},
				{"name taken", pw, []string{"--name", " north valley ", "--time-zone", "UTC", "--admin-email", "sam@south.example.org"}, `a district named "North Valley" already exists`},
				{"empty password", "\n", []string{"--name", "South Lake", "--time-zone", "UTC", "--admin-email", "sam@south.example.org"}, "no password given"},
				{"no input", "", []string{"--name", "South Lake", "--time-zone", "UTC", "--admin-email", "sam@south.example.org"}, "no password given"},
				{"short password", "short\n", []string{"--name", "South Lake", "--time-zone", "UTC", "--admin-email", "sam@south.example.org"}, "at least 10 characters"},
				{"bad email", pw, []string{"--name", "South Lake", "--time-zone", "UTC", "--admin-email", "not an email"}, "email must be"},
				{"missing flags", pw, []string{"--name", "South Lake"}, "needs --time-zone, --admin-email"},
			} {
				out, err := db.districtAdd(c.password, c.args...)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s: got %v, want an error saying %q\n%s", c.name, err, c.want, out)
				}
			}
			if after := db.counts(t); len(after) != len(before) || after["districts"] != before["districts"] ||
				after["users"] != before["users"] || after["role_grants"] != before["role_grants"] || after["audit_log"] != before["audit_log"] {
				t.Errorf("a refused district add wrote rows: before %v, after %v", before, after)
			}
		})
	}
}
