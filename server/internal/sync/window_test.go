package sync_test

import (
	"context"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// TestSnapshotHoldsOpenWorkAndThisSchoolYear pulls a new device's snapshot
// in small pages and checks its window to the second: an observation
// counted at the school year's first instant (15 August, midnight in the
// district's zone) is in it, one a second before is not, a draft of any age
// is; once the snapshot is complete, a change to a record outside the
// window reaches the device at its next pull.
func TestSnapshotHoldsOpenWorkAndThisSchoolYear(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			chicago, err := time.LoadLocation("America/Chicago")
			if err != nil {
				t.Fatal(err)
			}
			start := time.Date(2026, 8, 15, 0, 0, 0, 0, chicago)
			clk := &clock{now: start.Add(2 * time.Hour)}
			s := testdb.OpenAt(t, dialect, clk.Now)
			f, err := newFixture(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			f.serverNow = clk.now
			school, teacher, rubric := f.schools[0], f.teachers[f.schools[0]][0], f.rubrics[0]
			obs := func(at time.Time, status string) observation {
				return observation{School: school, Teacher: teacher, Rubric: rubric.id, Kind: "classroom", Status: status, StartedAt: at,
					Scores: []domain.Score{{IndicatorKey: rubric.keys[0], Level: &rubric.levels[1]}}}
			}
			before, first, draft := domain.NewID(), domain.NewID(), domain.NewID()
			res, err := f.push(ctx, domain.NewID(),
				f.upsert(before, 0, obs(start.Add(-time.Second), "submitted")),
				f.upsert(first, 0, obs(start, "submitted")),
				f.upsert(draft, 0, obs(start.Add(-time.Hour), "draft")))
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if r.Status != sync.StatusApplied {
					t.Fatalf("change %d: %s %+v", i, r.Status, r.Error)
				}
			}

			// Months later a new device signs in.
			clk.now = start.AddDate(0, 3, 0)
			f.serverNow = clk.now
			got, cursor := map[string]bool{}, ""
			entities := map[string]int{}
			for pages := 0; ; pages++ {
				page, err := f.svc.Pull(ctx, f.coach, cursor, 2)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page.Changes {
					got[c.ID] = true
					entities[c.Entity]++
				}
				cursor = page.Cursor
				if !page.More {
					break
				}
				if pages > 50 {
					t.Fatal("the snapshot never ended")
				}
			}
			if got[before] {
				t.Error("the snapshot holds an observation counted a second before the school year began")
			}
			if !got[first] {
				t.Error("the snapshot lacks the observation counted at the school year's first instant")
			}
			if !got[draft] {
				t.Error("the snapshot lacks a draft from before the school year")
			}
			if entities[sync.EntitySchool] != 2 || entities[sync.EntityTeacher] != 4 || entities[sync.EntityRubricVersion] != len(f.rubrics) {
				t.Errorf("roster and frameworks: %v, want 2 schools, 4 teachers, %d rubric versions", entities, len(f.rubrics))
			}

			// An amend of the older observation on another device reaches
			// this one at its next pull.
			if res, err = f.push(ctx, domain.NewID(), f.upsert(before, 1, obs(start.Add(-time.Second), "submitted"))); err != nil || res[0].Status != sync.StatusApplied {
				t.Fatalf("amend: %v %+v", err, res)
			}
			page, err := f.svc.Pull(ctx, f.coach, cursor, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Changes) != 1 || page.Changes[0].ID != before || page.Changes[0].Rev != 2 {
				t.Errorf("the pull after the snapshot answers %+v, want the amended observation at rev 2", page.Changes)
			}
		})
	}
}
