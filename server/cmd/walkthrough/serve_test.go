package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// buildBinary compiles the real binary once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "walkthrough")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer is a bytes.Buffer safe to read while the process writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeStartsBecomesReadyAndStopsOnSIGTERM(t *testing.T) {
	bin := buildBinary(t)
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dbURL, _ := testdb.NewDatabase(t, dialect)
			addr := freeAddr(t)
			env := append(os.Environ(),
				"WALKTHROUGH_ADDR="+addr,
				"WALKTHROUGH_DATA_DIR="+t.TempDir(),
				"WALKTHROUGH_DATABASE_URL="+dbURL,
				"WALKTHROUGH_ADMIN_EMAIL=first.admin@example.org",
				"WALKTHROUGH_ADMIN_PASSWORD=a long enough password",
			)
			cmd := exec.Command(bin, "serve")
			cmd.Env = env
			var stdout, stderr syncBuffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			t.Cleanup(func() {
				if cmd.ProcessState == nil {
					cmd.Process.Kill()
				}
			})

			deadline := time.Now().Add(90 * time.Second)
			for {
				resp, err := http.Get("http://" + addr + "/readyz")
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode == 200 {
						break
					}
				}
				select {
				case err := <-done:
					t.Fatalf("server exited before ready: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
				default:
				}
				if time.Now().After(deadline) {
					t.Fatalf("not ready in time\nstderr:\n%s", stderr.String())
				}
				time.Sleep(200 * time.Millisecond)
			}

			out := stdout.String()
			if !strings.Contains(out, "Open http://") || !strings.Contains(out, "first.admin@example.org") {
				t.Errorf("banner lacks the URL or the first administrator:\n%s", out)
			}
			if dialect == store.SQLite && !strings.Contains(out, "coach@demo.walkthrough.test") {
				t.Errorf("the embedded default must load and print the demo district:\n%s", out)
			}
			if dialect == store.Postgres && strings.Contains(out, "demo.walkthrough.test") {
				t.Errorf("PostgreSQL must not load the demo district by default:\n%s", out)
			}
			resp, err := http.Get("http://" + addr + "/")
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("/ does not serve the shell: %v %v", err, resp)
			}
			resp.Body.Close()

			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("exit after SIGTERM: %v\nstderr:\n%s", err, stderr.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatal("did not stop within 30 s of SIGTERM")
			}
			if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
				t.Errorf("no clean stop logged:\n%s", stderr.String())
			}
		})
	}
}

func TestMigrateAndVersionCommands(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dbURL, _ := testdb.NewDatabase(t, dialect)
			env := map[string]string{"WALKTHROUGH_DATA_DIR": t.TempDir(), "WALKTHROUGH_DATABASE_URL": dbURL}
			getenv := func(k string) string { return env[k] }
			ctx := context.Background()
			var out bytes.Buffer
			if err := run(ctx, []string{"migrate", "status"}, getenv, nil, &out, &out); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "pending") {
				t.Fatalf("status on an empty database shows nothing pending:\n%s", out.String())
			}
			out.Reset()
			if err := run(ctx, []string{"migrate", "up"}, getenv, nil, &out, &out); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out.String(), "pending") || !strings.Contains(out.String(), "applied") {
				t.Fatalf("after up:\n%s", out.String())
			}
			out.Reset()
			if err := run(ctx, []string{"migrate", "down", "all"}, getenv, nil, &out, &out); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out.String(), "applied") {
				t.Fatalf("after down all:\n%s", out.String())
			}
			// River's tables (the job queue) went with the project's.
			st, err := store.Open(ctx, store.Options{DatabaseURL: dbURL, SQLitePath: filepath.Join(env["WALKTHROUGH_DATA_DIR"], "walkthrough.db")})
			if err != nil {
				t.Fatal(err)
			}
			q := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'river%'"
			if dialect == store.Postgres {
				q = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'river%'"
			}
			var n int
			if err := st.SQL().QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			st.Close()
			if n != 0 {
				t.Errorf("after down all, %d of River's tables remain", n)
			}
			if err := run(ctx, []string{"migrate", "sideways"}, getenv, nil, &out, &out); err == nil {
				t.Fatal("an unknown migrate action was accepted")
			}
		})
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, func(string) string { return "" }, nil, &out, &out); err != nil || !strings.HasPrefix(out.String(), "walkthrough ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	if err := run(context.Background(), []string{"serve", "--help"}, func(string) string { return "" }, nil, &out, &out); err != nil {
		t.Fatalf("serve --help must succeed: %v", err)
	}
	for _, name := range []string{"WALKTHROUGH_ADDR", "WALKTHROUGH_DATA_DIR", "WALKTHROUGH_DATABASE_URL", "WALKTHROUGH_DEMO",
		"WALKTHROUGH_ADMIN_EMAIL", "WALKTHROUGH_ADMIN_PASSWORD", "WALKTHROUGH_BASE_URL", "WALKTHROUGH_LOG_LEVEL", "WALKTHROUGH_TRUSTED_PROXIES"} {
		if !strings.Contains(out.String(), name) {
			t.Errorf("serve --help does not document %s", name)
		}
	}
}

func TestUserCommands(t *testing.T) {
	ctx := context.Background()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dbURL, _ := testdb.NewDatabase(t, dialect)
			env := map[string]string{"WALKTHROUGH_DATA_DIR": t.TempDir(), "WALKTHROUGH_DATABASE_URL": dbURL}
			getenv := func(k string) string { return env[k] }
			var out bytes.Buffer
			err := run(ctx, []string{"user", "add", "--email", "x@example.org", "--name", "X", "--role", "coach", "--school", "Nowhere"},
				getenv, strings.NewReader("a long enough password\n"), &out, &out)
			if err == nil || !strings.Contains(err.Error(), "no district") {
				t.Fatalf("adding a user to an empty database must say why it cannot: %v", err)
			}
			// Give the command's database a district by the first-administrator path.
			if err := run(ctx, []string{"migrate", "up"}, getenv, nil, &out, &out); err != nil {
				t.Fatal(err)
			}
			st, err := store.Open(ctx, store.Options{DatabaseURL: dbURL, SQLitePath: filepath.Join(env["WALKTHROUGH_DATA_DIR"], "walkthrough.db")})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := auth.CreateFirstAdmin(ctx, st, "", "first@example.org", "a long enough password"); err != nil {
				t.Fatal(err)
			}
			if err := st.InTx(ctx, func(tx *store.Tx) error {
				ds, err := st.Districts(ctx)
				if err != nil {
					return err
				}
				return tx.CreateSchool(ctx, domain.School{ID: domain.NewID(), DistrictID: ds[0].ID, Name: "Maple Elementary", Active: true})
			}); err != nil {
				t.Fatal(err)
			}
			out.Reset()
			err = run(ctx, []string{"user", "add", "--email", "Coach@Example.org", "--name", "Coach", "--role", "coach", "--school", "maple elementary"},
				getenv, strings.NewReader("a long enough password\n"), &out, &out)
			if err != nil {
				t.Fatalf("user add: %v\n%s", err, out.String())
			}
			u, err := st.UserByEmail(ctx, "coach@example.org")
			if err != nil || len(u.Grants) != 1 || u.Grants[0].Role != domain.RoleCoach || !auth.VerifyPassword(u.PasswordHash, "a long enough password") {
				t.Fatalf("added user: %+v %v", u, err)
			}
			err = run(ctx, []string{"user", "reset-password", "--email", "coach@example.org", "--password", "another long password"}, getenv, nil, &out, &out)
			if err != nil {
				t.Fatal(err)
			}
			u, _ = st.UserByEmail(ctx, "coach@example.org")
			if !auth.VerifyPassword(u.PasswordHash, "another long password") || auth.VerifyPassword(u.PasswordHash, "a long enough password") {
				t.Fatal("the password was not reset")
			}
			if err := run(ctx, []string{"user", "reset-password", "--email", "nobody@example.org", "--password", "another long password"}, getenv, nil, &out, &out); err == nil {
				t.Fatal("resetting an unknown user's password succeeded")
			}
		})
	}
}
