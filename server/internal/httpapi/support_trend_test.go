package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// observedAt is w.observed begun at the time given.
func (w *world) observedAt(id, teacher, status string, at time.Time, levels map[string]int) sync.Change {
	c := w.observed(id, teacher, status, levels)
	var m map[string]any
	_ = json.Unmarshal(c.Data, &m)
	m["started_at"] = at.UTC().Format(time.RFC3339)
	c.Data, _ = json.Marshal(m)
	return c
}

// rawTime reads a timestamp column as either database hands it back.
func rawTime(t *testing.T, v any) time.Time {
	t.Helper()
	switch x := v.(type) {
	case time.Time:
		return x
	case string, []byte:
		s := x
		str, _ := s.(string)
		if b, ok := s.([]byte); ok {
			str = string(b)
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
			if tm, err := time.Parse(layout, str); err == nil {
				return tm
			}
		}
	}
	t.Fatalf("not a time: %#v", v)
	return time.Time{}
}

// The teacher view's trend since the last cycle, recomputed from the raw
// scores with SQL of the test's own: every submitted, live score of the
// cycle's focus indicator counted before the day the teacher's latest
// cycle began, against every one since.
func TestTeacherViewTrendSinceTheLastCycleIsExact(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		keys := domain.BuiltinFramework().IndicatorKeys()
		other := keys[0]
		if other == focusKey {
			other = keys[1]
		}
		now := w.clock.now
		day := func(d int) time.Time { return now.AddDate(0, 0, d) }
		changes := []sync.Change{
			w.observedAt(domain.NewID(), w.teacherA1, "submitted", day(-6), map[string]int{focusKey: 1, other: 4}),
			w.observedAt(domain.NewID(), w.teacherA1, "submitted", day(-4), map[string]int{focusKey: 2}),
			w.observedAt(domain.NewID(), w.teacherA1, "submitted", day(-5), map[string]int{focusKey: 0}), // not observed
			w.observedAt(domain.NewID(), w.teacherA1, "draft", day(-5), map[string]int{focusKey: 4}),     // a draft counts nowhere
			w.observedAt(domain.NewID(), w.teacherA1, "submitted", day(-1), map[string]int{focusKey: 3, other: 1}),
			w.observedAt(domain.NewID(), w.teacherA1, "submitted", now.Add(-time.Hour), map[string]int{focusKey: 4}),
		}
		gone := domain.NewID()
		changes = append(changes, w.observedAt(gone, w.teacherA1, "submitted", day(-1), map[string]int{focusKey: 1}))
		if code, res := w.push(coach, domain.NewID(), changes...); code != 200 || slices.ContainsFunc(res.Results, func(r sync.Result) bool { return r.Status != sync.StatusApplied }) {
			t.Fatalf("push: %d %+v", code, res)
		}
		if code, res := w.push(coach, domain.NewID(), sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityObservation, Op: sync.OpDelete, ID: gone, BaseRev: 1}); code != 200 || res.Results[0].Status != sync.StatusApplied {
			t.Fatalf("delete: %d %+v", code, res)
		}
		started := day(-2).UTC().Format(time.DateOnly)
		r := w.do(coach, "POST", "/api/v1/cycles", map[string]any{"school_id": w.schoolA1, "teacher_ids": []string{w.teacherA1},
			"focus_indicator_key": focusKey, "focus_shift": "Students build on each other's ideas", "status": "active", "started_on": started})
		if r.Code != http.StatusCreated {
			t.Fatalf("open a cycle: %d %s", r.Code, r.Body)
		}
		var cyc cycleResponse
		r.decode(t, &cyc)

		var v teacherViewResponse
		if r := w.do(principalA, "GET", "/api/v1/teacher-view?school_id="+w.schoolA1+"&"+w.period(), nil); r.Code != http.StatusOK {
			t.Fatalf("teacher view: %d %s", r.Code, r.Body)
		} else {
			r.decode(t, &v)
		}

		// The recomputation: the district's day the cycle began, raw rows.
		var zone string
		if err := w.store.SQL().QueryRow(`SELECT d.time_zone FROM districts d JOIN teachers t ON t.district_id = d.id WHERE t.id = ?`, w.teacherA1).Scan(&zone); err != nil {
			if err := w.store.SQL().QueryRow(`SELECT d.time_zone FROM districts d JOIN teachers t ON t.district_id = d.id WHERE t.id = $1`, w.teacherA1).Scan(&zone); err != nil {
				t.Fatal(err)
			}
		}
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := time.Parse(time.DateOnly, started)
		cut := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		rows, err := w.store.SQL().Query(`SELECT o.id, o.teacher_id, o.status, o.deleted_at IS NOT NULL, o.counted_at, s.indicator_key, s.level
			FROM scores s JOIN observations o ON o.id = s.observation_id`)
		if err != nil {
			t.Fatal(err)
		}
		type side struct {
			obs    map[string]bool
			n, sum int64
		}
		before, since := side{obs: map[string]bool{}}, side{obs: map[string]bool{}}
		for rows.Next() {
			var id, teacher, status, key string
			var deleted bool
			var counted any
			var level *int64
			if err := rows.Scan(&id, &teacher, &status, &deleted, &counted, &key, &level); err != nil {
				t.Fatal(err)
			}
			if teacher != w.teacherA1 || status != "submitted" || deleted || key != focusKey || level == nil {
				continue
			}
			s := &since
			if rawTime(t, counted).Before(cut) {
				s = &before
			}
			s.obs[id] = true
			s.n++
			s.sum += *level
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if before.n == 0 || since.n == 0 {
			t.Fatalf("the test means nothing: %d scores before, %d since", before.n, since.n)
		}
		i := slices.IndexFunc(v.Items, func(r teacherRowResponse) bool { return r.Teacher.ID == w.teacherA1 })
		if i < 0 || v.Items[i].Trend == nil {
			t.Fatalf("no trend for the teacher: %+v", v.Items)
		}
		tr := v.Items[i].Trend
		check := func(what string, got teacherCellResponse, want side) {
			m := float64(want.sum) / float64(want.n)
			if got.Observations != int64(len(want.obs)) || got.Scores != want.n || got.Mean == nil || *got.Mean != m {
				t.Errorf("%s: %+v, want %d observations, %d scores, mean %v", what, got, len(want.obs), want.n, m)
			}
		}
		if tr.CycleID != cyc.ID || tr.IndicatorKey != focusKey || tr.StartedOn.Format(time.DateOnly) != started {
			t.Errorf("trend of %+v", tr)
		}
		check("before", tr.Before, before)
		check("since", tr.Since, since)
	})
}
