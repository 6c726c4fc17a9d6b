package jobs_test

import (
	"context"
	"io"
	"log/slog"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/jobs"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// TestPeriodicJobsRunOncePerPeriodAcrossServers runs four runners, as four
// servers on one database would, for a little over five periods: the job
// runs once per period, never twice at once, whichever server claims it.
func TestPeriodicJobsRunOncePerPeriodAcrossServers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		const every = 400 * time.Millisecond
		var runs, running, overlaps atomic.Int64
		job := jobs.Periodic{Name: "fold", Every: every, Run: func(ctx context.Context) error {
			if running.Add(1) > 1 {
				overlaps.Add(1)
			}
			runs.Add(1)
			time.Sleep(20 * time.Millisecond)
			running.Add(-1)
			return nil
		}}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		ctx, cancel := context.WithCancel(context.Background())
		var wg gosync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				jobs.NewRunner(s, log, 25*time.Millisecond, job).Run(ctx)
			}()
		}
		time.Sleep(5*every + every/2)
		cancel()
		wg.Wait()
		// At 0, 1, … 5 periods; a loaded machine may claim the last late.
		if n := runs.Load(); n < 5 || n > 6 {
			t.Errorf("in 5.5 periods the job ran %d times, want 6 (at most one run a period)", n)
		}
		if overlaps.Load() != 0 {
			t.Errorf("two servers ran the job at once %d times", overlaps.Load())
		}
		claimed, err := s.PeriodicRuns(context.Background())
		if err != nil || claimed["fold"] != runs.Load() {
			t.Errorf("the database counts %d runs, the job ran %d (%v)", claimed["fold"], runs.Load(), err)
		}
	})
}
