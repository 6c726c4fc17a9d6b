package httpapi

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// tabletSession is a user of school A1 signed in on one tablet.
type tabletSession struct {
	user, device         string
	access, refreshToken string
}

// signedInTablet adds an observer at A1 and signs them in on a new tablet.
func (w *world) signedInTablet() tabletSession {
	w.t.Helper()
	res := w.do(admin, "POST", "/api/v1/users", map[string]any{"email": "tablet." + domain.NewID()[24:] + "@example.org", "name": "Tablet User",
		"password": password, "grants": []map[string]string{{"role": "observer", "school_id": w.schoolA1}}})
	if res.Code != http.StatusCreated {
		w.t.Fatalf("create tablet user: %d %s", res.Code, res.Body)
	}
	var u userResponse
	res.decode(w.t, &u)
	return w.signInOn(u.Email, u.ID, domain.NewID())
}

func (w *world) signInOn(email, userID, device string) tabletSession {
	w.t.Helper()
	res := w.do(anonymous, "POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password, "device_id": device, "device_name": "Tablet " + device[len(device)-4:]})
	if res.Code != http.StatusOK {
		w.t.Fatalf("sign in on %s: %d %s", device, res.Code, res.Body)
	}
	var sess sessionResponse
	res.decode(w.t, &sess)
	return tabletSession{user: userID, device: device, access: sess.AccessToken, refreshToken: sess.RefreshToken}
}

// as sends a request with ts's access token.
func (w *world) as(ts tabletSession, method, path string, body any) response {
	w.t.Helper()
	w.access["tablet"] = ts.access
	defer delete(w.access, "tablet")
	return w.do("tablet", method, path, body)
}

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, body)
	}
	return rows
}

func auditActions(t *testing.T, w *world, a actor, action string) []auditResponse {
	t.Helper()
	r := w.do(a, "GET", "/api/v1/audit?action="+action, nil)
	if r.Code != http.StatusOK {
		t.Fatalf("audit: %d %s", r.Code, r.Body)
	}
	var l listResponse[auditResponse]
	r.decode(t, &l)
	return l.Items
}

func TestDistrictSettings(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		r := w.do(admin, "PATCH", "/api/v1/district", map[string]any{"name": "District A (renamed)",
			"settings": map[string]any{"min_cell_size": 8, "invite_principal_to_follow_ups": false, "school_year_start_month": 9, "school_year_start_day": 1, "import_undo_days": 30,
				"school_days": "5143", "feedback_sharing": map[string]any{"follow_up": "always", "classroom": "chosen"}}})
		if r.Code != http.StatusOK {
			t.Fatalf("patch: %d %s", r.Code, r.Body)
		}
		// Everyone's /me carries the new settings.
		var me meResponse
		w.do(coach, "GET", "/api/v1/me", nil).decode(t, &me)
		want := domain.DistrictSettings{SchoolYearStartMonth: 9, SchoolYearStartDay: 1, MinCellSize: 8, InvitePrincipalToFollowUps: false, ImportUndoDays: 30, SchoolDays: "1345",
			FeedbackSharing: domain.FeedbackSharing{Classroom: domain.SharingChosen, Leadership: domain.SharingNever, FollowUp: domain.SharingAlways, Informal: domain.SharingChosen}}
		if me.District.Settings != want || me.District.Name != "District A (renamed)" {
			t.Errorf("after the change /me says %+v", me.District)
		}
		entries := auditActions(t, w, admin, "district.update")
		if len(entries) != 1 || entries[0].ActorID != w.users[admin].ID || entries[0].Detail["min_cell_size"] != float64(8) {
			t.Errorf("audit of the change: %+v", entries)
		}

		// A bad value changes nothing, not even the good fields sent with it.
		r = w.do(admin, "PATCH", "/api/v1/district", map[string]any{"name": "Half written", "settings": map[string]any{"min_cell_size": 0}})
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), "settings.min_cell_size") {
			t.Errorf("min_cell_size 0: %d %s", r.Code, r.Body)
		}
		r = w.do(admin, "PATCH", "/api/v1/district", map[string]any{"settings": map[string]any{"feedback_sharing": map[string]any{"informal": "sometimes"}}})
		if r.Code != http.StatusUnprocessableEntity {
			t.Errorf("feedback_sharing sometimes: %d %s", r.Code, r.Body)
		}
		for _, days := range []string{"", "7", "115", "Mon"} {
			r = w.do(admin, "PATCH", "/api/v1/district", map[string]any{"settings": map[string]any{"school_days": days}})
			if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), "settings.school_days") {
				t.Errorf("school_days %q: %d %s", days, r.Code, r.Body)
			}
		}
		r = w.do(admin, "PATCH", "/api/v1/district", map[string]any{"time_zone": "Mars/Olympus"})
		if r.Code != http.StatusUnprocessableEntity {
			t.Errorf("bad time zone: %d %s", r.Code, r.Body)
		}
		var d districtResponse
		w.do(admin, "GET", "/api/v1/district", nil).decode(t, &d)
		if d.Name != "District A (renamed)" || d.Settings != want || d.TimeZone != "America/Chicago" {
			t.Errorf("a refused change was half written: %+v", d)
		}

		// District A has an observation: its weeks are counted in its time zone.
		r = w.do(admin, "PATCH", "/api/v1/district", map[string]any{"time_zone": "America/Denver"})
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), "time_zone") {
			t.Errorf("time zone with observations: %d %s", r.Code, r.Body)
		}
		// District B has none yet.
		r = w.do(otherAdmin, "PATCH", "/api/v1/district", map[string]any{"time_zone": "America/Denver"})
		if r.Code != http.StatusOK {
			t.Fatalf("time zone of an empty district: %d %s", r.Code, r.Body)
		}
		loc, err := w.store.District(context.Background(), w.districtB)
		if err != nil || loc.TimeZone != "America/Denver" {
			t.Errorf("district B: %+v %v", loc, err)
		}
		// A principal may not change anything.
		if r := w.do(principalA, "PATCH", "/api/v1/district", map[string]any{"settings": map[string]any{"min_cell_size": 1}}); r.Code != http.StatusForbidden {
			t.Errorf("principal: %d", r.Code)
		}
	})
}

func TestSignOutDevice(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		first := w.signedInTablet()
		var u userResponse
		w.do(admin, "GET", "/api/v1/users/"+first.user, nil).decode(t, &u)
		second := w.signInOn(u.Email, u.ID, domain.NewID())

		devices := func() map[string]deviceResponse {
			t.Helper()
			r := w.do(admin, "GET", "/api/v1/users/"+u.ID+"/devices", nil)
			if r.Code != http.StatusOK {
				t.Fatalf("devices: %d %s", r.Code, r.Body)
			}
			var l listResponse[deviceResponse]
			r.decode(t, &l)
			out := map[string]deviceResponse{}
			for _, d := range l.Items {
				out[d.ID] = d
			}
			return out
		}
		ds := devices()
		if len(ds) != 2 || !ds[first.device].SignedIn || !ds[second.device].SignedIn {
			t.Fatalf("two signed-in tablets, got %+v", ds)
		}

		r := w.do(admin, "POST", "/api/v1/users/"+u.ID+"/devices/"+first.device+"/sign-out", nil)
		if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `"revoked":1`) {
			t.Fatalf("sign out: %d %s", r.Code, r.Body)
		}
		// The first tablet's access token stops at once, and it cannot refresh.
		if r := w.as(first, "GET", "/api/v1/me", nil); r.Code != http.StatusUnauthorized {
			t.Errorf("signed-out tablet reads /me: %d", r.Code)
		}
		if r := w.do(anonymous, "POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": first.refreshToken}); r.Code != http.StatusUnauthorized {
			t.Errorf("signed-out tablet refreshes: %d", r.Code)
		}
		// The second goes on.
		if r := w.as(second, "GET", "/api/v1/me", nil); r.Code != http.StatusOK {
			t.Errorf("the other tablet: %d", r.Code)
		}
		ds = devices()
		if ds[first.device].SignedIn || !ds[second.device].SignedIn {
			t.Errorf("after the sign-out: %+v", ds)
		}
		entries := auditActions(t, w, admin, "device.sign_out")
		if len(entries) != 1 || entries[0].EntityID != u.ID || entries[0].Detail["device_id"] != first.device {
			t.Errorf("audit: %+v", entries)
		}
		// Another user's device is not found, and nothing is revoked.
		r = w.do(admin, "POST", "/api/v1/users/"+w.users[coach].ID+"/devices/"+second.device+"/sign-out", nil)
		if r.Code != http.StatusNotFound {
			t.Errorf("someone else's device: %d", r.Code)
		}
		if r := w.as(second, "GET", "/api/v1/me", nil); r.Code != http.StatusOK {
			t.Errorf("the other tablet after a refused sign-out: %d", r.Code)
		}
	})
}

func TestAuditCSV(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		for range 3 {
			w.signIn(coach)
		}
		// The JSON listing and the CSV hold the same entries for one filter.
		r := w.do(admin, "GET", "/api/v1/audit?action=auth.login&actor_id="+w.users[coach].ID, nil)
		var l listResponse[auditResponse]
		r.decode(t, &l)
		c := w.do(admin, "GET", "/api/v1/audit.csv?action=auth.login&actor_id="+w.users[coach].ID, nil)
		if c.Code != http.StatusOK || !strings.HasPrefix(c.Header().Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d %s", c.Code, c.Body)
		}
		rows := readCSV(t, c.Body.String())
		if strings.Join(rows[0], ",") != "id,at,actor_id,actor_email,actor_name,action,entity,entity_id,ip,user_agent,detail" {
			t.Errorf("header %v", rows[0])
		}
		if len(rows)-1 != len(l.Items) || len(l.Items) != 4 { // the world's sign-in and three more
			t.Fatalf("csv has %d entries, JSON %d", len(rows)-1, len(l.Items))
		}
		for i, e := range l.Items {
			row := rows[i+1]
			if row[0] != e.ID || row[2] != w.users[coach].ID || row[3] != w.users[coach].Email || row[5] != "auth.login" {
				t.Errorf("row %d %v, want %+v", i, row, e)
			}
		}
		// A value a spreadsheet would run as a formula is written as text.
		evil := `=HYPERLINK("http://example.com","x")`
		r = w.doRaw(anonymous, "POST", "/api/v1/auth/login", "application/json",
			[]byte(`{"email":"`+w.users[observer].Email+`","password":"`+password+`"}`), "User-Agent", evil)
		if r.Code != http.StatusOK {
			t.Fatalf("sign in: %d %s", r.Code, r.Body)
		}
		c = w.do(admin, "GET", "/api/v1/audit.csv?action=auth.login&actor_id="+w.users[observer].ID, nil)
		rows = readCSV(t, c.Body.String())
		if len(rows) < 2 || rows[1][9] != "'"+evil {
			t.Errorf("the user agent cell of the newest sign-in: %q", rows[1])
		}
		// A time window that holds nothing gives the header alone.
		c = w.do(admin, "GET", "/api/v1/audit.csv?to=2000-01-01", nil)
		if rows := readCSV(t, c.Body.String()); c.Code != http.StatusOK || len(rows) != 1 {
			t.Errorf("empty export: %d %v", c.Code, rows)
		}
		if c := w.do(admin, "GET", "/api/v1/audit.csv?from=yesterday", nil); c.Code != http.StatusUnprocessableEntity {
			t.Errorf("bad from: %d", c.Code)
		}
		// Each of the three exports that passed its filters is itself audited.
		if entries := auditActions(t, w, admin, "audit.export"); len(entries) != 3 {
			t.Errorf("audit.export entries: %d", len(entries))
		}
		// A supervisor may not export.
		if c := w.do(supervisor, "GET", "/api/v1/audit.csv", nil); c.Code != http.StatusForbidden {
			t.Errorf("supervisor: %d", c.Code)
		}
	})
}
