package httpapi

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

func TestRubricLifecycle(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		doc := rubricDoc(t)
		r := w.doRaw(admin, "POST", "/api/v1/rubrics", "application/json", doc)
		if r.Code != 201 {
			t.Fatalf("create draft: %d %s", r.Code, r.Body)
		}
		var v1 rubricVersionResponse
		r.decode(t, &v1)
		if v1.Status != "draft" || v1.Version != 1 || len(v1.Dimensions) != 5 {
			t.Fatalf("draft: %+v", v1)
		}

		// Edit the draft: rename an indicator.
		edited := bytes.Replace(doc, []byte(`"name": "Respectful relationships"`), []byte(`"name": "Warm, respectful relationships"`), 1)
		if bytes.Equal(edited, doc) {
			t.Fatal("the test's edit found nothing to change; update the indicator name it looks for")
		}
		r = w.doRaw(admin, "PUT", "/api/v1/rubrics/"+v1.ID+"?rev=1", "application/json", edited)
		var edit rubricVersionResponse
		r.decode(t, &edit)
		if r.Code != 200 || edit.Rev != 2 || edit.ID != v1.ID || !bytes.Contains(r.Body.Bytes(), []byte("Warm, respectful relationships")) {
			t.Fatalf("edit draft at its revision: %d %s", r.Code, r.Body)
		}
		// Another screen still showing revision 1 cannot write over the edit.
		r = w.doRaw(admin, "PUT", "/api/v1/rubrics/"+v1.ID+"?rev=1", "application/json", doc)
		var stale Problem
		r.decode(t, &stale)
		if r.Code != 409 || stale.Code != "conflict" || stale.CurrentRev != 2 {
			t.Fatalf("edit draft at a stale revision: %d %s", r.Code, r.Body)
		}
		if r := w.do(admin, "GET", "/api/v1/rubrics/"+v1.ID, nil); !bytes.Contains(r.Body.Bytes(), []byte("Warm, respectful relationships")) {
			t.Fatalf("a refused edit wrote over the draft: %s", r.Body)
		}
		if r := w.doRaw(admin, "PUT", "/api/v1/rubrics/"+v1.ID+"?rev=0", "application/json", edited); r.Code != 422 || !bytes.Contains(r.Body.Bytes(), []byte(`"rev"`)) {
			t.Fatalf("a revision of 0: %d %s", r.Code, r.Body)
		}
		if r := w.doRaw(admin, "PUT", "/api/v1/rubrics/"+v1.ID, "application/json", edited); r.Code != 200 {
			t.Fatalf("edit draft without a revision: %d %s", r.Code, r.Body)
		}
		if r := w.do(coach, "GET", "/api/v1/rubrics/"+v1.ID, nil); r.Code != 404 {
			t.Fatalf("a coach sees a draft: %d", r.Code)
		}
		if r := w.do(admin, "POST", "/api/v1/rubrics/"+v1.ID+"/publish", nil); r.Code != 200 {
			t.Fatalf("publish: %d %s", r.Code, r.Body)
		}
		if r := w.doRaw(admin, "PUT", "/api/v1/rubrics/"+v1.ID, "application/json", doc); r.Code != 409 {
			t.Fatalf("a published version was edited: %d %s", r.Code, r.Body)
		}
		if r := w.do(admin, "POST", "/api/v1/rubrics/"+v1.ID+"/publish", nil); r.Code != 409 {
			t.Fatalf("published twice: %d", r.Code)
		}

		// An observation scored on version 1.
		obs := domain.Observation{ID: domain.NewID(), DistrictID: w.districtA, SchoolID: w.schoolA1, TeacherID: w.teacherA1,
			ObserverID: w.users[coach].ID, RubricVersionID: v1.ID, Kind: domain.KindClassroom, Status: domain.ObservationSubmitted,
			StartedAt: time.Now().Add(-time.Hour), Rev: 1}
		level := 3
		obs.Scores = []domain.Score{{IndicatorKey: "respectful_relationships", Level: &level}}
		if err := w.store.InTx(ctx, func(tx *store.Tx) error { return tx.PutObservation(ctx, obs) }); err != nil {
			t.Fatal(err)
		}

		// Version 2 of the same rubric; version 1 stays readable.
		r = w.doRaw(admin, "POST", "/api/v1/rubrics?rubric_id="+v1.RubricID, "application/json", doc)
		var v2 rubricVersionResponse
		r.decode(t, &v2)
		if r.Code != 201 || v2.Version != 2 || v2.RubricID != v1.RubricID {
			t.Fatalf("second version: %d %+v", r.Code, v2)
		}
		if r := w.do(admin, "POST", "/api/v1/rubrics/"+v2.ID+"/publish", nil); r.Code != 200 {
			t.Fatalf("publish v2: %d", r.Code)
		}
		got, err := w.store.Observation(ctx, w.districtA, obs.ID)
		if err != nil {
			t.Fatal(err)
		}
		r = w.do(coach, "GET", "/api/v1/rubrics/"+got.RubricVersionID, nil)
		var old rubricVersionResponse
		r.decode(t, &old)
		if r.Code != 200 || old.Version != 1 || old.Dimensions[0].Indicators[0].Name != "Warm, respectful relationships" {
			t.Fatalf("the observation's version no longer resolves: %d %+v", r.Code, old.Dimensions[0].Indicators[0])
		}

		// Export round-trips byte for byte.
		r = w.do(coach, "GET", "/api/v1/rubrics/"+v2.ID+"/export", nil)
		if r.Code != 200 || !bytes.Equal(r.Body.Bytes(), doc) {
			t.Fatalf("export differs from the imported document:\n%s", r.Body)
		}

		r = w.do(admin, "GET", "/api/v1/audit?action=rubric.publish", nil)
		var a listResponse[auditResponse]
		r.decode(t, &a)
		if len(a.Items) != 2 {
			t.Fatalf("publications not audited: %s", r.Body)
		}
	})
}

func TestInvalidRubricIsRefusedWithTheFieldNamed(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		doc := string(rubricDoc(t))
		bad := strings.Replace(doc, `"key": "routines_and_transitions"`, `"key": "respectful_relationships"`, 1)
		r := w.doRaw(admin, "POST", "/api/v1/rubrics", "application/json", []byte(bad))
		p := assertProblem(t, r.ResponseRecorder, 422)
		found := false
		for _, f := range p.Errors {
			if strings.Contains(f.Field, "indicators[1].key") {
				found = true
			}
		}
		if !found {
			t.Fatalf("the duplicated key is not named: %+v", p.Errors)
		}
	})
}
