package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// The failure counts of client addresses, which no sign-in clears, are
// forgotten once their window is over and they block nothing, whenever a
// later failure is recorded; a key still blocked is kept.
func TestStaleThrottlesArePurged(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		count := func(old store.Throttle, now time.Time) store.Throttle {
			old.WindowStart, old.Failures = now, old.Failures+1
			return old
		}
		block := func(old store.Throttle, now time.Time) store.Throttle {
			old = count(old, now)
			until := now.Add(24 * time.Hour)
			old.BlockedUntil = &until
			return old
		}
		long := time.Now().Add(-time.Hour)
		if err := s.RecordFailure(ctx, []string{"client:192.0.2.1"}, long, count); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordFailure(ctx, []string{"client:192.0.2.2"}, long, block); err != nil {
			t.Fatal(err)
		}
		// A failure an hour later: the first window is over.
		if err := s.RecordFailure(ctx, []string{"client:192.0.2.3"}, time.Now().Add(time.Hour), count); err != nil {
			t.Fatal(err)
		}
		for key, want := range map[string]int{"client:192.0.2.1": 0, "client:192.0.2.2": 1, "client:192.0.2.3": 1} {
			th, err := s.Throttle(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if th.Failures != want {
				t.Errorf("%s: %d failures, want %d", key, th.Failures, want)
			}
		}
	})
}
