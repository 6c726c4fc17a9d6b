package httpapi

import (
	"strings"
	"testing"
)

// GET /observations takes the trends' kind, grade band and subject filters,
// so a dashboard cell opens on the observations behind it; a kind that is
// not one is refused with the field named.
func TestListObservationsByKind(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		w.keepEveryPeriod()
		w.signIn(supervisor)
		var list struct {
			Items []observationResponse `json:"items"`
		}
		res := w.do(supervisor, "GET", "/api/v1/observations?status=submitted&kind=classroom", nil)
		if res.Code != 200 {
			t.Fatalf("classroom: %d %s", res.Code, res.Body)
		}
		res.decode(t, &list)
		if !ids(list.Items, func(o observationResponse) string { return o.ID })[w.obsA1] {
			t.Fatalf("the classroom observation is missing: %s", res.Body)
		}
		res = w.do(supervisor, "GET", "/api/v1/observations?kind=leadership", nil)
		list.Items = nil
		res.decode(t, &list)
		if res.Code != 200 || ids(list.Items, func(o observationResponse) string { return o.ID })[w.obsA1] {
			t.Fatalf("leadership lists a classroom observation: %d %s", res.Code, res.Body)
		}
		res = w.do(supervisor, "GET", "/api/v1/observations?subject=Chemistry", nil)
		list.Items = nil
		res.decode(t, &list)
		if res.Code != 200 || len(list.Items) != 0 {
			t.Fatalf("a subject nobody teaches: %d %s", res.Code, res.Body)
		}
		res = w.do(supervisor, "GET", "/api/v1/observations?kind=party", nil)
		if res.Code != 422 || !strings.Contains(res.Body.String(), `"kind"`) {
			t.Fatalf("a bad kind: %d %s", res.Code, res.Body)
		}
	})
}
