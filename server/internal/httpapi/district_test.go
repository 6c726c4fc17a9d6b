package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/roster"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// The administrator of a district provisioned as the operator does it (the
// district add command) signs in and administers that district alone.
func TestProvisionedDistrictAdminSeesOnlyTheirDistrict(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		d, u, err := roster.NewService(w.store).AddDistrict(ctx, roster.NewDistrict{Name: "District C", TimeZone: "America/Los_Angeles",
			AdminEmail: "admin@district-c.example.org", AdminPassword: password}, auth.Client{UserAgent: "test"})
		if err != nil {
			t.Fatal(err)
		}
		const adminC actor = "district_c_admin"
		r := w.do(anonymous, "POST", "/api/v1/auth/login", map[string]string{"email": "admin@district-c.example.org", "password": password})
		if r.Code != http.StatusOK {
			t.Fatalf("the new administrator cannot sign in: %d %s", r.Code, r.Body)
		}
		var sess sessionResponse
		r.decode(t, &sess)
		w.access[adminC] = sess.AccessToken
		var me meResponse
		w.do(adminC, "GET", "/api/v1/me", nil).decode(t, &me)
		if me.District.Name != "District C" || me.District.TimeZone != "America/Los_Angeles" {
			t.Errorf("/me of the new administrator: %+v", me.District)
		}

		// Their district starts empty; what they add is all they see.
		r = w.do(adminC, "POST", "/api/v1/schools", map[string]any{"name": "C1 Academy"})
		if r.Code != http.StatusCreated {
			t.Fatalf("create a school: %d %s", r.Code, r.Body)
		}
		var c1 schoolResponse
		r.decode(t, &c1)
		r = w.do(adminC, "POST", "/api/v1/teachers", map[string]any{"school_id": c1.ID, "given_name": "Noor", "family_name": "Haddad"})
		if r.Code != http.StatusCreated {
			t.Fatalf("create a teacher: %d %s", r.Code, r.Body)
		}
		var t1 teacherResponse
		r.decode(t, &t1)

		var schools listResponse[schoolResponse]
		w.do(adminC, "GET", "/api/v1/schools", nil).decode(t, &schools)
		if len(schools.Items) != 1 || schools.Items[0].ID != c1.ID {
			t.Errorf("schools: %+v", schools.Items)
		}
		var teachers listResponse[teacherResponse]
		w.do(adminC, "GET", "/api/v1/teachers", nil).decode(t, &teachers)
		if len(teachers.Items) != 1 || teachers.Items[0].ID != t1.ID {
			t.Errorf("teachers: %+v", teachers.Items)
		}
		var users listResponse[userResponse]
		w.do(adminC, "GET", "/api/v1/users", nil).decode(t, &users)
		if len(users.Items) != 1 || users.Items[0].ID != u.ID {
			t.Errorf("users: %+v", users.Items)
		}
		var audit listResponse[auditResponse]
		w.do(adminC, "GET", "/api/v1/audit", nil).decode(t, &audit)
		own, err := w.store.AuditEntries(ctx, store.AuditFilter{DistrictID: d.ID, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		mine := ids(own, func(e store.AuditEntry) string { return e.ID })
		actions := map[string]bool{}
		for _, e := range audit.Items {
			if !mine[e.ID] {
				t.Errorf("an audit entry of another district: %+v", e)
			}
			actions[e.Action] = true
		}
		if len(audit.Items) != len(own) || !actions["district.create"] || !actions["auth.login"] || !actions["school.create"] {
			t.Errorf("audit: %d entries of %d, actions %v", len(audit.Items), len(own), actions)
		}

		// Records of district A and B are not theirs to read or change: they
		// answer as records that do not exist, with nothing of them.
		for _, c := range []struct {
			method, path string
			body         any
			secrets      []string
		}{
			{"GET", "/api/v1/schools/" + w.schoolA1, nil, []string{"A1 Elementary"}},
			{"PATCH", "/api/v1/schools/" + w.schoolA1, map[string]any{"name": "Taken over"}, []string{"A1 Elementary"}},
			{"PATCH", "/api/v1/schools/" + w.schoolB1, map[string]any{"active": false}, []string{"B1 High"}},
			{"GET", "/api/v1/teachers?school_id=" + w.schoolA1, nil, []string{"Rivera"}},
			{"PATCH", "/api/v1/teachers/" + w.teacherB1, map[string]any{"family_name": "Taken"}, []string{"Lindqvist"}},
			{"GET", "/api/v1/users/" + w.users[admin].ID, nil, []string{w.users[admin].Email}},
			{"PATCH", "/api/v1/users/" + w.users[admin].ID, map[string]any{"active": false}, []string{w.users[admin].Email}},
			{"PATCH", "/api/v1/users/" + w.users[otherAdmin].ID, map[string]any{"name": "Taken over"}, []string{w.users[otherAdmin].Email}},
		} {
			r := w.do(adminC, c.method, c.path, c.body)
			if r.Code != http.StatusNotFound {
				t.Errorf("%s %s: %d %s, want 404 as for a record that does not exist", c.method, c.path, r.Code, r.Body)
			}
			for _, s := range c.secrets {
				if strings.Contains(r.Body.String(), s) {
					t.Errorf("%s %s: the refusal shows %q: %s", c.method, c.path, s, r.Body)
				}
			}
		}
		sc, err := w.store.School(ctx, w.districtA, w.schoolA1)
		if err != nil || sc.Name != "A1 Elementary" {
			t.Errorf("school A1 after the refusals: %+v %v", sc, err)
		}
		for _, a := range []actor{admin, otherAdmin} {
			if got, err := w.store.User(ctx, w.users[a].DistrictID, w.users[a].ID); err != nil || !got.Active || got.Name != w.users[a].Name {
				t.Errorf("%s after the refusals: %+v %v", a, got, err)
			}
		}

		// And district A's administrator sees nothing of district C.
		var schoolsA listResponse[schoolResponse]
		w.do(admin, "GET", "/api/v1/schools", nil).decode(t, &schoolsA)
		if ids(schoolsA.Items, func(s schoolResponse) string { return s.ID })[c1.ID] {
			t.Error("district A's administrator lists district C's school")
		}
		if r := w.do(admin, "PATCH", "/api/v1/users/"+u.ID, map[string]any{"active": false}); r.Code != http.StatusNotFound {
			t.Errorf("district A's administrator changed district C's: %d %s", r.Code, r.Body)
		}
	})
}
