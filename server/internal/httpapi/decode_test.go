package httpapi

import (
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

func TestStrictDecodingRefusesWithTheFieldNamed(t *testing.T) {
	w := newWorld(t, testdb.Open(t, store.SQLite))
	send := func(contentType, body string) Problem {
		t.Helper()
		req := httptest.NewRequest("POST", "/api/v1/users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+w.access[admin])
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		w.handler.ServeHTTP(rec, req)
		if rec.Code >= 500 || rec.Code < 400 {
			t.Fatalf("%q: status %d", body, rec.Code)
		}
		var p Problem
		response{rec}.decode(t, &p)
		return p
	}
	cases := []struct {
		name, contentType, body, field string
		status                         int
	}{
		{"unknown field", "application/json", `{"email":"a@b.org","name":"A","password":"a long password","role":"x"}`, "role", 422},
		{"trailing data", "application/json", `{"email":"a@b.org","name":"A","password":"a long password"} {}`, "body", 422},
		{"duplicate key", "application/json", `{"email":"a@b.org","Email":"c@d.org","name":"A","password":"a long password"}`, "Email", 422},
		{"nested duplicate", "application/json", `{"email":"a@b.org","name":"A","password":"a long password","grants":[{"role":"coach","ROLE":"admin"}]}`, "grants[0].ROLE", 422},
		{"escaped duplicate", "application/json", `{"email":"a@b.org","em\u0061il":"c@d.org","name":"A","password":"a long password"}`, "email", 422},
		{"keys inside strings are text", "application/json", "{\n\t\"name\" : \"A \\\"name\\\": [{\",\r\n \"email\":\"a@b.org\", \"password\":\"a long password\", \"grants\": [ ], \"Name\": \"B\"}", "Name", 422},
		{"wrong type", "application/json", `{"email":"a@b.org","name":7,"password":"a long password"}`, "name", 422},
		{"wrong type in a list", "application/json", `{"email":"a@b.org","name":"A","password":"a long password","grants":[{"role":"coach"},{"role":7}]}`, "grants[1].role", 422},
		{"leading comma", "application/json", `,{"email":"a","Email":"c","grants":[{"role":"coach","ROLE":"district_admin"}]}`, "body", 422},
		{"leading colon", "application/json", `:{"email":"a","Email":"c","grants":[{"role":"coach","ROLE":"district_admin"}]}`, "body", 422},
		{"cut-short literal", "application/json", `nul`, "body", 422},
		{"bad escape", "application/json", `{"email":"a@b.org","name":"\u00X0","password":"a long password"}`, "body", 422},
		{"wrong content type", "text/plain", `{"email":"a@b.org"}`, "Content-Type", 422},
		{"no content type", "", `{"email":"a@b.org"}`, "Content-Type", 422},
		{"not json", "application/json", `{"email":`, "body", 422},
		{"empty", "application/json", ``, "body", 422},
		{"oversized", "application/json", `{"name":"` + strings.Repeat("x", 2<<20) + `"}`, "", 413},
	}
	for _, c := range cases {
		p := send(c.contentType, c.body)
		if p.Status != c.status {
			t.Errorf("%s: status %d, want %d (%+v)", c.name, p.Status, c.status, p)
			continue
		}
		if c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
			t.Errorf("%s: field %+v, want %q", c.name, p.Errors, c.field)
		}
	}
}

// The walk-through: the first administrator signs in, makes a coach
// over two schools, and the coach sees those two schools and nothing else.
func TestAdminCreatesACoachWhoSeesExactlyTheirSchools(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		r := w.do(admin, "POST", "/api/v1/users", map[string]any{
			"email": "Two.Schools@Example.org", "name": "Ms. Coach", "password": password,
			"grants": []map[string]string{{"role": "coach", "school_id": w.schoolA1}, {"role": "coach", "school_id": w.schoolA2}},
		})
		if r.Code != 201 {
			t.Fatalf("create coach: %d %s", r.Code, r.Body)
		}
		var u userResponse
		r.decode(t, &u)
		if u.Email != "two.schools@example.org" || len(u.Grants) != 2 {
			t.Fatalf("created user: %+v", u)
		}
		r = w.do(anonymous, "POST", "/api/v1/auth/login", map[string]string{"email": "two.schools@example.org", "password": password})
		if r.Code != 200 {
			t.Fatalf("coach sign-in: %d %s", r.Code, r.Body)
		}
		var sess sessionResponse
		r.decode(t, &sess)
		w.access["new coach"] = sess.AccessToken
		r = w.do("new coach", "GET", "/api/v1/schools", nil)
		var l listResponse[schoolResponse]
		r.decode(t, &l)
		got := ids(l.Items, func(s schoolResponse) string { return s.ID })
		if !equalSets(got, map[string]bool{w.schoolA1: true, w.schoolA2: true}) {
			t.Fatalf("the coach sees %v", got)
		}
		r = w.do("new coach", "GET", "/api/v1/users", nil)
		if r.Code != 403 {
			t.Fatalf("a coach may list users: %d", r.Code)
		}
		r = w.do(admin, "GET", "/api/v1/audit?action=role.grant", nil)
		var a listResponse[auditResponse]
		r.decode(t, &a)
		if len(a.Items) != 2 {
			t.Fatalf("want two audited grants, got %s", r.Body)
		}
	})
}

func TestAuditFiltersAndPages(t *testing.T) {
	w := newWorld(t, testdb.Open(t, store.Postgres))
	for range 3 {
		w.signIn(coach)
	}
	r := w.do(admin, "GET", "/api/v1/audit?action=auth.login&actor_id="+w.users[coach].ID+"&limit=2", nil)
	var page1 listResponse[auditResponse]
	r.decode(t, &page1)
	if len(page1.Items) != 2 || page1.Cursor == "" || !page1.More {
		t.Fatalf("first page: %s", r.Body)
	}
	r = w.do(admin, "GET", "/api/v1/audit?action=auth.login&actor_id="+w.users[coach].ID+"&limit=2&cursor="+page1.Cursor, nil)
	var page2 listResponse[auditResponse]
	r.decode(t, &page2)
	if len(page2.Items) != 2 || page2.Items[0].ID == page1.Items[1].ID {
		t.Fatalf("second page (4 sign-ins in all): %s", r.Body)
	}
	for _, e := range append(page1.Items, page2.Items...) {
		if e.Action != "auth.login" || e.ActorID != w.users[coach].ID || e.IP == "" {
			t.Fatalf("filter leaked: %+v", e)
		}
	}
	if r := w.do(admin, "GET", "/api/v1/audit?from=yesterday", nil); r.Code != 422 {
		t.Fatalf("a bad date was accepted: %d", r.Code)
	}
}

func TestDuplicateKeysAreFoundInObjectsOfAnySize(t *testing.T) {
	object := func(keys ...string) []byte {
		var b strings.Builder
		b.WriteString(`{"outer": [1, {`)
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`"` + k + `": "a \"quoted\" \\ value"`)
		}
		b.WriteString(`}]}`)
		return []byte(b.String())
	}
	var keys []string
	for i := range 40 {
		keys = append(keys, "key"+strconv.Itoa(i))
	}
	var v struct {
		Outer []any `json:"outer"`
	}
	if err := decodeBody(object(keys...), &v); err != nil {
		t.Fatalf("forty distinct keys refused: %v", err)
	}
	for _, dup := range []struct{ written, field string }{{"key3", "key3"}, {"key20", "key20"}, {`k\u0065y39`, "key39"}} {
		err := decodeBody(object(append(slices.Clone(keys), dup.written)...), &v)
		if fe := domain.ErrorFields(err); len(fe) != 1 || fe[0].Field != "outer[1]."+dup.field || fe[0].Message != "duplicate key" {
			t.Errorf("%s after forty keys: %v %+v", dup.written, err, fe)
		}
	}
}
