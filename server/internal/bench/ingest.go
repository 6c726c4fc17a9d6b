package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/loadgen"
	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Coach is a signed-in user of the benchmark district.
type Coach struct {
	ID, Email, Password string
	Schools             []string
}

// AddCoach adds a coach at n of the district's schools from the first.
func (d *District) AddCoach(ctx context.Context, s *store.Store, first, n int) (Coach, error) {
	first = min(first, len(d.Schools))
	c := Coach{ID: domain.NewID(), Email: fmt.Sprintf("coach-%d-%s@example.org", first, d.ID[24:]), Password: "bench-coach-password",
		Schools: d.Schools[first:min(first+n, len(d.Schools))]}
	hash, err := auth.HashPassword(c.Password)
	if err != nil {
		return Coach{}, err
	}
	u := domain.User{ID: c.ID, DistrictID: d.ID, Email: c.Email, Name: "Bench coach", PasswordHash: hash, Active: true}
	for _, sc := range c.Schools {
		u.Grants = append(u.Grants, domain.RoleGrant{Role: domain.RoleCoach, SchoolID: sc})
	}
	return c, s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, u) })
}

// Ingest is a day of observations pushed over HTTP twice: the first pass
// applies, the second (every answer lost, everything sent again) must be
// all duplicates.
type Ingest struct {
	First, Second loadgen.Report
}

// RunIngest plays the day against the server as the coach, twice.
func RunIngest(ctx context.Context, baseURL string, c Coach, observations, devices int) (Ingest, error) {
	day := loadgen.Day{BaseURL: baseURL, Email: c.Email, Password: c.Password, Observations: observations, Devices: devices, Seed: 11}
	first, second, err := day.RunTwice(ctx, loadgen.NewClient(devices))
	if err != nil {
		return Ingest{}, err
	}
	if first.Applied != observations || first.Other != 0 {
		return Ingest{}, fmt.Errorf("ingest: the first pass answered %s", first)
	}
	if second.Duplicate != observations || second.Other != 0 {
		return Ingest{}, fmt.Errorf("ingest: the replay answered %s", second)
	}
	return Ingest{First: first, Second: second}, nil
}

// RunIngestOnce plays another day of new observations (another seed) once.
func RunIngestOnce(ctx context.Context, baseURL string, c Coach, observations, devices int, seed uint64) (loadgen.Report, error) {
	day := loadgen.Day{BaseURL: baseURL, Email: c.Email, Password: c.Password, Observations: observations, Devices: devices, Seed: seed}
	r, err := day.Run(ctx, loadgen.NewClient(devices))
	if err == nil && (r.Applied != observations || r.Other != 0) {
		err = fmt.Errorf("ingest: the pass answered %s", r)
	}
	return r, err
}

// CopyReference copies the score rows of the coach's observations stored
// since a time into a table of the same shape (columns, keys and indexes)
// with pgx CopyFrom, three times, each into a fresh table after a
// checkpoint, and answers the rows and the median seconds a COPY took: the
// physical limit ingest is measured against.
func CopyReference(ctx context.Context, conn *pgx.Conn, c Coach, since time.Time) (rows int64, seconds float64, err error) {
	res, err := conn.Query(ctx, `SELECT s.observation_id, s.indicator_key, s.district_id, s.rubric_version_id, s.level, s.evidence
		FROM scores s JOIN observations o ON o.id = s.observation_id WHERE o.observer_id = $1 AND o.created_at >= $2`, c.ID, since)
	if err != nil {
		return 0, 0, fmt.Errorf("copy reference: %w", err)
	}
	var data [][]any
	for res.Next() {
		v, err := res.Values()
		if err != nil {
			return 0, 0, err
		}
		data = append(data, v)
	}
	if err := res.Err(); err != nil {
		return 0, 0, err
	}
	defer func() { _, _ = conn.Exec(context.Background(), `DROP TABLE IF EXISTS scores_copy`) }()
	var took []float64
	for range 3 {
		if _, err := conn.Exec(ctx, `DROP TABLE IF EXISTS scores_copy; CREATE TABLE scores_copy (LIKE scores INCLUDING ALL)`); err != nil {
			return 0, 0, fmt.Errorf("copy reference: %w", err)
		}
		if err := Checkpoint(ctx, conn); err != nil {
			return 0, 0, err
		}
		began := time.Now()
		rows, err = conn.CopyFrom(ctx, pgx.Identifier{"scores_copy"}, []string{"observation_id", "indicator_key", "district_id", "rubric_version_id", "level", "evidence"},
			pgx.CopyFromRows(data))
		if err != nil {
			return 0, 0, fmt.Errorf("copy reference: %w", err)
		}
		took = append(took, time.Since(began).Seconds())
	}
	slices.Sort(took)
	return rows, took[len(took)/2], nil
}

// Checkpoint writes out every dirty page, so that a measurement that
// follows does not pay for the writes of the one before.
func Checkpoint(ctx context.Context, conn *pgx.Conn) error {
	if _, err := conn.Exec(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpoint (the benchmark's role needs pg_checkpoint): %w", err)
	}
	return nil
}

// WaitFolded waits until the server has folded every rollup delta into the
// rollups (no delta table holds a row), so that a measurement that follows
// does not share the machine with a fold, and answers how long it waited.
func WaitFolded(ctx context.Context, conn *pgx.Conn, limit time.Duration) (time.Duration, error) {
	var q []string
	for _, t := range rollup.Tables {
		q = append(q, "EXISTS (SELECT 1 FROM "+t.Deltas+")")
	}
	began := time.Now()
	for {
		var pending bool
		if err := conn.QueryRow(ctx, "SELECT "+strings.Join(q, " OR ")).Scan(&pending); err != nil {
			return 0, fmt.Errorf("wait for folding: %w", err)
		}
		if !pending {
			return time.Since(began), nil
		}
		if time.Since(began) > limit {
			return 0, fmt.Errorf("wait for folding: deltas are still there after %s", limit)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
