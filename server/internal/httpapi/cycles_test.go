package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// addTeacher adds a teacher to a school of district A.
func (w *world) addTeacher(school, name string) string {
	w.t.Helper()
	id := domain.NewID()
	err := w.store.InTx(context.Background(), func(tx *store.Tx) error {
		return tx.CreateTeachers(context.Background(), []domain.Teacher{{ID: id, DistrictID: w.districtA, SchoolID: school, FamilyName: name, Active: true}})
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

// openCycle opens a cycle at A1 as the coach for the teachers.
func (w *world) openCycle(teachers ...string) cycleResponse {
	w.t.Helper()
	r := w.do(coach, "POST", "/api/v1/cycles", map[string]any{"school_id": w.schoolA1, "teacher_ids": teachers,
		"focus_indicator_key": focusKey, "focus_shift": "Students build on each other's ideas", "status": "active"})
	if r.Code != http.StatusCreated {
		w.t.Fatalf("open a cycle: %d %s", r.Code, r.Body)
	}
	var c cycleResponse
	r.decode(w.t, &c)
	return c
}

func (w *world) schedule(a actor, cycleID string, body map[string]any) (response, followUpResponse) {
	w.t.Helper()
	r := w.do(a, "POST", "/api/v1/cycles/"+cycleID+"/followups", body)
	var f followUpResponse
	if r.Code == http.StatusCreated {
		r.decode(w.t, &f)
	}
	return r, f
}

func TestCycleLifecycleAndScope(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		c := w.openCycle(w.teacherA1)
		if c.CoachID != w.users[coach].ID || c.Status != "active" || c.StartedOn == nil {
			t.Fatalf("opened %+v", c)
		}
		// A cycle at A2, opened by the administrator for a coach there, is not the A1 coach's to see.
		coachA2 := domain.User{ID: domain.NewID(), DistrictID: w.districtA, Email: "coach.a2@example.org", Name: "Coach A2", Active: true,
			Grants: []domain.RoleGrant{{Role: domain.RoleCoach, SchoolID: w.schoolA2}}}
		if err := w.store.InTx(context.Background(), func(tx *store.Tx) error { return tx.CreateUser(context.Background(), coachA2) }); err != nil {
			t.Fatal(err)
		}
		r := w.do(admin, "POST", "/api/v1/cycles", map[string]any{"school_id": w.schoolA2, "coach_id": coachA2.ID, "teacher_ids": []string{w.teacherA2},
			"focus_indicator_key": focusKey})
		if r.Code != http.StatusCreated {
			t.Fatalf("open at A2: %d %s", r.Code, r.Body)
		}
		var a2 cycleResponse
		r.decode(t, &a2)
		// A coach may not open a cycle for a teacher of another school, nor at a school not theirs.
		if r := w.do(coach, "POST", "/api/v1/cycles", map[string]any{"school_id": w.schoolA1, "teacher_ids": []string{w.teacherA2}, "focus_indicator_key": focusKey}); r.Code != http.StatusUnprocessableEntity {
			t.Errorf("a teacher of another school: %d %s", r.Code, r.Body)
		}
		if r := w.do(coach, "POST", "/api/v1/cycles", map[string]any{"school_id": w.schoolA2, "teacher_ids": []string{w.teacherA2}, "focus_indicator_key": focusKey}); r.Code != http.StatusForbidden {
			t.Errorf("a school not the coach's: %d %s", r.Code, r.Body)
		}
		if r := w.do(coach, "POST", "/api/v1/cycles", map[string]any{"school_id": w.schoolA1, "teacher_ids": []string{w.teacherA1}, "focus_indicator_key": "no_such_indicator"}); r.Code != http.StatusUnprocessableEntity {
			t.Errorf("an unknown focus: %d %s", r.Code, r.Body)
		}
		for a, want := range map[actor]map[string]bool{
			coach:      {c.ID: true},
			principalA: {c.ID: true},
			admin:      {c.ID: true, a2.ID: true},
			observer:   {},
		} {
			var l listResponse[cycleResponse]
			w.do(a, "GET", "/api/v1/cycles", nil).decode(t, &l)
			got := ids(l.Items, func(c cycleResponse) string { return c.ID })
			for id := range got {
				if id != c.ID && id != a2.ID {
					delete(got, id) // cycles made by other tests of this world
				}
			}
			if !equalSets(got, want) {
				t.Errorf("%s sees cycles %v, want %v", a, got, want)
			}
		}
		if r := w.do(coach, "GET", "/api/v1/cycles/"+a2.ID, nil); r.Code != http.StatusNotFound {
			t.Errorf("the A1 coach reads the A2 cycle: %d", r.Code)
		}

		// A support activity and a follow-up; the principal is invited by default.
		r = w.do(coach, "POST", "/api/v1/cycles/"+c.ID+"/activities", map[string]any{"kind": "modeling", "occurred_on": "2026-02-02", "notes": "Modeled a number talk."})
		if r.Code != http.StatusCreated {
			t.Fatalf("log an activity: %d %s", r.Code, r.Body)
		}
		start := w.clock.now.Add(2 * time.Hour).Truncate(time.Minute)
		r, f := w.schedule(coach, c.ID, map[string]any{"teacher_id": w.teacherA1, "starts_at": start, "ends_at": start.Add(30 * time.Minute), "notes": "Look for wait time."})
		if r.Code != http.StatusCreated {
			t.Fatalf("schedule: %d %s", r.Code, r.Body)
		}
		if !slices.Contains(f.ObserverIDs, w.users[principalA].ID) || !slices.Contains(f.ObserverIDs, w.users[coach].ID) || f.SchoolID != w.schoolA1 {
			t.Errorf("the follow-up's observers %v: want the coach and the principal", f.ObserverIDs)
		}
		// It is on the principal's due list and reaches the principal's device.
		var due listResponse[followUpResponse]
		w.do(principalA, "GET", "/api/v1/followups?due=next_week&mine=true", nil).decode(t, &due)
		if !slices.ContainsFunc(due.Items, func(x followUpResponse) bool { return x.ID == f.ID }) {
			t.Errorf("the principal's due list lacks the follow-up: %+v", due.Items)
		}
		var pulled sync.PullResponse
		w.do(principalA, "GET", "/api/v1/sync/pull", nil).decode(t, &pulled)
		if !slices.ContainsFunc(pulled.Changes, func(r sync.Record) bool { return r.ID == f.ID }) {
			t.Error("the follow-up did not reach the principal's device")
		}

		// The principal observes from the follow-up: it is linked and done.
		obs := w.obsChange(domain.NewID(), 0, 3)
		var data map[string]any
		json.Unmarshal(obs.Data, &data)
		data["follow_up_id"], data["kind"] = f.ID, "follow_up"
		obs.Data, _ = json.Marshal(data)
		if code, res := w.push(principalA, domain.NewID(), obs); code != 200 || res.Results[0].Status != "applied" {
			t.Fatalf("push the observation: %d %+v", code, res)
		}
		var d cycleDetailResponse
		w.do(coach, "GET", "/api/v1/cycles/"+c.ID, nil).decode(t, &d)
		if len(d.FollowUps) != 1 || d.FollowUps[0].Status != "done" || d.FollowUps[0].ObservationID != obs.ID || len(d.Activities) != 1 {
			t.Errorf("after the visit: %+v", d)
		}
		// A supervisor reads the cycle but not its teachers: the follow-up
		// names its teacher, so not the observation it became.
		var sd cycleDetailResponse
		if r := w.do(supervisor, "GET", "/api/v1/cycles/"+c.ID, nil); r.Code != http.StatusOK {
			t.Fatalf("the supervisor reads the cycle: %d %s", r.Code, r.Body)
		} else {
			r.decode(t, &sd)
		}
		if len(sd.FollowUps) != 1 || sd.FollowUps[0].ObservationID != "" || strings.Contains(w.do(supervisor, "GET", "/api/v1/cycles/"+c.ID, nil).Body.String(), obs.ID) {
			t.Errorf("the supervisor reads which observation the follow-up became: %+v", sd.FollowUps)
		}
		if r := w.do(supervisor, "GET", "/api/v1/cycles/"+c.ID+"/evidence", nil); r.Code != http.StatusForbidden && r.Code != http.StatusNotFound {
			t.Errorf("the supervisor reads the cycle's evidence: %d", r.Code)
		}
		// Nor does the supervisor's device (the supervisor runs the cycle as a
		// leader of its school), nor a conflict's answer; a change from that
		// device keeps the link it was never told.
		pr := w.do(supervisor, "GET", "/api/v1/sync/pull", nil)
		if strings.Contains(pr.Body.String(), obs.ID) {
			t.Errorf("the supervisor's device is told which observation the follow-up became")
		}
		var sp sync.PullResponse
		pr.decode(t, &sp)
		var fr sync.Record
		for _, rec := range sp.Changes {
			if rec.ID == f.ID {
				fr = rec
			}
		}
		var fd sync.FollowUpData
		raw, _ := json.Marshal(fr.Data)
		if err := json.Unmarshal(raw, &fd); err != nil || fr.ID == "" || fd.ObservationID != "" {
			t.Fatalf("the supervisor's follow-up record: %+v %v", fr, err)
		}
		fd.Notes = "Seen by the supervisor."
		raw, _ = json.Marshal(fd)
		stale := sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityFollowUp, Op: sync.OpUpsert, ID: f.ID, BaseRev: fr.Rev - 1, Data: raw}
		if _, res := w.push(supervisor, domain.NewID(), stale); len(res.Results) != 1 || res.Results[0].Status != "conflict" {
			t.Errorf("a stale change: %+v", res)
		} else if b, _ := json.Marshal(res.Results[0]); strings.Contains(string(b), obs.ID) {
			t.Errorf("a conflict tells the supervisor which observation the follow-up became: %s", b)
		}
		ok := sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityFollowUp, Op: sync.OpUpsert, ID: f.ID, BaseRev: fr.Rev, Data: raw}
		if _, res := w.push(supervisor, domain.NewID(), ok); len(res.Results) != 1 || res.Results[0].Status != "applied" {
			t.Fatalf("the supervisor's change: %+v", res)
		}
		w.do(coach, "GET", "/api/v1/cycles/"+c.ID, nil).decode(t, &d)
		if len(d.FollowUps) != 1 || d.FollowUps[0].ObservationID != obs.ID || d.FollowUps[0].Notes != fd.Notes {
			t.Errorf("after the supervisor's change the follow-up lost its observation: %+v", d.FollowUps)
		}

		// A cycle ends with an outcome.
		if r := w.do(coach, "PATCH", "/api/v1/cycles/"+c.ID, map[string]any{"status": "completed"}); r.Code != http.StatusUnprocessableEntity {
			t.Errorf("completed with no outcome: %d %s", r.Code, r.Body)
		}
		r = w.do(coach, "PATCH", "/api/v1/cycles/"+c.ID, map[string]any{"status": "completed", "outcome": "seen", "outcome_evidence": "Students explained.", "rev": d.Rev})
		var done cycleResponse
		r.decode(t, &done)
		if r.Code != http.StatusOK || done.Outcome != "seen" || done.EndedOn == nil {
			t.Errorf("complete: %d %s", r.Code, r.Body)
		}
		if r := w.do(coach, "PATCH", "/api/v1/cycles/"+c.ID, map[string]any{"focus_shift": "x", "rev": d.Rev}); r.Code != http.StatusConflict {
			t.Errorf("a stale revision: %d %s", r.Code, r.Body)
		}
		// The observer is neither invited nor a leader: the cycle is not theirs to change.
		if r := w.do(observer, "PATCH", "/api/v1/cycles/"+c.ID, map[string]any{"focus_shift": "x"}); r.Code != http.StatusNotFound {
			t.Errorf("the observer changes the cycle: %d", r.Code)
		}
	})
}

func TestFollowUpClashesForTeachersAndObserversAcrossZonesAndDaylightSaving(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		teacher2 := w.addTeacher(w.schoolA1, "Okonkwo")
		c := w.openCycle(w.teacherA1, teacher2)
		chicago, _ := time.LoadLocation("America/Chicago") // district A's zone
		tokyo, _ := time.LoadLocation("Asia/Tokyo")
		base := time.Date(2026, 10, 6, 9, 0, 0, 0, chicago)
		book := func(a actor, teacher string, start time.Time, minutes int, observers ...string) (response, followUpResponse) {
			body := map[string]any{"teacher_id": teacher, "starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Duration(minutes) * time.Minute).Format(time.RFC3339)}
			if len(observers) > 0 {
				body["observer_ids"] = observers
			}
			return w.schedule(a, c.ID, body)
		}
		clash := func(r response, holder string) {
			t.Helper()
			var p Problem
			r.decode(t, &p)
			if r.Code != http.StatusConflict || p.Code != "clash" || p.ClashesWith != holder {
				t.Errorf("want a clash with %s: %d %s", holder, r.Code, r.Body)
			}
		}
		coachID, principalID, observerID := w.users[coach].ID, w.users[principalA].ID, w.users[observer].ID
		r, first := book(coach, w.teacherA1, base, 30, coachID)
		if r.Code != http.StatusCreated {
			t.Fatalf("first booking: %d %s", r.Code, r.Body)
		}
		// The same teacher at 09:15 Chicago, written in Tokyo's offset.
		r, _ = book(coach, w.teacherA1, base.Add(15*time.Minute).In(tokyo), 30, principalID)
		clash(r, first.ID)
		// 09:00 in New York is 08:00 in Chicago: free.
		ny, _ := time.LoadLocation("America/New_York")
		if r, _ := book(coach, w.teacherA1, time.Date(2026, 10, 6, 9, 0, 0, 0, ny), 30, principalID); r.Code != http.StatusCreated {
			t.Errorf("an hour earlier, written in New York's zone: %d %s", r.Code, r.Body)
		}
		// Back to back is free.
		if r, _ := book(coach, w.teacherA1, base.Add(30*time.Minute), 30, principalID); r.Code != http.StatusCreated {
			t.Errorf("back to back: %d %s", r.Code, r.Body)
		}
		// The coach cannot be in two rooms: another teacher at the same time.
		r, _ = book(coach, teacher2, base.Add(10*time.Minute), 20, coachID, observerID)
		clash(r, first.ID)
		var p Problem
		r.decode(t, &p)
		if len(p.Errors) != 1 || p.Errors[0].Field != "observer_ids[0]" {
			t.Errorf("the clash names the field %+v", p.Errors)
		}

		// The night clocks go back: 01:30 CDT and 01:30 CST are an hour apart.
		cdt := time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC) // 01:30 CDT
		r, early := book(coach, teacher2, cdt, 30, observerID)
		if r.Code != http.StatusCreated {
			t.Fatalf("01:30 CDT: %d %s", r.Code, r.Body)
		}
		if r, _ := book(coach, teacher2, cdt.Add(time.Hour), 30, observerID); r.Code != http.StatusCreated {
			t.Errorf("01:30 CST, an hour later: %d %s", r.Code, r.Body)
		}
		// 01:45 CDT for 20 minutes overlaps the first.
		r, _ = book(coach, teacher2, cdt.Add(15*time.Minute), 20, principalID)
		clash(r, early.ID)
		// Spring forward, 8 March 2027: 01:45 CST + 30 minutes ends at 03:15 CDT and clashes with 03:00 CDT.
		spring := time.Date(2027, 3, 14, 7, 45, 0, 0, time.UTC) // 01:45 CST
		if spring.In(chicago).Format("15:04 MST") != "01:45 CST" {
			t.Fatalf("spring fixture: %s", spring.In(chicago))
		}
		r, sp := book(coach, teacher2, spring, 30, observerID)
		if r.Code != http.StatusCreated {
			t.Fatalf("spring booking: %d %s", r.Code, r.Body)
		}
		r, _ = book(coach, teacher2, time.Date(2027, 3, 14, 3, 0, 0, 0, chicago), 30, principalID)
		clash(r, sp.ID)

		// A follow-up pushed from a device is checked the same way.
		data, _ := json.Marshal(sync.FollowUpData{CycleID: c.ID, TeacherID: w.teacherA1, StartsAt: base.Add(5 * time.Minute), EndsAt: base.Add(25 * time.Minute),
			ObserverIDs: []string{principalID}, Status: "scheduled"})
		_, res := w.push(coach, domain.NewID(), sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityFollowUp, Op: sync.OpUpsert, ID: domain.NewID(), Data: data})
		if got := res.Results[0]; got.Status != "rejected" || got.Error == nil || got.Error.Code != "clash" || got.Error.ClashesWith != first.ID {
			t.Errorf("a clashing synced follow-up: %+v %+v", got, got.Error)
		}

		// Moving a follow-up onto another's time is refused; cancelling frees the time.
		r, moved := book(coach, w.teacherA1, base.Add(3*time.Hour), 15, observerID)
		if r.Code != http.StatusCreated {
			t.Fatal(r.Body)
		}
		clash(w.do(coach, "PATCH", "/api/v1/followups/"+moved.ID, map[string]any{"starts_at": base.Add(10 * time.Minute)}), first.ID)
		if r := w.do(coach, "PATCH", "/api/v1/followups/"+first.ID, map[string]any{"status": "cancelled"}); r.Code != http.StatusOK {
			t.Fatalf("cancel: %d %s", r.Code, r.Body)
		}
		r = w.do(coach, "PATCH", "/api/v1/followups/"+moved.ID, map[string]any{"starts_at": base.Add(10 * time.Minute)})
		var after followUpResponse
		r.decode(t, &after)
		if r.Code != http.StatusOK || !after.StartsAt.Equal(base.Add(10*time.Minute)) || !after.EndsAt.Equal(base.Add(25*time.Minute)) {
			t.Fatalf("move into the freed time: %d %s", r.Code, r.Body)
		}
		// Rescheduling keeps the history.
		if len(after.Reschedules) != 1 || !after.Reschedules[0].FromStartsAt.Equal(base.Add(3*time.Hour)) || !after.Reschedules[0].ToStartsAt.Equal(base.Add(10*time.Minute)) ||
			after.Reschedules[0].ChangedBy != coachID {
			t.Errorf("the move's history: %+v", after.Reschedules)
		}
	})
}

func TestDueListPutsOverdueFirstAndDropsNothing(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		c := w.openCycle(w.teacherA1)
		now := w.clock.now
		var made []string
		for _, offset := range []time.Duration{3 * time.Hour, -50 * time.Hour, 2 * time.Hour, -26 * time.Hour} {
			s := now.Add(offset).Truncate(time.Minute)
			r, f := w.schedule(coach, c.ID, map[string]any{"teacher_id": w.teacherA1, "starts_at": s, "ends_at": s.Add(30 * time.Minute)})
			if r.Code != http.StatusCreated {
				t.Fatal(r.Body)
			}
			made = append(made, f.ID)
		}
		var due listResponse[followUpResponse]
		w.do(coach, "GET", "/api/v1/followups?to=2099-01-02&mine=true", nil).decode(t, &due)
		var got []string
		for _, f := range due.Items {
			got = append(got, fmt.Sprintf("%s overdue=%v", f.ID, f.Overdue))
		}
		want := []string{made[1] + " overdue=true", made[3] + " overdue=true", made[2] + " overdue=false", made[0] + " overdue=false"}
		if !slices.Equal(got, want) {
			t.Errorf("due list\n got %v\nwant %v", got, want)
		}
		if r := w.do(coach, "GET", "/api/v1/followups?due=someday", nil); r.Code != http.StatusUnprocessableEntity {
			t.Errorf("a bad window: %d", r.Code)
		}
	})
}
