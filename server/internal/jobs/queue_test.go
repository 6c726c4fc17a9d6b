package jobs_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/walkthrough-edu/walkthrough/server/internal/jobs"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// openQueueDatabase is a fresh migrated database of the dialect with the
// queue's tables: a store on it and where the queue finds it.
func openQueueDatabase(t *testing.T, dialect string) (*store.Store, jobs.Database) {
	t.Helper()
	url, path := testdb.NewDatabase(t, dialect)
	s := testdb.OpenExisting(t, url, path, nil)
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db := jobs.Database{DatabaseURL: url, SQLitePath: path}
	if err := jobs.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	return s, db
}

// TestQueuePeriodicWorkRunsOnceAcrossServersAndRetries starts two servers'
// queues on one database with two periodic jobs: the folding-like job runs
// about once a period (never twice a period) whichever server leads, and a
// job that fails its first attempt is retried and then succeeds; the
// failure shows in the job list and in the metrics.
func TestQueuePeriodicWorkRunsOnceAcrossServersAndRetries(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s, db := openQueueDatabase(t, dialect)
			ctx := context.Background()
			const every = 500 * time.Millisecond
			var folds, flaky atomic.Int64
			periodic := []jobs.Periodic{
				{Name: "fold", Every: every, Run: func(ctx context.Context) error { folds.Add(1); return nil }},
				{Name: "flaky", Every: time.Hour, Run: func(ctx context.Context) error {
					if flaky.Add(1) == 1 {
						return errors.New("the first attempt fails")
					}
					return nil
				}},
			}
			regs := []*prometheus.Registry{prometheus.NewRegistry(), prometheus.NewRegistry()}
			var queues []*jobs.Queue
			for i := range 2 {
				o := jobs.Options{Claims: s, Work: true, Periodic: periodic, PollInterval: 100 * time.Millisecond}
				o.Metrics = regs[i]
				q, err := jobs.Open(ctx, db, o)
				if err != nil {
					t.Fatal(err)
				}
				if err := q.Start(ctx); err != nil {
					t.Fatal(err)
				}
				queues = append(queues, q)
			}
			began := time.Now()
			deadline := time.Now().Add(20 * time.Second)
			for flaky.Load() < 2 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			elapsed := time.Since(began)
			for _, q := range queues[1:] {
				if err := q.Stop(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if n := flaky.Load(); n != 2 {
				t.Fatalf("the job that fails once ran %d times, want 2 (a failure, then its retry)", n)
			}
			if most := int64(elapsed/every) + 2; folds.Load() < 2 || folds.Load() > most {
				t.Errorf("in %s the half-second job ran %d times across two servers, want between 2 and %d", elapsed, folds.Load(), most)
			}
			list, err := queues[0].Recent(ctx, 500)
			if err != nil {
				t.Fatal(err)
			}
			var sawRetry bool
			for _, j := range list {
				if j.Kind == "periodic" && j.Name == "flaky" && j.Attempt == 2 && strings.Contains(j.LastError, "first attempt fails") {
					sawRetry = true
				}
			}
			if !sawRetry {
				t.Errorf("the job list does not show the retried job with its last error: %+v", list)
			}
			if n := jobFailures(t, regs[0]) + jobFailures(t, regs[1]); n < 1 {
				t.Errorf("walkthrough_job_failures_total is %v after a failed attempt", n)
			}
			if err := queues[0].Stop(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func jobFailures(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "walkthrough_job_failures_total" {
			for _, m := range mf.GetMetric() {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}
