package httpapi

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
	"github.com/walkthrough-edu/walkthrough/server/internal/visits"
)

// probe is one request tried as every actor, with the status each must get.
type probe struct {
	name         string
	method, path string
	body         any
	// contentType, when set, sends body (bytes) as that media type, with
	// headers (name, value, …).
	contentType string
	headers     []string
	want        map[actor]int
	// check, when set, looks inside a successful answer (a list must not
	// hold another school's or district's rows).
	check func(t *testing.T, w *world, a actor, r response)
	// after runs once the actor's request is done (to sign in again after a
	// logout, say).
	after func(w *world, a actor)
}

// statuses builds a want-map: def for everyone, then the exceptions.
func statuses(def int, except map[actor]int) map[actor]int {
	m := map[actor]int{}
	for _, a := range actors {
		m[a] = def
	}
	for a, s := range except {
		m[a] = s
	}
	return m
}

// signedIn is def for every signed-in actor, 401 for anonymous.
func signedIn(def int, except map[actor]int) map[actor]int {
	m := statuses(def, except)
	m[anonymous] = http.StatusUnauthorized
	return m
}

// adminOnly is ok for both districts' administrators, 403 for the other
// roles and 401 for anonymous; otherAdminStatus is what district B's
// administrator gets for district A's record.
func adminOnly(ok, otherAdminStatus int) map[actor]int {
	return signedIn(http.StatusForbidden, map[actor]int{admin: ok, otherAdmin: otherAdminStatus})
}

// matrix has a row for every route of the router: who may call it, on what.
// A route without a row fails TestAuthorizationMatrix.
func matrix(w *world) map[string][]probe {
	ok, created, noContent := http.StatusOK, http.StatusCreated, http.StatusNoContent
	notFound, invalid, forbidden := http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusForbidden
	public := statuses(ok, nil)
	tablet := w.signedInTablet()
	undoable := w.importSchoolsForUndo()
	k2, _ := w.secondFramework()
	k3, _ := w.secondFramework()
	k2Assignment := w.assigned(k2)
	mailA, mailB := w.mailboxMessage(coach), w.mailboxMessage(otherAdmin)
	unsubscribe := w.unsubscribeToken(coach)
	failedA, failedB := w.failedMessage(coach), w.failedMessage(otherAdmin)
	rows := map[string][]probe{
		"GET /healthz": {{name: "alive", method: "GET", path: "/healthz", want: public}},
		"GET /readyz":  {{name: "ready", method: "GET", path: "/readyz", want: public}},
		"GET /metrics": {{name: "metrics", method: "GET", path: "/metrics", want: public}},

		"GET /api/v1/openapi.json": {{name: "contract", method: "GET", path: "/api/v1/openapi.json", want: public}},

		"POST /api/v1/auth/login": {{name: "own credentials", method: "POST", path: "/api/v1/auth/login",
			want: statuses(ok, map[actor]int{anonymous: http.StatusUnauthorized}),
			body: nil, check: nil,
		}},
		"POST /api/v1/auth/refresh": {{name: "own refresh token", method: "POST", path: "/api/v1/auth/refresh",
			want:  statuses(ok, map[actor]int{anonymous: http.StatusUnauthorized}),
			after: func(w *world, a actor) { w.signIn(a) },
		}},
		"POST /api/v1/auth/forgot-password": {{name: "any address", method: "POST", path: "/api/v1/auth/forgot-password",
			want: statuses(http.StatusAccepted, nil),
			// An address each: asking for one address again and again is throttled.
			body: func(a actor) any { return map[string]string{"email": "nobody." + string(a) + "@example.org"} },
		}},
		"POST /api/v1/auth/reset-password": {{name: "a made-up link", method: "POST", path: "/api/v1/auth/reset-password",
			want: statuses(http.StatusUnprocessableEntity, nil), body: map[string]string{"token": "wtp_made-up", "password": "a long enough password"},
		}},
		"POST /api/v1/auth/logout": {{name: "own session", method: "POST", path: "/api/v1/auth/logout",
			want: signedIn(noContent, nil), after: func(w *world, a actor) { w.signIn(a) },
		}},
		"GET /api/v1/me": {{name: "self", method: "GET", path: "/api/v1/me", want: signedIn(ok, nil),
			check: func(t *testing.T, w *world, a actor, r response) {
				var me meResponse
				r.decode(t, &me)
				if me.User.ID != w.users[a].ID || me.District.ID != w.users[a].DistrictID {
					t.Errorf("%s: /me answered someone else: %+v", a, me)
				}
			}}},

		"GET /api/v1/schools": {{name: "list", method: "GET", path: "/api/v1/schools", want: signedIn(ok, nil),
			check: func(t *testing.T, w *world, a actor, r response) {
				var l listResponse[schoolResponse]
				r.decode(t, &l)
				got := ids(l.Items, func(s schoolResponse) string { return s.ID })
				want := map[string]bool{w.schoolA1: true}
				switch a {
				case admin:
					want[w.schoolA2] = true
				case otherAdmin:
					want = map[string]bool{w.schoolB1: true}
				}
				if !equalSets(got, want) {
					t.Errorf("%s sees schools %v, want %v", a, got, want)
				}
			}}},

		"GET /api/v1/teachers": {
			{name: "list", method: "GET", path: "/api/v1/teachers", want: signedIn(ok, nil),
				check: func(t *testing.T, w *world, a actor, r response) {
					var l listResponse[teacherResponse]
					r.decode(t, &l)
					got := ids(l.Items, func(x teacherResponse) string { return x.ID })
					want := map[string]bool{w.teacherA1: true}
					switch a {
					case admin:
						want[w.teacherA2] = true
					case otherAdmin:
						want = map[string]bool{w.teacherB1: true}
					case teacher:
						want = map[string]bool{}
					}
					if !equalSets(got, want) {
						t.Errorf("%s sees teachers %v, want %v", a, got, want)
					}
				}},
			{name: "other school", method: "GET", path: "/api/v1/teachers?school_id=" + w.schoolA2,
				want: signedIn(notFound, map[actor]int{admin: ok})},
			{name: "other district", method: "GET", path: "/api/v1/teachers?school_id=" + w.schoolB1,
				want: signedIn(notFound, map[actor]int{otherAdmin: ok})},
		},

		"POST /api/v1/schools": {{name: "new school", method: "POST", path: "/api/v1/schools",
			body: map[string]any{"name": "New School", "grade_band": "elementary"}, want: adminOnly(created, created)}},
		"GET /api/v1/schools/:id": {
			{name: "own school", method: "GET", path: "/api/v1/schools/" + w.schoolA1, want: signedIn(ok, map[actor]int{otherAdmin: notFound})},
			{name: "other school", method: "GET", path: "/api/v1/schools/" + w.schoolA2, want: signedIn(notFound, map[actor]int{admin: ok})},
		},
		"PATCH /api/v1/schools/:id": {{name: "own school", method: "PATCH", path: "/api/v1/schools/" + w.schoolA1,
			body: map[string]any{"grade_band": "k-5"}, want: adminOnly(ok, notFound)}},
		"POST /api/v1/teachers": {{name: "own school", method: "POST", path: "/api/v1/teachers",
			body: map[string]any{"school_id": w.schoolA1, "given_name": "Nia", "family_name": "Moreau", "grades": []string{"2"}},
			want: adminOnly(created, invalid)}},
		"GET /api/v1/teachers/:id": {
			{name: "own school", method: "GET", path: "/api/v1/teachers/" + w.teacherA1,
				want: signedIn(ok, map[actor]int{teacher: notFound, otherAdmin: notFound})},
			{name: "other school", method: "GET", path: "/api/v1/teachers/" + w.teacherA2, want: signedIn(notFound, map[actor]int{admin: ok})},
		},
		"PATCH /api/v1/teachers/:id": {{name: "own school", method: "PATCH", path: "/api/v1/teachers/" + w.teacherA1,
			body: map[string]any{"subjects": []string{"Mathematics"}}, want: adminOnly(ok, notFound)}},

		"GET /api/v1/rubrics": {{name: "list", method: "GET", path: "/api/v1/rubrics", want: signedIn(ok, nil),
			check: func(t *testing.T, w *world, a actor, r response) {
				var l listResponse[rubricSummary]
				r.decode(t, &l)
				for _, rb := range l.Items {
					for _, v := range rb.Versions {
						if v.ID == w.rubricB && a != otherAdmin || v.ID == w.rubricA && a == otherAdmin {
							t.Errorf("%s sees another district's rubric", a)
						}
						if v.Status == "draft" && a != admin {
							t.Errorf("%s sees a draft", a)
						}
					}
				}
			}}},
		"POST /api/v1/rubrics":         {{name: "new draft", method: "POST", path: "/api/v1/rubrics", body: rubricDoc(w.t), want: adminOnly(created, created)}},
		"GET /api/v1/rubrics/template": {{name: "template", method: "GET", path: "/api/v1/rubrics/template", want: signedIn(ok, nil)}},
		"GET /api/v1/rubrics/:id": {
			{name: "published", method: "GET", path: "/api/v1/rubrics/" + w.rubricA, want: signedIn(ok, map[actor]int{otherAdmin: notFound})},
			{name: "draft", method: "GET", path: "/api/v1/rubrics/" + w.draftA, want: signedIn(notFound, map[actor]int{admin: ok})},
		},
		"PUT /api/v1/rubrics/:id": {{name: "draft", method: "PUT", path: "/api/v1/rubrics/" + w.draftA, body: rubricDoc(w.t),
			want: adminOnly(ok, notFound)}},
		"POST /api/v1/rubrics/:id/publish": {{name: "draft", method: "POST", path: "/api/v1/rubrics/" + w.draftA2 + "/publish",
			want: adminOnly(ok, notFound)}},
		"GET /api/v1/frameworks": {{name: "list", method: "GET", path: "/api/v1/frameworks", want: adminOnly(ok, ok),
			check: func(t *testing.T, w *world, a actor, r response) {
				if a == otherAdmin && bytes.Contains(r.Body.Bytes(), []byte(w.frameworkOf(w.rubricA))) {
					t.Errorf("%s sees district A's framework", a)
				}
			}}},
		"GET /api/v1/frameworks/:id/reach": {{name: "proposed", method: "GET", path: "/api/v1/frameworks/" + k2 + "/reach?proposed=true&school_id=" + w.schoolA1,
			want: adminOnly(ok, notFound)}},
		"POST /api/v1/frameworks/:id/assignments": {{name: "to a school", method: "POST", path: "/api/v1/frameworks/" + k2 + "/assignments",
			body: map[string]any{"school_ids": []string{w.schoolA1}}, want: adminOnly(created, notFound)}},
		"POST /api/v1/frameworks/:id/assignments/:assignment/rollback": {{name: "own", method: "POST",
			path: "/api/v1/frameworks/" + k2 + "/assignments/" + k2Assignment + "/rollback", body: map[string]any{}, want: adminOnly(ok, notFound)}},
		"POST /api/v1/frameworks/:id/retire": {{name: "own", method: "POST", path: "/api/v1/frameworks/" + k2 + "/retire", body: map[string]any{},
			want: adminOnly(ok, notFound)}},
		"POST /api/v1/frameworks/:id/main": {{name: "own", method: "POST", path: "/api/v1/frameworks/" + k3 + "/main", body: map[string]any{"keep_previous": true},
			want: adminOnly(ok, notFound), check: func(t *testing.T, w *world, a actor, r response) {
				if a == admin { // the way back, for the rows that follow
					if r := w.do(admin, "POST", "/api/v1/frameworks/"+w.frameworkOf(w.rubricA)+"/main", map[string]any{}); r.Code != ok {
						t.Errorf("make the first framework main again: %d %s", r.Code, r.Body)
					}
				}
			}}},
		"GET /api/v1/rubrics/:id/export": {{name: "published", method: "GET", path: "/api/v1/rubrics/" + w.rubricA + "/export",
			want: signedIn(ok, map[actor]int{otherAdmin: notFound})}},

		"POST /api/v1/imports/roster": {{name: "dry run", method: "POST", path: "/api/v1/imports/roster?kind=schools&dry_run=true",
			contentType: "text/csv", body: []byte("external_id,name\nX1,New School\n"), want: adminOnly(ok, ok),
			check: func(t *testing.T, w *world, a actor, r response) {
				var rep struct {
					Applied bool `json:"applied"`
					Schools struct {
						Created int `json:"created"`
					} `json:"schools"`
				}
				r.decode(t, &rep)
				if rep.Applied || rep.Schools.Created != 1 {
					t.Errorf("%s: dry run report %s", a, r.Body)
				}
			}}},
		"POST /api/v1/imports/:id/undo": {{name: "own district's import", method: "POST", path: "/api/v1/imports/" + undoable + "/undo",
			want: adminOnly(ok, notFound)}},
		"PUT /api/v1/observations/:id": {{name: "own school", method: "PUT", path: "/api/v1/observations/" + w.matrixObservation,
			body: func(a actor) any {
				ch := w.obsChange(w.matrixObservation, 0, 2, 3)
				return map[string]any{"change_id": ch.ChangeID, "device_id": domain.NewID(), "base_rev": 0, "data": json.RawMessage(ch.Data)}
			},
			// The administrator makes it; everyone else may not touch another's observation, and in district B the id is
			// another district's record.
			want: signedIn(http.StatusForbidden, map[actor]int{admin: ok})}},
		"POST /api/v1/sync/push": {{name: "own school", method: "POST", path: "/api/v1/sync/push",
			body: func(a actor) any {
				return sync.PushRequest{DeviceID: domain.NewID(), Changes: []sync.Change{w.obsChange(domain.NewID(), 0, 2)}}
			},
			want: signedIn(ok, nil),
			check: func(t *testing.T, w *world, a actor, r response) {
				var res sync.PushResponse
				r.decode(t, &res)
				want := "applied"
				if a == teacher || a == otherAdmin {
					want = "rejected"
				}
				if res.Results[0].Status != want {
					t.Errorf("%s pushed an observation at school A1: %+v, want %s", a, res.Results[0], want)
				}
			}}},
		"GET /api/v1/sync/pull": {{name: "snapshot", method: "GET", path: "/api/v1/sync/pull", want: signedIn(ok, nil),
			check: func(t *testing.T, w *world, a actor, r response) {
				var res sync.PullResponse
				r.decode(t, &res)
				ofA := map[string]bool{w.schoolA1: true, w.schoolA2: true, w.teacherA1: true, w.teacherA2: true, w.rubricA: true}
				ofB := map[string]bool{w.schoolB1: true, w.teacherB1: true, w.rubricB: true}
				for _, rec := range res.Changes {
					if (a == otherAdmin && ofA[rec.ID]) || (a != otherAdmin && ofB[rec.ID]) {
						t.Errorf("%s pulled another district's %s %s", a, rec.Entity, rec.ID)
					}
					if a != admin && (rec.ID == w.schoolA2 || rec.ID == w.teacherA2) {
						t.Errorf("%s pulled school A2's %s", a, rec.Entity)
					}
				}
			}}},
		"PUT /api/v1/attachments/:id": {{name: "the coach's photo", method: "PUT", path: "/api/v1/attachments/" + w.attachment,
			contentType: "image/png", body: pngBytes(w.t), headers: []string{"X-Content-SHA256", sha256Hex(pngBytes(w.t))},
			// Only the observer (and an administrator) may upload; the administrator comes first, so the coach's upload is a repeat.
			want: signedIn(notFound, map[actor]int{admin: created, coach: ok})}},
		"GET /api/v1/walkthroughs": {{name: "list", method: "GET", path: "/api/v1/walkthroughs", want: signedIn(ok, nil),
			check: func(t *testing.T, w *world, a actor, r response) {
				var l listResponse[walkthroughResponse]
				r.decode(t, &l)
				sees := len(l.Items) == 1 && l.Items[0].ID == w.walkA1
				if want := a != teacher && a != otherAdmin; sees != want {
					t.Errorf("%s sees the A1 walkthrough: %v, want %v (%s)", a, sees, want, r.Body)
				}
			}}},
		"GET /api/v1/walkthroughs/:id": {{name: "A1 walkthrough", method: "GET", path: "/api/v1/walkthroughs/" + w.walkA1,
			want: signedIn(ok, map[actor]int{teacher: notFound, otherAdmin: notFound})}},
		"GET /api/v1/walkthroughs/:id/debrief": {{name: "A1 walkthrough", method: "GET", path: "/api/v1/walkthroughs/" + w.walkA1 + "/debrief",
			want: signedIn(ok, map[actor]int{teacher: notFound, otherAdmin: notFound})}},
		"GET /api/v1/next-steps": {
			{name: "visible", method: "GET", path: "/api/v1/next-steps", want: signedIn(ok, nil),
				check: func(t *testing.T, w *world, a actor, r response) {
					var l listResponse[visits.NextStepItem]
					r.decode(t, &l)
					for _, n := range l.Items {
						if n.SchoolID != w.schoolA1 || a == otherAdmin {
							t.Errorf("%s sees next step %s of school %s", a, n.ID, n.SchoolID)
						}
					}
				}},
			{name: "of the A1 walkthrough", method: "GET", path: "/api/v1/next-steps?walkthrough_id=" + w.walkA1,
				want: signedIn(ok, map[actor]int{teacher: notFound, otherAdmin: notFound})},
		},
		"GET /api/v1/calibration": {
			{name: "own schools", method: "GET", path: "/api/v1/calibration?from=2026-01-01&to=2028-01-01",
				want: signedIn(ok, map[actor]int{coach: forbidden, observer: forbidden, teacher: forbidden})},
			{name: "other school", method: "GET", path: "/api/v1/calibration?from=2026-01-01&to=2028-01-01&school_id=" + w.schoolA2,
				want: signedIn(notFound, map[actor]int{admin: ok, coach: forbidden, observer: forbidden, teacher: forbidden})},
		},
		"GET /api/v1/observations": {{name: "list", method: "GET", path: "/api/v1/observations", want: signedIn(ok, nil),
			check: func(t *testing.T, w *world, a actor, r response) {
				var l listResponse[observationResponse]
				r.decode(t, &l)
				sees := false
				for _, o := range l.Items {
					sees = sees || o.ID == w.obsA1
					if o.SchoolID != w.schoolA1 && a != admin && a != otherAdmin {
						t.Errorf("%s sees an observation at another school", a)
					}
				}
				if want := a == admin || a == supervisor || a == principalA || a == coach; sees != want {
					t.Errorf("%s sees the coach's observation: %v, want %v", a, sees, want)
				}
			}}},
		"GET /api/v1/observations/:id": {{name: "the coach's", method: "GET", path: "/api/v1/observations/" + w.obsA1,
			want: signedIn(notFound, map[actor]int{admin: ok, supervisor: ok, principalA: ok, coach: ok})}},
		"GET /api/v1/trends": {{name: "year by week", method: "GET", path: "/api/v1/trends?from=2026-01-01&to=2027-01-01&group=school&group=dimension",
			want: signedIn(ok, map[actor]int{observer: forbidden, teacher: forbidden}),
			check: func(t *testing.T, w *world, a actor, r response) {
				var res trends.Result
				r.decode(t, &res)
				for _, c := range res.Cells {
					if c.Group["school"] != w.schoolA1 && a != admin && a != otherAdmin || a == otherAdmin && c.Group["school"] != w.schoolB1 {
						t.Errorf("%s sees trends of school %s", a, c.Group["school"])
					}
				}
			}}},
		"GET /api/v1/trends.csv": {{name: "year by week", method: "GET", path: "/api/v1/trends.csv?from=2026-01-01&to=2027-01-01&group=school&group=dimension",
			want: signedIn(ok, map[actor]int{observer: forbidden, teacher: forbidden}),
			check: func(t *testing.T, w *world, a actor, r response) {
				if a != admin && strings.Contains(r.Body.String(), w.schoolA2) || a == otherAdmin && strings.Contains(r.Body.String(), w.schoolA1) {
					t.Errorf("%s's CSV names a school outside their scope", a)
				}
			}}},
		"GET /api/v1/coverage": {
			// Coverage names teachers: not for a supervisor.
			{name: "own schools", method: "GET", path: "/api/v1/coverage?from=2027-01-01", want: signedIn(ok, map[actor]int{supervisor: forbidden, observer: forbidden, teacher: forbidden}),
				check: func(t *testing.T, w *world, a actor, r response) {
					var l listResponse[coverageItem]
					r.decode(t, &l)
					for _, it := range l.Items {
						if it.Teacher.SchoolID != w.schoolA1 && a != admin && a != otherAdmin {
							t.Errorf("%s sees coverage of school %s", a, it.Teacher.SchoolID)
						}
					}
				}},
			{name: "other school", method: "GET", path: "/api/v1/coverage?from=2027-01-01&school_id=" + w.schoolA2,
				want: signedIn(notFound, map[actor]int{admin: ok, supervisor: forbidden, observer: forbidden, teacher: forbidden})},
		},
		"GET /api/v1/directory": {{name: "colleagues", method: "GET", path: "/api/v1/directory", want: signedIn(ok, nil),
			check: func(t *testing.T, w *world, a actor, r response) {
				var l listResponse[colleagueResponse]
				r.decode(t, &l)
				for _, c := range l.Items {
					if (a == otherAdmin) != (c.ID == w.users[otherAdmin].ID) {
						t.Errorf("%s sees %s of another district", a, c.Name)
					}
					if c.ID == w.users[teacher].ID {
						t.Errorf("%s may invite a teacher-only user", a)
					}
				}
			}}},
		"GET /api/v1/users": {{name: "list", method: "GET", path: "/api/v1/users", want: adminOnly(ok, ok),
			check: func(t *testing.T, w *world, a actor, r response) {
				var l listResponse[userResponse]
				r.decode(t, &l)
				for _, u := range l.Items {
					if (a == otherAdmin) != (u.ID == w.users[otherAdmin].ID) {
						t.Errorf("%s sees user %s of another district", a, u.Email)
					}
				}
			}}},
		"POST /api/v1/users": {
			{name: "own school", method: "POST", path: "/api/v1/users", want: adminOnly(created, invalid),
				body: func(a actor) any {
					return map[string]any{"email": "new." + string(a) + "@example.org", "name": "New", "password": password,
						"grants": []map[string]string{{"role": "coach", "school_id": w.schoolA1}}}
				}},
			{name: "other district's school", method: "POST", path: "/api/v1/users", want: adminOnly(invalid, created),
				body: func(a actor) any {
					return map[string]any{"email": "newer." + string(a) + "@example.org", "name": "New", "password": password,
						"grants": []map[string]string{{"role": "coach", "school_id": w.schoolB1}}}
				}},
		},
		"GET /api/v1/users/:id": {
			{name: "a colleague", method: "GET", path: "/api/v1/users/" + w.users[coach].ID,
				want: signedIn(notFound, map[actor]int{admin: ok, coach: ok})},
		},
		"PATCH /api/v1/users/:id": {
			{name: "a colleague", method: "PATCH", path: "/api/v1/users/" + w.users[observer].ID, body: map[string]any{"name": "Renamed"},
				want: adminOnly(ok, notFound)},
		},
		"GET /api/v1/me/message-preferences": {{name: "own", method: "GET", path: "/api/v1/me/message-preferences", want: signedIn(ok, nil),
			check: func(t *testing.T, w *world, a actor, r response) {
				var p messagePreferencesResponse
				r.decode(t, &p)
				if len(p.Messages) == 0 || p.Rev < 1 {
					t.Errorf("%s: preferences %+v", a, p)
				}
			}}},
		"PUT /api/v1/me/message-preferences": {
			{name: "own, current", method: "PUT", path: "/api/v1/me/message-preferences", want: signedIn(ok, nil),
				body: func(a actor) any {
					_, rev := w.messagesOff(a)
					return map[string]any{"rev": rev, "messages": map[string]bool{"cycle_idle": false}}
				},
				check: func(t *testing.T, w *world, a actor, r response) {
					if off, _ := w.messagesOff(a); !slices.Contains(off, "cycle_idle") {
						t.Errorf("%s turned cycle_idle off, and it is %v", a, off)
					}
				}},
			{name: "own, stale", method: "PUT", path: "/api/v1/me/message-preferences", want: signedIn(http.StatusConflict, nil),
				body: map[string]any{"rev": 0, "messages": map[string]bool{"cycle_idle": true}}},
			{name: "an unknown kind", method: "PUT", path: "/api/v1/me/message-preferences", want: signedIn(invalid, nil),
				body: func(a actor) any {
					_, rev := w.messagesOff(a)
					return map[string]any{"rev": rev, "messages": map[string]bool{"password_reset": false}}
				}},
		},
		"POST /api/v1/unsubscribe": {
			{name: "the coach's link", method: "POST", path: "/api/v1/unsubscribe?token=" + unsubscribe, want: statuses(ok, nil),
				contentType: "application/x-www-form-urlencoded", body: []byte("List-Unsubscribe=One-Click"),
				check: func(t *testing.T, w *world, a actor, r response) {
					if off, _ := w.messagesOff(coach); !slices.Contains(off, "next_step_due") {
						t.Errorf("the coach's link left next_step_due on: %v", off)
					}
				}},
			{name: "a link with its kind changed", method: "POST", path: "/api/v1/unsubscribe?token=" + strings.Replace(unsubscribe, "next_step_due", "cycle_idle", 1),
				contentType: "application/x-www-form-urlencoded", body: []byte("List-Unsubscribe=One-Click"), want: statuses(notFound, nil)},
		},
		"GET /api/v1/unsubscribe": {{name: "opened in a browser", method: "GET", path: "/api/v1/unsubscribe?token=" + unsubscribe,
			want: statuses(http.StatusSeeOther, nil)}},
		"GET /api/v1/mailbox": {{name: "own district's mailbox", method: "GET", path: "/api/v1/mailbox", want: adminOnly(ok, ok),
			check: func(t *testing.T, w *world, a actor, r response) {
				var l listResponse[mailboxMessageResponse]
				r.decode(t, &l)
				want := map[string]bool{mailA: true}
				if a == otherAdmin {
					want = map[string]bool{mailB: true}
				}
				if got := ids(l.Items, func(m mailboxMessageResponse) string { return m.ID }); !equalSets(got, want) {
					t.Errorf("%s reads the mailbox %v, want %v", a, got, want)
				}
				for _, m := range l.Items {
					if m.Body != "" {
						t.Errorf("%s: the mailbox list carries a message's text", a)
					}
				}
			}}},
		"GET /api/v1/mailbox/:id": {
			{name: "own district's message", method: "GET", path: "/api/v1/mailbox/" + mailA, want: adminOnly(ok, notFound),
				check: func(t *testing.T, w *world, a actor, r response) {
					var m mailboxMessageResponse
					r.decode(t, &m)
					if a == admin && (m.To != w.users[coach].Email || m.Body == "") {
						t.Errorf("%s reads %+v, want the coach's message with its text", a, m)
					}
				}},
			{name: "a made-up id", method: "GET", path: "/api/v1/mailbox/" + domain.NewID(), want: adminOnly(notFound, notFound)},
		},
		"GET /api/v1/jobs": {{name: "own district's jobs", method: "GET", path: "/api/v1/jobs", want: adminOnly(ok, ok),
			check: func(t *testing.T, w *world, a actor, r response) {
				var l listResponse[jobResponse]
				r.decode(t, &l)
				mine, theirs := failedA, failedB
				if a == otherAdmin {
					mine, theirs = failedB, failedA
				}
				got := ids(l.Items, func(j jobResponse) string { return j.ID })
				if !got[mine] || got[theirs] || got[mailB] && a == admin || got[mailA] && a == otherAdmin {
					t.Errorf("%s lists the jobs %v: want its own district's only", a, got)
				}
				if len(l.Items) == 0 || l.Items[0].ID != mine || l.Items[0].State != "retrying" || l.Items[0].LastError == "" {
					t.Errorf("%s: the failed message does not come first with its reason: %+v", a, l.Items)
				}
			}}},
		"POST /api/v1/jobs/:id/retry": {
			{name: "own district's failed message", method: "POST", path: "/api/v1/jobs/" + failedA + "/retry", want: adminOnly(ok, notFound),
				check: func(t *testing.T, w *world, a actor, r response) {
					var j jobResponse
					r.decode(t, &j)
					if j.ID != failedA || j.State != "queued" || j.Attempts != 0 || j.LastError != "" {
						t.Errorf("%s retried and got %+v, want it queued again", a, j)
					}
				}},
			{name: "a sent message", method: "POST", path: "/api/v1/jobs/" + mailA + "/retry", want: adminOnly(http.StatusConflict, notFound)},
			{name: "a made-up id", method: "POST", path: "/api/v1/jobs/" + domain.NewID() + "/retry", want: adminOnly(notFound, notFound)},
		},
		"GET /api/v1/audit": {{name: "list", method: "GET", path: "/api/v1/audit", want: adminOnly(ok, ok),
			check: func(t *testing.T, w *world, a actor, r response) {
				var l listResponse[auditResponse]
				r.decode(t, &l)
				if len(l.Items) == 0 {
					t.Errorf("%s: the audit log is empty after sign-ins", a)
				}
				for _, e := range l.Items {
					if e.ActorID != "" && (a == otherAdmin) != (e.ActorID == w.users[otherAdmin].ID) {
						t.Errorf("%s sees another district's audit entry %+v", a, e)
					}
				}
			}}},
		"GET /api/v1/audit.csv": {{name: "export", method: "GET", path: "/api/v1/audit.csv?action=auth.login", want: adminOnly(ok, ok),
			check: func(t *testing.T, w *world, a actor, r response) {
				rows := readCSV(t, r.Body.String())
				if len(rows) < 2 {
					t.Errorf("%s: the audit export holds no sign-in", a)
				}
				for _, row := range rows[1:] {
					if (a == otherAdmin) != (row[2] == w.users[otherAdmin].ID) {
						t.Errorf("%s exports another district's audit entry %v", a, row)
					}
				}
			}}},
		"GET /api/v1/district": {{name: "own district", method: "GET", path: "/api/v1/district", want: adminOnly(ok, ok),
			check: func(t *testing.T, w *world, a actor, r response) {
				var d districtResponse
				r.decode(t, &d)
				if d.ID != w.users[a].DistrictID {
					t.Errorf("%s reads district %s", a, d.ID)
				}
			}}},
		"PATCH /api/v1/district": {{name: "own district", method: "PATCH", path: "/api/v1/district",
			body: map[string]any{"settings": map[string]any{"min_cell_size": 6}}, want: adminOnly(ok, ok)}},
		"GET /api/v1/auth/sso/button": {{name: "a domain", method: "GET", path: "/api/v1/auth/sso/button?domain=example.org", want: public}},
		"GET /api/v1/auth/sso/start": {{name: "a district without a provider", method: "GET", path: "/api/v1/auth/sso/start?district=" + w.districtA,
			want: statuses(http.StatusFound, nil)}},
		"GET /api/v1/auth/sso/callback": {{name: "an unknown state", method: "GET", path: "/api/v1/auth/sso/callback?state=x&code=y",
			want: statuses(http.StatusFound, nil)}},
		"POST /api/v1/auth/sso/exchange": {{name: "an unknown code", method: "POST", path: "/api/v1/auth/sso/exchange",
			body: map[string]any{"code": "nope"}, want: statuses(http.StatusUnauthorized, nil)}},
		"GET /api/v1/district/identity-provider": {{name: "own district", method: "GET", path: "/api/v1/district/identity-provider",
			want: adminOnly(ok, ok)}},
		"PUT /api/v1/district/identity-provider": {{name: "own district, an issuer that does not answer", method: "PUT",
			path: "/api/v1/district/identity-provider", body: map[string]any{"issuer": "https://127.0.0.1:1/", "client_id": "c",
				"client_secret": "s", "domains": []string{"example.org"}, "label": "google", "passwords_off": false, "rev": 0},
			want: adminOnly(invalid, invalid)}},
		"DELETE /api/v1/district/identity-provider": {{name: "own district, none connected", method: "DELETE",
			path: "/api/v1/district/identity-provider", want: adminOnly(notFound, notFound)}},
		"GET /api/v1/users/:id/devices": {
			{name: "a colleague", method: "GET", path: "/api/v1/users/" + w.users[coach].ID + "/devices", want: adminOnly(ok, notFound)},
		},
		"POST /api/v1/users/:id/devices/:device/sign-out": {
			{name: "a colleague's tablet", method: "POST", path: "/api/v1/users/" + tablet.user + "/devices/" + tablet.device + "/sign-out",
				want: adminOnly(ok, notFound)},
			{name: "another user's tablet", method: "POST", path: "/api/v1/users/" + w.users[coach].ID + "/devices/" + tablet.device + "/sign-out",
				want: adminOnly(notFound, notFound)},
		},
	}
	maps.Copy(rows, cycleMatrix(w))
	maps.Copy(rows, supportMatrix(w))
	return rows
}

func equalSets(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func TestAuthorizationMatrix(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		w.keepEveryPeriod()
		_, srv, err := New(Deps{})
		if err != nil {
			t.Fatal(err)
		}
		rows := matrix(w)
		seen := map[string]bool{}
		cells := 0
		for _, rt := range srv.Routes() {
			key := rt.Method + " " + rt.Path
			seen[key] = true
			probes, ok := rows[key]
			if !ok {
				t.Errorf("route %s has no row in the authorization matrix", key)
				continue
			}
			for _, p := range probes {
				for _, a := range actors {
					want, ok := p.want[a]
					if !ok {
						t.Errorf("%s (%s): no expectation for %s", key, p.name, a)
						continue
					}
					body := p.body
					if f, ok := body.(func(actor) any); ok {
						body = f(a)
					}
					switch key {
					case "POST /api/v1/auth/login":
						if a != anonymous {
							body = map[string]string{"email": w.users[a].Email, "password": password}
						} else {
							body = map[string]string{"email": "nobody@example.org", "password": password}
						}
					case "POST /api/v1/auth/refresh":
						body = map[string]string{"refresh_token": "wtr_" + w.refresh[a]}
						if a != anonymous {
							body = map[string]string{"refresh_token": w.refresh[a]}
						}
					}
					var r response
					if p.contentType != "" {
						r = w.doRaw(a, p.method, p.path, p.contentType, body.([]byte), p.headers...)
					} else {
						r = w.do(a, p.method, p.path, body)
					}
					cells++
					if r.Code != want {
						t.Errorf("%s (%s) as %s: %d, want %d: %s", key, p.name, a, r.Code, want, r.Body)
					} else if p.check != nil && r.Code < 300 {
						p.check(t, w, a, r)
					}
					if r.Code >= 400 && r.Header().Get("Content-Type") != "application/problem+json" {
						t.Errorf("%s as %s: a refusal that is not a problem document", key, a)
					}
					if p.after != nil && a != anonymous {
						p.after(w, a)
					}
				}
			}
		}
		var extra []string
		for key := range rows {
			if !seen[key] {
				extra = append(extra, key)
			}
		}
		sort.Strings(extra)
		if len(extra) > 0 {
			t.Errorf("matrix rows for routes that do not exist: %v", extra)
		}
		t.Logf("authorization matrix: %d routes, %d actors, %d requests", len(srv.Routes()), len(actors), cells)
	})
}

// rubricDoc is the built-in framework as a rubric document.
func rubricDoc(t *testing.T) []byte {
	t.Helper()
	doc, err := domain.MarshalRubric(domain.BuiltinFramework())
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
