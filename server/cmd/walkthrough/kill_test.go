package main

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/loadgen"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// TestKillMidBatchLeavesEachChangeWholeOrAbsent sends one push of 400
// observations to the real binary and SIGKILLs it once part of the batch
// is applied but not yet committed. Every observation in the database must
// then carry all the scores it was pushed with (a change is wholly applied
// or not at all, and a push commits as a whole), and the rollups must equal
// their recomputation. The same batch sent again to
// the restarted server is answered applied or duplicate change by change,
// and the district ends with exactly the batch.
func TestKillMidBatchLeavesEachChangeWholeOrAbsent(t *testing.T) {
	bin := buildBinary(t)
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			dbURL, _ := testdb.NewDatabase(t, dialect)
			dataDir := t.TempDir()
			srv := startServer(t, bin, dataDir, dbURL)
			st := srv.openStore(t)
			district := demoDistrict(t, st)
			before, err := st.TableCounts(ctx, district)
			if err != nil {
				t.Fatal(err)
			}

			const size = 400
			client := loadgen.NewClient(1)
			sess, err := loadgen.SignIn(ctx, client, srv.url(), demoCoachEmail, demoCoachPassword)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := sess.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := loadgen.Day{Observations: size, ScoresEach: 15, BatchSize: size, Devices: 1, Seed: 400}.Plan(snap, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if len(plan.Batches) != 1 {
				t.Fatalf("the plan made %d batches, want one", len(plan.Batches))
			}
			batch := plan.Batches[0]

			// On PostgreSQL the district's change-log lock is held here, as
			// another push writing its entries would hold it: the push
			// applies its changes and then waits for the lock to write its
			// own, uncommitted, where it is killed. (Without it, a fast
			// machine commits the push between two reads of the metrics.)
			var held *pgx.Conn
			if dialect == store.Postgres {
				if held, err = pgx.Connect(ctx, dbURL); err != nil {
					t.Fatal(err)
				}
				defer held.Close(context.Background())
				if _, err := held.Exec(ctx, "SELECT pg_advisory_lock(7001, hashtext($1))", district); err != nil {
					t.Fatal(err)
				}
			}
			pushed := make(chan error, 1)
			go func() {
				_, err := sess.Push(ctx, batch.Request)
				pushed <- err
			}()
			// Kill mid-batch: once a part of the batch is applied and awaits
			// the push's commit.
			for deadline := time.Now().Add(time.Minute); uncommitted(t, srv.url()) < 25; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("no change of the batch was applied within a minute\nstderr:\n%s", tail(srv.stderr.String(), 40))
				}
			}
			srv.kill(t)
			if held != nil {
				if _, err := held.Exec(ctx, "SELECT pg_advisory_unlock(7001, hashtext($1))", district); err != nil {
					t.Fatal(err)
				}
			}
			if err := <-pushed; err == nil {
				t.Fatal("the push was answered before the kill: the batch was not cut mid-way")
			}

			// Every observation present is whole.
			present := 0
			for id, n := range batch.Scores {
				o, err := st.Observation(ctx, district, id)
				if domain.ErrorCode(err) == domain.ENotFound {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				present++
				if len(o.Scores) != n {
					t.Errorf("observation %s has %d scores after the kill, it was pushed with %d", id, len(o.Scores), n)
				}
			}
			after, err := st.TableCounts(ctx, district)
			if err != nil {
				t.Fatal(err)
			}
			if after["observations"]-before["observations"] != int64(present) || after["scores"]-before["scores"] != int64(15*present) {
				t.Errorf("%d of the batch's observations are present, but the district gained %d observations and %d scores",
					present, after["observations"]-before["observations"], after["scores"]-before["scores"])
			}
			if err := testdb.CheckRollups(ctx, st, district); err != nil {
				t.Errorf("rollups after the kill: %v", err)
			}
			t.Logf("%s: killed with %d of %d observations committed", dialect, present, size)
			// A push commits as a whole: cut before its commit, none of it is
			// there (the commit can only have happened if it finished after
			// the answer was lost).
			if present != 0 && present != size {
				t.Fatalf("%d of %d committed: a push must commit as a whole", present, size)
			}

			// Restart on the same data and send the same batch again.
			srv = startServer(t, bin, dataDir, dbURL)
			sess, err = loadgen.SignIn(ctx, client, srv.url(), demoCoachEmail, demoCoachPassword)
			if err != nil {
				t.Fatal(err)
			}
			res, err := sess.Push(ctx, batch.Request)
			if err != nil {
				t.Fatal(err)
			}
			statuses := map[string]int{}
			for i, r := range res.Results {
				statuses[r.Status]++
				if r.Status != sync.StatusApplied && r.Status != sync.StatusDuplicate && statuses[r.Status] <= 3 {
					t.Errorf("change %d of the retried batch: %s %+v", i, r.Status, r.Error)
				}
			}
			if statuses[sync.StatusDuplicate] != present || statuses[sync.StatusApplied] != size-present {
				t.Errorf("the retried batch: %v, want %d duplicate and %d applied", statuses, present, size-present)
			}
			srv.stop(t)
			final, err := st.TableCounts(ctx, district)
			if err != nil {
				t.Fatal(err)
			}
			if n := final["observations"] - before["observations"]; n != size {
				t.Errorf("after the retry the district gained %d observations, want %d", n, size)
			}
			if n := final["scores"] - before["scores"]; n != 15*size {
				t.Errorf("after the retry the district gained %d scores, want %d", n, 15*size)
			}
			if err := testdb.CheckRollups(ctx, st, district); err != nil {
				t.Errorf("rollups after the retry: %v", err)
			}
		})
	}
}

// uncommitted reads the server's count of applied changes awaiting their
// push's commit from /metrics.
func uncommitted(t *testing.T, base string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "walkthrough_sync_changes_uncommitted "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("metrics: %q: %v", line, err)
			}
			return f
		}
	}
	return 0
}
