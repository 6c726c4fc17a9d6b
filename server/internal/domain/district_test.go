package domain

import (
	"testing"
	"time"
)

func TestPeriodStartSplitsWeeksAtMonthEnds(t *testing.T) {
	chicago, _ := time.LoadLocation("America/Chicago")
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	cases := []struct {
		at   time.Time
		want string
	}{
		// Wednesday 2026-09-30 18:00 in Chicago: week of Monday 28 September.
		{time.Date(2026, 9, 30, 23, 0, 0, 0, time.UTC), "2026-09-28"},
		// Thursday 1 October: same week, but October's part of it.
		{time.Date(2026, 10, 1, 15, 0, 0, 0, time.UTC), "2026-10-01"},
		// 05:00 UTC on Thursday is still Wednesday evening in Chicago.
		{time.Date(2026, 10, 1, 4, 0, 0, 0, time.UTC), "2026-09-28"},
		{time.Date(2026, 10, 5, 15, 0, 0, 0, time.UTC), "2026-10-05"},
	}
	for _, c := range cases {
		if got := PeriodStart(c.at, chicago); !got.Equal(day(c.want)) {
			t.Errorf("PeriodStart(%s) = %s, want %s", c.at, got.Format(time.DateOnly), c.want)
		}
	}
	if w := WeekStart(time.Date(2026, 10, 1, 15, 0, 0, 0, time.UTC), chicago); !w.Equal(day("2026-09-28")) {
		t.Errorf("WeekStart: %s", w)
	}
}

func TestDistrictTimeZoneMustBeIANA(t *testing.T) {
	d := District{ID: NewID(), Name: "North", Settings: DefaultDistrictSettings()}
	for zone, ok := range map[string]bool{"America/Chicago": true, "UTC": true, "Europe/Paris": true,
		"": false, "Local": false, "Mars/Olympus": false, "../etc/passwd": false, "america/chicago ": false} {
		d.TimeZone = zone
		err := d.Validate()
		if (err == nil) != ok {
			t.Errorf("time zone %q: valid %v, want %v (%v)", zone, err == nil, ok, err)
		}
		if !ok && (len(ErrorFields(err)) != 1 || ErrorFields(err)[0].Field != "time_zone") {
			t.Errorf("time zone %q: fields %+v", zone, ErrorFields(err))
		}
	}
}
