package sync

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/jobs"
)

// FoldEvery is how often the server considers folding the rollup deltas
// that pushes append into the rollups. Reads add the deltas not folded
// yet, so a fold put off, slow or failed costs reads time, never a wrong
// answer.
const FoldEvery = time.Second

// FoldQuiet is how long this server must have applied no push before it
// folds, and FoldAtMost how long it puts folding off at most while pushes
// go on: a fold reads and rewrites what the pushes of the last seconds
// appended, on the same processors the pushes need, so during a burst of
// pushes it waits for a pause, and one fold then adds up the whole burst.
const (
	FoldQuiet  = time.Second
	FoldAtMost = 5 * time.Second
)

// FoldRollupsJob is the periodic job that folds the rollup deltas, once
// across the servers each period, unless this server is applying pushes
// and folded less than FoldAtMost ago (see FoldRollups).
func (s *Service) FoldRollupsJob(every time.Duration) jobs.Periodic {
	return jobs.Periodic{Name: "rollup-folding", Every: every, Timeout: time.Minute, Run: func(ctx context.Context) error {
		_, err := s.FoldRollups(ctx)
		return err
	}}
}

// FoldRollups folds the rollup deltas into the rollups and answers true,
// or answers false and folds nothing while this server has a push in the
// database or finished one less than FoldQuiet ago, until FoldAtMost has
// passed since it last folded. Only this server's pushes are seen: of
// several servers, the one that folds yields to its own pushes.
func (s *Service) FoldRollups(ctx context.Context) (bool, error) {
	now := s.now()
	if s.pushedWithin(now, FoldQuiet) && now.Sub(time.Unix(0, s.lastFold.Load())) < FoldAtMost {
		return false, nil
	}
	if _, err := s.store.CompactRollups(ctx); err != nil {
		return false, err
	}
	s.lastFold.Store(now.UnixNano())
	return true, nil
}

// pushedWithin tells whether a push is in the database now or the last
// one ended less than d before now.
func (s *Service) pushedWithin(now time.Time, d time.Duration) bool {
	return s.pushing.Load() > 0 || now.Sub(time.Unix(0, s.lastPush.Load())) < d
}

// pushed marks a push as in the database until the function it answers
// is called.
func (s *Service) pushed() func() {
	s.pushing.Add(1)
	return func() {
		s.lastPush.Store(s.now().UnixNano())
		s.pushing.Add(-1)
	}
}
