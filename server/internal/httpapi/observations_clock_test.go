package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// A tablet whose clock is a year ahead pushes an observation it made two
// days ago, stamping the push with its clock: GET /observations/{id} shows
// the device's start, the time it counts at and the flag; the listing by
// time, the trends and their CSV find it in the week it happened and
// nothing in the week a year away. The same from an older client, which
// does not stamp its pushes, counts when the server received it. An
// observation from a right clock shows the flag false and counts at its
// own start.
func TestObservationFromASkewedTabletShowsBothTimes(t *testing.T) {
	const year = 365 * 24 * time.Hour
	eachWorld(t, func(t *testing.T, w *world) {
		now := w.clock.now.UTC().Truncate(time.Second)
		w.clock.now = now
		loc, err := time.LoadLocation("America/Chicago") // district A's zone
		if err != nil {
			t.Fatal(err)
		}
		real := now.Add(-50 * time.Hour)
		device := real.Add(year)
		skewed, right := domain.NewID(), domain.NewID()
		skewedChange := w.obsChange(skewed, 0, 3, 2)
		skewedChange.Data = withStart(t, skewedChange.Data, device)
		rightStart := now.Add(-time.Hour)
		deviceNow := now.Add(year)
		// An older client does not stamp its push.
		code, res := w.push(coach, domain.NewID(), skewedChange)
		if code != 200 || res.Results[0].Status != sync.StatusApplied {
			t.Fatalf("push of the skewed observation: %d %+v", code, res)
		}
		// The PWA stamps its pushes with the device's clock.
		stamped := domain.NewID()
		stampedChange := w.obsChange(stamped, 0, 3, 2)
		stampedChange.Data = withStart(t, stampedChange.Data, device)
		r := w.do(coach, "POST", "/api/v1/sync/push", sync.PushRequest{DeviceID: domain.NewID(), DeviceTime: &deviceNow,
			Changes: []sync.Change{stampedChange, w.obsChange(right, 0, 4)}})
		if r.Code != 200 {
			t.Fatalf("stamped push: %d %s", r.Code, r.Body)
		}
		var stampedRes sync.PushResponse
		r.decode(t, &stampedRes)
		for _, x := range stampedRes.Results {
			if x.Status != sync.StatusApplied {
				t.Fatalf("stamped push: %+v", stampedRes)
			}
		}

		type shown struct {
			StartedAt   time.Time  `json:"started_at"`
			CountedAt   *time.Time `json:"counted_at"`
			ReceivedAt  *time.Time `json:"received_at"`
			ClockSkewed *bool      `json:"clock_skewed"`
		}
		get := func(id string) shown {
			t.Helper()
			r := w.do(coach, "GET", "/api/v1/observations/"+id, nil)
			if r.Code != 200 {
				t.Fatalf("GET %s: %d %s", id, r.Code, r.Body)
			}
			var o shown
			r.decode(t, &o)
			if o.CountedAt == nil || o.ReceivedAt == nil || o.ClockSkewed == nil {
				t.Fatalf("GET %s lacks a time or the flag: %s", id, r.Body)
			}
			return o
		}
		if o := get(stamped); !o.StartedAt.Equal(device) || !o.CountedAt.Equal(real) || !*o.ClockSkewed || o.ReceivedAt.IsZero() {
			t.Errorf("the stamped tablet's observation: started %v counted %v skewed %v; want started %v counted %v skewed",
				o.StartedAt, o.CountedAt, *o.ClockSkewed, device, real)
		}
		// Without a stamp, a start a year ahead cannot be right: it counts
		// when the server received it.
		if o := get(skewed); !o.StartedAt.Equal(device) || !o.CountedAt.Equal(*o.ReceivedAt) || !*o.ClockSkewed {
			t.Errorf("the unstamped tablet's observation: started %v counted %v received %v skewed %v",
				o.StartedAt, o.CountedAt, o.ReceivedAt, *o.ClockSkewed)
		}
		if o := get(right); !o.StartedAt.Equal(rightStart) || !o.CountedAt.Equal(rightStart) || *o.ClockSkewed {
			t.Errorf("the right clock's observation: started %v counted %v skewed %v", o.StartedAt, o.CountedAt, *o.ClockSkewed)
		}

		// Listed, trended and exported where it happened, not a year away.
		realWeek, deviceWeek := domain.WeekStart(real, loc), domain.WeekStart(device, loc)
		listed := func(week time.Time) map[string]bool {
			t.Helper()
			// from and to are days in the district's time zone, to exclusive.
			r := w.do(admin, "GET", "/api/v1/observations?from="+week.Format(time.DateOnly)+"&to="+week.AddDate(0, 0, 7).Format(time.DateOnly), nil)
			if r.Code != 200 {
				t.Fatalf("list: %d %s", r.Code, r.Body)
			}
			var list struct {
				Items []observationResponse `json:"items"`
			}
			r.decode(t, &list)
			return ids(list.Items, func(o observationResponse) string { return o.ID })
		}
		if !listed(realWeek)[stamped] || listed(deviceWeek)[stamped] {
			t.Errorf("listed by time: in the week it happened %v, a year away %v", listed(realWeek)[stamped], listed(deviceWeek)[stamped])
		}
		// What the weekly trend of the week it happened must count: every
		// submitted observation of the school counted in that week.
		want := int64(0)
		for _, at := range []time.Time{real, rightStart, now.Add(-2 * time.Hour) /* obsA1 */, get(skewed).CountedAt.UTC()} {
			if domain.WeekStart(at, loc).Equal(realWeek) {
				want++
			}
		}
		trendOf := func(week time.Time) int64 {
			t.Helper()
			path := "/api/v1/trends?bucket=week&group=school&school_id=" + w.schoolA1 + "&from=" + week.Format(time.DateOnly) + "&to=" + week.AddDate(0, 0, 7).Format(time.DateOnly)
			r := w.do(admin, "GET", path, nil)
			if r.Code != 200 {
				t.Fatalf("trend: %d %s", r.Code, r.Body)
			}
			var res struct {
				Cells []struct {
					Observations *int64 `json:"observations"`
				} `json:"cells"`
			}
			r.decode(t, &res)
			var n int64
			for _, c := range res.Cells {
				if c.Observations != nil {
					n += *c.Observations
				}
			}
			return n
		}
		if n := trendOf(realWeek); n != want {
			t.Errorf("the week it happened counts %d observations, want %d", n, want)
		}
		if n := trendOf(deviceWeek); n != 0 {
			t.Errorf("the week a year away counts %d observations, want none", n)
		}
		csv := w.do(admin, "GET", "/api/v1/trends.csv?bucket=week&group=school&from="+deviceWeek.Format(time.DateOnly)+"&to="+deviceWeek.AddDate(0, 0, 7).Format(time.DateOnly), nil)
		if csv.Code != 200 || strings.Count(strings.TrimSpace(csv.Body.String()), "\n") != 0 {
			t.Errorf("the CSV of the week a year away has rows: %d %s", csv.Code, csv.Body)
		}
	})
}

// withStart is an observation's data with another started_at.
func withStart(t *testing.T, data json.RawMessage, start time.Time) json.RawMessage {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m["started_at"] = start.UTC().Format(time.RFC3339)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
