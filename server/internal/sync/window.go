package sync

import (
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// window is what a new device's snapshot holds of a user's records beyond
// the roster and the frameworks: their open work, whatever its age, and
// what was done in the current school year. since is the instant the
// school year began in the district's zone and day that date; the zero
// window holds everything, as later pulls do. Older records load on demand
// when the device is online. The rule is written in docs/decisions.md
// ("A new device's snapshot holds open work and this school year").
type window struct {
	since time.Time
	day   time.Time
}

// windowFor completes a cursor's window with its day in the district's zone.
func windowFor(since time.Time, d domain.District) window {
	if since.IsZero() {
		return window{}
	}
	local := since.In(d.Location())
	return window{since: since, day: time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)}
}

func (w window) all() bool { return w.since.IsZero() }

// observation: a draft of any age, or one counted in the school year.
func (w window) observation(o domain.Observation) bool {
	return w.all() || o.Status == domain.ObservationDraft || !o.CountedAt.Before(w.since)
}

// walkthrough: one on a day of the school year (Pull also keeps an older
// one that holds a draft of the user's).
func (w window) walkthrough(wt domain.Walkthrough) bool {
	return w.all() || !wt.Date.Before(w.day)
}

// cycle: one planned or active, or one that ended in the school year; its
// activities go with it.
func (w window) cycle(c domain.Cycle) bool {
	if w.all() {
		return true
	}
	switch c.Status {
	case domain.CyclePlanned, domain.CycleActive:
		return true
	}
	return c.EndedOn == nil || !c.EndedOn.Before(w.day)
}

// followUp: one of a cycle in the window, or one scheduled in the school
// year (an invited observer does not run the cycle).
func (w window) followUp(f domain.FollowUp, c domain.Cycle) bool {
	return w.all() || c.ID != "" && w.cycle(c) || !f.StartsAt.Before(w.since)
}

// nextStep: one not done, or one made or done in the school year.
func (w window) nextStep(n domain.NextStep) bool {
	return w.all() || !n.Done || !n.CreatedAt.Before(w.since) || n.DoneAt != nil && !n.DoneAt.Before(w.since)
}

// feedback: that of an observation in the window.
func (w window) feedback(o domain.Observation) bool {
	return w.observation(o)
}
