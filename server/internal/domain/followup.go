package domain

import (
	"fmt"
	"time"
)

// HoldsTime reports whether a follow-up keeps its window booked: a
// cancelled or deleted one frees it.
func (f FollowUp) HoldsTime() bool {
	return !f.Deleted && f.Status != FollowUpCancelled
}

// Overlaps reports whether two follow-ups' windows overlap. The windows are
// instants, so time zones and daylight-saving changes cannot fool it; a
// window that ends as the other starts does not overlap.
func (f FollowUp) Overlaps(g FollowUp) bool {
	return f.StartsAt.Before(g.EndsAt) && g.StartsAt.Before(f.EndsAt)
}

// Reschedule is one move of a follow-up: where it was and where it went.
type Reschedule struct {
	FromStartsAt time.Time
	FromEndsAt   time.Time
	ToStartsAt   time.Time
	ToEndsAt     time.Time
	ChangedBy    string
	ChangedAt    time.Time
}

// Clash is the refusal of a follow-up whose window is taken: by the same
// teacher's follow-up, or by one of an invited observer's. field says which
// input caused it; loc writes the times in the district's time zone.
func Clash(field string, holder FollowUp, who string, loc *time.Location) *Error {
	const layout = "Mon 2 Jan 2006 15:04"
	msg := fmt.Sprintf("%s already has follow-up %s from %s to %s", who, holder.ID,
		holder.StartsAt.In(loc).Format(layout), holder.EndsAt.In(loc).Format("15:04 MST"))
	return &Error{Code: EClash, Message: msg, Fields: []FieldError{{Field: field, Message: msg}}, Record: holder.ID}
}
