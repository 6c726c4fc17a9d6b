// Package jobs runs the server's periodic work (folding rollup deltas,
// compacting the change log) once per period across every server on one
// database. Each server ticks; a job that is due is claimed in the
// database (store.ClaimPeriodicRun) and only the server whose claim
// succeeds runs it. Other packages add work by adding a Periodic.
package jobs

import (
	"context"
	"log/slog"
	"time"
)

// Periodic is work that runs every Every, on one server at a time.
type Periodic struct {
	Name    string
	Every   time.Duration
	Timeout time.Duration // how long one run may take; Every when zero
	Run     func(ctx context.Context) error
}

// Claimer hands out the periods of jobs: the database. A periodic job
// enqueued twice for one period (a leader that changed, a server started
// twice) runs once.
type Claimer interface {
	ClaimPeriodicRun(ctx context.Context, job string, every time.Duration) (bool, error)
}

// Runner runs periodic jobs until its context ends.
type Runner struct {
	claims Claimer
	log    *slog.Logger
	jobs   []Periodic
	tick   time.Duration
}

// NewRunner returns a Runner of jobs; it looks for due jobs every tick
// (the shortest job's period when tick is zero).
func NewRunner(claims Claimer, log *slog.Logger, tick time.Duration, jobs ...Periodic) *Runner {
	if tick <= 0 {
		for _, j := range jobs {
			if tick == 0 || j.Every < tick {
				tick = j.Every
			}
		}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{claims: claims, log: log, jobs: jobs, tick: tick}
}

// Run claims and runs due jobs every tick until ctx ends; a job that is
// running when ctx ends is finished with its own timeout. A failed claim
// or run is logged and the job is due again at its next period.
func (r *Runner) Run(ctx context.Context) {
	t := time.NewTicker(r.tick)
	defer t.Stop()
	for {
		for _, j := range r.jobs {
			if ctx.Err() != nil {
				return
			}
			r.runIfDue(ctx, j)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Runner) runIfDue(ctx context.Context, j Periodic) {
	mine, err := r.claims.ClaimPeriodicRun(ctx, j.Name, j.Every)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Error("claiming a periodic job", "job", j.Name, "err", err)
		}
		return
	}
	if !mine {
		return
	}
	timeout := j.Timeout
	if timeout <= 0 {
		timeout = j.Every
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := j.Run(wctx); err != nil {
		r.log.Error("periodic job failed", "job", j.Name, "err", err)
	}
}
