package domain

import (
	"testing"
	"time"
)

func TestFollowUpsOverlapAsInstantsAcrossZonesAndTheDaylightSavingChange(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at := func(loc *time.Location, y int, m time.Month, d, h, min int, length time.Duration) FollowUp {
		s := time.Date(y, m, d, h, min, 0, 0, loc)
		return FollowUp{StartsAt: s, EndsAt: s.Add(length), Status: FollowUpScheduled}
	}
	// 1 November 2026: clocks in Chicago go from 02:00 CDT back to 01:00 CST,
	// so 01:30 happens twice, an hour apart.
	firstOneThirty := FollowUp{StartsAt: time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), Status: FollowUpScheduled}
	firstOneThirty.EndsAt = firstOneThirty.StartsAt.Add(30 * time.Minute)
	secondOneThirty := FollowUp{StartsAt: time.Date(2026, 11, 1, 7, 30, 0, 0, time.UTC), Status: FollowUpScheduled}
	secondOneThirty.EndsAt = secondOneThirty.StartsAt.Add(30 * time.Minute)
	if firstOneThirty.StartsAt.In(chicago).Format("15:04") != "01:30" || secondOneThirty.StartsAt.In(chicago).Format("15:04") != "01:30" {
		t.Fatal("the fixture does not straddle the change")
	}
	cases := []struct {
		name string
		a, b FollowUp
		want bool
	}{
		{"the same wall time in two zones is an hour apart", at(chicago, 2026, 10, 6, 9, 0, 30*time.Minute), at(newYork, 2026, 10, 6, 9, 0, 30*time.Minute), false},
		{"09:00 Chicago is 10:00 New York", at(chicago, 2026, 10, 6, 9, 0, 30*time.Minute), at(newYork, 2026, 10, 6, 10, 15, 30*time.Minute), true},
		{"back to back does not overlap", at(chicago, 2026, 10, 6, 9, 0, 30*time.Minute), at(chicago, 2026, 10, 6, 9, 30, 30*time.Minute), false},
		{"01:30 before and after the fall-back change", firstOneThirty, secondOneThirty, false},
		{"a long window across the change", FollowUp{StartsAt: firstOneThirty.StartsAt, EndsAt: secondOneThirty.StartsAt.Add(time.Minute)}, secondOneThirty, true},
		{"spring forward: 01:45 CST to 03:15 CDT is 30 minutes", at(chicago, 2026, 3, 8, 1, 45, 30*time.Minute), at(chicago, 2026, 3, 8, 3, 0, 30*time.Minute), true},
	}
	for _, c := range cases {
		if got := c.a.Overlaps(c.b); got != c.want {
			t.Errorf("%s: overlaps %v, want %v", c.name, got, c.want)
		}
		if got := c.b.Overlaps(c.a); got != c.want {
			t.Errorf("%s (swapped): overlaps %v, want %v", c.name, got, c.want)
		}
	}
}
