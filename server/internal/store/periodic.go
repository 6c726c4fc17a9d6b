package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

type periodicRunRow struct {
	Job           string `gorm:"primaryKey"`
	LastStartedAt time.Time
	Runs          int64
}

func (periodicRunRow) TableName() string { return "periodic_runs" }

// ClaimPeriodicRun claims the run of job for the period that starts now,
// when the last run started at least every ago: one UPDATE that moves the
// job's start time forward only if it is still old enough, so of many
// servers asking at once exactly one is answered true. It holds no lock
// and no session state between statements.
func (s *Store) ClaimPeriodicRun(ctx context.Context, job string, every time.Duration) (bool, error) {
	if s.dialect == SQLite {
		s.writeMu.Lock() // SQLite takes one writer at a time
		defer s.writeMu.Unlock()
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	db := s.read(ctx).db
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).
		Create(&periodicRunRow{Job: job, LastStartedAt: time.Unix(0, 0).UTC()}).Error; err != nil {
		return false, translate(err, "periodic run")
	}
	res := db.Model(&periodicRunRow{}).Where("job = ? AND last_started_at <= ?", job, now.Add(-every)).
		Updates(map[string]any{"last_started_at": now, "runs": clause.Expr{SQL: "runs + 1"}})
	if res.Error != nil {
		return false, translate(res.Error, "periodic run")
	}
	return res.RowsAffected == 1, nil
}

// PeriodicRuns answers how many periods of each job have been claimed.
func (s *Store) PeriodicRuns(ctx context.Context) (map[string]int64, error) {
	var rows []periodicRunRow
	if err := s.read(ctx).db.Find(&rows).Error; err != nil {
		return nil, translate(err, "periodic run")
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Job] = r.Runs
	}
	return out, nil
}
