package httpapi

import (
	"bytes"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"
)

// feed fetches a calendar feed with no access token and parses it with a
// real iCalendar parser, then writes it back with the parser's encoder
// (which checks the components' required properties).
func (w *world) feed(path string) (*ical.Calendar, response) {
	w.t.Helper()
	r := w.do(anonymous, "GET", path, nil)
	if r.Code != http.StatusOK {
		return nil, r
	}
	if ct := r.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		w.t.Errorf("content type %q", ct)
	}
	if !strings.Contains(r.Body.String(), "\r\n") || strings.Contains(strings.ReplaceAll(r.Body.String(), "\r\n", ""), "\n") {
		w.t.Error("content lines do not all end in CRLF")
	}
	cal, err := ical.NewDecoder(bytes.NewReader(r.Body.Bytes())).Decode()
	if err != nil {
		w.t.Fatalf("parse the feed: %v\n%s", err, r.Body)
	}
	var out bytes.Buffer
	if err := ical.NewEncoder(&out).Encode(cal); err != nil {
		w.t.Fatalf("the feed does not hold what RFC 5545 requires: %v", err)
	}
	return cal, r
}

// vtimezoneOffset reads the VTIMEZONE's observances and returns the UTC
// offset in force at instant t, from the feed alone.
func vtimezoneOffset(t *testing.T, cal *ical.Calendar, tzid string, at time.Time) time.Duration {
	t.Helper()
	type onset struct {
		at     time.Time
		offset time.Duration
	}
	parseOffset := func(s string) time.Duration {
		d, err := time.Parse("-0700", s)
		if err != nil {
			t.Fatalf("offset %q: %v", s, err)
		}
		_, off := d.Zone()
		return time.Duration(off) * time.Second
	}
	var onsets []onset
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone || c.Props.Get(ical.PropTimezoneID).Value != tzid {
			continue
		}
		for _, o := range c.Children {
			local, err := time.Parse("20060102T150405", o.Props.Get(ical.PropDateTimeStart).Value)
			if err != nil {
				t.Fatal(err)
			}
			from := parseOffset(o.Props.Get(ical.PropTimezoneOffsetFrom).Value)
			onsets = append(onsets, onset{at: local.Add(-from), offset: parseOffset(o.Props.Get(ical.PropTimezoneOffsetTo).Value)})
		}
	}
	if len(onsets) == 0 {
		t.Fatalf("no VTIMEZONE %s", tzid)
	}
	sort.Slice(onsets, func(i, j int) bool { return onsets[i].at.Before(onsets[j].at) })
	off := onsets[0].offset
	for _, o := range onsets {
		if !o.at.After(at) {
			off = o.offset
		}
	}
	return off
}

func TestCalendarFeedRoundTripsUIDsTimesAndCancellations(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		c := w.openCycle(w.teacherA1)
		chicago, _ := time.LoadLocation("America/Chicago")
		now := w.clock.now
		// One in summer time, one in winter time, one to cancel and one to move.
		starts := []time.Time{now.Add(10 * 24 * time.Hour), now.Add(100 * 24 * time.Hour), now.Add(200 * 24 * time.Hour), now.Add(30 * 24 * time.Hour)}
		var made []followUpResponse
		for i, s := range starts {
			s = s.Truncate(time.Minute)
			r, f := w.schedule(coach, c.ID, map[string]any{"teacher_id": w.teacherA1, "starts_at": s, "ends_at": s.Add(time.Duration(20+i) * time.Minute),
				"notes": "Look for students, commas; and back\\slashes, in a note long enough to run past one content line of the feed."})
			if r.Code != http.StatusCreated {
				t.Fatal(r.Body)
			}
			made = append(made, f)
		}
		if r := w.do(coach, "PATCH", "/api/v1/followups/"+made[2].ID, map[string]any{"status": "cancelled"}); r.Code != http.StatusOK {
			t.Fatal(r.Body)
		}
		moved := starts[3].Truncate(time.Minute).Add(49 * time.Hour)
		if r := w.do(coach, "PATCH", "/api/v1/followups/"+made[3].ID, map[string]any{"starts_at": moved}); r.Code != http.StatusOK {
			t.Fatal(r.Body)
		}

		var feed calendarResponse
		w.do(coach, "POST", "/api/v1/me/calendar", nil).decode(t, &feed)
		cal, _ := w.feed(feed.Path)
		again, _ := w.feed(feed.Path)

		type event struct {
			start, end time.Time
			status     string
			sequence   string
		}
		read := func(cal *ical.Calendar) map[string]event {
			out := map[string]event{}
			for _, e := range cal.Events() {
				uid, err := e.Props.Text(ical.PropUID)
				if err != nil {
					t.Fatal(err)
				}
				start, err := e.DateTimeStart(nil)
				if err != nil {
					t.Fatal(err)
				}
				end, err := e.DateTimeEnd(nil)
				if err != nil {
					t.Fatal(err)
				}
				if tz := e.Props.Get(ical.PropDateTimeStart).Params.Get(ical.ParamTimezoneID); tz != "America/Chicago" {
					t.Errorf("DTSTART's TZID is %q", tz)
				}
				// The feed's own VTIMEZONE, not the parser's time zone database, gives the same instant.
				local, _ := time.Parse("20060102T150405", e.Props.Get(ical.PropDateTimeStart).Value)
				if byVTZ := local.Add(-vtimezoneOffset(t, cal, "America/Chicago", start)); !byVTZ.Equal(start) {
					t.Errorf("%s: by the VTIMEZONE %s, by the zone %s", uid, byVTZ, start)
				}
				status, _ := e.Props.Text(ical.PropStatus)
				out[uid] = event{start: start.UTC(), end: end.UTC(), status: status, sequence: e.Props.Get(ical.PropSequence).Value}
			}
			return out
		}
		got, got2 := read(cal), read(again)
		if len(got) != 4 {
			t.Fatalf("%d events, want 4", len(got))
		}
		for i, f := range made {
			e, ok := got[f.ID+"@walkthrough"]
			if !ok {
				t.Fatalf("no event with the follow-up's UID %s", f.ID)
			}
			if got2[f.ID+"@walkthrough"] != e {
				t.Errorf("a second fetch changed event %d: %+v then %+v", i, e, got2[f.ID+"@walkthrough"])
			}
			wantStart, wantStatus, wantSeq := f.StartsAt, "CONFIRMED", "0"
			switch i {
			case 2:
				wantStatus, wantSeq = "CANCELLED", "1"
			case 3:
				wantStart, wantSeq = moved, "1"
			}
			if !e.start.Equal(wantStart) || !e.end.Equal(wantStart.Add(f.EndsAt.Sub(f.StartsAt))) || e.status != wantStatus || e.sequence != wantSeq {
				t.Errorf("event %d: %+v, want start %s status %s sequence %s", i, e, wantStart, wantStatus, wantSeq)
			}
		}
		if _, off := made[0].StartsAt.In(chicago).Zone(); off == 0 {
			t.Fatal("Chicago has no offset")
		}
		desc, _ := cal.Events()[0].Props.Text(ical.PropDescription)
		if !strings.Contains(desc, "commas; and back\\slashes") {
			t.Errorf("escaped text did not round-trip: %q", desc)
		}

		// The principal, invited by default, has the same events in their own feed.
		var pfeed calendarResponse
		w.do(principalA, "POST", "/api/v1/me/calendar", nil).decode(t, &pfeed)
		pcal, _ := w.feed(pfeed.Path)
		if len(pcal.Events()) != 4 {
			t.Errorf("the principal's feed has %d events", len(pcal.Events()))
		}
		// The observer is invited to nothing: an empty calendar, still valid.
		var ofeed calendarResponse
		w.do(observer, "POST", "/api/v1/me/calendar", nil).decode(t, &ofeed)
		if ocal, _ := w.feed(ofeed.Path); len(ocal.Events()) != 0 {
			t.Errorf("the observer's feed has %d events", len(ocal.Events()))
		}

		// A reset secret stops the old URL.
		var reset calendarResponse
		w.do(coach, "POST", "/api/v1/me/calendar", nil).decode(t, &reset)
		if reset.Path == feed.Path {
			t.Fatal("the reset gave the same URL")
		}
		if _, r := w.feed(feed.Path); r.Code != http.StatusNotFound {
			t.Errorf("the old URL answers %d after a reset", r.Code)
		}
		if cal, _ := w.feed(reset.Path); cal == nil || len(cal.Events()) != 4 {
			t.Error("the new URL does not serve the feed")
		}
		var st calendarResponse
		w.do(coach, "GET", "/api/v1/me/calendar", nil).decode(t, &st)
		if !st.Active || st.Path != "" {
			t.Errorf("GET /me/calendar: %+v (the secret is shown only once)", st)
		}
	})
}
