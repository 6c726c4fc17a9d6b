package httpapi

import (
	"context"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/migrations"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
	"github.com/walkthrough-edu/walkthrough/server/internal/visits"
)

// amended is the change that submits (or amends) an observation pushed
// before as c, on top of revision rev, with another evidence note.
func amended(t *testing.T, c sync.Change, rev int64, evidence string) sync.Change {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(c.Data, &d); err != nil {
		t.Fatal(err)
	}
	d["status"], d["evidence"] = "submitted", evidence
	data, _ := json.Marshal(d)
	return sync.Change{ChangeID: domain.NewID(), Entity: c.Entity, Op: sync.OpUpsert, ID: c.ID, BaseRev: rev, Data: data}
}

func asDraft(t *testing.T, c sync.Change) sync.Change {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(c.Data, &d); err != nil {
		t.Fatal(err)
	}
	d["status"] = "draft"
	c.Data, _ = json.Marshal(d)
	return c
}

func wantStatuses(t *testing.T, what string, res sync.PushResponse, want ...string) {
	t.Helper()
	for i, x := range res.Results {
		if x.Status != want[i] {
			t.Fatalf("%s, change %d: %+v %+v", what, i, x, x.Error)
		}
	}
}

// An observation keeps the framework version it was scored with: rolling
// back the assignment or retiring the framework refuses new observations,
// never an amend of one scored before, nor the submission of a draft.
func TestAnObservationKeepsItsFramework(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		k2, k2v := w.secondFramework()
		assignment := w.assigned(k2)
		scored := w.scoredWith(w.schoolA1, w.teacherA1, k2v, "classroom")
		draft := asDraft(t, w.scoredWith(w.schoolA1, w.teacherA1, k2v, "classroom"))
		onMain := w.scoredWith(w.schoolA2, w.teacherA2, w.rubricA, "classroom")
		device := domain.NewID()
		_, res := w.push(coach, device, scored, draft)
		wantStatuses(t, "while assigned", res, sync.StatusApplied, sync.StatusApplied)
		_, res = w.push(admin, domain.NewID(), onMain)
		wantStatuses(t, "with the main framework elsewhere", res, sync.StatusApplied)

		err := w.store.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.EndAssignment(ctx, w.districtA, k2, assignment, "", nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		_, res = w.push(coach, device, amended(t, scored, 1, "Amended after the roll-back."), amended(t, draft, 1, "Submitted after the roll-back."),
			w.scoredWith(w.schoolA1, w.teacherA1, k2v, "classroom"))
		wantStatuses(t, "after the roll-back", res, sync.StatusApplied, sync.StatusApplied, sync.StatusRejected)
		if res.Results[2].Error.Code != "framework_not_assigned" {
			t.Fatalf("a new observation after the roll-back: %+v", res.Results[2])
		}

		if err := w.store.InTx(ctx, func(tx *store.Tx) error { return tx.RetireFramework(ctx, w.districtA, k2, nil) }); err != nil {
			t.Fatal(err)
		}
		// Moving an observation of the main framework onto the other one,
		// never assigned at its school, is refused: that is a framework
		// newly given to it.
		var moved map[string]any
		_ = json.Unmarshal(onMain.Data, &moved)
		moved["rubric_version_id"] = k2v
		movedData, _ := json.Marshal(moved)
		_, res = w.push(coach, device, amended(t, scored, 2, "Amended after retirement."))
		wantStatuses(t, "after retirement", res, sync.StatusApplied)
		_, res = w.push(admin, domain.NewID(), sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityObservation, Op: sync.OpUpsert, ID: onMain.ID, BaseRev: 1, Data: movedData})
		wantStatuses(t, "moved onto another framework", res, sync.StatusRejected)

		o, err := w.store.Observation(ctx, w.districtA, scored.ID)
		if err != nil || o.Evidence != "Amended after retirement." || o.RubricVersionID != k2v || o.Rev != 3 {
			t.Fatalf("the amended observation: %+v %v", o, err)
		}
		if err := testdb.CheckRollups(ctx, w.store, w.districtA); err != nil {
			t.Fatal(err)
		}
	})
}

// upOf is the Up section of a migration file of the dialect.
func upOf(t *testing.T, dialect, name string) string {
	t.Helper()
	fsys, err := migrations.For(dialect)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	return s[strings.Index(s, "-- +goose Up"):strings.Index(s, "-- +goose Down")]
}

// A framework published before assignments existed, other than the main
// one, was left with none: migration 00035 assigns it where it was in use,
// from its publication, so a draft made on a tablet before the upgrade is
// still taken, and the tablets learn of it.
func TestFrameworksInUseAreAssignedByTheMigration(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s, db := testdb.OpenWithSQL(t, dialect)
			w := newWorld(t, s)
			ctx := context.Background()
			k2, k2v := w.secondFramework()
			unused, _ := w.secondFramework()
			w.assigned(k2)
			scored := w.scoredWith(w.schoolA1, w.teacherA1, k2v, "classroom")
			offline := asDraft(t, w.scoredWith(w.schoolA1, w.teacherA1, k2v, "classroom"))
			device := domain.NewID()
			_, res := w.push(coach, device, scored)
			wantStatuses(t, "before", res, sync.StatusApplied)

			// As the assignment migration left such a district: no assignment.
			if _, err := db.ExecContext(ctx, "DELETE FROM framework_assignments WHERE rubric_id = "+placeholder(dialect), k2); err != nil {
				t.Fatal(err)
			}
			_, res = w.push(coach, device, offline)
			wantStatuses(t, "without an assignment", res, sync.StatusRejected)
			offline.ChangeID = domain.NewID() // the tablet sends it again
			cursor := w.pull(coach, "").Cursor

			for _, stmt := range strings.Split(upOf(t, dialect, "00035_framework_assignments_in_use.sql"), ";\n") {
				if strings.TrimSpace(stripComments(stmt)) == "" {
					continue
				}
				if _, err := db.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("%v\n%s", err, stmt)
				}
			}
			fs := w.frameworks(admin)
			if a := fs[k2].Assignments; len(a) != 1 || len(a[0].SchoolIDs) != 1 || a[0].SchoolIDs[0] != w.schoolA1 || len(a[0].Kinds) != 0 || a[0].EndedAt != nil {
				t.Fatalf("the assignment made by the migration: %+v", fs[k2].Assignments)
			}
			if len(fs[unused].Assignments) != 0 || !fs[w.frameworkOf(w.rubricA)].Main {
				t.Fatalf("the migration assigned a framework nobody used: %+v", fs[unused])
			}
			_, res = w.push(coach, device, offline, amended(t, scored, 1, "Amended after the upgrade."),
				w.scoredWith(w.schoolA2, w.teacherA2, k2v, "classroom"))
			wantStatuses(t, "after the migration", res, sync.StatusApplied, sync.StatusApplied, sync.StatusRejected)
			learnt := false
			for _, rec := range w.pull(coach, cursor).Changes {
				learnt = learnt || rec.Entity == sync.EntityFramework && rec.ID == k2
			}
			if !learnt {
				t.Fatal("the tablets do not learn of the migration's assignment")
			}
		})
	}
}

func placeholder(dialect string) string {
	if dialect == store.Postgres {
		return "$1"
	}
	return "?"
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// An administrator makes another framework the main one, keeping the former
// on offer, and finds the way back.
func TestChangingTheMainFramework(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		first := w.frameworkOf(w.rubricA)
		k2, k2v := w.secondFramework()
		w.assigned(k2)
		fs := w.frameworks(admin)
		var tr struct {
			RubricID string `json:"rubric_id"`
		}
		trendsDefault := func() string {
			t.Helper()
			day := time.Now().UTC()
			r := w.do(admin, "GET", "/api/v1/trends?bucket=month&group=dimension&from="+day.AddDate(0, 0, -7).Format(time.DateOnly)+"&to="+day.AddDate(0, 0, 7).Format(time.DateOnly), nil)
			r.decode(t, &tr)
			if r.Code != 200 {
				t.Fatalf("trends: %d %s", r.Code, r.Body)
			}
			return tr.RubricID
		}
		if trendsDefault() != first {
			t.Fatalf("trends default to %s before the change", tr.RubricID)
		}
		if r := w.do(admin, "POST", "/api/v1/frameworks/"+k2+"/main", map[string]any{"rev": fs[k2].Rev + 3, "keep_previous": true}); r.Code != 409 {
			t.Fatalf("on a stale revision: %d %s", r.Code, r.Body)
		}
		if r := w.do(principalA, "POST", "/api/v1/frameworks/"+k2+"/main", map[string]any{}); r.Code != 403 {
			t.Fatalf("a principal: %d %s", r.Code, r.Body)
		}
		if r := w.do(otherAdmin, "POST", "/api/v1/frameworks/"+k2+"/main", map[string]any{}); r.Code != 404 {
			t.Fatalf("another district's administrator: %d %s", r.Code, r.Body)
		}
		r := w.do(admin, "POST", "/api/v1/frameworks/"+k2+"/main", map[string]any{"rev": fs[k2].Rev, "keep_previous": true})
		var f frameworkResponse
		r.decode(t, &f)
		if r.Code != 200 || !f.Main || len(f.Assignments) != 1 || f.Assignments[0].EndedAt != nil {
			t.Fatalf("make main: %d %s", r.Code, r.Body)
		}
		fs = w.frameworks(admin)
		if fs[first].Main || len(fs[first].Assignments) != 1 || len(fs[first].Assignments[0].SchoolIDs) != 0 || fs[first].Assignments[0].EndedAt != nil {
			t.Fatalf("the former main framework: %+v", fs[first])
		}
		if trendsDefault() != k2 {
			t.Fatalf("trends default to %s after the change", tr.RubricID)
		}
		// Observers everywhere score with either; nobody lost the former one.
		_, res := w.push(admin, domain.NewID(), w.scoredWith(w.schoolA2, w.teacherA2, k2v, "classroom"), w.scoredWith(w.schoolA2, w.teacherA2, w.rubricA, "leadership"))
		wantStatuses(t, "after the change", res, sync.StatusApplied, sync.StatusApplied)
		if r := w.do(admin, "POST", "/api/v1/frameworks/"+k2+"/retire", map[string]any{}); r.Code != 409 {
			t.Fatalf("retire the new main framework: %d %s", r.Code, r.Body)
		}
		if r := w.do(admin, "POST", "/api/v1/frameworks/"+k2+"/main", map[string]any{}); r.Code != 409 {
			t.Fatalf("make main twice: %d %s", r.Code, r.Body)
		}
		a := w.do(admin, "GET", "/api/v1/audit?limit=50", nil)
		if !strings.Contains(a.Body.String(), `"framework.main"`) || !strings.Contains(a.Body.String(), "previous_name") {
			t.Fatalf("no audit entry of the change: %s", a.Body)
		}

		// The way back: the first framework is main again, k2 applies where
		// it was assigned before, and the first's extra assignment ends.
		r = w.do(admin, "POST", "/api/v1/frameworks/"+first+"/main", map[string]any{"keep_previous": false})
		if r.Code != 200 {
			t.Fatalf("the way back: %d %s", r.Code, r.Body)
		}
		fs = w.frameworks(admin)
		if !fs[first].Main || fs[k2].Main || fs[first].Assignments[0].EndedAt == nil || len(fs[k2].Assignments) != 1 || fs[k2].Assignments[0].EndedAt != nil {
			t.Fatalf("after the way back: %+v %+v", fs[first], fs[k2])
		}
		if trendsDefault() != first {
			t.Fatalf("trends default to %s after the way back", tr.RubricID)
		}
		_, res = w.push(admin, domain.NewID(), w.scoredWith(w.schoolA2, w.teacherA2, k2v, "classroom"), w.scoredWith(w.schoolA1, w.teacherA1, k2v, "classroom"))
		wantStatuses(t, "after the way back", res, sync.StatusRejected, sync.StatusApplied)
	})
}

// Debriefs and calibration read one framework at a time: the main one by default, the
// other when asked; a second framework's scores never mix into the first's
// figures, even where the two share indicator keys.
func TestDebriefAndCalibrationReadOneFrameworkAtATime(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		first := w.frameworkOf(w.rubricA)
		k2, k2v := w.secondFramework() // the same indicator keys as the first
		w.assigned(k2)
		key := domain.BuiltinFramework().IndicatorKeys()[0]
		walk := domain.NewID()
		now := time.Now().UTC()
		_, res := w.push(principalA, domain.NewID(), change("walkthrough", walk, 0, map[string]any{"school_id": w.schoolA1, "rubric_version_id": w.rubricA,
			"kind": "leadership", "date": now.Format(time.DateOnly), "team": []string{w.users[principalA].ID, w.users[observer].ID}}))
		wantStatuses(t, "the walkthrough", res, sync.StatusApplied)
		scoredIn := func(version string, level int) sync.Change {
			return change("observation", domain.NewID(), 0, map[string]any{"school_id": w.schoolA1, "teacher_id": w.teacherA1, "walkthrough_id": walk,
				"rubric_version_id": version, "kind": "leadership", "started_at": now.Format(time.RFC3339Nano), "status": "submitted",
				"scores": []map[string]any{{"indicator_key": key, "level": level}}})
		}
		// On the first framework both give 3; on the second, 1 and 4.
		_, res = w.push(principalA, domain.NewID(), scoredIn(w.rubricA, 3), scoredIn(k2v, 1))
		wantStatuses(t, "the principal's", res, sync.StatusApplied, sync.StatusApplied)
		_, res = w.push(observer, domain.NewID(), scoredIn(w.rubricA, 3), scoredIn(k2v, 4))
		wantStatuses(t, "the observer's", res, sync.StatusApplied, sync.StatusApplied)

		span := "from=" + now.AddDate(0, 0, -1).Format(time.DateOnly) + "&to=" + now.AddDate(0, 0, 2).Format(time.DateOnly)
		calibration := func(query string) visits.Calibration {
			t.Helper()
			r := w.do(admin, "GET", "/api/v1/calibration?"+span+query, nil)
			if r.Code != 200 {
				t.Fatalf("calibration%s: %d %s", query, r.Code, r.Body)
			}
			var c visits.Calibration
			r.decode(t, &c)
			return c
		}
		for _, c := range []struct {
			query, want string
			exact       float64
		}{{"", first, 1}, {"&rubric_id=" + first, first, 1}, {"&rubric_id=" + k2, k2, 0}} {
			cal := calibration(c.query)
			if cal.RubricID != c.want || cal.Observations != 2 || cal.Visits != 1 || len(cal.Indicators) != 1 ||
				cal.Indicators[0].Pairs != 1 || *cal.Indicators[0].Exact != c.exact || len(cal.Frameworks) != 2 {
				t.Fatalf("calibration%s: %+v", c.query, cal)
			}
		}
		if r := w.do(admin, "GET", "/api/v1/calibration?"+span+"&rubric_id="+domain.NewID(), nil); r.Code != 404 {
			t.Fatalf("an unknown framework: %d %s", r.Code, r.Body)
		}

		// The debrief of the visit, likewise.
		for _, c := range []struct {
			query, want string
			mean        float64
		}{{"", first, 3}, {"?rubric_id=" + first, first, 3}, {"?rubric_id=" + k2, k2, 2.5}} {
			r := w.do(principalA, "GET", "/api/v1/walkthroughs/"+walk+"/debrief"+c.query, nil)
			var d visits.Debrief
			r.decode(t, &d)
			if r.Code != 200 || d.RubricID != c.want || d.Observations != 2 || len(d.Indicators) != 1 || len(d.Frameworks) != 2 ||
				len(d.Classrooms) != 1 || len(d.Classrooms[0].Observations) != 2 || *d.Indicators[0].Agreement.Mean != c.mean {
				t.Fatalf("debrief%s: %d %s", c.query, r.Code, r.Body)
			}
		}
		if r := w.do(otherAdmin, "GET", "/api/v1/walkthroughs/"+walk+"/debrief?rubric_id="+k2, nil); r.Code != 404 {
			t.Fatalf("another district's administrator: %d %s", r.Code, r.Body)
		}
	})
}

// A cycle's evidence reads one framework at a time: the main one by default;
// scores of the same indicator key with another framework stay out.
func TestCycleEvidenceReadsOneFrameworkAtATime(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		first := w.frameworkOf(w.rubricA)
		k2, k2v := w.secondFramework()
		key := domain.BuiltinFramework().IndicatorKeys()[0]
		cycle := domain.NewID()
		support := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		err := w.store.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.PutCycle(ctx, domain.Cycle{ID: cycle, DistrictID: w.districtA, SchoolID: w.schoolA1, CoachID: w.users[coach].ID,
				TeacherIDs: []string{w.teacherA1}, FocusIndicatorKey: key, Status: domain.CycleActive, Rev: 1}); err != nil {
				return err
			}
			if err := tx.PutActivity(ctx, domain.Activity{ID: domain.NewID(), DistrictID: w.districtA, CycleID: cycle, Kind: domain.ActivityOneOnOne,
				OccurredOn: support, AuthorID: w.users[coach].ID, Rev: 1}, w.schoolA1); err != nil {
				return err
			}
			for i, s := range []struct {
				version string
				level   int
			}{{w.rubricA, 2}, {k2v, 4}} {
				at := support.AddDate(0, 0, -3-i)
				l := s.level
				if err := tx.PutObservation(ctx, domain.Observation{ID: domain.NewID(), DistrictID: w.districtA, SchoolID: w.schoolA1, TeacherID: w.teacherA1,
					ObserverID: w.users[principalA].ID, RubricVersionID: s.version, Kind: domain.KindClassroom, Status: domain.ObservationSubmitted,
					StartedAt: at, Rev: 1, Scores: []domain.Score{{IndicatorKey: key, Level: &l}}, ReceivedAt: at}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			query, want string
			mean        float64
		}{{"", first, 2}, {"?rubric_id=" + k2, k2, 4}} {
			r := w.do(coach, "GET", "/api/v1/cycles/"+cycle+"/evidence"+c.query, nil)
			var e evidenceResponse
			r.decode(t, &e)
			if r.Code != 200 || e.RubricID != c.want || len(e.Before) != 1 || *e.BeforeMean != c.mean || len(e.Frameworks) != 2 {
				t.Fatalf("evidence%s: %d %s", c.query, r.Code, r.Body)
			}
		}
		if r := w.do(coach, "GET", "/api/v1/cycles/"+cycle+"/evidence?rubric_id="+domain.NewID(), nil); r.Code != 404 {
			t.Fatalf("an unknown framework: %d %s", r.Code, r.Body)
		}
	})
}
