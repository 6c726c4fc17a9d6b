package sync

import (
	"context"
	"time"

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

// CompactChangeLogEvery runs CompactChangeLog at once and then every
// interval until ctx ends. A failed compaction is logged and tried again at
// the next tick: until then the log is only longer, and no cursor is served
// wrongly.
func (s *Service) CompactChangeLogEvery(ctx context.Context, every, horizon time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		if _, err := s.CompactChangeLog(wctx, horizon); err != nil && ctx.Err() == nil {
			s.log.Error("compacting the change log", "err", err)
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
