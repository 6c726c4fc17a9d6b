package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/loadgen"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// TestDevicesPullFromTheStandbyAndReadTheirOwnWrites runs the server on a
// real primary with a real streaming standby (WALKTHROUGH_READ_DATABASE_URL).
// With the standby's replay paused, the assistant principal who planned a
// walkthrough pulls it at once (their reads fall back to the primary until
// the standby has their write), while the principal of the school, whose
// pulls go to the standby, does not see it yet; once replay resumes, the
// principal's new device gets it too.
func TestDevicesPullFromTheStandbyAndReadTheirOwnWrites(t *testing.T) {
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	primaryURL, standbyURL := testdb.StandbyPair(t)
	srv := startServer(t, bin, t.TempDir(), primaryURL, "WALKTHROUGH_READ_DATABASE_URL="+standbyURL)
	standby, err := sql.Open("pgx", standbyURL)
	if err != nil {
		t.Fatal(err)
	}
	defer standby.Close()

	observer, err := loadgen.SignIn(ctx, loadgen.NewClient(1), srv.url(), "observer@demo.walkthrough.test", "walkthrough-observer")
	if err != nil {
		t.Fatal(err)
	}
	principal, err := loadgen.SignIn(ctx, loadgen.NewClient(1), srv.url(), "principal@demo.walkthrough.test", "walkthrough-principal")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := principal.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Teachers) == 0 {
		t.Fatal("the principal's snapshot holds no teachers")
	}
	// The sign-ins wrote (sessions, the audit log): wait until the standby
	// has replayed everything so far, then hold it there.
	var primaryLSN string
	primary, err := sql.Open("pgx", primaryURL)
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()
	if err := primary.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&primaryLSN); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var caughtUp bool
		if err := standby.QueryRowContext(ctx, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", primaryLSN).Scan(&caughtUp); err != nil {
			t.Fatal(err)
		}
		if caughtUp {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the standby did not catch up with the primary in 30 s")
		}
	}
	if _, err := standby.ExecContext(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}

	// The assistant principal plans a walkthrough at a school the
	// principal leads (the first of the principal's schools the observer
	// may plan at), which reaches the principal's devices.
	id := ""
	for _, teacher := range snap.Teachers {
		id = domain.NewID()
		data, _ := json.Marshal(map[string]any{"school_id": teacher.SchoolID, "rubric_version_id": snap.Rubric.ID, "kind": "classroom",
			"date": time.Now().Format(time.DateOnly), "team": []string{}, "focus": []string{}})
		res, err := observer.Push(ctx, sync.PushRequest{DeviceID: domain.NewID(), Changes: []sync.Change{
			{ChangeID: domain.NewID(), Entity: sync.EntityWalkthrough, Op: sync.OpUpsert, ID: id, Data: data}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Results) == 1 && res.Results[0].Status == sync.StatusApplied {
			break
		}
		t.Logf("walkthrough at %s: %+v", teacher.SchoolID, res.Results)
		id = ""
	}
	if id == "" {
		t.Fatal("the observer could plan a walkthrough at none of the principal's schools")
	}

	mine, err := observer.PulledIDs(ctx, sync.EntityWalkthrough)
	if err != nil {
		t.Fatal(err)
	}
	if mine[id] != 1 {
		t.Fatal("the observer's new device does not get the walkthrough the observer just planned: a user's pull must read their own writes")
	}
	theirs, err := principal.PulledIDs(ctx, sync.EntityWalkthrough)
	if err != nil {
		t.Fatal(err)
	}
	if theirs[id] != 0 {
		t.Fatal("the principal's pull saw the walkthrough while the standby's replay was paused: pulls do not read from the standby")
	}
	if len(theirs) == 0 {
		t.Fatal("the principal's pull from the standby holds no walkthroughs at all")
	}

	if _, err := standby.ExecContext(ctx, "SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		theirs, err := principal.PulledIDs(ctx, sync.EntityWalkthrough)
		if err != nil {
			t.Fatal(err)
		}
		if theirs[id] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the principal's pull never got the walkthrough after the standby resumed")
		}
	}
	srv.stop(t)
}
