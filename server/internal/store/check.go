package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// TableCounts returns the number of rows of a district in each tenant table
// that holds visit data, and a checksum of its scores, so that tests and the
// demo command can compare two loads.
func (s *Store) TableCounts(ctx context.Context, districtID string) (map[string]int64, error) {
	out := map[string]int64{}
	db := s.db.WithContext(ctx)
	for _, t := range []string{"schools", "teachers", "users", "role_grants", "rubric_versions", "walkthroughs", "walkthrough_members",
		"observations", "scores", "cycles", "cycle_activities", "follow_ups", "next_steps", "change_log", "rollups", "rollup_observations", "dimension_rollups", "audit_log"} {
		var n int64
		if err := db.Table(t).Where("district_id = ?", districtID).Count(&n).Error; err != nil {
			return nil, translate(err, t)
		}
		out[t] = n
	}
	var sum struct{ A, B int64 }
	err := db.Raw(`SELECT COALESCE(SUM(level), 0) AS a, COALESCE(SUM(level * level), 0) AS b FROM scores WHERE district_id = ?`, districtID).Scan(&sum).Error
	if err != nil {
		return nil, translate(err, "scores")
	}
	out["score_sum"], out["score_sum_squares"] = sum.A, sum.B
	return out, nil
}

// CheckRollups recomputes a district's rollups from its raw submitted scores
// and reports the first difference from the maintained tables, or nil when
// they are equal.
func (s *Store) CheckRollups(ctx context.Context, districtID string) error {
	tx := s.read(ctx)
	var rows []observationRow
	if err := tx.db.Where("district_id = ? AND status = 'submitted' AND deleted_at IS NULL", districtID).Find(&rows).Error; err != nil {
		return translate(err, "observation")
	}
	var scores []scoreRow
	if err := tx.db.Where("district_id = ?", districtID).Find(&scores).Error; err != nil {
		return translate(err, "score")
	}
	byObs := map[string][]scoreRow{}
	for _, sc := range scores {
		byObs[sc.ObservationID] = append(byObs[sc.ObservationID], sc)
	}
	var want rollupDeltas
	for _, r := range rows {
		if err := tx.addContribution(ctx, &want, r.toDomain(byObs[r.ID]), +1); err != nil {
			return err
		}
	}
	// Rollups hold a cell's levels side by side; spread them out one level
	// a key, as the deltas are.
	cells, err := tx.db.Table("rollups").Select("school_id, rubric_id, dimension_key, indicator_key, period_start, grade_band, subject, kind, "+
		strings.Join(levelCounts, ", ")).Where("district_id = ?", districtID).Rows()
	if err != nil {
		return translate(err, "rollup")
	}
	defer cells.Close()
	got := map[rollupKey]int64{}
	for cells.Next() {
		k := rollupKey{districtID: districtID}
		var period any
		counts := make([]int64, len(levelCounts))
		dest := []any{&k.schoolID, &k.rubricID, &k.dimensionKey, &k.indicatorKey, &period, &k.gradeBand, &k.subject, &k.kind}
		for i := range counts {
			dest = append(dest, &counts[i])
		}
		if err := cells.Scan(dest...); err != nil {
			return translate(err, "rollup")
		}
		p := anyTime(period)
		if p == nil {
			return fmt.Errorf("rollup: period %v", period)
		}
		k.period = dateOnly(*p)
		if !slices.ContainsFunc(counts, func(n int64) bool { return n != 0 }) {
			return fmt.Errorf("rollup %+v: kept with no scores", k)
		}
		for level, n := range counts {
			if n != 0 {
				k.level = level
				got[k] = n
			}
		}
	}
	if err := cells.Err(); err != nil {
		return translate(err, "rollup")
	}
	if err := compareCounts("rollup", want.levels, got); err != nil {
		return err
	}
	type obsCountRow struct {
		SchoolID, RubricID       string
		PeriodStart              time.Time
		GradeBand, Subject, Kind string
		N                        int64
	}
	var haveObs []obsCountRow
	if err := tx.db.Table("rollup_observations").Where("district_id = ?", districtID).Find(&haveObs).Error; err != nil {
		return translate(err, "rollup")
	}
	gotObs := map[obsKey]int64{}
	for _, h := range haveObs {
		gotObs[obsKey{districtID, h.SchoolID, h.RubricID, dateOnly(h.PeriodStart.UTC()), h.GradeBand, h.Subject, h.Kind}] = h.N
	}
	if err := compareCounts("observation rollup", want.obs, gotObs); err != nil {
		return err
	}
	// Dimension rollups hold a cell's counts side by side; spread them out
	// one level a key, as the deltas are.
	rows2, err := tx.db.Table("dimension_rollups").Select("rubric_id, scope, dimension_key, period_start, "+strings.Join(dimensionCounts, ", ")).
		Where("district_id = ?", districtID).Rows()
	if err != nil {
		return translate(err, "rollup")
	}
	defer rows2.Close()
	gotDims := map[dimKey]int64{}
	for rows2.Next() {
		var rubricID, scope, dim string
		var period any
		counts := make([]int64, len(dimensionCounts))
		dest := []any{&rubricID, &scope, &dim, &period}
		for i := range counts {
			dest = append(dest, &counts[i])
		}
		if err := rows2.Scan(dest...); err != nil {
			return translate(err, "rollup")
		}
		p := anyTime(period)
		if p == nil {
			return fmt.Errorf("dimension rollup: period %v", period)
		}
		for i, n := range counts {
			if n != 0 {
				gotDims[dimKey{districtID, rubricID, scope, dim, dateOnly(*p), i - 1}] = n
			}
		}
	}
	if err := rows2.Err(); err != nil {
		return translate(err, "rollup")
	}
	if err := compareCounts("dimension rollup", want.dims, gotDims); err != nil {
		return err
	}
	return nil
}

// compareCounts reports the first cell whose maintained count differs from
// its recomputation, or nil when they are equal (a missing cell counts 0).
func compareCounts[K comparable](what string, want, got map[K]int64) error {
	for k, n := range want {
		if got[k] != n {
			return fmt.Errorf("%s %+v: maintained %d, recomputed %d", what, k, got[k], n)
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok && n != 0 {
			return fmt.Errorf("%s %+v: maintained %d, recomputed 0", what, k, n)
		}
	}
	return nil
}
