package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// target is a set of records a caller must not write: one of each
// writable entity at a school of the caller's district they do not serve,
// or in another district. Every text of theirs holds secret, so that an
// answer that leaks any of them is seen.
type target struct {
	name                                             string
	district, school, teacher, rubric, owner, secret string
	walkthrough, observation, nextStep               string
	cycle, activity, followUp                        string
}

// newTarget writes the target's records straight into the store.
func (w *world) newTarget(name, district, school, teacher, rubric, owner string) target {
	w.t.Helper()
	tg := target{name: name, district: district, school: school, teacher: teacher, rubric: rubric, owner: owner,
		secret: "secret-" + name + "-" + domain.NewID()[:8], walkthrough: domain.NewID(), observation: domain.NewID(), nextStep: domain.NewID(),
		cycle: domain.NewID(), activity: domain.NewID(), followUp: domain.NewID()}
	ctx := context.Background()
	level := 2
	start := w.clock.now.Add(72 * time.Hour).UTC().Truncate(time.Minute)
	err := w.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutWalkthrough(ctx, domain.Walkthrough{ID: tg.walkthrough, DistrictID: district, SchoolID: school, RubricVersionID: rubric,
			Kind: domain.KindClassroom, Date: w.clock.now, LeadID: owner, DebriefNotes: tg.secret, Rev: 1}); err != nil {
			return err
		}
		if err := tx.PutObservation(ctx, domain.Observation{ID: tg.observation, DistrictID: district, SchoolID: school, TeacherID: teacher,
			ObserverID: owner, RubricVersionID: rubric, Kind: domain.KindClassroom, Status: domain.ObservationSubmitted,
			StartedAt: w.clock.now.Add(-3 * time.Hour), Evidence: tg.secret, Rev: 1,
			Scores: []domain.Score{{IndicatorKey: "respectful_relationships", Level: &level}}}); err != nil {
			return err
		}
		if err := tx.PutNextStep(ctx, domain.NextStep{ID: tg.nextStep, DistrictID: district, WalkthroughID: tg.walkthrough, SchoolID: school,
			OwnerID: owner, Action: tg.secret, Rev: 1}); err != nil {
			return err
		}
		if err := tx.PutCycle(ctx, domain.Cycle{ID: tg.cycle, DistrictID: district, SchoolID: school, CoachID: owner, TeacherIDs: []string{teacher},
			FocusIndicatorKey: "academic_discourse", FocusShift: tg.secret, Status: domain.CycleActive, Rev: 1}); err != nil {
			return err
		}
		if err := tx.PutActivity(ctx, domain.Activity{ID: tg.activity, DistrictID: district, CycleID: tg.cycle, Kind: domain.ActivityKind("co_teaching"),
			OccurredOn: w.clock.now, Notes: tg.secret, AuthorID: owner, Rev: 1}, school); err != nil {
			return err
		}
		return tx.PutFollowUp(ctx, domain.FollowUp{ID: tg.followUp, DistrictID: district, CycleID: tg.cycle, SchoolID: school, TeacherID: teacher,
			StartsAt: start, EndsAt: start.Add(30 * time.Minute), ObserverIDs: []string{owner}, Status: domain.FollowUpScheduled, Notes: tg.secret, Rev: 1})
	})
	if err != nil {
		w.t.Fatalf("target %s: %v", name, err)
	}
	return tg
}

// state reads every record of the target as the store holds it, with the
// rows of other districts too, so that a write anywhere is seen.
func (w *world) state(tg target) string {
	w.t.Helper()
	ctx := context.Background()
	var out []any
	err := w.store.ReadTx(ctx, func(tx *store.Tx) error {
		for _, d := range []string{w.districtA, w.districtB} {
			ws, err := tx.Walkthroughs(ctx, d, []string{tg.walkthrough})
			if err != nil {
				return err
			}
			os, err := tx.Observations(ctx, d, []string{tg.observation})
			if err != nil {
				return err
			}
			ns, err := tx.NextSteps(ctx, d, []string{tg.nextStep})
			if err != nil {
				return err
			}
			cs, err := tx.Cycles(ctx, d, []string{tg.cycle})
			if err != nil {
				return err
			}
			as, err := tx.Activities(ctx, d, []string{tg.activity})
			if err != nil {
				return err
			}
			fs, err := tx.FollowUps(ctx, d, []string{tg.followUp})
			if err != nil {
				return err
			}
			out = append(out, d, ws, os, ns, cs, as, fs)
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	b, err := json.Marshal(out)
	if err != nil {
		w.t.Fatal(err)
	}
	return string(b)
}

// exists reports whether a record of the entity has the id in any district.
func (w *world) exists(entity, id string) bool {
	w.t.Helper()
	ctx := context.Background()
	found := false
	err := w.store.ReadTx(ctx, func(tx *store.Tx) error {
		for _, d := range []string{w.districtA, w.districtB} {
			foreign, err := tx.ForeignIDs(ctx, entity, d, []string{id})
			if err != nil {
				return err
			}
			found = found || foreign[id]
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return found
}

// TestNoWriteCrossesADistrictOrASchool walks every entity a device writes ×
// {a school of the district the caller does not serve, another district} ×
// {create there, create over a record's id, amend at the record's
// revision, amend at a stale revision, delete}, through sync: district,
// then scope, then revision. Each is refused, nothing changes, and the
// answer holds nothing of the record. Then the REST routes that write the
// same records, and the roster's.
func TestNoWriteCrossesADistrictOrASchool(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		// The coach (of school A1) runs a cycle of their own, so that
		// changes of their own can name it.
		own := domain.NewID()
		err := w.store.InTx(ctx, func(tx *store.Tx) error {
			return tx.PutCycle(ctx, domain.Cycle{ID: own, DistrictID: w.districtA, SchoolID: w.schoolA1, CoachID: w.users[coach].ID,
				TeacherIDs: []string{w.teacherA1}, FocusIndicatorKey: "academic_discourse", Status: domain.CycleActive, Rev: 1})
		})
		if err != nil {
			t.Fatal(err)
		}
		targets := []target{
			w.newTarget("other-school", w.districtA, w.schoolA2, w.teacherA2, w.rubricA, w.users[admin].ID),
			w.newTarget("other-district", w.districtB, w.schoolB1, w.teacherB1, w.rubricB, w.users[otherAdmin].ID),
		}
		start := w.clock.now.Add(96 * time.Hour).UTC().Truncate(time.Minute)
		// mine is a valid record of each entity at the coach's own school.
		mine := map[string]map[string]any{
			sync.EntityWalkthrough: {"school_id": w.schoolA1, "rubric_version_id": w.rubricA, "kind": "classroom", "date": "2026-10-05",
				"team": []string{}, "focus": []string{}},
			sync.EntityObservation: {"school_id": w.schoolA1, "teacher_id": w.teacherA1, "rubric_version_id": w.rubricA, "kind": "classroom",
				"started_at": w.clock.now.Add(-time.Hour).UTC().Format(time.RFC3339), "status": "draft", "scores": []any{}},
			sync.EntityNextStep:      {"school_id": w.schoolA1, "owner_id": w.users[coach].ID, "action": "Plan hinge questions", "done": false},
			sync.EntityCycleActivity: {"cycle_id": own, "kind": "co_teaching", "occurred_on": "2026-10-07", "notes": "mine"},
			sync.EntityFollowUp: {"cycle_id": own, "teacher_id": w.teacherA1, "starts_at": start, "ends_at": start.Add(30 * time.Minute),
				"observer_ids": []string{}, "status": "scheduled"},
		}
		// there is a new record of each entity that points into the target.
		there := func(tg target) map[string]map[string]any {
			return map[string]map[string]any{
				sync.EntityWalkthrough: {"school_id": tg.school, "rubric_version_id": tg.rubric, "kind": "classroom", "date": "2026-10-05",
					"team": []string{}, "focus": []string{}},
				sync.EntityObservation: {"school_id": tg.school, "teacher_id": tg.teacher, "rubric_version_id": tg.rubric, "kind": "classroom",
					"started_at": w.clock.now.Add(-time.Hour).UTC().Format(time.RFC3339), "status": "draft", "scores": []any{}},
				sync.EntityNextStep:      {"school_id": tg.school, "owner_id": w.users[coach].ID, "action": "theirs", "done": false},
				sync.EntityCycleActivity: {"cycle_id": tg.cycle, "kind": "co_teaching", "occurred_on": "2026-10-07", "notes": "theirs"},
				sync.EntityFollowUp: {"cycle_id": tg.cycle, "teacher_id": tg.teacher, "starts_at": start, "ends_at": start.Add(30 * time.Minute),
					"observer_ids": []string{}, "status": "scheduled"},
			}
		}
		idOf := func(tg target, entity string) string {
			return map[string]string{sync.EntityWalkthrough: tg.walkthrough, sync.EntityObservation: tg.observation,
				sync.EntityNextStep: tg.nextStep, sync.EntityCycleActivity: tg.activity, sync.EntityFollowUp: tg.followUp}[entity]
		}
		leaks := func(t *testing.T, body string, tg target) {
			t.Helper()
			for _, s := range []string{tg.secret, tg.teacher, tg.owner} {
				if strings.Contains(body, s) {
					t.Errorf("the answer holds %q of the other record: %s", s, body)
				}
			}
		}
		entities := []string{sync.EntityWalkthrough, sync.EntityObservation, sync.EntityNextStep, sync.EntityCycleActivity, sync.EntityFollowUp}
		cases := 0
		for _, tg := range targets {
			for _, entity := range entities {
				for _, op := range []string{"create there", "create over", "amend at its rev", "amend at a stale rev", "delete"} {
					t.Run(fmt.Sprintf("%s/%s/%s", tg.name, entity, op), func(t *testing.T) {
						cases++
						before := w.state(tg)
						id, rev, data, verb := idOf(tg, entity), int64(1), mine[entity], sync.OpUpsert
						switch op {
						case "create there":
							id, rev, data = domain.NewID(), 0, there(tg)[entity]
						case "create over":
							rev = 0
						case "amend at a stale rev":
							rev = 7
						case "delete":
							verb, data = sync.OpDelete, nil
						}
						ch := change(entity, id, rev, data)
						ch.Op = verb
						if verb == sync.OpDelete {
							ch.Data = nil
						}
						r := w.do(coach, "POST", "/api/v1/sync/push", sync.PushRequest{DeviceID: domain.NewID(), Changes: []sync.Change{ch}})
						if r.Code != 200 {
							t.Fatalf("push: %d %s", r.Code, r.Body)
						}
						var res sync.PushResponse
						r.decode(t, &res)
						got := res.Results[0]
						want := []string{sync.StatusForbidden}
						if op == "create there" {
							// A new record at a school not served is refused as out of scope.
							want = []string{sync.StatusRejected, sync.StatusForbidden}
							if w.exists(entity, id) {
								t.Errorf("a record was made")
							}
						}
						if !contains(want, got.Status) || got.Current != nil {
							t.Errorf("answered %s (current %v), want one of %v", got.Status, got.Current != nil, want)
						}
						if got.Status == sync.StatusRejected && (got.Error == nil || got.Error.Code != "out_of_scope") {
							t.Errorf("rejected with %+v, want out_of_scope", got.Error)
						}
						leaks(t, r.Body.String(), tg)
						if after := w.state(tg); after != before {
							t.Errorf("the records changed:\n%s\n%s", before, after)
						}
					})
				}
			}
		}
		if cases != 2*5*5 {
			t.Errorf("%d sync cases ran", cases)
		}

		// The REST routes that write the same records answer 403 or 404
		// and change nothing.
		for _, tg := range targets {
			for _, rc := range []struct {
				name         string
				as           actor
				method, path string
				body         any
			}{
				{"put observation at its rev", coach, "PUT", "/api/v1/observations/" + tg.observation,
					map[string]any{"change_id": domain.NewID(), "device_id": domain.NewID(), "base_rev": 1, "data": mine[sync.EntityObservation]}},
				{"put observation at a stale rev", coach, "PUT", "/api/v1/observations/" + tg.observation,
					map[string]any{"change_id": domain.NewID(), "device_id": domain.NewID(), "base_rev": 5, "data": mine[sync.EntityObservation]}},
				{"patch cycle at its rev", coach, "PATCH", "/api/v1/cycles/" + tg.cycle, map[string]any{"focus_shift": "mine", "rev": 1}},
				{"patch cycle at a stale rev", coach, "PATCH", "/api/v1/cycles/" + tg.cycle, map[string]any{"focus_shift": "mine", "rev": 9}},
				{"log activity in its cycle", coach, "POST", "/api/v1/cycles/" + tg.cycle + "/activities",
					map[string]any{"kind": "co_teaching", "occurred_on": "2026-10-07", "notes": "mine"}},
				{"log activity over its id", coach, "POST", "/api/v1/cycles/" + own + "/activities",
					map[string]any{"id": tg.activity, "kind": "co_teaching", "occurred_on": "2026-10-07", "notes": "mine"}},
				{"schedule in its cycle", coach, "POST", "/api/v1/cycles/" + tg.cycle + "/followups",
					map[string]any{"teacher_id": tg.teacher, "starts_at": start, "ends_at": start.Add(30 * time.Minute)}},
				{"schedule over its id", coach, "POST", "/api/v1/cycles/" + own + "/followups",
					map[string]any{"id": tg.followUp, "teacher_id": w.teacherA1, "starts_at": start, "ends_at": start.Add(30 * time.Minute)}},
				{"patch follow-up at its rev", coach, "PATCH", "/api/v1/followups/" + tg.followUp, map[string]any{"notes": "mine", "rev": 1}},
				{"patch follow-up at a stale rev", coach, "PATCH", "/api/v1/followups/" + tg.followUp, map[string]any{"notes": "mine", "rev": 4}},
			} {
				t.Run("rest/"+tg.name+"/"+rc.name, func(t *testing.T) {
					before := w.state(tg)
					r := w.do(rc.as, rc.method, rc.path, rc.body)
					if r.Code != 403 && r.Code != 404 {
						t.Errorf("answered %d %s, want 403 or 404", r.Code, r.Body)
					}
					leaks(t, r.Body.String(), tg)
					if after := w.state(tg); after != before {
						t.Errorf("the records changed:\n%s\n%s", before, after)
					}
				})
			}
		}

		// The roster of another district: its administrator's records are
		// out of reach of this district's administrator.
		for _, rc := range []struct{ path, body string }{
			{"/api/v1/schools/" + w.schoolB1, `{"name":"Taken"}`},
			{"/api/v1/teachers/" + w.teacherB1, `{"family_name":"Taken"}`},
			{"/api/v1/users/" + w.users[otherAdmin].ID, `{"name":"Taken"}`},
		} {
			t.Run("rest/roster"+rc.path, func(t *testing.T) {
				r := w.do(admin, "PATCH", rc.path, []byte(rc.body))
				if r.Code != 403 && r.Code != 404 {
					t.Errorf("answered %d %s, want 403 or 404", r.Code, r.Body)
				}
				if strings.Contains(r.Body.String(), "B1 High") || strings.Contains(r.Body.String(), "Lindqvist") {
					t.Errorf("the answer holds the other district's record: %s", r.Body)
				}
			})
		}
		var sc domain.School
		if err := w.store.ReadTx(ctx, func(tx *store.Tx) error {
			var err error
			sc, err = tx.School(ctx, w.districtB, w.schoolB1)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if sc.Name != "B1 High" {
			t.Errorf("the other district's school was renamed %q", sc.Name)
		}
	})
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// TestStoreNeverMovesARowToAnotherDistrict writes, straight through the
// store, a record of each kind under the id of another district's record:
// the write is refused and the record stays as it was.
func TestStoreNeverMovesARowToAnotherDistrict(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		tg := w.newTarget("other-district", w.districtB, w.schoolB1, w.teacherB1, w.rubricB, w.users[otherAdmin].ID)
		before := w.state(tg)
		a := w.districtA
		start := w.clock.now.Add(time.Hour)
		for name, put := range map[string]func(tx *store.Tx) error{
			"walkthrough": func(tx *store.Tx) error {
				return tx.PutWalkthrough(ctx, domain.Walkthrough{ID: tg.walkthrough, DistrictID: a, SchoolID: w.schoolA1, RubricVersionID: w.rubricA,
					Kind: domain.KindClassroom, Date: w.clock.now, LeadID: w.users[coach].ID, Rev: 2})
			},
			"observation": func(tx *store.Tx) error {
				return tx.PutObservations(ctx, []domain.Observation{{ID: tg.observation, DistrictID: a, SchoolID: w.schoolA1, TeacherID: w.teacherA1,
					ObserverID: w.users[coach].ID, RubricVersionID: w.rubricA, Kind: domain.KindClassroom, Status: domain.ObservationDraft,
					StartedAt: w.clock.now, Rev: 2}}, map[string]domain.Observation{tg.observation: {ID: tg.observation}})
			},
			"next step": func(tx *store.Tx) error {
				return tx.PutNextStep(ctx, domain.NextStep{ID: tg.nextStep, DistrictID: a, SchoolID: w.schoolA1, OwnerID: w.users[coach].ID, Action: "x", Rev: 2})
			},
			"cycle": func(tx *store.Tx) error {
				return tx.PutCycle(ctx, domain.Cycle{ID: tg.cycle, DistrictID: a, SchoolID: w.schoolA1, CoachID: w.users[coach].ID,
					TeacherIDs: []string{w.teacherA1}, FocusIndicatorKey: "academic_discourse", Status: domain.CycleActive, Rev: 2})
			},
			"activity": func(tx *store.Tx) error {
				return tx.PutActivity(ctx, domain.Activity{ID: tg.activity, DistrictID: a, CycleID: tg.cycle, Kind: domain.ActivityKind("co_teaching"),
					OccurredOn: w.clock.now, AuthorID: w.users[coach].ID, Rev: 2}, w.schoolA1)
			},
			"follow-up": func(tx *store.Tx) error {
				return tx.PutFollowUp(ctx, domain.FollowUp{ID: tg.followUp, DistrictID: a, CycleID: tg.cycle, SchoolID: w.schoolA1, TeacherID: w.teacherA1,
					StartsAt: start, EndsAt: start.Add(time.Hour), ObserverIDs: []string{w.users[coach].ID}, Status: domain.FollowUpScheduled, Rev: 2})
			},
		} {
			err := w.store.InTx(ctx, put)
			if domain.ErrorCode(err) != domain.EForbidden {
				t.Errorf("%s: the store answered %v, want forbidden", name, err)
			}
		}
		if after := w.state(tg); !reflect.DeepEqual(before, after) {
			t.Errorf("the other district's records changed:\n%s\n%s", before, after)
		}
	})
}
