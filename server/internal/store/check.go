package store

import (
	"context"
	"database/sql"
)

// TableCounts returns the number of rows of a district in each tenant table
// that holds visit data, and a checksum of its scores, so that tests and the
// demo command can compare two loads.
func (s *Store) TableCounts(ctx context.Context, districtID string) (map[string]int64, error) {
	out := map[string]int64{}
	db := s.db.WithContext(ctx)
	for _, t := range []string{"schools", "teachers", "users", "role_grants", "rubric_versions", "walkthroughs", "walkthrough_members",
		"observations", "scores", "cycles", "cycle_activities", "follow_ups", "next_steps", "support_requests", "feedback", "change_log", "rollups", "rollup_observations", "dimension_rollups",
		"rollup_deltas", "rollup_observation_deltas", "dimension_rollup_deltas", "indicator_rollups", "indicator_rollup_deltas",
		"dimension_month_rollups", "indicator_month_rollups", "rollup_observation_months", "rollup_district_observations", "audit_log"} {
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

// SQL is the database/sql handle under the store, for tests that check
// what the store wrote with SQL of their own rather than with the store's
// code (testdb.CheckRollups recomputes the rollups so).
func (s *Store) SQL() *sql.DB { return s.sqlDB }
