package sync_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// TestSnapshotReadsTheRuleNotTheLog takes a coach's first snapshot in a
// district where a colleague has written much more than the coach: the
// snapshot holds exactly the coach's schools, their teachers, the rubric
// versions, the coach's own observations of the school year and drafts and
// the walkthrough of a draft from last year (not that of last year's
// submitted observation), nothing of the colleague's or of a school outside the coach's scope, and
// its pages follow the records it hands out, not the length of the change
// log. Changes made while the snapshot is read arrive by its end at their
// latest revision; after it, a change inside the rule arrives, one outside
// it does not, a record that comes into the rule arrives, and a pull
// repeated with the same cursor answers the same again.
func TestSnapshotReadsTheRuleNotTheLog(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			chicago, err := time.LoadLocation("America/Chicago")
			if err != nil {
				t.Fatal(err)
			}
			start := time.Date(2026, 8, 15, 0, 0, 0, 0, chicago)
			clk := &clock{now: start.Add(40 * 24 * time.Hour)}
			s := testdb.OpenAt(t, dialect, clk.Now)
			f, err := newFixture(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			f.serverNow = clk.now

			// A school outside the coach's scope, and a colleague who coaches
			// there and at the coach's first school.
			outside := domain.School{ID: domain.NewID(), DistrictID: f.district, Name: "Outside", Active: true}
			outsideTeacher := domain.Teacher{ID: domain.NewID(), DistrictID: f.district, SchoolID: outside.ID, GivenName: "Far", FamilyName: "Away", Active: true}
			peerUser := domain.User{ID: domain.NewID(), DistrictID: f.district, Name: "Peer", Active: true, Email: "peer." + f.district[len(f.district)-12:] + "@example.org",
				Grants: []domain.RoleGrant{{Role: domain.RoleCoach, SchoolID: f.schools[0]}, {Role: domain.RoleCoach, SchoolID: outside.ID}}}
			err = s.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.CreateSchool(ctx, outside); err != nil {
					return err
				}
				if err := tx.CreateTeachers(ctx, []domain.Teacher{outsideTeacher}); err != nil {
					return err
				}
				return tx.CreateUser(ctx, peerUser)
			})
			if err != nil {
				t.Fatal(err)
			}
			peer := auth.Principal{User: peerUser}
			rubric := f.rubrics[0]
			obs := func(school, teacher string, at time.Time, status string) observation {
				return observation{School: school, Teacher: teacher, Rubric: rubric.id, Kind: "classroom", Status: status, StartedAt: at,
					Scores: []domain.Score{{IndicatorKey: rubric.keys[0], Level: &rubric.levels[1]}}}
			}
			applied := func(p auth.Principal, changes ...sync.Change) {
				t.Helper()
				res, err := f.svc.Push(ctx, p, sync.PushRequest{DeviceID: domain.NewID(), Changes: changes})
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range res.Results {
					if r.Status != sync.StatusApplied {
						t.Fatalf("change %d: %s %+v", i, r.Status, r.Error)
					}
				}
			}

			// The coach's own work: one observation of this school year,
			// one of last year, a draft of last year, each of the two in a
			// walkthrough of its own.
			recent, lastYear, oldDraft := domain.NewID(), domain.NewID(), domain.NewID()
			draftWalk, lastYearWalk := domain.NewID(), domain.NewID()
			school, teacher := f.schools[0], f.teachers[f.schools[0]][0]
			clk.now = start.Add(-200 * 24 * time.Hour)
			f.serverNow = clk.now
			walk := func(id string) sync.Change {
				raw, _ := json.Marshal(sync.WalkthroughData{SchoolID: school, RubricVersionID: rubric.id, Kind: "classroom",
					Date: sync.Date{Time: time.Date(clk.now.Year(), clk.now.Month(), clk.now.Day(), 0, 0, 0, 0, time.UTC)}, Team: []string{f.coach.User.ID}, Focus: []string{}})
				return sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityWalkthrough, Op: sync.OpUpsert, ID: id, Data: raw}
			}
			in := func(c sync.Change, walkthrough string) sync.Change {
				var d sync.ObservationData
				if err := json.Unmarshal(c.Data, &d); err != nil {
					t.Fatal(err)
				}
				d.WalkthroughID = walkthrough
				c.Data, _ = json.Marshal(d)
				return c
			}
			applied(f.coach, walk(draftWalk), walk(lastYearWalk))
			applied(f.coach, in(f.upsert(lastYear, 0, obs(school, teacher, clk.now, "submitted")), lastYearWalk),
				in(f.upsert(oldDraft, 0, obs(school, teacher, clk.now, "draft")), draftWalk))
			clk.now = start.Add(40 * 24 * time.Hour)
			f.serverNow = clk.now
			applied(f.coach, f.upsert(recent, 0, obs(school, teacher, clk.now.Add(-time.Hour), "submitted")))
			// The colleague writes forty observations, half at the coach's
			// school and half outside, and amends each once.
			var theirs []sync.Change
			var amends []sync.Change
			for i := range 40 {
				sc, te := school, f.teachers[school][1]
				if i%2 == 1 {
					sc, te = outside.ID, outsideTeacher.ID
				}
				id := domain.NewID()
				o := obs(sc, te, clk.now.Add(-time.Duration(i+2)*time.Hour), "submitted")
				theirs = append(theirs, f.upsert(id, 0, o))
				amends = append(amends, f.upsert(id, 1, o))
			}
			applied(peer, theirs...)
			applied(peer, amends...)

			// A new device of the coach takes its snapshot, three records a
			// page. After the first page the coach's other device writes a
			// new observation and amends the recent one.
			added := domain.NewID()
			got := map[string]sync.Record{}
			cursor, pages, amended := "", 0, false
			for ; ; pages++ {
				page, err := f.svc.Pull(ctx, f.coach, cursor, 3)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page.Changes {
					if prev, ok := got[c.ID]; ok && prev.Rev > c.Rev {
						t.Errorf("%s %s came at rev %d after rev %d", c.Entity, c.ID, c.Rev, prev.Rev)
					}
					got[c.ID] = c
				}
				cursor = page.Cursor
				if _, ok := got[oldDraft]; ok && !amended {
					// The draft is on the device: the other device amends it,
					// and the recent observation, and writes a new one.
					amended = true
					applied(f.coach, f.upsert(added, 0, obs(school, teacher, clk.now.Add(-30*time.Minute), "draft")),
						in(f.upsert(oldDraft, 1, obs(school, teacher, start.Add(-200*24*time.Hour), "draft")), draftWalk),
						f.upsert(recent, 1, obs(school, teacher, clk.now.Add(-time.Hour), "submitted")))
				}
				if !page.More {
					break
				}
				if pages > 40 {
					t.Fatal("the snapshot never ended")
				}
			}

			want := map[string]string{recent: "observation", oldDraft: "observation", added: "observation", draftWalk: "walkthrough"}
			for _, id := range f.schools {
				want[id] = sync.EntitySchool
				for _, te := range f.teachers[id] {
					want[te] = sync.EntityTeacher
				}
			}
			for _, r := range f.rubrics {
				want[r.id] = sync.EntityRubricVersion
			}
			for id, c := range got {
				if c.Entity == sync.EntityFramework {
					continue
				}
				if want[id] != c.Entity {
					t.Errorf("the snapshot holds %s %s, outside the rule", c.Entity, id)
				}
			}
			for id, entity := range want {
				if _, ok := got[id]; !ok {
					t.Errorf("the snapshot lacks %s %s", entity, id)
				}
			}
			if got[recent].Rev != 2 || got[oldDraft].Rev != 2 {
				t.Errorf("the observations amended during the snapshot are at revs %d and %d, want 2", got[recent].Rev, got[oldDraft].Rev)
			}
			// 14 records in the rule (2 schools, 4 teachers, 3 rubric
			// versions, the district's 2 frameworks, 2 observations, the
			// draft's walkthrough) make 5
			// pages of 3, and one more reads the log after its head (where
			// the two changes made meanwhile are). Read from the log, the 80
			// entries of the colleague alone would have made 27 pages.
			if pages+1 > 7 {
				t.Errorf("the snapshot took %d pages for %d records", pages+1, len(got))
			}

			t.Logf("%d records in %d pages", len(got), pages+1)

			// After the snapshot: the colleague's new observation at the
			// coach's school does not arrive; the coach's last-year
			// observation, moved into the school year by an amend, does.
			applied(peer, f.upsert(domain.NewID(), 0, obs(school, f.teachers[school][1], clk.now, "submitted")))
			moved := obs(school, teacher, clk.now.Add(-2*time.Hour), "submitted")
			applied(f.coach, f.upsert(lastYear, 1, moved))
			page, err := f.svc.Pull(ctx, f.coach, cursor, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Changes) != 1 || page.Changes[0].ID != lastYear || page.Changes[0].Rev != 2 || page.More {
				t.Errorf("the pull after the snapshot answers %+v, want only the observation that came into the school year, at rev 2", page.Changes)
			}
			again, err := f.svc.Pull(ctx, f.coach, cursor, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(again.Changes) != 1 || again.Changes[0].ID != lastYear || again.Cursor != page.Cursor {
				t.Errorf("the same pull repeated answers %+v, %q; want what it answered before", again.Changes, again.Cursor)
			}
			done, err := f.svc.Pull(ctx, f.coach, page.Cursor, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(done.Changes) != 0 || done.More {
				t.Errorf("the pull after the last answers %+v, want nothing", done.Changes)
			}
		})
	}
}

// TestSnapshotHoldsTheCycleTeachersObservationsByOthers checks the
// observations of others that a device keeps: a colleague's submitted
// observation of a teacher in the coach's active cycle is in the coach's
// snapshot and in a principal's of that school, and in neither is the
// colleague's observation of a teacher in no cycle, of a teacher of a
// completed cycle, of another school's cycle, a draft or one of last year;
// a supervisor of the school and a coach of another school get none. After
// the snapshot the log follows the same rule: an amend, a new observation
// and a delete of a kept teacher arrive, a new observation of another
// teacher does not, and a teacher added to the cycle brings their earlier
// observations with the cycle.
func TestSnapshotHoldsTheCycleTeachersObservationsByOthers(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			chicago, err := time.LoadLocation("America/Chicago")
			if err != nil {
				t.Fatal(err)
			}
			start := time.Date(2026, 8, 15, 0, 0, 0, 0, chicago)
			clk := &clock{now: start.Add(40 * 24 * time.Hour)}
			s := testdb.OpenAt(t, dialect, clk.Now)
			f, err := newFixture(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			f.serverNow = clk.now
			school, other := f.schools[0], f.schools[1]
			inCycle, noCycle, closedTeacher := f.teachers[school][0], f.teachers[school][1], f.teachers[other][0]
			outside := domain.School{ID: domain.NewID(), DistrictID: f.district, Name: "Outside", Active: true}
			outsideTeacher := domain.Teacher{ID: domain.NewID(), DistrictID: f.district, SchoolID: outside.ID, GivenName: "Far", FamilyName: "Away", Active: true}
			user := func(name string, grants ...domain.RoleGrant) auth.Principal {
				return auth.Principal{User: domain.User{ID: domain.NewID(), DistrictID: f.district, Name: name, Active: true,
					Email: name + "." + f.district[len(f.district)-12:] + "@example.org", Grants: grants}}
			}
			peer := user("peer", domain.RoleGrant{Role: domain.RoleCoach, SchoolID: school}, domain.RoleGrant{Role: domain.RoleCoach, SchoolID: other},
				domain.RoleGrant{Role: domain.RoleCoach, SchoolID: outside.ID})
			principal := user("principal", domain.RoleGrant{Role: domain.RolePrincipal, SchoolID: school})
			supervisor := user("supervisor", domain.RoleGrant{Role: domain.RoleSupervisor, SchoolID: school}, domain.RoleGrant{Role: domain.RoleSupervisor, SchoolID: other})
			outsider := user("outsider", domain.RoleGrant{Role: domain.RoleCoach, SchoolID: outside.ID})
			rubric := f.rubrics[0]
			today := time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC)
			cycle := func(schoolID, coachID string, status domain.CycleStatus, teachers ...string) domain.Cycle {
				c := domain.Cycle{ID: domain.NewID(), DistrictID: f.district, SchoolID: schoolID, CoachID: coachID, TeacherIDs: teachers,
					FocusIndicatorKey: rubric.keys[0], FocusShift: "Students explain their thinking", Status: status, StartedOn: &today, Rev: 1}
				if status == domain.CycleCompleted {
					c.Outcome, c.EndedOn = domain.CycleOutcome("seen"), &today
				}
				return c
			}
			active := cycle(school, f.coach.User.ID, domain.CycleActive, inCycle)
			err = s.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.CreateSchool(ctx, outside); err != nil {
					return err
				}
				if err := tx.CreateTeachers(ctx, []domain.Teacher{outsideTeacher}); err != nil {
					return err
				}
				for _, u := range []auth.Principal{peer, principal, supervisor, outsider} {
					if err := tx.CreateUser(ctx, u.User); err != nil {
						return err
					}
				}
				for _, c := range []domain.Cycle{active, cycle(other, f.coach.User.ID, domain.CycleCompleted, closedTeacher),
					cycle(outside.ID, peer.User.ID, domain.CycleActive, outsideTeacher.ID)} {
					if err := tx.PutCycle(ctx, c); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			obs := func(schoolID, teacher string, at time.Time, status string) observation {
				return observation{School: schoolID, Teacher: teacher, Rubric: rubric.id, Kind: "classroom", Status: status, StartedAt: at,
					Scores: []domain.Score{{IndicatorKey: rubric.keys[0], Level: &rubric.levels[1]}}}
			}
			applied := func(p auth.Principal, changes ...sync.Change) {
				t.Helper()
				res, err := f.svc.Push(ctx, p, sync.PushRequest{DeviceID: domain.NewID(), Changes: changes})
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range res.Results {
					if r.Status != sync.StatusApplied {
						t.Fatalf("change %d: %s %+v", i, r.Status, r.Error)
					}
				}
			}
			// Last year's observation of the cycle's teacher, then this
			// year's: kept, of a teacher in no cycle, of a completed
			// cycle's teacher, of another school's cycle, and a draft.
			lastYear, kept, notInCycle, ofClosed, ofOutside, draft := domain.NewID(), domain.NewID(), domain.NewID(), domain.NewID(), domain.NewID(), domain.NewID()
			clk.now = start.Add(-100 * 24 * time.Hour)
			f.serverNow = clk.now
			applied(peer, f.upsert(lastYear, 0, obs(school, inCycle, clk.now, "submitted")))
			clk.now = start.Add(40 * 24 * time.Hour)
			f.serverNow = clk.now
			at := clk.now.Add(-3 * time.Hour)
			applied(peer, f.upsert(kept, 0, obs(school, inCycle, at, "submitted")), f.upsert(notInCycle, 0, obs(school, noCycle, at, "submitted")),
				f.upsert(ofClosed, 0, obs(other, closedTeacher, at, "submitted")), f.upsert(ofOutside, 0, obs(outside.ID, outsideTeacher.ID, at, "submitted")),
				f.upsert(draft, 0, obs(school, inCycle, at, "draft")))
			peers := map[string]string{lastYear: "last year's", kept: "the cycle teacher's", notInCycle: "a teacher's in no cycle",
				ofClosed: "the completed cycle's teacher's", ofOutside: "another school's cycle teacher's", draft: "a draft"}

			// others lists the peer's observations a pull's records hold.
			others := func(rs []sync.Record) map[string]sync.Record {
				out := map[string]sync.Record{}
				for _, r := range rs {
					if r.Entity != sync.EntityObservation {
						continue
					}
					if _, ok := peers[r.ID]; ok {
						out[r.ID] = r
					}
				}
				return out
			}
			snapshot := func(p auth.Principal) ([]sync.Record, string) {
				t.Helper()
				var all []sync.Record
				cursor := ""
				for range 50 {
					page, err := f.svc.Pull(ctx, p, cursor, 4)
					if err != nil {
						t.Fatal(err)
					}
					all, cursor = append(all, page.Changes...), page.Cursor
					if !page.More {
						return all, cursor
					}
				}
				t.Fatal("the snapshot never ended")
				return nil, ""
			}
			check := func(who string, rs []sync.Record, want ...string) {
				t.Helper()
				got := others(rs)
				for _, id := range want {
					if _, ok := got[id]; !ok {
						t.Errorf("%s lacks %s observation", who, peers[id])
					}
					delete(got, id)
				}
				for id := range got {
					t.Errorf("%s holds %s observation", who, peers[id])
				}
			}
			coachSnap, coachCursor := snapshot(f.coach)
			check("the coach's snapshot", coachSnap, kept)
			principalSnap, _ := snapshot(principal)
			check("the principal's snapshot", principalSnap, kept)
			supervisorSnap, supervisorCursor := snapshot(supervisor)
			check("the supervisor's snapshot", supervisorSnap)
			outsiderSnap, _ := snapshot(outsider)
			check("the other school's coach's snapshot", outsiderSnap)

			pull := func(p auth.Principal, cursor string) ([]sync.Record, string) {
				t.Helper()
				page, err := f.svc.Pull(ctx, p, cursor, 100)
				if err != nil {
					t.Fatal(err)
				}
				if page.More {
					t.Fatal("the pull has more than a page")
				}
				return page.Changes, page.Cursor
			}
			// After the snapshot: an amend and a new observation of the
			// cycle's teacher arrive; one of the teacher in no cycle does
			// not.
			added, later := domain.NewID(), domain.NewID()
			peers[added], peers[later] = "the new one of the cycle teacher", "the new one of a teacher in no cycle"
			applied(peer, f.upsert(kept, 1, obs(school, inCycle, at, "submitted")), f.upsert(added, 0, obs(school, inCycle, clk.now, "submitted")),
				f.upsert(later, 0, obs(school, noCycle, clk.now, "submitted")))
			rs, coachCursor := pull(f.coach, coachCursor)
			check("the coach's pull", rs, kept, added)
			if got := others(rs)[kept]; got.Rev != 2 {
				t.Errorf("the amended observation came at rev %d, want 2", got.Rev)
			}
			// The teacher in no cycle joins the cycle: the cycle brings
			// its teachers' observations of the school year by others,
			// the new teacher's and again the others' at their revisions.
			active.TeacherIDs, active.Rev = []string{inCycle, noCycle}, 2
			if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.PutCycle(ctx, active) }); err != nil {
				t.Fatal(err)
			}
			rs, coachCursor = pull(f.coach, coachCursor)
			check("the coach's pull after the cycle gained a teacher", rs, notInCycle, later, kept, added)
			if got := others(rs)[kept]; got.Rev != 2 {
				t.Errorf("the cycle brought the amended observation at rev %d, want 2", got.Rev)
			}
			// A delete of a kept observation arrives as a tombstone.
			applied(peer, f.remove(added, 1))
			rs, _ = pull(f.coach, coachCursor)
			check("the coach's pull after a delete", rs, added)
			if r := others(rs)[added]; !r.Deleted {
				t.Errorf("the deleted observation arrived as %+v, want a tombstone", r)
			}
			// The supervisor's device got none of it.
			rs, _ = pull(supervisor, supervisorCursor)
			check("the supervisor's pull", rs)
		})
	}
}
