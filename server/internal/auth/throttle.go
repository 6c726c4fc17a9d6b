package auth

import (
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// ThrottlePolicy slows down guessing: after Free failures within Window, each
// further failure blocks the key for a doubling delay, capped at Max. The
// block always ends by itself, so nobody can lock a user out for good.
type ThrottlePolicy struct {
	Window      time.Duration
	AccountFree int
	ClientFree  int
	FirstDelay  time.Duration
	Max         time.Duration
}

// DefaultThrottle allows 5 failures per account and 20 per client address in
// 15 minutes before delays start.
func DefaultThrottle() ThrottlePolicy {
	return ThrottlePolicy{Window: 15 * time.Minute, AccountFree: 5, ClientFree: 20, FirstDelay: 2 * time.Second, Max: 15 * time.Minute}
}

func (p ThrottlePolicy) next(old store.Throttle, now time.Time) store.Throttle {
	t := old
	if t.WindowStart.IsZero() || now.Sub(t.WindowStart) > p.Window {
		t.WindowStart, t.Failures, t.BlockedUntil = now, 0, nil
	}
	t.Failures++
	free := p.AccountFree
	if strings.HasPrefix(t.Key, "client:") {
		free = p.ClientFree
	}
	if over := t.Failures - free; over > 0 {
		delay := p.FirstDelay << min(over-1, 20)
		if delay > p.Max || delay <= 0 {
			delay = p.Max
		}
		until := now.Add(delay)
		t.BlockedUntil = &until
	}
	return t
}
