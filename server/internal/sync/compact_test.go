package sync_test

import (
	"context"
	"database/sql"
	gosync "sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/jobs"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// clock is a store's clock that a test moves.
type clock struct {
	mu  gosync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// metricValue reads one unlabelled metric from a registry; -1 when absent.
func metricValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name || len(f.GetMetric()) != 1 {
			continue
		}
		m := f.GetMetric()[0]
		if m.GetCounter() != nil {
			return m.GetCounter().GetValue()
		}
		return m.GetGauge().GetValue()
	}
	return -1
}

// TestCompactChangeLogJobCompactsAndCounts runs the compaction loop as
// the server does, with a short interval: it removes the superseded entries
// and the tombstones older than the horizon, counts them in the metrics,
// and a device whose cursor lies before a removed tombstone is then
// answered 410, while one after it pulls on.
func TestCompactChangeLogJobCompactsAndCounts(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			clk := &clock{now: time.Now()}
			s := testdb.OpenAt(t, dialect, clk.Now)
			f, err := newFixture(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			reg := prometheus.NewRegistry()
			f.svc = sync.NewService(s, nil, sync.NewMetrics(reg), nil)
			away, _ := pullAll(t, f, "")

			// Two days ago an observation was made, amended and deleted;
			// today another was made.
			clk.set(time.Now().Add(-48 * time.Hour))
			old := observe(t, f, 1)[0]
			level := 4
			amend := f.upsert(old, 1, observation{School: f.schools[0], Teacher: f.teachers[f.schools[0]][0], Kind: "classroom",
				Status: "submitted", StartedAt: time.Now().Add(-49 * time.Hour).UTC().Truncate(time.Second), Rubric: f.rubrics[0].id,
				Scores: []domain.Score{{IndicatorKey: f.rubrics[0].keys[0], Level: &level}}})
			for _, c := range []sync.Change{amend, f.remove(old, 2)} {
				if res, err := f.push(ctx, domain.NewID(), c); err != nil || res[0].Status != sync.StatusApplied {
					t.Fatalf("%s: %+v, %v", c.Op, res, err)
				}
			}
			clk.set(time.Now())
			recent, _ := pullAll(t, f, away)
			kept := observe(t, f, 1)[0]

			if metricValue(t, reg, "walkthrough_change_log_last_compaction_timestamp_seconds") != 0 {
				t.Fatal("a compaction time before any compaction")
			}
			loop, stop := context.WithCancel(ctx)
			stopped := make(chan struct{})
			go func() {
				defer close(stopped)
				jobs.NewRunner(s, nil, 0, f.svc.CompactChangeLogJob(20*time.Millisecond, 24*time.Hour)).Run(loop)
			}()
			deadline := time.Now().Add(30 * time.Second)
			for metricValue(t, reg, "walkthrough_change_log_last_compaction_timestamp_seconds") <= 0 {
				if time.Now().After(deadline) {
					t.Fatal("the loop never compacted")
				}
				time.Sleep(10 * time.Millisecond)
			}
			stop()
			<-stopped

			// The upsert and the amend were superseded, the two-day-old
			// tombstone is past the one-day horizon, and two framework
			// entries were superseded (the fixture's main rubric published
			// at version 1, then 2; its other rubric published, then
			// assigned): five entries.
			if n := metricValue(t, reg, "walkthrough_change_log_compacted_entries_total"); n != 5 {
				t.Fatalf("compacted %v entries, want 5", n)
			}
			if at := metricValue(t, reg, "walkthrough_change_log_last_compaction_timestamp_seconds"); time.Since(time.Unix(int64(at), 0)) > time.Minute {
				t.Fatalf("last compaction at %v", at)
			}
			if _, err := f.svc.Pull(ctx, f.coach, away, 10); domain.ErrorCode(err) != domain.EGone {
				t.Fatalf("a cursor from before the removed tombstone: want 410, got %v", err)
			}
			_, got := pullAll(t, f, recent)
			if len(got) != 1 || got[0].ID != kept {
				t.Fatalf("after a cursor past the tombstone: %+v, want %s", got, kept)
			}
			_, snapshot := pullAll(t, f, "")
			for _, r := range snapshot {
				if r.ID == old {
					t.Fatalf("the snapshot still has the removed observation: %+v", r)
				}
			}
		})
	}
}

// TestChangeLogCompactionRunsOnOneServerAtATime holds the compaction lock
// as another server would: a compaction then does nothing and says so.
func TestChangeLogCompactionRunsOnOneServerAtATime(t *testing.T) {
	ctx := context.Background()
	db := newDatabase(t, store.Postgres)
	s := db.open(t)
	if _, err := newFixture(ctx, s); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("pgx", db.url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7003, 1)"); err != nil {
		t.Fatal(err)
	}
	res, err := s.CompactChangeLogs(ctx, time.Hour)
	if err != nil || res.Ran {
		t.Errorf("a compaction while another server holds the lock: %+v, %v", res, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	res, err = s.CompactChangeLogs(ctx, time.Hour)
	if err != nil || !res.Ran || res.Districts != 1 {
		t.Fatalf("a compaction once the lock is free: %+v, %v", res, err)
	}
}
