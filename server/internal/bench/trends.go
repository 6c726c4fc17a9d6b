// Package bench measures the server at district scale against what
// PostgreSQL itself can do, on this machine, in the same run.
package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
	"github.com/walkthrough-edu/walkthrough/server/internal/visits"
)

// Figure is one measured line of docs/benchmarks.md.
type Figure struct {
	What   string
	Data   string
	Figure string
	Ratio  string
}

// District is a large synthetic district loaded by COPY.
type District struct {
	ID, RubricID, RubricVersionID string
	Schools                       []string
	teachers                      map[string][]string
	observer                      string
	indicators                    []string
}

// NewDistrict makes the district's roster and rubric through the store.
func NewDistrict(ctx context.Context, s *store.Store, schools, teachersPerSchool int) (*District, error) {
	d := &District{ID: domain.NewID(), teachers: map[string][]string{}, observer: domain.NewID()}
	v := domain.BuiltinFramework()
	v.ID, v.RubricID, v.DistrictID, v.Status = domain.NewID(), domain.NewID(), d.ID, domain.RubricPublished
	d.RubricID, d.RubricVersionID, d.indicators = v.RubricID, v.ID, v.IndicatorKeys()
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateDistrict(ctx, domain.District{ID: d.ID, Name: "Bench district", TimeZone: "America/Chicago", Settings: domain.DefaultDistrictSettings()}); err != nil {
			return err
		}
		var ts []domain.Teacher
		for i := range schools {
			sc := domain.School{ID: domain.NewID(), DistrictID: d.ID, Name: fmt.Sprintf("School %03d", i), Active: true}
			if err := tx.CreateSchool(ctx, sc); err != nil {
				return err
			}
			d.Schools = append(d.Schools, sc.ID)
			for j := range teachersPerSchool {
				t := domain.Teacher{ID: domain.NewID(), DistrictID: d.ID, SchoolID: sc.ID, FamilyName: fmt.Sprintf("T%d-%d", i, j), Active: true}
				ts = append(ts, t)
				d.teachers[sc.ID] = append(d.teachers[sc.ID], t.ID)
			}
		}
		if err := tx.CreateTeachers(ctx, ts); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, domain.User{ID: d.observer, DistrictID: d.ID, Email: "bench-" + d.ID[24:] + "@example.org", Name: "Bench", Active: true,
			Grants: []domain.RoleGrant{{Role: domain.RoleDistrictAdmin}}}); err != nil {
			return err
		}
		return tx.CreateRubricVersion(ctx, v)
	})
	return d, err
}

// LoadByCopy adds observations with a score per indicator over weeks school
// weeks from start, perWeek per school and week, by COPY, a few weeks per
// COPY to bound memory; it returns the score rows written and the seconds
// the score COPYs took.
func (d *District) LoadByCopy(ctx context.Context, conn *pgx.Conn, start time.Time, weeks, perWeek int, seed uint64) (scores int64, copySeconds float64, err error) {
	for w := 0; w < weeks; w += 4 {
		n, secs, err := d.loadWeeks(ctx, conn, start.AddDate(0, 0, 7*w), min(4, weeks-w), perWeek, seed+uint64(w))
		if err != nil {
			return scores, copySeconds, err
		}
		scores, copySeconds = scores+n, copySeconds+secs
	}
	return scores, copySeconds, nil
}

func (d *District) loadWeeks(ctx context.Context, conn *pgx.Conn, start time.Time, weeks, perWeek int, seed uint64) (scores int64, copySeconds float64, err error) {
	rng := rand.New(rand.NewPCG(seed, 7))
	kinds := []string{"classroom", "leadership", "follow_up", "informal"}
	subjects := []string{"Mathematics", "ELA", "Science", "Social Studies"}
	grades := []string{"K", "2", "4", "6", "8", "10"}
	var obs, sc [][]any
	now := time.Now().UTC()
	for w := range weeks {
		for si, school := range d.Schools {
			for k := range perWeek {
				at := start.AddDate(0, 0, 7*w+k%5).Add(time.Duration(14+k%6) * time.Hour)
				id := domain.NewID()
				grade := grades[(si+k)%len(grades)]
				obs = append(obs, []any{id, d.ID, school, d.teachers[school][k%len(d.teachers[school])], d.observer, d.RubricVersionID,
					kinds[k%len(kinds)], grade, domain.GradeBand(grade), subjects[(si+k)%len(subjects)], at, at, "submitted", at, now, now, int64(1)})
				for _, ind := range d.indicators {
					sc = append(sc, []any{id, ind, d.ID, d.RubricVersionID, int16(1 + rng.IntN(4))})
				}
			}
		}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"observations"}, []string{"id", "district_id", "school_id", "teacher_id", "observer_id",
		"rubric_version_id", "kind", "grade", "grade_band", "subject", "started_at", "counted_at", "status", "received_at", "created_at", "updated_at", "rev"},
		pgx.CopyFromRows(obs)); err != nil {
		return 0, 0, fmt.Errorf("copy observations: %w", err)
	}
	began := time.Now()
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"scores"}, []string{"observation_id", "indicator_key", "district_id", "rubric_version_id", "level"},
		pgx.CopyFromRows(sc))
	if err != nil {
		return 0, 0, fmt.Errorf("copy scores: %w", err)
	}
	return n, time.Since(began).Seconds(), nil
}

// BuildRollups recomputes the district's rollups from its raw scores in one
// statement each (what incremental maintenance would have produced).
func (d *District) BuildRollups(ctx context.Context, conn *pgx.Conn) error {
	// byLevel is an expression per level, %d its level.
	byLevel := func(format string) string {
		var out []string
		for l := 0; l <= rollup.MaxLevel; l++ {
			out = append(out, fmt.Sprintf(format, l))
		}
		return strings.Join(out, ", ")
	}
	levels := byLevel("l%d")
	const period = `GREATEST(date_trunc('week', o.counted_at AT TIME ZONE 'America/Chicago'), date_trunc('month', o.counted_at AT TIME ZONE 'America/Chicago'))::date`
	stmts := []string{
		`DELETE FROM rollup_deltas WHERE district_id = $1`,
		`DELETE FROM rollup_observation_deltas WHERE district_id = $1`,
		`DELETE FROM dimension_rollup_deltas WHERE district_id = $1`,
		`DELETE FROM indicator_rollup_deltas WHERE district_id = $1`,
		`DELETE FROM rollups WHERE district_id = $1`,
		`DELETE FROM rollup_observations WHERE district_id = $1`,
		`INSERT INTO rollups (district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, ` + levels + `)
		 SELECT o.district_id, o.school_id, $2::uuid, i.dimension_key, s.indicator_key, ` + period + `,
		        date_trunc('week', ` + period + `)::date, date_trunc('month', ` + period + `)::date,
		        o.grade_band, o.subject, o.kind, ` + byLevel("count(*) FILTER (WHERE s.level = %d)") + `
		 FROM scores s JOIN observations o ON o.id = s.observation_id
		 JOIN rubric_indicators i ON i.rubric_version_id = s.rubric_version_id AND i.key = s.indicator_key
		 WHERE o.district_id = $1 AND o.status = 'submitted' AND o.deleted_at IS NULL AND s.level IS NOT NULL
		 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`,
		`INSERT INTO rollup_observations (district_id, school_id, rubric_id, period_start, week_start, month_start, grade_band, subject, kind, n)
		 SELECT o.district_id, o.school_id, $2::uuid, ` + period + `, date_trunc('week', ` + period + `)::date, date_trunc('month', ` + period + `)::date,
		        o.grade_band, o.subject, o.kind, count(*)
		 FROM observations o WHERE o.district_id = $1 AND o.status = 'submitted' AND o.deleted_at IS NULL
		 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9`,
		`DELETE FROM dimension_rollups WHERE district_id = $1`,
		`INSERT INTO dimension_rollups (district_id, rubric_id, scope, dimension_key, period_start, week_start, month_start, ` + levels + `)
		 SELECT district_id, rubric_id, COALESCE(school_id::text, 'district'), dimension_key, period_start, week_start, month_start,
		        ` + byLevel("SUM(l%d)") + `
		 FROM rollups WHERE district_id = $1
		 GROUP BY GROUPING SETS ((district_id, rubric_id, school_id, dimension_key, period_start, week_start, month_start),
		                         (district_id, rubric_id, dimension_key, period_start, week_start, month_start))`,
		`UPDATE dimension_rollups d SET observations = c.n
		 FROM (SELECT COALESCE(o.school_id::text, 'district') AS scope, i.dimension_key, ` + period + ` AS period_start, COUNT(DISTINCT o.id) AS n
		       FROM scores s JOIN observations o ON o.id = s.observation_id
		       JOIN rubric_indicators i ON i.rubric_version_id = s.rubric_version_id AND i.key = s.indicator_key
		       WHERE o.district_id = $1 AND o.status = 'submitted' AND o.deleted_at IS NULL AND s.level IS NOT NULL
		       GROUP BY GROUPING SETS ((o.school_id, i.dimension_key, ` + period + `), (i.dimension_key, ` + period + `))) c
		 WHERE d.district_id = $1 AND d.rubric_id = $2 AND d.scope = c.scope AND d.dimension_key = c.dimension_key AND d.period_start = c.period_start`,
		`DELETE FROM indicator_rollups WHERE district_id = $1`,
		`INSERT INTO indicator_rollups (district_id, rubric_id, scope, dimension_key, indicator_key, period_start, week_start, month_start, ` + levels + `)
		 SELECT district_id, rubric_id, COALESCE(school_id::text, 'district'), dimension_key, indicator_key, period_start, week_start, month_start,
		        ` + byLevel("SUM(l%d)") + `
		 FROM rollups WHERE district_id = $1
		 GROUP BY GROUPING SETS ((district_id, rubric_id, school_id, dimension_key, indicator_key, period_start, week_start, month_start),
		                         (district_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start))`,
		// The coarser rollups, as folding keeps them.
		`DELETE FROM dimension_month_rollups WHERE district_id = $1`,
		`INSERT INTO dimension_month_rollups (district_id, rubric_id, scope, dimension_key, month_start, observations, ` + levels + `)
		 SELECT district_id, rubric_id, scope, dimension_key, month_start, SUM(observations), ` + byLevel("SUM(l%d)") + `
		 FROM dimension_rollups WHERE district_id = $1 GROUP BY district_id, rubric_id, scope, dimension_key, month_start`,
		`DELETE FROM indicator_month_rollups WHERE district_id = $1`,
		`INSERT INTO indicator_month_rollups (district_id, rubric_id, scope, dimension_key, indicator_key, month_start, ` + levels + `)
		 SELECT district_id, rubric_id, scope, dimension_key, indicator_key, month_start, ` + byLevel("SUM(l%d)") + `
		 FROM indicator_rollups WHERE district_id = $1 GROUP BY district_id, rubric_id, scope, dimension_key, indicator_key, month_start`,
		`DELETE FROM rollup_observation_months WHERE district_id = $1`,
		`INSERT INTO rollup_observation_months (district_id, school_id, rubric_id, month_start, grade_band, subject, kind, n)
		 SELECT district_id, school_id, rubric_id, month_start, grade_band, subject, kind, SUM(n)
		 FROM rollup_observations WHERE district_id = $1 GROUP BY district_id, school_id, rubric_id, month_start, grade_band, subject, kind`,
		`DELETE FROM rollup_district_observations WHERE district_id = $1`,
		`INSERT INTO rollup_district_observations (district_id, rubric_id, period_start, week_start, month_start, n)
		 SELECT district_id, rubric_id, period_start, week_start, month_start, SUM(n)
		 FROM rollup_observations WHERE district_id = $1 GROUP BY district_id, rubric_id, period_start, week_start, month_start`,
		// The small school periods, as folding keeps them.
		`DELETE FROM ` + rollup.SmallPeriods + ` WHERE district_id = $1`,
		`INSERT INTO ` + rollup.SmallPeriods + ` (district_id, rubric_id, dimension_key, period_start, week_start, month_start, observations, periods, ` + levels + `)
		 SELECT district_id, rubric_id, dimension_key, period_start, week_start, month_start, observations, COUNT(*), ` + byLevel("SUM(l%d)") + `
		 FROM dimension_rollups WHERE district_id = $1 AND scope <> 'district' AND observations < ` + strconv.Itoa(domain.MaxMinCellSize) + `
		 GROUP BY district_id, rubric_id, dimension_key, period_start, week_start, month_start, observations`,
		// As autovacuum would in a running district: the rows replaced
		// above are cleared and the pages marked all-visible, and the
		// planner knows the tables the COPY filled.
		`VACUUM ANALYZE observations`,
		`VACUUM ANALYZE scores`,
		`VACUUM ANALYZE ` + rollup.SmallPeriods,
		`VACUUM ANALYZE rollups`,
		`VACUUM ANALYZE rollup_observations`,
		`VACUUM ANALYZE dimension_rollups`,
		`VACUUM ANALYZE indicator_rollups`,
		`VACUUM ANALYZE dimension_month_rollups`,
		`VACUUM ANALYZE indicator_month_rollups`,
		`VACUUM ANALYZE rollup_observation_months`,
		`VACUUM ANALYZE rollup_district_observations`,
	}
	for _, q := range stmts {
		var args []any
		switch {
		case strings.HasPrefix(q, "VACUUM"):
		case strings.Contains(q, "$2"):
			args = []any{d.ID, d.RubricID}
		default:
			args = []any{d.ID}
		}
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("rollups: %w", err)
		}
	}
	return nil
}

// Latency is the median and 95th percentile of repeated calls.
type Latency struct{ P50, P95 time.Duration }

func measure(runs int, fn func() error) (Latency, error) {
	var ds []time.Duration
	for range runs {
		start := time.Now()
		if err := fn(); err != nil {
			return Latency{}, err
		}
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return Latency{P50: ds[len(ds)/2], P95: ds[(len(ds)*95+99)/100-1]}, nil
}

// Reader is who asks for a trend: a principal supervisor over some of the
// district's schools, or the district administrator over all of them.
func (d *District) Reader(supervisedSchools int) auth.Principal {
	if supervisedSchools <= 0 || supervisedSchools >= len(d.Schools) {
		return auth.SystemPrincipal(d.ID)
	}
	u := domain.User{ID: domain.NewID(), DistrictID: d.ID, Active: true}
	for _, sc := range d.Schools[:supervisedSchools] {
		u.Grants = append(u.Grants, domain.RoleGrant{Role: domain.RoleSupervisor, SchoolID: sc})
	}
	return auth.Principal{User: u}
}

// View is a trend as the dashboard asks it, timed two ways: cold, as
// the first request after a push finds it (computed from the rollups and
// encoded as the JSON the server answers), and revalidated, as a returning
// browser asks it again with the answer's ETag and nothing has been
// written since (the service answers unchanged without the figures).
type View struct {
	Cold, Revalidated Latency
	Cells             int     // the cells of the answer, the district's line included
	MiB               float64 // the answer's JSON
}

// ViewLatency times q for the reader, runs times each way.
func (d *District) ViewLatency(ctx context.Context, s *store.Store, p auth.Principal, q trends.Query, runs int) (View, error) {
	svc := trends.NewService(s)
	var v View
	var tag string
	var err error
	v.Cold, err = measure(runs, func() error {
		r, t, _, err := svc.TrendIfChanged(ctx, p, q, nil)
		if err != nil {
			return err
		}
		b, err := r.MarshalJSON() // as the server writes it
		v.Cells, v.MiB, tag = len(r.Cells)+len(r.District), float64(len(b))/(1<<20), t
		return err
	})
	if err != nil {
		return v, err
	}
	v.Revalidated, err = measure(runs, func() error {
		_, _, unchanged, err := svc.TrendIfChanged(ctx, p, q, []string{tag})
		if err == nil && !unchanged {
			err = fmt.Errorf("the trend changed with nothing written")
		}
		return err
	})
	return v, err
}

// DrillLatency times opening one cell of the supervisor's weekly trend, as
// the dashboard does: the trend of that school and dimension for the week,
// then the submitted observations behind it, each a page of at most 100
// (the supervisor does not see the school's teachers, so the observations
// of small school periods are left out of the list, as of the cell).
func (d *District) DrillLatency(ctx context.Context, s *store.Store, p auth.Principal, week time.Time, dimension string, runs int) (Latency, int, error) {
	tsvc, vsvc := trends.NewService(s), visits.NewService(s)
	school := p.User.Grants[0].SchoolID
	n := 0
	l, err := measure(runs, func() error {
		q := trends.Query{From: week, To: week.AddDate(0, 0, 7), Bucket: "week", SchoolIDs: []string{school}, Dimension: dimension, Group: []string{"school", "dimension"}}
		if _, err := tsvc.Trend(ctx, p, q); err != nil {
			return err
		}
		os, err := vsvc.Observations(ctx, p, visits.ObservationQuery{SchoolIDs: []string{school}, Status: string(domain.ObservationSubmitted), From: week, To: week.AddDate(0, 0, 7), Limit: 100})
		n = len(os)
		return err
	})
	return l, n, err
}
