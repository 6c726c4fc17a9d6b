package sync

import (
	"testing"
	"time"
)

func TestCountedAt(t *testing.T) {
	received := time.Date(2026, 3, 11, 15, 4, 5, 0, time.UTC)
	year := 365 * 24 * time.Hour
	day := 24 * time.Hour
	ahead := func(d time.Duration) deviceClock { return deviceClock{ahead: d, known: true} }
	for _, tc := range []struct {
		name    string
		started time.Time
		clock   deviceClock
		want    time.Time
	}{
		{"a right clock, pushed at once", received.Add(-20 * time.Minute), ahead(0), received.Add(-20 * time.Minute)},
		{"a right clock, a month offline", received.Add(-30 * day), ahead(2 * time.Second), received.Add(-30 * day)},
		{"a clock a little off is taken as it is", received.Add(-time.Hour), ahead(4 * time.Minute), received.Add(-time.Hour)},
		{"a clock a year ahead", received.Add(year - 2*time.Hour), ahead(year), received.Add(-2 * time.Hour)},
		{"a clock a year ahead, three weeks offline", received.Add(year - 21*day), ahead(year), received.Add(-21 * day)},
		{"a clock forty days behind, a month offline", received.Add(-70 * day), ahead(-40 * day), received.Add(-30 * day)},
		{"a clock an hour behind, pushed at once", received.Add(-90 * time.Minute), ahead(-time.Hour), received.Add(-30 * time.Minute)},
		{"an older client a year ahead", received.Add(year), deviceClock{}, received},
		{"an older client three months behind", received.Add(-90 * day), deviceClock{}, received},
		{"an older client a month offline", received.Add(-30 * day), deviceClock{}, received.Add(-30 * day)},
		{"an older client a few minutes ahead", received.Add(3 * time.Minute), deviceClock{}, received.Add(3 * time.Minute)},
		// The clock was put right between the visit and the push: the
		// start cannot be right, and the clock says nothing about it.
		{"a clock put right after the visit", received.Add(year), ahead(0), received},
		// The clock went wrong after the visit: taking it back would put
		// the visit a year before; the start is a possible time.
		{"a clock gone wrong after the visit", received.Add(-3 * day), ahead(year), received.Add(-3 * day)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, skewed := countedAt(tc.started, received, tc.clock)
			if !got.Equal(tc.want) || skewed != !tc.want.Equal(tc.started) {
				t.Errorf("counted at %v (skewed %v), want %v (skewed %v)", got, skewed, tc.want, !tc.want.Equal(tc.started))
			}
		})
	}
}

func TestClockOfMeasuresToTheSecond(t *testing.T) {
	arrived := time.Date(2026, 3, 11, 15, 4, 5, 0, time.UTC)
	if c := clockOf(nil, arrived); c.known {
		t.Errorf("a push without a time told %+v", c)
	}
	stamped := arrived.Add(365*24*time.Hour - 1400*time.Millisecond) // sent 1.4 s before it arrived
	if c := clockOf(&stamped, arrived); !c.known || c.ahead != 365*24*time.Hour-time.Second {
		t.Errorf("clock %+v", c)
	}
}
