package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// frameworkOf is the framework (rubric) a version belongs to.
func (w *world) frameworkOf(versionID string) string {
	w.t.Helper()
	v, err := w.store.RubricVersion(context.Background(), w.districtA, versionID)
	if err != nil {
		w.t.Fatal(err)
	}
	return v.RubricID
}

// secondFramework publishes a second framework in district A, "K-2
// look-fors", and answers its rubric id and version id.
func (w *world) secondFramework() (rubricID, versionID string) {
	w.t.Helper()
	v := domain.BuiltinFramework()
	v.Name = "K-2 look-fors"
	now := time.Now().UTC()
	v.ID, v.RubricID, v.DistrictID, v.Status, v.PublishedAt = domain.NewID(), domain.NewID(), w.districtA, domain.RubricPublished, &now
	if err := w.store.InTx(context.Background(), func(tx *store.Tx) error { return tx.CreateRubricVersion(context.Background(), v) }); err != nil {
		w.t.Fatal(err)
	}
	return v.RubricID, v.ID
}

// assigned assigns a framework of district A to school A1 and answers the
// assignment's id.
func (w *world) assigned(rubricID string) string {
	w.t.Helper()
	var a domain.Assignment
	err := w.store.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		a, err = tx.AddAssignment(context.Background(), w.districtA, domain.Assignment{RubricID: rubricID, SchoolIDs: []string{w.schoolA1}}, nil)
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return a.ID
}

// scoredWith is an observation pushed by whoever observes at school, of a
// teacher there, scored with a version, started now.
func (w *world) scoredWith(school, teacher, versionID, kind string) sync.Change {
	keys := domain.BuiltinFramework().IndicatorKeys()
	data, _ := json.Marshal(map[string]any{
		"school_id": school, "teacher_id": teacher, "rubric_version_id": versionID, "kind": kind,
		"grade": "1", "subject": "ELA", "started_at": time.Now().UTC().Format(time.RFC3339Nano),
		"status": "submitted", "scores": []map[string]any{{"indicator_key": keys[0], "level": 3, "evidence": "Phonics routine ran itself."}},
		"evidence": "A secret note about Ms. Adams.",
	})
	return sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityObservation, Op: sync.OpUpsert, ID: domain.NewID(), Data: data}
}

func (w *world) frameworks(a actor) map[string]frameworkResponse {
	w.t.Helper()
	r := w.do(a, "GET", "/api/v1/frameworks", nil)
	if r.Code != 200 {
		w.t.Fatalf("list frameworks: %d %s", r.Code, r.Body)
	}
	var l listResponse[frameworkResponse]
	r.decode(w.t, &l)
	out := map[string]frameworkResponse{}
	for _, f := range l.Items {
		out[f.ID] = f
	}
	return out
}

func TestFrameworksSideBySide(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		mainID := w.frameworkOf(w.rubricA)

		// A second framework is published: it changes nothing until assigned.
		k2, k2v := w.secondFramework()
		fs := w.frameworks(admin)
		if !fs[mainID].Main || fs[k2].Main || len(fs[k2].Assignments) != 0 {
			t.Fatalf("after publishing a second framework: main %+v, second %+v", fs[mainID], fs[k2])
		}
		var reach reachResponse
		r := w.do(admin, "GET", "/api/v1/frameworks/"+k2+"/reach", nil)
		r.decode(t, &reach)
		if r.Code != 200 || len(reach.Schools) != 0 || reach.Observers != 0 {
			t.Fatalf("reach of an unassigned framework: %d %s", r.Code, r.Body)
		}
		_, res := w.push(coach, domain.NewID(), w.scoredWith(w.schoolA1, w.teacherA1, k2v, "classroom"))
		if res.Results[0].Status != sync.StatusRejected || res.Results[0].Error.Code != "framework_not_assigned" || res.Results[0].Current != nil {
			t.Fatalf("an observation with an unassigned framework: %+v", res.Results[0])
		}
		if strings.Contains(res.Results[0].Error.Message, "secret") {
			t.Fatalf("the refusal repeats the record: %s", res.Results[0].Error.Message)
		}

		// The preview names the school, the kinds and the observers there.
		r = w.do(admin, "GET", "/api/v1/frameworks/"+k2+"/reach?proposed=true&school_id="+w.schoolA1, nil)
		r.decode(t, &reach)
		// supervisor, principal, coach and observer hold grants at A1.
		if r.Code != 200 || len(reach.Schools) != 1 || reach.Schools[0].ID != w.schoolA1 || reach.EverySchool || !reach.EveryKind || reach.Observers != 4 ||
			len(reach.Others) != 1 || reach.Others[0].ID != mainID {
			t.Fatalf("proposed reach: %d %s", r.Code, r.Body)
		}
		r = w.do(admin, "GET", "/api/v1/frameworks/"+mainID+"/reach", nil)
		r.decode(t, &reach)
		if r.Code != 200 || !reach.EverySchool || !reach.EveryKind || len(reach.Schools) != 2 {
			t.Fatalf("the main framework's reach: %d %s", r.Code, r.Body)
		}

		// Assigning on a stale revision is refused; on the current one it holds.
		rev := fs[k2].Rev
		if r := w.do(admin, "POST", "/api/v1/frameworks/"+k2+"/assignments", map[string]any{"school_ids": []string{w.schoolA1}, "rev": rev + 5}); r.Code != 409 {
			t.Fatalf("assign on a stale revision: %d %s", r.Code, r.Body)
		}
		r = w.do(admin, "POST", "/api/v1/frameworks/"+k2+"/assignments", map[string]any{"school_ids": []string{w.schoolA1}, "rev": rev})
		var f frameworkResponse
		r.decode(t, &f)
		if r.Code != 201 || len(f.Assignments) != 1 || f.Rev != rev+1 {
			t.Fatalf("assign: %d %s", r.Code, r.Body)
		}
		assignment := f.Assignments[0].ID

		// At A1 observers score with either; elsewhere only with the main one.
		_, res = w.push(coach, domain.NewID(), w.scoredWith(w.schoolA1, w.teacherA1, k2v, "classroom"), w.scoredWith(w.schoolA1, w.teacherA1, w.rubricA, "classroom"))
		for i, x := range res.Results {
			if x.Status != sync.StatusApplied {
				t.Fatalf("at the assigned school, change %d: %+v", i, x)
			}
		}
		_, res = w.push(admin, domain.NewID(), w.scoredWith(w.schoolA2, w.teacherA2, k2v, "classroom"), w.scoredWith(w.schoolA2, w.teacherA2, w.rubricA, "classroom"))
		if res.Results[0].Status != sync.StatusRejected || res.Results[0].Error.Code != "framework_not_assigned" || res.Results[1].Status != sync.StatusApplied {
			t.Fatalf("at another school: %+v", res.Results)
		}

		// Both frameworks have trends; the default is the main framework.
		var tr struct {
			RubricID string            `json:"rubric_id"`
			Cells    []json.RawMessage `json:"cells"`
		}
		day := time.Now().UTC()
		span := "from=" + day.AddDate(0, 0, -7).Format(time.DateOnly) + "&to=" + day.AddDate(0, 0, 7).Format(time.DateOnly)
		for _, c := range []struct{ query, want string }{{"", mainID}, {"&rubric_id=" + k2, k2}} {
			r = w.do(admin, "GET", "/api/v1/trends?"+span+"&bucket=range&group=school"+c.query, nil)
			r.decode(t, &tr)
			if r.Code != 200 || tr.RubricID != c.want || len(tr.Cells) == 0 {
				t.Fatalf("trends%s: %d %s", c.query, r.Code, r.Body)
			}
		}

		// The coach's device learns where each framework applies.
		got := map[string]sync.FrameworkData{}
		for _, rec := range w.pull(coach, "").Changes {
			if rec.Entity == sync.EntityFramework {
				b, _ := json.Marshal(rec.Data)
				var d sync.FrameworkData
				_ = json.Unmarshal(b, &d)
				got[rec.ID] = d
			}
		}
		if !got[mainID].Main || len(got[k2].Assignments) != 1 || fmt.Sprint(got[k2].Assignments[0].SchoolIDs) != fmt.Sprint([]string{w.schoolA1}) {
			t.Fatalf("frameworks pulled by the coach: %+v", got)
		}
		for _, rec := range w.pull(otherAdmin, "").Changes {
			if rec.ID == k2 || rec.ID == mainID {
				t.Fatalf("another district's administrator pulled %s", rec.ID)
			}
		}

		// Roll back: no new observations there; what was scored stays.
		if r := w.do(admin, "POST", "/api/v1/frameworks/"+k2+"/assignments/"+assignment+"/rollback", map[string]any{"rev": rev}); r.Code != 409 {
			t.Fatalf("roll back on a stale revision: %d %s", r.Code, r.Body)
		}
		r = w.do(admin, "POST", "/api/v1/frameworks/"+k2+"/assignments/"+assignment+"/rollback", map[string]any{"rev": rev + 1})
		r.decode(t, &f)
		if r.Code != 200 || f.Assignments[0].EndedAt == nil {
			t.Fatalf("roll back: %d %s", r.Code, r.Body)
		}
		_, res = w.push(coach, domain.NewID(), w.scoredWith(w.schoolA1, w.teacherA1, k2v, "classroom"))
		if res.Results[0].Status != sync.StatusRejected {
			t.Fatalf("after the roll-back: %+v", res.Results[0])
		}
		r = w.do(admin, "GET", "/api/v1/trends?"+span+"&bucket=range&group=school&rubric_id="+k2, nil)
		r.decode(t, &tr)
		if len(tr.Cells) == 0 {
			t.Fatalf("the rolled-back framework's history went: %s", r.Body)
		}

		// Retire: never the main framework; a retired one is not assigned again.
		if r := w.do(admin, "POST", "/api/v1/frameworks/"+mainID+"/retire", map[string]any{}); r.Code != 409 {
			t.Fatalf("retire the main framework: %d %s", r.Code, r.Body)
		}
		if r := w.do(admin, "POST", "/api/v1/frameworks/"+k2+"/retire", map[string]any{"rev": f.Rev}); r.Code != 200 {
			t.Fatalf("retire: %d %s", r.Code, r.Body)
		}
		if r := w.do(admin, "POST", "/api/v1/frameworks/"+k2+"/assignments", map[string]any{}); r.Code != 409 {
			t.Fatalf("assign a retired framework: %d %s", r.Code, r.Body)
		}
		var rl listResponse[rubricSummary]
		w.do(coach, "GET", "/api/v1/rubrics", nil).decode(t, &rl)
		for _, x := range rl.Items {
			if x.ID == k2 && !x.Retired || x.ID == mainID && !x.Main {
				t.Fatalf("the rubric list does not say which is main or retired: %+v", rl.Items)
			}
		}

		// Every write is in the audit log.
		a := w.do(admin, "GET", "/api/v1/audit?limit=200", nil)
		for _, action := range []string{"framework.assign", "framework.rollback", "framework.retire"} {
			if !bytes.Contains(a.Body.Bytes(), []byte(`"`+action+`"`)) {
				t.Errorf("no %s in the audit log", action)
			}
		}
	})
}
