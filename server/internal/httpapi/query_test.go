package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// documentedOperation is one operation of openapi.json with its query
// parameters.
type documentedOperation struct {
	method, path string // the path as the router writes it
	query        []*openapi3.Parameter
	list         bool
}

// documentedOperations lists the document's operations for the routes of
// the router, in the router's order.
func documentedOperations(t *testing.T) []documentedOperation {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(openAPIDocument))
	if err != nil {
		t.Fatal(err)
	}
	_, srv, err := New(Deps{})
	if err != nil {
		t.Fatal(err)
	}
	var out []documentedOperation
	for _, rt := range srv.Routes() {
		item := doc.Paths.Value(ginParam.ReplaceAllString(rt.Path, "{$1}"))
		op := item.GetOperation(rt.Method)
		d := documentedOperation{method: rt.Method, path: rt.Path}
		for _, r := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
			if r.Value.In == openapi3.ParameterInQuery {
				d.query = append(d.query, r.Value)
			}
			d.list = d.list || r.Value.Name == "cursor" && rt.Path != "/api/v1/sync/pull"
		}
		out = append(out, d)
	}
	return out
}

// url is the operation's path with the world's ids in it and the query
// parameters an operation needs.
func (d documentedOperation) url(w *world, extra url.Values) string {
	p := d.path
	p = strings.Replace(p, ":id", w.users[admin].ID, 1) // users/:id/devices is the only list with an id
	p = strings.Replace(p, ":device", domain.NewID(), 1)
	p = strings.Replace(p, ":file", "x.ics", 1)
	q := url.Values{}
	for _, prm := range d.query {
		if !prm.Required {
			continue
		}
		switch prm.Name {
		case "from":
			q.Set("from", "2026-01-05")
		case "to":
			q.Set("to", "2026-03-02")
		case "kind":
			q.Set("kind", "schools")
		}
	}
	for k, vs := range extra {
		q[k] = vs
	}
	if len(q) == 0 {
		return p
	}
	return p + "?" + q.Encode()
}

// problemFields are the fields a problem names, in order.
func problemFields(t *testing.T, r response) []string {
	t.Helper()
	var p Problem
	r.decode(t, &p)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// TestQueryParametersAreChecked sends every operation of the router a
// parameter it does not take, and every boolean and enumeration a value it
// does not have: each is a 422 naming the parameter.
func TestQueryParametersAreChecked(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		for _, d := range documentedOperations(t) {
			r := w.do(admin, d.method, d.url(w, url.Values{"colour": {"blue"}}), nil)
			if r.Code != http.StatusUnprocessableEntity || !slices.Contains(problemFields(t, r), "colour") {
				t.Errorf("%s %s with a parameter it does not take: %d %s", d.method, d.path, r.Code, r.Body)
			}
			if d.method != http.MethodGet {
				continue
			}
			for _, prm := range d.query {
				s := prm.Schema.Value
				bad := ""
				switch {
				case s.Type.Is("boolean"):
					bad = "yes"
				case len(s.Enum) > 0, s.Items != nil && len(s.Items.Value.Enum) > 0:
					bad = "neither"
				case s.Type.Is("array"), s.Format == "date", prm.Name == "limit":
					bad = "2026-13-45"
				default:
					continue
				}
				r := w.do(admin, d.method, d.url(w, url.Values{prm.Name: {bad}}), nil)
				if r.Code != http.StatusUnprocessableEntity || !slices.Contains(problemFields(t, r), prm.Name) {
					t.Errorf("%s %s?%s=%s: %d %s", d.method, d.path, prm.Name, bad, r.Code, r.Body)
				}
				if s.Type.Is("array") {
					continue
				}
				r = w.do(admin, d.method, d.url(w, url.Values{prm.Name: {bad, bad}}), nil)
				if r.Code != http.StatusUnprocessableEntity || !slices.Contains(problemFields(t, r), prm.Name) {
					t.Errorf("%s %s with %s twice: %d %s", d.method, d.path, prm.Name, r.Code, r.Body)
				}
			}
		}
	})
}

// rawPage is a list's answer with its items kept raw.
type rawPage struct {
	Items  []json.RawMessage `json:"items"`
	Cursor string            `json:"cursor"`
	More   bool              `json:"more"`
}

// TestEveryListPages reads every list of the router a page of one at a
// time: each page follows the last with no item twice, the last says there
// is no more, and a cursor is refused by every other list.
func TestEveryListPages(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		var cursors []string // one from each list that had a second page
		var lists []documentedOperation
		for _, d := range documentedOperations(t) {
			if !d.list {
				continue
			}
			lists = append(lists, d)
			all := w.do(admin, "GET", d.url(w, url.Values{"limit": {"500"}}), nil)
			var whole rawPage
			all.decode(t, &whole)
			if all.Code != 200 || whole.More || whole.Cursor != "" {
				t.Errorf("%s in one page: %d %s", d.path, all.Code, all.Body)
				continue
			}
			var seen []string
			cursor := ""
			for i := 0; ; i++ {
				extra := url.Values{"limit": {"1"}}
				if cursor != "" {
					extra.Set("cursor", cursor)
				}
				r := w.do(admin, "GET", d.url(w, extra), nil)
				var pg rawPage
				r.decode(t, &pg)
				if r.Code != 200 || len(pg.Items) > 1 || pg.More != (pg.Cursor != "") || (pg.More && len(pg.Items) == 0) {
					t.Fatalf("%s page %d: %d %s", d.path, i, r.Code, r.Body)
				}
				for _, it := range pg.Items {
					if slices.Contains(seen, string(it)) {
						t.Fatalf("%s: %s came twice", d.path, it)
					}
					seen = append(seen, string(it))
				}
				if i == 1 {
					cursors = append(cursors, cursor)
				}
				if !pg.More {
					break
				}
				if strings.Contains(pg.Cursor, "-") && domain.ValidID(pg.Cursor) {
					t.Fatalf("%s: the cursor is a raw id", d.path)
				}
				cursor = pg.Cursor
			}
			if len(seen) != len(whole.Items) {
				t.Errorf("%s: %d items a page at a time, %d in one page", d.path, len(seen), len(whole.Items))
			}
		}
		if len(cursors) < 5 {
			t.Fatalf("only %d lists had a second page: the world is too small to test paging", len(cursors))
		}
		for _, d := range lists {
			for _, c := range append(cursors, "not-a-cursor", "eyJsIjoieCJ9") {
				r := w.do(admin, "GET", d.url(w, url.Values{"cursor": {c}}), nil)
				if r.Code == 200 {
					var pg rawPage
					r.decode(t, &pg)
					continue // its own cursor
				}
				if r.Code != http.StatusUnprocessableEntity || !slices.Contains(problemFields(t, r), "cursor") {
					t.Errorf("%s with cursor %s: %d %s", d.path, c, r.Code, r.Body)
				}
			}
		}
	})
}

// TestDatesAreDaysInTheDistrictsTimeZone reads the coach's observation and
// the audit log by days in district A's zone (America/Chicago).
func TestDatesAreDaysInTheDistrictsTimeZone(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		chicago, _ := time.LoadLocation("America/Chicago")
		day := w.clock.now.Add(-2 * time.Hour).In(chicago) // obsA1's start
		date := func(days int) string { return day.AddDate(0, 0, days).Format(time.DateOnly) }
		count := func(path string) int {
			t.Helper()
			r := w.do(admin, "GET", path, nil)
			var pg rawPage
			r.decode(t, &pg)
			if r.Code != 200 {
				t.Fatalf("%s: %d %s", path, r.Code, r.Body)
			}
			return len(pg.Items)
		}
		for _, tc := range []struct {
			from, to string
			want     int
		}{{date(0), date(1), 1}, {date(1), "", 0}, {"", date(0), 0}, {date(-1), date(0), 0}, {"", date(1), 1}} {
			q := url.Values{}
			if tc.from != "" {
				q.Set("from", tc.from)
			}
			if tc.to != "" {
				q.Set("to", tc.to)
			}
			if got := count("/api/v1/observations?" + q.Encode()); got != tc.want {
				t.Errorf("observations from %q to %q: %d, want %d", tc.from, tc.to, got, tc.want)
			}
		}
		today := w.clock.now.In(chicago)
		if n := count("/api/v1/audit?from=" + today.Format(time.DateOnly)); n == 0 {
			t.Error("nothing audited today: the sign-ins")
		}
		if n := count("/api/v1/audit?to=" + today.Format(time.DateOnly)); n != 0 {
			t.Errorf("%d entries audited before today", n)
		}
		for _, bad := range []string{"from=2026-09-01T00:00:00Z", "to=yesterday", "from=2026-09-02&to=2026-09-01", "from=2026-09-01&to=2026-09-01"} {
			if r := w.do(admin, "GET", "/api/v1/observations?"+bad, nil); r.Code != 422 {
				t.Errorf("observations?%s: %d %s", bad, r.Code, r.Body)
			}
		}
	})
}

// TestFieldErrorsAreSorted asks for a list with several bad parameters: the
// problem names them by field, whatever order they came in.
func TestFieldErrorsAreSorted(t *testing.T) {
	w := newWorld(t, testdb.Open(t, store.SQLite))
	r := w.do(admin, "GET", "/api/v1/observations?status=lost&kind=party&limit=0&from=soon&school_id=A1&cursor=x", nil)
	got := problemFields(t, r)
	want := []string{"cursor", "from", "kind", "limit", "school_id", "status"}
	if r.Code != 422 || !slices.Equal(got, want) {
		t.Fatalf("%d %v, want %v: %s", r.Code, got, want, r.Body)
	}
	fields := sortedFields([]domain.FieldError{
		{Field: "changes[10].id", Message: "b"}, {Field: "changes[2].id", Message: "z"}, {Field: "changes[2].id", Message: "a"},
		{Field: "schools.csv:10:name", Message: "x"}, {Field: "schools.csv:9:name", Message: "x"}, {Field: "body", Message: "x"},
	})
	var order []string
	for _, f := range fields {
		order = append(order, f.Field+" "+f.Message)
	}
	wantOrder := []string{"body x", "changes[2].id a", "changes[2].id z", "changes[10].id b", "schools.csv:9:name x", "schools.csv:10:name x"}
	if !slices.Equal(order, wantOrder) {
		t.Errorf("sorted %v, want %v", order, wantOrder)
	}
}

// TestEveryPatchChecksTheRevision edits a school, a teacher, a user and the
// district twice on the same revision: the second is refused naming where
// the record is now, and leaves it as the first left it.
func TestEveryPatchChecksTheRevision(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		for _, tc := range []struct {
			path, field string
		}{
			{"/api/v1/schools/" + w.schoolA1, "name"},
			{"/api/v1/teachers/" + w.teacherA1, "family_name"},
			{"/api/v1/users/" + w.users[observer].ID, "name"},
			{"/api/v1/district", "name"},
		} {
			var before struct {
				Rev int64 `json:"rev"`
			}
			r := w.do(admin, "GET", tc.path, nil)
			r.decode(t, &before)
			if r.Code != 200 || before.Rev < 1 {
				t.Fatalf("GET %s: %d %s", tc.path, r.Code, r.Body)
			}
			var after map[string]any
			r = w.do(admin, "PATCH", tc.path, map[string]any{tc.field: "First", "rev": before.Rev})
			r.decode(t, &after)
			if r.Code != 200 || after["rev"] != float64(before.Rev+1) || after[tc.field] != "First" {
				t.Fatalf("PATCH %s at its rev: %d %s", tc.path, r.Code, r.Body)
			}
			r = w.do(admin, "PATCH", tc.path, map[string]any{tc.field: "Second", "rev": before.Rev})
			var p Problem
			r.decode(t, &p)
			if r.Code != 409 || p.Code != "conflict" || p.CurrentRev != before.Rev+1 {
				t.Fatalf("PATCH %s at a stale rev: %d %s", tc.path, r.Code, r.Body)
			}
			r = w.do(admin, "GET", tc.path, nil)
			r.decode(t, &after)
			if after[tc.field] != "First" {
				t.Fatalf("a refused PATCH of %s wrote: %s", tc.path, r.Body)
			}
			r = w.do(admin, "PATCH", tc.path, map[string]any{tc.field: "Third"})
			r.decode(t, &after)
			if r.Code != 200 || after["rev"] != float64(before.Rev+2) {
				t.Fatalf("PATCH %s without a rev: %d %s", tc.path, r.Code, r.Body)
			}
		}
		if r := w.do(admin, "POST", "/api/v1/schools", map[string]any{"name": "New", "rev": 3}); r.Code != 422 {
			t.Errorf("a new school with a rev: %d %s", r.Code, r.Body)
		}
	})
}

// TestTrendBucketsAreDates reads a trend: its buckets are days in JSON as
// in the CSV.
func TestTrendBucketsAreDates(t *testing.T) {
	w := newWorld(t, testdb.Open(t, store.SQLite))
	chicago, _ := time.LoadLocation("America/Chicago")
	day := w.clock.now.In(chicago)
	q := "?from=" + day.AddDate(0, 0, -14).Format(time.DateOnly) + "&to=" + day.AddDate(0, 0, 14).Format(time.DateOnly) + "&group=school&group=dimension"
	r := w.do(admin, "GET", "/api/v1/trends"+q, nil)
	var res struct {
		Cells []struct {
			Bucket string `json:"bucket"`
		} `json:"cells"`
	}
	r.decode(t, &res)
	if r.Code != 200 || len(res.Cells) == 0 {
		t.Fatalf("trend: %d %s", r.Code, r.Body)
	}
	csv := w.do(admin, "GET", "/api/v1/trends.csv"+q, nil).Body.String()
	for _, c := range res.Cells {
		if _, err := time.Parse(time.DateOnly, c.Bucket); err != nil || !strings.Contains(csv, ","+c.Bucket+",") {
			t.Errorf("bucket %q is not a date of the CSV:\n%s", c.Bucket, csv)
		}
	}
}

// readPages reads a list a page of size at a time and answers every item's
// id, in order.
func readPages(t *testing.T, w *world, a actor, path string, size int) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for range 100 {
		q := url.Values{"limit": {strconv.Itoa(size)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		r := w.do(a, "GET", path+sep+q.Encode(), nil)
		var pg struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			Cursor string `json:"cursor"`
			More   bool   `json:"more"`
		}
		r.decode(t, &pg)
		if r.Code != 200 {
			t.Fatalf("%s: %d %s", path, r.Code, r.Body)
		}
		for _, it := range pg.Items {
			ids = append(ids, it.ID)
		}
		if !pg.More {
			return ids
		}
		cursor = pg.Cursor
	}
	t.Fatalf("%s: no last page", path)
	return nil
}

// TestNextStepsAndCyclesPage pages the two lists that were cut short or
// whole: next steps by due day (several on one day, some undated) and
// cycles newest first, a page of one and of two at a time in the order of
// the whole list.
func TestNextStepsAndCyclesPage(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		var changes []sync.Change
		for i, due := range []string{"2026-10-02", "", "2026-10-01", "2026-10-02", "", "2026-09-30", "2026-10-02"} {
			data := map[string]any{"walkthrough_id": w.walkA1, "school_id": w.schoolA1, "owner_id": w.users[observer].ID,
				"action": "Step " + strconv.Itoa(i), "done": false}
			if due != "" {
				data["due_on"] = due
			}
			changes = append(changes, change("next_step", domain.NewID(), 0, data))
		}
		if _, res := w.push(principalA, domain.NewID(), changes...); !allApplied(res) {
			t.Fatalf("next steps: %+v", res.Results)
		}
		for range 5 {
			w.openCycle(w.teacherA1)
		}
		for _, path := range []string{"/api/v1/next-steps?walkthrough_id=" + w.walkA1, "/api/v1/cycles"} {
			a := principalA
			if strings.Contains(path, "cycles") {
				a = coach
			}
			whole := readPages(t, w, a, path, 500)
			if len(whole) < 5 {
				t.Fatalf("%s: %v", path, whole)
			}
			for _, size := range []int{1, 2} {
				if got := readPages(t, w, a, path, size); !slices.Equal(got, whole) {
					t.Errorf("%s by %d: %v, want %v", path, size, got, whole)
				}
			}
		}
	})
}
