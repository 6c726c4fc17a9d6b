package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// observed is a pushed observation by the coach at A1 of the teacher, with
// a level for each indicator key (0: not observed).
func (w *world) observed(id, teacher, status string, levels map[string]int) sync.Change {
	scores := []map[string]any{}
	for k, l := range levels {
		s := map[string]any{"indicator_key": k}
		if l > 0 {
			s["level"] = l
		}
		scores = append(scores, s)
	}
	data, _ := json.Marshal(map[string]any{
		"school_id": w.schoolA1, "teacher_id": teacher, "rubric_version_id": w.rubricA, "kind": "classroom",
		"grade": "3", "subject": "Mathematics", "started_at": w.clock.now.Add(-time.Hour).UTC().Format(time.RFC3339),
		"status": status, "scores": scores,
	})
	return sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityObservation, Op: sync.OpUpsert, ID: id, Data: data}
}

// period is the query of the days around the world's clock.
func (w *world) period() string {
	day := w.clock.now.UTC()
	return "from=" + day.AddDate(0, 0, -3).Format(time.DateOnly) + "&to=" + day.AddDate(0, 0, 3).Format(time.DateOnly)
}

// The teacher view's figures, recomputed from the raw scores with SQL of
// the test's own: submitted, live observations only; the mean of each
// teacher's scores on each dimension and the observations behind it.
func TestTeacherViewFiguresAreExact(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		second := w.addTeacher(w.schoolA1, "Nakamura")
		fw := domain.BuiltinFramework()
		keys := fw.IndicatorKeys()
		changes := []sync.Change{
			w.observed(domain.NewID(), w.teacherA1, "submitted", map[string]int{keys[0]: 2, keys[1]: 4, keys[5]: 3}),
			w.observed(domain.NewID(), w.teacherA1, "submitted", map[string]int{keys[0]: 1, keys[6]: 0}),
			w.observed(domain.NewID(), second, "submitted", map[string]int{keys[0]: 4, keys[len(keys)-1]: 2}),
			w.observed(domain.NewID(), second, "draft", map[string]int{keys[0]: 1}), // a draft counts nowhere
		}
		gone := domain.NewID()
		changes = append(changes, w.observed(gone, second, "submitted", map[string]int{keys[0]: 1}))
		if code, res := w.push(coach, domain.NewID(), changes...); code != 200 || slices.ContainsFunc(res.Results, func(r sync.Result) bool { return r.Status != sync.StatusApplied }) {
			t.Fatalf("push: %d %+v", code, res)
		}
		if code, res := w.push(coach, domain.NewID(), sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityObservation, Op: sync.OpDelete, ID: gone, BaseRev: 1}); code != 200 || res.Results[0].Status != sync.StatusApplied {
			t.Fatalf("delete: %d %+v", code, res)
		}
		cyc := w.openCycle(second)

		r := w.do(principalA, "GET", "/api/v1/teacher-view?school_id="+w.schoolA1+"&"+w.period(), nil)
		if r.Code != http.StatusOK {
			t.Fatalf("teacher view: %d %s", r.Code, r.Body)
		}
		var v teacherViewResponse
		r.decode(t, &v)
		if len(v.Dimensions) != len(fw.Dimensions) || len(v.Indicators) != 1 || v.Indicators[0].Key != focusKey {
			t.Fatalf("columns: %+v %+v", v.Dimensions, v.Indicators)
		}

		// The recomputation: raw rows, aggregated here.
		dimOf := map[string]string{}
		for _, d := range fw.Dimensions {
			for _, i := range d.Indicators {
				dimOf[i.Key] = d.Key
			}
		}
		rows, err := w.store.SQL().Query(`SELECT o.id, o.teacher_id, o.status, o.deleted_at IS NOT NULL, o.school_id, s.indicator_key, s.level
			FROM scores s JOIN observations o ON o.id = s.observation_id`)
		if err != nil {
			t.Fatal(err)
		}
		type acc struct {
			obs        map[string]bool
			n, sum     int64
			focusObs   map[string]bool
			fn, fsum   int64
			visits     map[string]bool
			dimensions map[string]*acc
		}
		want := map[string]*acc{}
		for rows.Next() {
			var id, teacher, status, school, key string
			var deleted bool
			var level *int64
			if err := rows.Scan(&id, &teacher, &status, &deleted, &school, &key, &level); err != nil {
				t.Fatal(err)
			}
			if status != "submitted" || deleted || school != w.schoolA1 {
				continue
			}
			a := want[teacher]
			if a == nil {
				a = &acc{visits: map[string]bool{}, dimensions: map[string]*acc{}}
				want[teacher] = a
			}
			a.visits[id] = true
			if level == nil {
				continue
			}
			d := a.dimensions[dimOf[key]]
			if d == nil {
				d = &acc{obs: map[string]bool{}}
				a.dimensions[dimOf[key]] = d
			}
			d.obs[id] = true
			d.n++
			d.sum += *level
			if key == focusKey {
				a.fn++
				a.fsum += *level
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if len(v.Items) != 2 {
			t.Fatalf("want the school's two teachers, got %d", len(v.Items))
		}
		checked := 0
		for _, row := range v.Items {
			a := want[row.Teacher.ID]
			if a == nil {
				t.Fatalf("teacher %s has no scores, yet is listed with %+v", row.Teacher.ID, row)
			}
			if row.Observations != int64(len(a.visits)) || row.LastVisit == nil {
				t.Errorf("%s: %d visits (last %v), want %d", row.Teacher.FamilyName, row.Observations, row.LastVisit, len(a.visits))
			}
			for _, d := range fw.Dimensions {
				got, ok := row.Dimensions[d.Key]
				exp := a.dimensions[d.Key]
				if exp == nil {
					if ok {
						t.Errorf("%s, %s: a cell with no score behind it: %+v", row.Teacher.FamilyName, d.Key, got)
					}
					continue
				}
				checked++
				m := float64(exp.sum) / float64(exp.n)
				if got.Observations != int64(len(exp.obs)) || got.Scores != exp.n || got.Mean == nil || *got.Mean != m {
					t.Errorf("%s, %s: %+v, want %d observations, %d scores, mean %v", row.Teacher.FamilyName, d.Key, got, len(exp.obs), exp.n, m)
				}
			}
			focus, ok := row.Indicators[focusKey]
			if (a.fn > 0) != ok || (ok && (focus.Scores != a.fn || *focus.Mean != float64(a.fsum)/float64(a.fn))) {
				t.Errorf("%s: focus cell %+v, want %d scores summing to %d", row.Teacher.FamilyName, focus, a.fn, a.fsum)
			}
			inCycle := row.Teacher.ID == second
			if (len(row.Cycles) == 1 && row.Cycles[0].ID == cyc.ID) != inCycle {
				t.Errorf("%s: cycles %+v", row.Teacher.FamilyName, row.Cycles)
			}
			if (row.Trend != nil) != inCycle {
				t.Errorf("%s: trend %+v", row.Teacher.FamilyName, row.Trend)
			}
		}
		if checked < 3 {
			t.Fatalf("only %d cells compared", checked)
		}
	})
}

// A supervisor (who may not see teachers), an observer and a teacher never
// get the teacher view, however they ask; principals and coaches get it for
// their school only.
func TestTeacherViewIsOnlyForThoseWhoSeeTeachers(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		for _, q := range []string{"", "?school_id=" + w.schoolA1, "?school_id=" + w.schoolA2, "?school_id=" + w.schoolA1 + "&school_id=" + w.schoolA2, "?" + w.period()} {
			for _, a := range []actor{supervisor, observer, teacher} {
				r := w.do(a, "GET", "/api/v1/teacher-view"+q, nil)
				if r.Code != http.StatusForbidden {
					t.Errorf("%s asking %q: %d %s", a, q, r.Code, r.Body)
				}
				if strings.Contains(r.Body.String(), "Rivera") || strings.Contains(r.Body.String(), "Okafor") {
					t.Errorf("%s's refusal names a teacher", a)
				}
			}
			for _, a := range []actor{principalA, coach} {
				want := http.StatusOK
				if q == "?school_id="+w.schoolA2 || q == "?school_id="+w.schoolA1+"&school_id="+w.schoolA2 {
					want = http.StatusNotFound
				}
				if r := w.do(a, "GET", "/api/v1/teacher-view"+q, nil); r.Code != want {
					t.Errorf("%s asking %q: %d, want %d", a, q, r.Code, want)
				}
			}
		}
	})
}

// requestChange is the principal's device asking for support at A1.
func (w *world) requestChange(id string, baseRev int64, d sync.SupportRequestData) sync.Change {
	data, _ := json.Marshal(d)
	return sync.Change{ChangeID: domain.NewID(), Entity: sync.EntitySupportRequest, Op: sync.OpUpsert, ID: id, BaseRev: baseRev, Data: data}
}

// The journey of a request: asked offline through push (applied once
// whatever is retried), seen by whoever assigns coaches with the coaches'
// workload, assigned (a stale revision answers 409), its status read by
// the requester and the supervisor (without teachers), and a cycle opened
// from it once, which the effectiveness report then counts.
func TestSupportRequestFromAskToCycle(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		second := w.addTeacher(w.schoolA1, "Nakamura")
		id, device := domain.NewID(), domain.NewID()
		ask := w.requestChange(id, 0, sync.SupportRequestData{SchoolID: w.schoolA1, TeacherIDs: []string{w.teacherA1, second},
			IndicatorKeys: []string{focusKey}, Reason: "Students talk over each other in both rooms.", Source: "teacher_view", Status: "open"})
		for i := range 2 {
			code, res := w.push(principalA, device, ask)
			want := sync.StatusApplied
			if i == 1 {
				want = sync.StatusDuplicate
			}
			if code != 200 || res.Results[0].Status != want {
				t.Fatalf("push %d: %d %+v", i, code, res.Results)
			}
		}
		if n := w.counts(); n["support_requests"] != 1 {
			t.Fatalf("%d requests after a retried push", n["support_requests"])
		}

		var open listResponse[supportRequestResponse]
		w.do(admin, "GET", "/api/v1/support-requests?status=open", nil).decode(t, &open)
		if len(open.Items) != 1 || open.Items[0].ID != id || len(open.Items[0].TeacherIDs) != 2 {
			t.Fatalf("open requests: %+v", open.Items)
		}
		coaches := open.Items[0].Coaches
		if len(coaches) != 1 || coaches[0].ID != w.users[coach].ID || coaches[0].OpenCycles != 0 {
			t.Fatalf("coaches beside the request: %+v", coaches)
		}

		stale := w.do(admin, "PATCH", "/api/v1/support-requests/"+id, map[string]any{"status": "assigned", "coach_id": w.users[coach].ID, "rev": 0})
		if stale.Code != http.StatusConflict {
			t.Fatalf("a stale decision: %d %s", stale.Code, stale.Body)
		}
		for _, body := range []map[string]any{
			{"status": "assigned", "coach_id": w.users[principalA].ID, "rev": 1}, // not a coach
			{"status": "declined", "rev": 1},                                     // no reason
		} {
			if r := w.do(admin, "PATCH", "/api/v1/support-requests/"+id, body); r.Code != http.StatusUnprocessableEntity {
				t.Errorf("decision %v: %d %s", body, r.Code, r.Body)
			}
		}
		r := w.do(admin, "PATCH", "/api/v1/support-requests/"+id, map[string]any{"status": "assigned", "coach_id": w.users[coach].ID, "rev": 1})
		if r.Code != http.StatusOK {
			t.Fatalf("assign: %d %s", r.Code, r.Body)
		}
		var assigned supportRequestResponse
		r.decode(t, &assigned)
		if assigned.Status != "assigned" || assigned.Rev != 2 || assigned.DecidedBy != w.users[admin].ID {
			t.Fatalf("assigned: %+v", assigned)
		}

		// The requester's device learns the status through pull.
		found := false
		for _, rec := range w.pull(principalA, "").Changes {
			if rec.Entity == sync.EntitySupportRequest && rec.ID == id {
				b, _ := json.Marshal(rec.Data)
				var d sync.SupportRequestData
				_ = json.Unmarshal(b, &d)
				found = d.Status == "assigned" && d.CoachID == w.users[coach].ID && rec.Rev == 2
			}
		}
		if !found {
			t.Error("the requester's device does not receive the assignment")
		}
		// The supervisor reads the status, not the teachers.
		var sup supportRequestResponse
		if r := w.do(supervisor, "GET", "/api/v1/support-requests/"+id, nil); r.Code != http.StatusOK {
			t.Fatalf("supervisor: %d", r.Code)
		} else {
			r.decode(t, &sup)
		}
		if sup.Status != "assigned" || len(sup.TeacherIDs) != 0 {
			t.Errorf("the supervisor reads %+v", sup)
		}
		for _, rec := range w.pull(supervisor, "").Changes {
			if rec.Entity == sync.EntitySupportRequest {
				if b, _ := json.Marshal(rec.Data); strings.Contains(string(b), w.teacherA1) || strings.Contains(string(b), second) {
					t.Errorf("the supervisor's device receives the request's teachers: %s", b)
				}
			}
		}
		// The requester may no longer change a decided request.
		if code, res := w.push(principalA, device, w.requestChange(id, 2, sync.SupportRequestData{SchoolID: w.schoolA1, TeacherIDs: []string{w.teacherA1},
			IndicatorKeys: []string{focusKey}, Reason: "changed", Status: "withdrawn"})); code != 200 || res.Results[0].Status != sync.StatusForbidden {
			t.Errorf("withdrawing a decided request: %d %+v", code, res.Results)
		}

		// The coach opens a cycle from it, once.
		open1 := w.do(coach, "POST", "/api/v1/cycles", map[string]any{"school_id": w.schoolA1, "teacher_ids": []string{w.teacherA1, second},
			"focus_indicator_key": focusKey, "focus_shift": "Asked for: " + "students talk over each other", "status": "active", "support_request_id": id})
		if open1.Code != http.StatusCreated {
			t.Fatalf("open from the request: %d %s", open1.Code, open1.Body)
		}
		var c cycleResponse
		open1.decode(t, &c)
		var after supportRequestResponse
		w.do(principalA, "GET", "/api/v1/support-requests/"+id, nil).decode(t, &after)
		if after.CycleID != c.ID || after.Rev != 3 {
			t.Errorf("the request after the cycle: %+v", after)
		}
		again := w.do(coach, "POST", "/api/v1/cycles", map[string]any{"school_id": w.schoolA1, "teacher_ids": []string{w.teacherA1},
			"focus_indicator_key": focusKey, "support_request_id": id})
		if again.Code != http.StatusConflict {
			t.Errorf("a second cycle from the request: %d %s", again.Code, again.Body)
		}
		if n := w.counts(); n["cycles"] != 1 {
			t.Errorf("%d cycles: the refused one was half-written", n["cycles"])
		}
		var eff effectivenessResponse
		w.do(coach, "GET", "/api/v1/reports/cycle-effectiveness", nil).decode(t, &eff)
		if eff.FromRequests.Cycles > eff.Cycles {
			t.Errorf("report: %+v", eff)
		}
	})
}

// createUser adds a user to district A.
func (w *world) createUser(u domain.User) {
	w.t.Helper()
	if err := w.store.InTx(context.Background(), func(tx *store.Tx) error { return tx.CreateUser(context.Background(), u) }); err != nil {
		w.t.Fatal(err)
	}
}

// Writes check district, then scope, then revision, and a refusal carries
// nothing of the request.
func TestSupportRequestsRefuseOtherSchoolsAndDistricts(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		id := w.putRequest(domain.SupportRequest{})
		secret := "Talk between students is rarely respectful."
		// Another district: not found over REST, forbidden through push, and never the record.
		for _, r := range []response{
			w.do(otherAdmin, "GET", "/api/v1/support-requests/"+id, nil),
			w.do(otherAdmin, "PATCH", "/api/v1/support-requests/"+id, map[string]any{"status": "declined", "decline_reason": "no", "rev": 1}),
		} {
			if r.Code != http.StatusNotFound || strings.Contains(r.Body.String(), secret) {
				t.Errorf("district B's administrator: %d %s", r.Code, r.Body)
			}
		}
		code, res := w.push(otherAdmin, domain.NewID(), w.requestChange(id, 1, sync.SupportRequestData{SchoolID: w.schoolB1,
			IndicatorKeys: []string{focusKey}, Reason: "take it over", Status: "open", TeacherIDs: []string{}}))
		if code != 200 || res.Results[0].Status != sync.StatusForbidden || res.Results[0].Current != nil {
			t.Errorf("district B's push onto A's request: %d %+v", code, res.Results)
		}
		// Another school: the principal of A1 may not ask at A2.
		if r := w.do(principalA, "POST", "/api/v1/support-requests", map[string]any{"school_id": w.schoolA2, "teacher_ids": []string{},
			"indicator_keys": []string{focusKey}, "reason": "Flat since fall."}); r.Code != http.StatusForbidden {
			t.Errorf("asking at another school: %d %s", r.Code, r.Body)
		}
		// Teachers of another school cannot be named.
		if r := w.do(principalA, "POST", "/api/v1/support-requests", map[string]any{"school_id": w.schoolA1, "teacher_ids": []string{w.teacherA2},
			"indicator_keys": []string{focusKey}, "reason": "Flat since fall."}); r.Code != http.StatusUnprocessableEntity {
			t.Errorf("naming another school's teacher: %d %s", r.Code, r.Body)
		}
		// A coach of another school cannot be assigned.
		otherCoach := domain.NewID()
		u := w.users[coach]
		u.ID, u.Email, u.Grants = otherCoach, "coach2@example.org", []domain.RoleGrant{{Role: domain.RoleCoach, SchoolID: w.schoolA2}}
		w.createUser(u)
		if r := w.do(admin, "PATCH", "/api/v1/support-requests/"+id, map[string]any{"status": "assigned", "coach_id": otherCoach, "rev": 1}); r.Code != http.StatusUnprocessableEntity {
			t.Errorf("assigning a coach of another school: %d %s", r.Code, r.Body)
		}
		// Nothing changed.
		var cur supportRequestResponse
		w.do(principalA, "GET", "/api/v1/support-requests/"+id, nil).decode(t, &cur)
		if cur.Rev != 1 || cur.Status != "open" {
			t.Errorf("after the refusals: %+v", cur)
		}
	})
}
