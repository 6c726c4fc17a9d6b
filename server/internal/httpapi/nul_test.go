package httpapi

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// U+0000 (NUL) is text PostgreSQL cannot store; wherever the server reads
// input, it refuses the character naming where it was, and never answers
// 500 for it.

// mustRefuseNUL checks an answer is a 422 problem naming field.
func mustRefuseNUL(t *testing.T, what string, r response, field string) {
	t.Helper()
	if r.Code != http.StatusUnprocessableEntity {
		t.Errorf("%s: %d, want 422: %s", what, r.Code, r.Body)
		return
	}
	var p Problem
	r.decode(t, &p)
	if !slices.ContainsFunc(p.Errors, func(e domain.FieldError) bool { return e.Field == field && strings.Contains(e.Message, "NUL") }) {
		t.Errorf("%s: the problem names %+v, want NUL in %q", what, p.Errors, field)
	}
}

func TestNULInABodyIsRefusedNamingTheField(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		rubric := bytes.Replace(rubricDoc(t), []byte(`"name": "`), []byte(`"name": "\u0000`), 1)
		obs := w.obsChange(w.matrixObservation, 0, 2)
		obs.Data = bytes.Replace(obs.Data, []byte(`"Students explained`), []byte(`"Students\u0000 explained`), 1)
		for _, c := range []struct {
			name         string
			as           actor
			method, path string
			body         any
			field        string
		}{
			{"a school's name", admin, "POST", "/api/v1/schools", map[string]any{"name": "Oak\x00 Elementary"}, "name"},
			{"a user's name", admin, "PATCH", "/api/v1/users/" + w.users[observer].ID, map[string]any{"name": "Re\x00named"}, "name"},
			{"the e-mail at sign-in", anonymous, "POST", "/api/v1/auth/login", map[string]any{"email": w.users[coach].Email + "\x00", "password": password}, "email"},
			{"a cycle's focus", admin, "POST", "/api/v1/cycles", map[string]any{"school_id": w.schoolA1, "coach_id": w.users[coach].ID,
				"teacher_ids": []string{w.teacherA1}, "focus_indicator_key": "academic_discourse", "focus_shift": "More\x00 talk", "status": "active"}, "focus_shift"},
			{"a teacher's subject", admin, "POST", "/api/v1/teachers", map[string]any{"school_id": w.schoolA1, "given_name": "Nia",
				"family_name": "Moreau", "subjects": []string{"Art", "Ma\x00th"}}, "subjects[1]"},
			{"district settings", admin, "PATCH", "/api/v1/district", map[string]any{"name": "\x00"}, "name"},
			{"a rubric document", admin, "POST", "/api/v1/rubrics", rubric, "name"},
			{"an observation's evidence", coach, "PUT", "/api/v1/observations/" + w.matrixObservation,
				map[string]any{"change_id": obs.ChangeID, "device_id": domain.NewID(), "base_rev": 0, "data": obs.Data}, "data.evidence"},
		} {
			before := w.counts()
			mustRefuseNUL(t, c.name, w.do(c.as, c.method, c.path, c.body), c.field)
			if after := w.counts(); !equalCounts(before, after) {
				t.Errorf("%s: a refused request wrote: %v -> %v", c.name, before, after)
			}
		}
		// A real roster import lists the row and the column.
		r := w.importCSV("schools", false, "external_id,name\nS-1,Juniper\nS-2,Asp\x00en\n")
		mustRefuseNUL(t, "a roster file", r, "schools.csv:3:name")
	})
}

func equalCounts(a, b map[string]int64) bool {
	for k, v := range a {
		if k != "audit_log" && b[k] != v {
			return false
		}
	}
	return true
}

// A change of a push that holds NUL is rejected naming the field, and the
// others of the same push apply: observations (applied set-wise),
// walkthroughs and next steps (change by change).
func TestNULInAPushRejectsOnlyItsChange(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		obs := func(nul bool) sync.Change {
			c := w.obsChange(domain.NewID(), 0, 2, 3)
			if nul {
				c.Data = bytes.Replace(c.Data, []byte(`"T: why?`), []byte(`"T: why?\u0000`), 1)
			}
			return c
		}
		obsWithNULEvidence := obs(false)
		obsWithNULEvidence.Data = bytes.Replace(obsWithNULEvidence.Data, []byte(`"Students explained`), []byte(`"\u0000`), 1)
		walk := func(notes string) sync.Change {
			return change("walkthrough", domain.NewID(), 0, map[string]any{"school_id": w.schoolA1, "rubric_version_id": w.rubricA,
				"kind": "classroom", "date": "2026-10-05", "team": []string{}, "focus": []string{}, "debrief_notes": notes})
		}
		step := func(action string) sync.Change {
			return change("next_step", domain.NewID(), 0, map[string]any{"walkthrough_id": w.walkA1, "school_id": w.schoolA1,
				"owner_id": w.users[observer].ID, "action": action, "done": false})
		}
		for _, c := range []struct {
			name    string
			changes []sync.Change
			field   string
		}{
			{"an observation's evidence", []sync.Change{obs(false), obsWithNULEvidence, obs(false)}, "data.evidence"},
			{"a score's evidence", []sync.Change{obs(false), obs(true), obs(false)}, "data.scores[0].evidence"},
			{"a walkthrough's debrief notes", []sync.Change{walk("Agreed."), walk("Agreed\x00."), walk("Agreed again.")}, "data.debrief_notes"},
			{"a next step's action", []sync.Change{step("Plan hinge questions"), step("\x00"), step("Plan exit tickets")}, "data.action"},
		} {
			as := coach
			if c.changes[0].Entity == "next_step" {
				as = principalA // the walkthrough's lead
			}
			code, res := w.push(as, domain.NewID(), c.changes...)
			if code != http.StatusOK {
				t.Fatalf("%s: the push answered %d", c.name, code)
			}
			got := []string{res.Results[0].Status, res.Results[1].Status, res.Results[2].Status}
			if !slices.Equal(got, []string{sync.StatusApplied, sync.StatusRejected, sync.StatusApplied}) {
				t.Errorf("%s: answered %v (%+v), want applied, rejected, applied", c.name, got, res.Results[1].Error)
				continue
			}
			if e := res.Results[1].Error; e.Code != "invalid" || e.Field != c.field || !strings.Contains(e.Message, "NUL") {
				t.Errorf("%s: rejected with %+v, want invalid at %s", c.name, e, c.field)
			}
			pulled := map[string]bool{}
			for _, r := range w.pull(as, "").Changes {
				pulled[r.ID] = true
			}
			for i, ch := range c.changes {
				if pulled[ch.ID] != (i != 1) {
					t.Errorf("%s: change %d stored %v", c.name, i, pulled[ch.ID])
				}
			}
		}
	})
}

func TestNULInAParameterIsRefusedNamingIt(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		for _, c := range []struct {
			as          actor
			path, field string
		}{
			{coach, "/api/v1/observations?teacher_id=%00", "teacher_id"},
			{admin, "/api/v1/trends?from=2026-01-01&to=2027-01-01&subject=a%00b", "subject"},
			{admin, "/api/v1/audit?action=%00", "action"},
			{admin, "/api/v1/audit?action=auth.login&actor_id=x%00&%00=1", "actor_id"},
			{admin, "/api/v1/sync/pull?cursor=%00", "cursor"},
			{admin, "/api/v1/schools/" + w.schoolA1 + "%00", "id"},
			{anonymous, "/api/v1/calendar/a%00b.ics", "file"},
		} {
			mustRefuseNUL(t, c.path, w.do(c.as, "GET", c.path, nil), c.field)
		}
	})
}

// TestEveryRouteRefusesNULInItsParameters walks the route table: every
// query parameter the OpenAPI document lists for a route (or one it does
// not read, for a route without any) and every path parameter is sent
// holding %00, one at a time, and each must be refused with 422 naming it;
// none may answer 500.
func TestEveryRouteRefusesNULInItsParameters(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		c, err := loadContract()
		if err != nil {
			t.Fatal(err)
		}
		_, srv, err := New(Deps{})
		if err != nil {
			t.Fatal(err)
		}
		requests := 0
		for _, rt := range srv.Routes() {
			item := c.doc.Paths.Value(ginParam.ReplaceAllString(rt.Path, "{$1}"))
			if item == nil || item.GetOperation(rt.Method) == nil {
				t.Errorf("%s %s is not in openapi.json", rt.Method, rt.Path)
				continue
			}
			var query, path []string
			for _, p := range append(item.Parameters, item.GetOperation(rt.Method).Parameters...) {
				switch p.Value.In {
				case "query":
					query = append(query, p.Value.Name)
				case "path":
					path = append(path, p.Value.Name)
				}
			}
			if len(query) == 0 {
				query = []string{"nul"}
			}
			as := admin
			if rt.Public {
				as = anonymous
			}
			// fill puts a fresh id in every path parameter but nul's.
			fill := func(nul string) string {
				return ginParam.ReplaceAllStringFunc(rt.Path, func(p string) string {
					if p[1:] == nul {
						return "a%00b"
					}
					return domain.NewID()
				})
			}
			for _, q := range query {
				target := fill("") + "?" + q + "=a%00b"
				r := w.do(as, rt.Method, target, nil)
				requests++
				if r.Code >= 500 {
					t.Errorf("%s %s: %d", rt.Method, target, r.Code)
				}
				mustRefuseNUL(t, rt.Method+" "+target, r, q)
			}
			for _, p := range path {
				target := fill(p)
				r := w.do(as, rt.Method, target, nil)
				requests++
				mustRefuseNUL(t, rt.Method+" "+target, r, p)
			}
		}
		t.Logf("%d routes, %d requests", len(srv.Routes()), requests)
	})
}
