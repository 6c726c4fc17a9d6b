package httpapi

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

func change(entity, id string, baseRev int64, data any) sync.Change {
	raw, _ := json.Marshal(data)
	return sync.Change{ChangeID: domain.NewID(), Entity: entity, Op: sync.OpUpsert, ID: id, BaseRev: baseRev, Data: raw}
}

func pulled(w *world, a actor, id string) *sync.Record {
	w.t.Helper()
	for _, r := range w.pull(a, "").Changes {
		if r.ID == id {
			return &r
		}
	}
	return nil
}

// The other entities a device writes: walkthroughs with a team, next steps
// for their owners, and a cycle's activities and follow-ups.
func TestPushWalkthroughsNextStepsActivitiesAndFollowUps(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		cycleID := domain.NewID()
		err := w.store.InTx(ctx, func(tx *store.Tx) error {
			return tx.PutCycle(ctx, domain.Cycle{ID: cycleID, DistrictID: w.districtA, SchoolID: w.schoolA1, CoachID: w.users[coach].ID,
				TeacherIDs: []string{w.teacherA1}, FocusIndicatorKey: "academic_discourse", Status: domain.CycleActive, Rev: 1})
		})
		if err != nil {
			t.Fatal(err)
		}
		expect := func(res sync.PushResponse, status string) {
			t.Helper()
			if res.Results[0].Status != status {
				t.Fatalf("want %s, got %+v %+v", status, res.Results[0], res.Results[0].Error)
			}
		}

		// A walkthrough with the observer on the team reaches the observer.
		walk := domain.NewID()
		_, res := w.push(coach, domain.NewID(), change("walkthrough", walk, 0, map[string]any{"school_id": w.schoolA1, "rubric_version_id": w.rubricA,
			"kind": "classroom", "date": "2026-10-05", "team": []string{w.users[observer].ID}, "focus": []string{"academic_discourse"}}))
		expect(res, "applied")
		if r := pulled(w, observer, walk); r == nil || r.Deleted {
			t.Fatal("the team member did not receive the walkthrough")
		}
		_, res = w.push(observer, domain.NewID(), change("walkthrough", walk, 1, map[string]any{"school_id": w.schoolA1, "rubric_version_id": w.rubricA,
			"kind": "classroom", "date": "2026-10-06", "team": []string{}, "focus": []string{}}))
		expect(res, "forbidden")

		// A next step owned by the observer reaches them, and they mark it done.
		step := domain.NewID()
		stepData := map[string]any{"walkthrough_id": walk, "school_id": w.schoolA1, "owner_id": w.users[observer].ID,
			"action": "Plan two hinge questions", "due_on": "2026-10-20", "done": false}
		_, res = w.push(coach, domain.NewID(), change("next_step", step, 0, stepData))
		expect(res, "applied")
		if pulled(w, observer, step) == nil {
			t.Fatal("the owner did not receive the next step")
		}
		stepData["done"] = true
		_, res = w.push(observer, domain.NewID(), change("next_step", step, 1, stepData))
		expect(res, "applied")

		// The coach logs support; an observer may not.
		activity := map[string]any{"cycle_id": cycleID, "kind": "co_teaching", "occurred_on": "2026-10-07", "notes": "Modelled turn-and-talk."}
		_, res = w.push(coach, domain.NewID(), change("cycle_activity", domain.NewID(), 0, activity))
		expect(res, "applied")
		_, res = w.push(observer, domain.NewID(), change("cycle_activity", domain.NewID(), 0, activity))
		expect(res, "forbidden")

		// The coach books a follow-up with the principal; the principal
		// records it but may not reschedule it.
		follow := domain.NewID()
		start := time.Date(2026, 10, 21, 14, 0, 0, 0, time.UTC)
		fdata := map[string]any{"cycle_id": cycleID, "teacher_id": w.teacherA1, "starts_at": start, "ends_at": start.Add(30 * time.Minute),
			"observer_ids": []string{w.users[principalA].ID}, "status": "scheduled"}
		_, res = w.push(coach, domain.NewID(), change("follow_up", follow, 0, fdata))
		expect(res, "applied")
		if r := pulled(w, principalA, follow); r == nil {
			t.Fatal("the invited principal did not receive the follow-up")
		}
		moved := map[string]any{}
		for k, v := range fdata {
			moved[k] = v
		}
		moved["starts_at"], moved["ends_at"] = start.Add(time.Hour), start.Add(90*time.Minute)
		// The principal is a leader of the school, so they may reschedule; the observer, not invited, may not touch it.
		_, res = w.push(observer, domain.NewID(), change("follow_up", follow, 1, moved))
		expect(res, "forbidden")
		fdata["status"], fdata["notes"] = "done", "Seen: three students explained a peer's idea."
		_, res = w.push(principalA, domain.NewID(), change("follow_up", follow, 1, fdata))
		expect(res, "applied")
		// Teachers outside the cycle cannot be booked.
		other := map[string]any{}
		for k, v := range fdata {
			other[k] = v
		}
		other["teacher_id"], other["status"] = w.teacherA2, "scheduled"
		_, res = w.push(coach, domain.NewID(), change("follow_up", domain.NewID(), 0, other))
		if res.Results[0].Status != "rejected" || res.Results[0].Error.Field != "data.teacher_id" {
			t.Fatalf("a teacher outside the cycle: %+v", res.Results[0])
		}
	})
}
