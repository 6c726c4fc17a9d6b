package sync

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/jobs"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// CompactEvery is how often the server compacts the change log.
const CompactEvery = time.Hour

// CompactChangeLog compacts the change log of every district once: entries
// superseded by a later one of the same record go, and tombstones older than
// horizon, so that a snapshot replays what is current and a device that was
// away longer than horizon is answered 410. On PostgreSQL one server
// compacts at a time; the others find it busy and do nothing.
func (s *Service) CompactChangeLog(ctx context.Context, horizon time.Duration) (store.ChangeLogCompaction, error) {
	start := time.Now()
	res, err := s.store.CompactChangeLogs(ctx, horizon)
	if err != nil {
		return res, err
	}
	if res.Ran {
		s.metrics.compaction(res.Removed, s.now())
		s.log.Info("change log compacted", "districts", res.Districts, "removed", res.Removed,
			"horizon", horizon.String(), "took", time.Since(start).Round(time.Millisecond).String())
	}
	return res, nil
}

// CompactChangeLogJob is the periodic job that compacts the change log
// every interval, on one server at a time. A failed compaction is tried
// again at the next period: until then the log is only longer, and no
// cursor is served wrongly.
func (s *Service) CompactChangeLogJob(every, horizon time.Duration) jobs.Periodic {
	return jobs.Periodic{Name: "change-log-compaction", Every: every, Timeout: 10 * time.Minute, Run: func(ctx context.Context) error {
		_, err := s.CompactChangeLog(ctx, horizon)
		return err
	}}
}
