package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/loadgen"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// TestTwoServersBehindPgBouncerInTransactionMode runs two servers on one
// PostgreSQL database through PgBouncer in transaction mode, with fewer
// server connections (4) than either server's pool, so that consecutive
// statements of one client connection land on different server sessions
// and a server that needed a second connection inside a transaction would
// wait forever. Each server takes another coach device fleet's day, at
// once, and the same batches again: every change is applied exactly once,
// the rollups equal their recomputation, a new device's snapshot arrives,
// the periodic work runs once across both, and neither server logs an
// error.
func TestTwoServersBehindPgBouncerInTransactionMode(t *testing.T) {
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dbURL, _ := testdb.NewDatabase(t, store.Postgres)
	pooled := testdb.PgBouncer(t, dbURL, 4)

	began := time.Now()
	a := startServer(t, bin, t.TempDir(), pooled)
	b := startServer(t, bin, t.TempDir(), pooled)
	st := a.openStore(t)
	district := demoDistrict(t, st)
	before, err := st.TableCounts(ctx, district)
	if err != nil {
		t.Fatal(err)
	}

	const observations, scores = 1500, 15
	var wg sync.WaitGroup
	reports := make([][2]loadgen.Report, 2)
	errs := make([]error, 2)
	for i, srv := range []*testServer{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			day := loadgen.Day{BaseURL: srv.url(), Email: demoCoachEmail, Password: demoCoachPassword,
				Observations: observations, ScoresEach: scores, BatchSize: 100, Devices: 8, Seed: uint64(100 + i)}
			first, second, err := day.RunTwice(ctx, loadgen.NewClient(day.Devices))
			reports[i], errs[i] = [2]loadgen.Report{first, second}, err
		}()
	}
	wg.Wait()
	for i, r := range reports {
		if errs[i] != nil {
			t.Fatalf("day load through server %d: %v\nserver log:\n%s", i, errs[i], tail([]*testServer{a, b}[i].stderr.String(), 40))
		}
		if r[0].Applied != observations || r[0].Other != 0 {
			t.Errorf("server %d, first pass: %d applied of %d; %d other (%s)", i, r[0].Applied, observations, r[0].Other, r[0].FirstProblem)
		}
		if r[1].Duplicate != observations || r[1].Applied != 0 || r[1].Other != 0 {
			t.Errorf("server %d, second pass: %d duplicates of %d, %d applied, %d other (%s)", i, r[1].Duplicate, observations, r[1].Applied, r[1].Other, r[1].FirstProblem)
		}
	}

	// A new device of the coach gets its snapshot through either server.
	for _, srv := range []*testServer{a, b} {
		coach, err := loadgen.SignIn(ctx, loadgen.NewClient(1), srv.url(), demoCoachEmail, demoCoachPassword)
		if err != nil {
			t.Fatal(err)
		}
		snap, err := coach.Snapshot(ctx)
		if err != nil {
			t.Fatalf("snapshot through %s: %v", srv.url(), err)
		}
		if snap.Records < 2*observations {
			t.Errorf("a new device's snapshot holds %d records, want at least the %d observations pushed", snap.Records, 2*observations)
		}
	}

	// The servers fold the deltas in by themselves, once per period across
	// both.
	var runs map[string]int64
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		c, err := st.TableCounts(ctx, district)
		if err != nil {
			t.Fatal(err)
		}
		if runs, err = st.PeriodicRuns(ctx); err != nil {
			t.Fatal(err)
		}
		if c["rollup_deltas"]+c["rollup_observation_deltas"]+c["dimension_rollup_deltas"] == 0 && runs["change-log-compaction"] >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s the deltas are not folded in or compaction has not run: %v, runs %v", c, runs)
		}
	}
	if runs["change-log-compaction"] != 1 {
		t.Errorf("the hourly change-log compaction ran %d times", runs["change-log-compaction"])
	}
	if most := int64(time.Since(began)/time.Second) + 1; runs["rollup-folding"] > most {
		t.Errorf("rollup folding ran %d times in %s, more than once a second", runs["rollup-folding"], time.Since(began))
	}
	for _, srv := range []*testServer{a, b} {
		srv.stop(t)
		if log := srv.stderr.String(); strings.Contains(log, `"level":"ERROR"`) {
			t.Errorf("a server behind PgBouncer logged errors:\n%s", tail(log, 20))
		}
	}
	after, err := st.TableCounts(ctx, district)
	if err != nil {
		t.Fatal(err)
	}
	if n := after["observations"] - before["observations"]; n != 2*observations {
		t.Errorf("the district holds %d more observations, want %d", n, 2*observations)
	}
	if n := after["scores"] - before["scores"]; n != 2*observations*scores {
		t.Errorf("the district holds %d more scores, want %d", n, 2*observations*scores)
	}
	if err := testdb.CheckRollups(ctx, st, district); err != nil {
		t.Errorf("rollups after the day: %v", err)
	}
}
