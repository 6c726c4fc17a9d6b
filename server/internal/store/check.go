package store

import (
	"context"
	"fmt"
	"strings"
)

// TableCounts returns the number of rows of a district in each tenant table
// that holds visit data, and a checksum of its scores, so that tests and the
// demo command can compare two loads.
func (s *Store) TableCounts(ctx context.Context, districtID string) (map[string]int64, error) {
	out := map[string]int64{}
	db := s.db.WithContext(ctx)
	for _, t := range []string{"schools", "teachers", "users", "role_grants", "rubric_versions", "walkthroughs", "walkthrough_members",
		"observations", "scores", "cycles", "cycle_activities", "follow_ups", "next_steps", "change_log", "rollups", "rollup_observations", "dimension_rollups",
		"rollup_deltas", "rollup_observation_deltas", "dimension_rollup_deltas", "audit_log"} {
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
	// The maintained rollups are the tables and their deltas, read in one
	// statement so that a compaction cannot fall between the two.
	var got rollupDeltas
	for _, t := range []countTable{rollupsTable, observationRollupsTable, dimensionRollupsTable} {
		rows, err := tx.db.Raw("SELECT "+strings.Join(t.columns, ", ")+" FROM "+t.read()+" WHERE district_id = ?", districtID).Rows()
		if err != nil {
			return translate(err, "rollup")
		}
		if _, err := got.scan(t, rows); err != nil {
			return err
		}
	}
	wantLevels, wantObs, wantDims := want.flat()
	gotLevels, gotObs, gotDims := got.flat()
	if err := compareCounts("rollup", wantLevels, gotLevels); err != nil {
		return err
	}
	if err := compareCounts("observation rollup", wantObs, gotObs); err != nil {
		return err
	}
	return compareCounts("dimension rollup", wantDims, gotDims)
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
