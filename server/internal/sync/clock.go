package sync

import "time"

// A device's clock is kept but never trusted (docs/decisions.md, "A
// device's wrong clock"): an observation counts at the time its device
// meant, which the server works out from what the push tells of the
// device's clock and from when the server received it.
const (
	// clockTolerance is how far a device's clock may be from the server's
	// and still be taken as right: a push's upload time and a clock kept
	// without network time for a while.
	clockTolerance = 5 * time.Minute
	// maxOffline is the longest a device may stay offline (the change log
	// keeps tombstones longer): an observation cannot have started longer
	// than this before the server received it.
	maxOffline = 60 * 24 * time.Hour
)

// deviceClock is what a push told of its device's clock: how far ahead of
// the server's (behind when negative) it was when the push arrived. A push
// of an older client tells nothing.
type deviceClock struct {
	ahead time.Duration
	known bool
}

// clockOf measures a device's clock from the time it stamped on a push
// (nil: not stamped) and the server's time when the push arrived, to the
// second: the upload takes longer than that.
func clockOf(deviceTime *time.Time, arrived time.Time) deviceClock {
	if deviceTime == nil {
		return deviceClock{}
	}
	return deviceClock{ahead: deviceTime.Sub(arrived).Round(time.Second), known: true}
}

// countedAt is when an observation counts that started at started by its
// device's clock, as the server received it at received from a device whose
// clock was c; skewed tells that this is not started.
//
//   - A clock measured off by more than the tolerance is taken back by what
//     it was off: the observation counts at started less that, if that is a
//     time it could have started (no later than received, give or take the
//     tolerance, and no earlier than the longest offline period before).
//   - Otherwise the device's time counts if it is such a time.
//   - Otherwise nothing the device says can be believed, and the
//     observation counts when the server received it.
func countedAt(started, received time.Time, c deviceClock) (at time.Time, skewed bool) {
	possible := func(t time.Time) bool {
		return !t.After(received.Add(clockTolerance)) && !t.Before(received.Add(-maxOffline))
	}
	at = received
	switch {
	case c.known && c.ahead.Abs() > clockTolerance && possible(started.Add(-c.ahead)):
		at = started.Add(-c.ahead)
	case possible(started):
		at = started
	}
	return at, !at.Equal(started)
}
