package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	_ "github.com/glebarez/go-sqlite" // the embedded database's driver, "sqlite"
)

// Database names where the queue keeps its jobs: the server's own
// database, PostgreSQL (DatabaseURL) or the SQLite file (SQLitePath).
type Database struct {
	DatabaseURL string
	SQLitePath  string
}

// Options configure a Queue.
type Options struct {
	Logger *slog.Logger
	// Claims, with Periodic, makes the server's periodic work run on River's
	// leader once per period.
	Claims   Claimer
	Periodic []Periodic
	// Register adds the workers of other packages (messages, reminders).
	Register func(w *river.Workers)
	// Metrics, when set, receives the queue's collectors.
	Metrics prometheus.Registerer
	// Work is false for a queue that only inserts (the CLI).
	Work bool
	// ID names this server's client (River's leader election); a random
	// one when empty.
	ID string
	// PollInterval is how often idle servers look for new jobs; River's
	// default (a second) when zero.
	PollInterval time.Duration
}

// client is what the queue uses of a River client, whichever its driver.
type client interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	JobRetry(ctx context.Context, id int64) (*rivertype.JobRow, error)
	Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func())
}

// Queue is the server's job queue: River on the server's database.
type Queue struct {
	client  client
	log     *slog.Logger
	close   func()
	stopSub func()
	work    bool
	failed  *prometheus.CounterVec
	done    *prometheus.CounterVec
}

// Migrate creates or updates River's tables in db, as the project's own
// migrations do: at `walkthrough migrate up` and at every start.
func Migrate(ctx context.Context, db Database, log *slog.Logger) error {
	var err error
	for attempt := range 3 {
		// Two servers starting at once may migrate together; the one that
		// loses finds the tables made on its next attempt.
		if err = migrate(ctx, db, log); err == nil {
			return nil
		}
		time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
	}
	return err
}

func migrate(ctx context.Context, db Database, log *slog.Logger) error {
	if db.DatabaseURL != "" {
		pool, err := pgxpool.New(ctx, db.DatabaseURL)
		if err != nil {
			return fmt.Errorf("jobs: %w", err)
		}
		defer pool.Close()
		return runMigrations(ctx, riverpgxv5.New(pool), log)
	}
	sqlDB, err := openSQLite(db.SQLitePath)
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	return runMigrations(ctx, riversqlite.New(sqlDB), log)
}

func runMigrations[TTx any](ctx context.Context, d riverdriver.Driver[TTx], log *slog.Logger) error {
	m, err := rivermigrate.New(d, &rivermigrate.Config{Logger: quiet(log)})
	if err != nil {
		return fmt.Errorf("jobs: migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate up: %w", err)
	}
	return nil
}

// MigrateDown removes River's tables from db, with every job in them:
// `walkthrough migrate down all`, after the project's own migrations.
func MigrateDown(ctx context.Context, db Database, log *slog.Logger) error {
	if db.DatabaseURL != "" {
		pool, err := pgxpool.New(ctx, db.DatabaseURL)
		if err != nil {
			return fmt.Errorf("jobs: %w", err)
		}
		defer pool.Close()
		return removeTables(ctx, riverpgxv5.New(pool), log)
	}
	sqlDB, err := openSQLite(db.SQLitePath)
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	return removeTables(ctx, riversqlite.New(sqlDB), log)
}

func removeTables[TTx any](ctx context.Context, d riverdriver.Driver[TTx], log *slog.Logger) error {
	m, err := rivermigrate.New(d, &rivermigrate.Config{Logger: quiet(log)})
	if err != nil {
		return fmt.Errorf("jobs: migrations: %w", err)
	}
	// -1: every step down, River's schema removed.
	if _, err := m.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: -1}); err != nil {
		return fmt.Errorf("jobs: migrate down: %w", err)
	}
	return nil
}

// openSQLite opens River's own connection to the SQLite file: one
// connection, as River's SQLite driver asks, beside the store's pool.
func openSQLite(path string) (*sql.DB, error) {
	if path == "" {
		return nil, errors.New("jobs: no database URL and no SQLite path")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_time_format=sqlite")
	if err != nil {
		return nil, fmt.Errorf("jobs: open sqlite: %w", err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

func quiet(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log.With("component", "jobs")
}

// Open makes a queue on db. Migrate first. Start it to work jobs.
func Open(ctx context.Context, db Database, o Options) (*Queue, error) {
	q := &Queue{log: quiet(o.Logger), work: o.Work}
	q.failed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "walkthrough_job_failures_total",
		Help: "Job attempts that failed (each is retried with backoff until its attempts run out), by kind.",
	}, []string{"kind"})
	q.done = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "walkthrough_jobs_completed_total",
		Help: "Jobs this server completed, by kind.",
	}, []string{"kind"})
	workers := river.NewWorkers()
	var periodic []*river.PeriodicJob
	if o.Work {
		if len(o.Periodic) > 0 {
			if o.Claims == nil {
				return nil, errors.New("jobs: periodic jobs need a claimer")
			}
			byName := map[string]Periodic{}
			for _, p := range o.Periodic {
				byName[p.Name] = p
				periodic = append(periodic, periodicJob(p))
			}
			river.AddWorker(workers, &periodicWorker{jobs: byName, claims: o.Claims, log: q.log})
		}
		if o.Register != nil {
			o.Register(workers)
		}
	}
	cfg := &river.Config{
		Logger:                      slog.New(levelAtLeast{quiet(o.Logger).Handler(), slog.LevelWarn}),
		ID:                          o.ID,
		PeriodicJobs:                periodic,
		CompletedJobRetentionPeriod: time.Hour,
		JobTimeout:                  10 * time.Minute,
		MaxAttempts:                 10,
		FetchPollInterval:           o.PollInterval,
	}
	if o.Work {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}
		cfg.Workers = workers
	}
	var err error
	if db.DatabaseURL != "" {
		var pool *pgxpool.Pool
		pool, err = pgxpool.New(ctx, db.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		q.close = pool.Close
		q.client, err = river.NewClient(riverpgxv5.New(pool), cfg)
	} else {
		var sqlDB *sql.DB
		sqlDB, err = openSQLite(db.SQLitePath)
		if err != nil {
			return nil, err
		}
		q.close = func() { sqlDB.Close() }
		if cfg.FetchPollInterval == 0 {
			cfg.FetchPollInterval = time.Second
		}
		q.client, err = river.NewClient(riversqlite.New(sqlDB), cfg)
	}
	if err != nil {
		q.close()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if o.Metrics != nil {
		for _, c := range []prometheus.Collector{q.failed, q.done, &stateCollector{q: q}} {
			if err := o.Metrics.Register(c); err != nil {
				q.close()
				return nil, fmt.Errorf("jobs: metrics: %w", err)
			}
		}
	}
	return q, nil
}

// Start works jobs until Stop.
func (q *Queue) Start(ctx context.Context) error {
	if !q.work {
		return nil
	}
	events, stop := q.client.Subscribe(river.EventKindJobFailed, river.EventKindJobCompleted)
	q.stopSub = stop
	go func() {
		for e := range events {
			if e.Job == nil {
				continue
			}
			if e.Kind == river.EventKindJobFailed {
				q.failed.WithLabelValues(e.Job.Kind).Inc()
				msg := ""
				if n := len(e.Job.Errors); n > 0 {
					msg = e.Job.Errors[n-1].Error
				}
				q.log.Warn("job failed", "kind", e.Job.Kind, "id", e.Job.ID, "attempt", e.Job.Attempt, "err", msg)
			} else {
				q.done.WithLabelValues(e.Job.Kind).Inc()
			}
		}
	}()
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop lets running jobs finish (until ctx ends, then cancels them) and
// closes the queue's connections.
func (q *Queue) Stop(ctx context.Context) error {
	var err error
	if q.work {
		err = q.client.Stop(ctx)
		if err != nil {
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err = q.client.StopAndCancel(cctx)
			cancel()
		}
	}
	if q.stopSub != nil {
		q.stopSub()
	}
	q.close()
	return err
}

// Kill stops at once, cancelling running jobs, as a crash would (tests).
func (q *Queue) Kill(ctx context.Context) error {
	err := q.client.StopAndCancel(ctx)
	if q.stopSub != nil {
		q.stopSub()
	}
	q.close()
	return err
}

// Insert enqueues a job.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := q.client.Insert(ctx, args, opts); err != nil {
		return fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return nil
}

// Retry makes the unfinished jobs of args' kind with the same args due at
// once, however many attempts they had (River's JobRetry), and enqueues
// args when there is none. A job still marked running (an attempt that
// just ended is recorded a moment later) is waited for, a few seconds at
// most.
func (q *Queue) Retry(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	want, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("jobs: retry %s: %w", args.Kind(), err)
	}
	params := river.NewJobListParams().Kinds(args.Kind()).First(10000).
		States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled,
			rivertype.JobStateDiscarded, rivertype.JobStateCancelled)
	for wait := 0; ; wait++ {
		res, err := q.client.JobList(ctx, params)
		if err != nil {
			return fmt.Errorf("jobs: retry %s: %w", args.Kind(), err)
		}
		var mine []*rivertype.JobRow
		running := false
		for _, j := range res.Jobs {
			if sameJSON(j.EncodedArgs, want) {
				mine = append(mine, j)
				running = running || j.State == rivertype.JobStateRunning
			}
		}
		if running && wait < 50 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		if len(mine) == 0 {
			return q.Insert(ctx, args, opts)
		}
		for _, j := range mine {
			if j.State == rivertype.JobStateAvailable || j.State == rivertype.JobStateRunning {
				continue
			}
			if _, err := q.client.JobRetry(ctx, j.ID); err != nil {
				return fmt.Errorf("jobs: retry %s: %w", args.Kind(), err)
			}
		}
		return nil
	}
}

// sameJSON reports whether two JSON objects hold the same values.
func sameJSON(a, b []byte) bool {
	var x, y map[string]any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// Job is one job as administrators see it.
type Job struct {
	ID          int64
	Kind        string
	Name        string // a periodic job's name
	State       string
	Attempt     int
	MaxAttempts int
	LastError   string
	CreatedAt   time.Time
	FinalizedAt *time.Time
	DistrictID  string // "" for the server's own work
}

// Recent lists the newest jobs, at most limit, newest first.
func (q *Queue) Recent(ctx context.Context, limit int) ([]Job, error) {
	res, err := q.client.JobList(ctx, river.NewJobListParams().First(limit).OrderBy(river.JobListOrderByID, river.SortOrderDesc))
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	out := make([]Job, 0, len(res.Jobs))
	for _, r := range res.Jobs {
		var a struct {
			Job        string `json:"job"`
			DistrictID string `json:"district_id"`
		}
		_ = json.Unmarshal(r.EncodedArgs, &a)
		j := Job{ID: r.ID, Kind: r.Kind, Name: a.Job, State: string(r.State), Attempt: r.Attempt, MaxAttempts: r.MaxAttempts,
			CreatedAt: r.CreatedAt, FinalizedAt: r.FinalizedAt, DistrictID: a.DistrictID}
		if n := len(r.Errors); n > 0 {
			j.LastError = r.Errors[n-1].Error
		}
		out = append(out, j)
	}
	return out, nil
}

// stateCollector reports, at each scrape, how many jobs of each kind are
// in each state across every server.
type stateCollector struct{ q *Queue }

var jobsDesc = prometheus.NewDesc("walkthrough_jobs", "Jobs in the queue by kind and state (all servers; finished jobs are kept an hour).", []string{"kind", "state"}, nil)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	// A scrape never waits on the queue's database: on SQLite its one
	// connection can wait for a long push to commit, and /metrics must
	// still answer (the counts are left out of that scrape).
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	counts := map[[2]string]int{}
	params := river.NewJobListParams().First(10000).OrderBy(river.JobListOrderByID, river.SortOrderDesc)
	res, err := c.q.client.JobList(ctx, params)
	if err != nil {
		c.q.log.Warn("counting jobs for metrics", "err", err)
		return
	}
	for _, j := range res.Jobs {
		counts[[2]string{j.Kind, string(j.State)}]++
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
}

// levelAtLeast drops River's records below a level: its info lines are
// one per job.
type levelAtLeast struct {
	slog.Handler
	min slog.Level
}

func (h levelAtLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}
func (h levelAtLeast) WithAttrs(a []slog.Attr) slog.Handler {
	return levelAtLeast{h.Handler.WithAttrs(a), h.min}
}
func (h levelAtLeast) WithGroup(n string) slog.Handler {
	return levelAtLeast{h.Handler.WithGroup(n), h.min}
}

// PeriodicArgs is the job of one period of a Periodic.
type PeriodicArgs struct {
	Job string `json:"job"`
}

// Kind is the job kind of periodic work.
func (PeriodicArgs) Kind() string { return "periodic" }

func periodicJob(p Periodic) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(p.Every), func() (river.JobArgs, *river.InsertOpts) {
		opts := &river.InsertOpts{MaxAttempts: 5}
		if p.Every >= time.Second { // River's shortest unique period
			opts.UniqueOpts = river.UniqueOpts{ByArgs: true, ByPeriod: p.Every}
		}
		return PeriodicArgs{Job: p.Name}, opts
	}, &river.PeriodicJobOpts{ID: p.Name, RunOnStart: true})
}

type periodicWorker struct {
	river.WorkerDefaults[PeriodicArgs]
	jobs   map[string]Periodic
	claims Claimer
	log    *slog.Logger
}

func (w *periodicWorker) Timeout(j *river.Job[PeriodicArgs]) time.Duration {
	p := w.jobs[j.Args.Job]
	if p.Timeout > 0 {
		return p.Timeout
	}
	return p.Every
}

// Work claims the period on a first attempt (a period enqueued twice runs
// once) and runs the job; a failure is retried with backoff.
func (w *periodicWorker) Work(ctx context.Context, j *river.Job[PeriodicArgs]) error {
	p, ok := w.jobs[j.Args.Job]
	if !ok {
		return river.JobCancel(fmt.Errorf("no periodic job %q on this server", j.Args.Job))
	}
	if j.Attempt == 1 {
		// A little less than the period, so that a run enqueued on time
		// is never refused for starting a moment early.
		mine, err := w.claims.ClaimPeriodicRun(ctx, p.Name, p.Every-p.Every/10)
		if err != nil {
			return err
		}
		if !mine {
			return nil
		}
	}
	return p.Run(ctx)
}
