package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/loadgen"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// The demo coach observes at two schools of the demo district.
const (
	demoCoachEmail    = "coach@demo.walkthrough.test"
	demoCoachPassword = "walkthrough-coach"
)

// TestDayLoadTwiceAsTheDemoCoach runs the real binary with the demo
// district on each database and plays a district's day against it over
// HTTP: 2,000 observations of 15 scores each, pushed by four devices in
// batches of 200, then the identical batches again. The district must hold
// exactly 2,000 more observations and 30,000 more scores, the rollups must
// equal their recomputation, the second pass must be all duplicates, and
// the server must fold the rollup deltas in by itself.
func TestDayLoadTwiceAsTheDemoCoach(t *testing.T) {
	if testing.Short() {
		t.Skip("the day load takes a minute or more; not in -short")
	}
	bin := buildBinary(t)
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			dbURL, _ := testdb.NewDatabase(t, dialect)
			srv := startServer(t, bin, t.TempDir(), dbURL)
			st := srv.openStore(t)
			district := demoDistrict(t, st)
			before, err := st.TableCounts(ctx, district)
			if err != nil {
				t.Fatal(err)
			}

			const observations, scores = 2000, 15
			day := loadgen.Day{BaseURL: srv.url(), Email: demoCoachEmail, Password: demoCoachPassword,
				Observations: observations, ScoresEach: scores, BatchSize: 200, Devices: 4, Seed: 2026}
			first, second, err := day.RunTwice(ctx, loadgen.NewClient(day.Devices))
			if err != nil {
				t.Fatalf("day load: %v\nserver log:\n%s", err, tail(srv.stderr.String(), 40))
			}
			t.Logf("%s, first pass: %s", dialect, first)
			t.Logf("%s, second pass (the same batches again): %s", dialect, second)
			if first.Applied != observations || first.Other != 0 {
				t.Errorf("first pass: %d applied of %d; %d other (%s)", first.Applied, observations, first.Other, first.FirstProblem)
			}
			if second.Duplicate != observations || second.Applied != 0 || second.Other != 0 {
				t.Errorf("second pass: %d duplicates of %d, %d applied, %d other (%s)", second.Duplicate, observations, second.Applied, second.Other, second.FirstProblem)
			}

			// The server folds the pushes' rollup deltas into the rollups by
			// itself, every second.
			for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
				c, err := st.TableCounts(ctx, district)
				if err != nil {
					t.Fatal(err)
				}
				if c["rollup_deltas"]+c["rollup_observation_deltas"]+c["dimension_rollup_deltas"] == 0 && c["rollups"] > before["rollups"] {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("rollup deltas still not folded in after 15 s: %v", c)
				}
			}

			srv.stop(t)
			after, err := st.TableCounts(ctx, district)
			if err != nil {
				t.Fatal(err)
			}
			if n := after["observations"] - before["observations"]; n != observations {
				t.Errorf("the district holds %d more observations, want %d", n, observations)
			}
			if n := after["scores"] - before["scores"]; n != observations*scores {
				t.Errorf("the district holds %d more scores, want %d", n, observations*scores)
			}
			if err := testdb.CheckRollups(ctx, st, district); err != nil {
				t.Errorf("rollups after the day: %v", err)
			}
		})
	}
}

// testServer is the real binary serving on a free local port.
type testServer struct {
	cmd             *exec.Cmd
	addr            string
	dataDir, dbURL  string
	done            chan error
	stdout, stderr  *syncBuffer
	stopped, killed bool
}

// startServer runs `walkthrough serve` on dataDir and dbURL (empty: SQLite
// in dataDir) with the demo district loaded into an empty database, and
// waits until it is ready; env adds or overrides settings. The process is
// killed when the test ends.
func startServer(t *testing.T, bin, dataDir, dbURL string, env ...string) *testServer {
	t.Helper()
	s := &testServer{addr: freeAddr(t), dataDir: dataDir, dbURL: dbURL, done: make(chan error, 1), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = append(os.Environ(),
		"WALKTHROUGH_ADDR="+s.addr,
		"WALKTHROUGH_DATA_DIR="+dataDir,
		"WALKTHROUGH_DATABASE_URL="+dbURL,
		"WALKTHROUGH_DEMO=true",
		"WALKTHROUGH_ADMIN_EMAIL=",
		"WALKTHROUGH_LOG_LEVEL=warn",
	)
	s.cmd.Env = append(s.cmd.Env, env...)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if !s.stopped && !s.killed {
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	deadline := time.Now().Add(2 * time.Minute)
	client := loadgen.NewClient(1)
	for {
		resp, err := client.Get("http://" + s.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-s.done:
			s.stopped = true
			t.Fatalf("the server exited before it was ready: %v\nstderr:\n%s", err, tail(s.stderr.String(), 40))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server was not ready in time\nstderr:\n%s", tail(s.stderr.String(), 40))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the server was ready in %s", time.Since(start).Round(time.Millisecond))
	return s
}

func (s *testServer) url() string { return "http://" + s.addr }

// stop sends SIGTERM and waits for a clean exit.
func (s *testServer) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		s.stopped = true
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\nstderr:\n%s", err, tail(s.stderr.String(), 40))
		}
	case <-time.After(45 * time.Second):
		t.Fatal("the server did not stop within 45 s of SIGTERM")
	}
}

// kill sends SIGKILL and waits until the process is gone.
func (s *testServer) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
		s.killed = true
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not die within 15 s of SIGKILL")
	}
}

// openStore opens the server's database from the test, beside the server.
func (s *testServer) openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{DatabaseURL: s.dbURL, SQLitePath: filepath.Join(s.dataDir, "walkthrough.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// demoDistrict is the id of the only district, the demo's.
func demoDistrict(t *testing.T, st *store.Store) string {
	t.Helper()
	ds, err := st.Districts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 {
		t.Fatalf("%d districts, want the demo's alone", len(ds))
	}
	return ds[0].ID
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
