package httpapi

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/roster"
	"github.com/walkthrough-edu/walkthrough/server/internal/rosterfile"
)

func (w *world) importCSV(kind string, dryRun bool, csv string) response {
	w.t.Helper()
	return w.doRaw(admin, "POST", fmt.Sprintf("/api/v1/imports/roster?kind=%s&dry_run=%v", kind, dryRun), "text/csv", []byte(csv))
}

func (w *world) importMode(kind, mode string, dryRun bool, csv string) response {
	w.t.Helper()
	return w.doRaw(admin, "POST", fmt.Sprintf("/api/v1/imports/roster?kind=%s&mode=%s&dry_run=%v", kind, mode, dryRun), "text/csv", []byte(csv))
}

// importSchoolsForUndo imports a schools file that changes nothing and
// answers the import's id, for the authorization matrix.
func (w *world) importSchoolsForUndo() string {
	w.t.Helper()
	r := w.importCSV("schools", false, "external_id,name\n")
	var rep roster.ImportReport
	r.decode(w.t, &rep)
	if r.Code != 200 || rep.ImportID == "" {
		w.t.Fatalf("import for undo: %d %s", r.Code, r.Body)
	}
	return rep.ImportID
}

func (w *world) counts() map[string]int64 {
	w.t.Helper()
	c, err := w.store.TableCounts(context.Background(), w.districtA)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

const schoolsCSV = "\ufeffExternal_ID,Name,grade_band,ignored\r\nS-100,Juniper Elementary,elementary,x\r\nS-200,\"Aspen Middle, North\",middle,y\r\n"

const teachersCSV = `external_id,school_external_id,given_name,family_name,email,grades,subjects
T-1,S-100,Ana,Rivera,ana@example.org,3,General
T-2,S-100,Ben,Okafor,,K;1,"Mathematics;ELA"
T-3,S-200,Chen,Li,chen@example.org,7,Science
`

func TestRosterImportFromSimpleCSV(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		before := w.counts()
		r := w.importCSV("schools", true, schoolsCSV)
		var rep roster.ImportReport
		r.decode(t, &rep)
		if r.Code != 200 || rep.Applied || rep.Schools.Created != 2 {
			t.Fatalf("dry run: %d %s", r.Code, r.Body)
		}
		if after := w.counts(); after["schools"] != before["schools"] || after["audit_log"] != before["audit_log"] {
			t.Fatalf("a dry run wrote: %v -> %v", before, after)
		}
		if r := w.importCSV("schools", false, schoolsCSV); r.Code != 200 {
			t.Fatalf("import schools: %d %s", r.Code, r.Body)
		}
		r = w.importCSV("teachers", false, teachersCSV)
		r.decode(t, &rep)
		if r.Code != 200 || !rep.Applied || rep.Teachers.Created != 3 {
			t.Fatalf("import teachers: %d %s", r.Code, r.Body)
		}
		once := w.counts()

		// The same files again change nothing.
		for _, f := range []struct{ kind, csv string }{{"schools", schoolsCSV}, {"teachers", teachersCSV}} {
			r := w.importCSV(f.kind, false, f.csv)
			r.decode(t, &rep)
			if rep.Schools.Created+rep.Schools.Updated+rep.Teachers.Created+rep.Teachers.Updated+rep.Teachers.Deactivated != 0 {
				t.Fatalf("second import of %s changed something: %s", f.kind, r.Body)
			}
		}
		twice := w.counts()
		for _, table := range []string{"schools", "teachers", "change_log"} {
			if once[table] != twice[table] {
				t.Fatalf("second import wrote %s: %d -> %d", table, once[table], twice[table])
			}
		}

		// A teacher who leaves a full roster is deactivated, not deleted.
		without := strings.Replace(teachersCSV, "T-3,S-200,Chen,Li,chen@example.org,7,Science\n", "", 1)
		r = w.importMode("teachers", "full", false, without)
		r.decode(t, &rep)
		if rep.Teachers.Deactivated != 1 || rep.Teachers.Unchanged != 2 {
			t.Fatalf("removal: %s", r.Body)
		}
		if c := w.counts(); c["teachers"] != twice["teachers"] {
			t.Fatal("a removed teacher was deleted")
		}

		// A file with bad rows is refused whole, every bad row listed.
		bad := teachersCSV + "T-4,S-999,Dee,Moss,,2,General\nT-5,S-100,,,,14,General\n"
		r = w.importCSV("teachers", false, bad)
		p := assertProblem(t, r.ResponseRecorder, 422)
		lines := map[string]bool{}
		for _, e := range p.Errors {
			lines[strings.SplitN(e.Field, ":", 3)[1]] = true
		}
		if !lines["5"] || !lines["6"] {
			t.Fatalf("want both bad rows (lines 5 and 6) listed: %+v", p.Errors)
		}
		if c := w.counts(); c["teachers"] != twice["teachers"] {
			t.Fatal("a refused import wrote teachers")
		}

		users := "external_id,email,name,role,school_external_ids\nU-1,Pat@Example.org,Pat Lee,coach,S-100;S-200\nU-2,boss@example.org,Sam Boss,district_admin,\n"
		r = w.importCSV("users", false, users)
		r.decode(t, &rep)
		if r.Code != 200 || rep.Users.Created != 2 {
			t.Fatalf("users: %d %s", r.Code, r.Body)
		}
		r = w.importCSV("users", false, users)
		r.decode(t, &rep)
		if rep.Users.Unchanged != 2 {
			t.Fatalf("second users import: %s", r.Body)
		}
	})
}

// zipDir zips the CSV files of a folder, leaving out the given lines of each
// file (1-based).
func zipDir(t *testing.T, dir string, drop map[string]map[int]bool) []byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".csv" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(data), "\n")
		var kept strings.Builder
		for i, l := range lines {
			if !drop[e.Name()][i+1] {
				kept.WriteString(l)
			}
		}
		f, err := zw.Create(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(kept.String()))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOneRosterImportThenACoachSeesTheirSchools(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		dir := filepath.Join("..", "rosterfile", "testdata", "oneroster")
		bundle := zipDir(t, dir, nil)
		r := w.doRaw(admin, "POST", "/api/v1/imports/roster?kind=oneroster&dry_run=true", "application/zip", bundle)
		var rep roster.ImportReport
		r.decode(t, &rep)
		if r.Code != 200 || len(rep.Problems) == 0 || rep.Applied {
			t.Fatalf("the fixture's malformed rows were not reported: %d %s", r.Code, r.Body)
		}
		if r := w.doRaw(admin, "POST", "/api/v1/imports/roster?kind=oneroster", "application/zip", bundle); r.Code != 422 {
			t.Fatalf("a bundle with bad rows was imported: %d", r.Code)
		}
		// Mend the bundle by leaving out the rows it was refused for (and
		// then the rows that pointed at those).
		drop := map[string]map[int]bool{}
		mended := bundle
		parsed := rosterfile.ParseOneRoster(mended)
		for range 5 {
			if len(parsed.Problems) == 0 {
				break
			}
			for _, p := range parsed.Problems {
				if drop[p.File] == nil {
					drop[p.File] = map[int]bool{}
				}
				drop[p.File][p.Line] = true
			}
			mended = zipDir(t, dir, drop)
			parsed = rosterfile.ParseOneRoster(mended)
		}
		if len(parsed.Problems) != 0 {
			t.Fatalf("the mended bundle still has problems: %+v", parsed.Problems)
		}
		start := time.Now()
		r = w.doRaw(admin, "POST", "/api/v1/imports/roster?kind=oneroster", "application/zip", mended)
		r.decode(t, &rep)
		if r.Code != 200 || !rep.Applied || rep.Schools.Created != len(parsed.Schools) || rep.Teachers.Created != len(parsed.Teachers) ||
			rep.Users.Created != len(parsed.Users) {
			t.Fatalf("import: %d %s", r.Code, r.Body)
		}
		t.Logf("OneRoster bundle: %d schools, %d teachers, %d users, %d skipped in %s",
			len(parsed.Schools), len(parsed.Teachers), len(parsed.Users), rep.Skipped, time.Since(start))
		r = w.doRaw(admin, "POST", "/api/v1/imports/roster?kind=oneroster", "application/zip", mended)
		r.decode(t, &rep)
		if rep.Schools.Unchanged != len(parsed.Schools) || rep.Teachers.Unchanged != len(parsed.Teachers) || rep.Users.Unchanged != len(parsed.Users) {
			t.Fatalf("the second import changed something: %s", r.Body)
		}

		// A coach over two imported schools sees the rubric and exactly
		// those schools' teachers.
		r = w.do(admin, "GET", "/api/v1/schools", nil)
		var schools listResponse[schoolResponse]
		r.decode(t, &schools)
		var imported []schoolResponse
		for _, s := range schools.Items {
			if s.ExternalID != "" {
				imported = append(imported, s)
			}
		}
		sort.Slice(imported, func(i, j int) bool { return imported[i].ExternalID < imported[j].ExternalID })
		two := map[string]bool{imported[0].ID: true, imported[1].ID: true}
		grants := []map[string]string{{"role": "coach", "school_id": imported[0].ID}, {"role": "coach", "school_id": imported[1].ID}}
		r = w.do(admin, "POST", "/api/v1/users", map[string]any{"email": "roster.coach@example.org", "name": "Coach", "password": password, "grants": grants})
		if r.Code != 201 {
			t.Fatalf("create coach: %d %s", r.Code, r.Body)
		}
		r = w.do(anonymous, "POST", "/api/v1/auth/login", map[string]string{"email": "roster.coach@example.org", "password": password})
		var sess sessionResponse
		r.decode(t, &sess)
		w.access["roster coach"] = sess.AccessToken
		r = w.do("roster coach", "GET", "/api/v1/teachers", nil)
		var teachers listResponse[teacherResponse]
		r.decode(t, &teachers)
		if len(teachers.Items) == 0 {
			t.Fatal("the coach sees no teachers")
		}
		for _, tc := range teachers.Items {
			if !two[tc.SchoolID] {
				t.Fatalf("the coach sees a teacher of another school: %+v", tc)
			}
		}
		r = w.do("roster coach", "GET", "/api/v1/rubrics/"+w.rubricA, nil)
		if r.Code != 200 {
			t.Fatalf("the coach cannot read the published rubric: %d", r.Code)
		}
	})
}

func TestTwentyThousandRowRosterImport(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		var b strings.Builder
		b.WriteString("external_id,name\n")
		for i := range 50 {
			fmt.Fprintf(&b, "BIG-S%d,School %d\n", i, i)
		}
		if r := w.importCSV("schools", false, b.String()); r.Code != 200 {
			t.Fatalf("schools: %d %s", r.Code, r.Body)
		}
		b.Reset()
		b.WriteString("external_id,school_external_id,given_name,family_name,email,grades,subjects\n")
		for i := range 20000 {
			fmt.Fprintf(&b, "BIG-T%d,BIG-S%d,Given%d,Family%d,t%d@example.org,%d,Mathematics\n", i, i%50, i, i, i, 1+i%12)
		}
		start := time.Now()
		r := w.importCSV("teachers", false, b.String())
		first := time.Since(start)
		var rep roster.ImportReport
		r.decode(t, &rep)
		if r.Code != 200 || rep.Teachers.Created != 20000 {
			t.Fatalf("import: %d %.500s", r.Code, r.Body)
		}
		start = time.Now()
		r = w.importCSV("teachers", false, b.String())
		r.decode(t, &rep)
		if rep.Teachers.Unchanged != 20000 {
			t.Fatalf("second import: %.500s", r.Body)
		}
		t.Logf("20,000 teachers: first import %s, unchanged re-import %s", first.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	})
}

// teacherRows writes a teachers file of n teachers of school S-100, numbered
// from first.
func teacherRows(first, n int) string {
	var b strings.Builder
	b.WriteString("external_id,school_external_id,given_name,family_name,email,grades,subjects\n")
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, "T-%03d,S-100,Given%03d,Family%03d,,3,General\n", i, i, i)
	}
	return b.String()
}

func (w *world) activeImported(t *testing.T) map[string]bool {
	t.Helper()
	r := w.do(admin, "GET", "/api/v1/teachers?limit=200", nil)
	var l listResponse[struct {
		ExternalID string `json:"external_id"`
		GivenName  string `json:"given_name"`
		Active     bool   `json:"active"`
	}]
	r.decode(t, &l)
	out := map[string]bool{}
	for _, x := range l.Items {
		if strings.HasPrefix(x.ExternalID, "T-") && x.Active {
			out[x.ExternalID+" "+x.GivenName] = true
		}
	}
	return out
}

func TestRosterImportModesNameWhomTheyRemoveAndUndo(t *testing.T) {
	eachWorldWithStoreClock(t, func(t *testing.T, w *world, advance func(time.Duration)) {
		if r := w.importCSV("schools", false, schoolsCSV); r.Code != 200 {
			t.Fatalf("schools: %d %s", r.Code, r.Body)
		}
		if r := w.importCSV("teachers", false, teacherRows(1, 63)); r.Code != 200 {
			t.Fatalf("63 teachers: %d %s", r.Code, r.Body)
		}
		all := w.activeImported(t)
		if len(all) != 63 {
			t.Fatalf("want 63 active teachers, got %d", len(all))
		}

		// The default import adds and updates: three rows deactivate no one.
		three := strings.Replace(teacherRows(1, 3), "Given001", "Renamed001", 1)
		var rep roster.ImportReport
		r := w.importCSV("teachers", false, three)
		r.decode(t, &rep)
		if r.Code != 200 || rep.Mode != "add" || rep.Teachers.Deactivated != 0 || len(rep.Deactivations) != 0 || rep.Teachers.Updated != 1 {
			t.Fatalf("default import: %d %s", r.Code, r.Body)
		}
		if got := w.activeImported(t); len(got) != 63 || !got["T-001 Renamed001"] {
			t.Fatalf("the default import changed the roster's size: %d", len(got))
		}
		addID := rep.ImportID

		// A full roster's dry run names the sixty it would deactivate and
		// changes nothing.
		r = w.importMode("teachers", "full", true, teacherRows(1, 3))
		r.decode(t, &rep)
		if r.Code != 200 || rep.Applied || rep.Teachers.Deactivated != 60 || len(rep.Deactivations) != 60 || rep.ActiveTeachers != 63+2 { // and the two teachers of the world, who have no SIS id
			t.Fatalf("full dry run: %d deactivated %d named, %d active: %s", rep.Teachers.Deactivated, len(rep.Deactivations), rep.ActiveTeachers, r.Body.String()[:min(r.Body.Len(), 400)])
		}
		if d := rep.Deactivations[0]; d.Name != "Given004 Family004" || d.School != "Juniper Elementary" {
			t.Fatalf("first named: %+v", d)
		}
		if len(w.activeImported(t)) != 63 {
			t.Fatal("a dry run deactivated teachers")
		}

		// The real run deactivates them, renames one back, and undo
		// restores the roster as it was.
		r = w.importMode("teachers", "full", false, teacherRows(1, 3))
		r.decode(t, &rep)
		if r.Code != 200 || !rep.Applied || rep.Teachers.Deactivated != 60 || rep.ImportID == "" {
			t.Fatalf("full import: %d %s", r.Code, r.Body.String()[:min(r.Body.Len(), 400)])
		}
		fullID := rep.ImportID
		if got := w.activeImported(t); len(got) != 3 || !got["T-001 Given001"] {
			t.Fatalf("after the full import: %v", got)
		}
		// Someone edits one of the three after the import: undo keeps it.
		var one struct {
			ID  string `json:"id"`
			Rev int64  `json:"rev"`
		}
		lr := w.do(admin, "GET", "/api/v1/teachers?limit=200", nil)
		var l listResponse[struct {
			ID         string `json:"id"`
			ExternalID string `json:"external_id"`
			Rev        int64  `json:"rev"`
		}]
		lr.decode(t, &l)
		for _, x := range l.Items {
			if x.ExternalID == "T-002" {
				one.ID, one.Rev = x.ID, x.Rev
			}
		}
		if r := w.do(admin, "PATCH", "/api/v1/teachers/"+one.ID, map[string]any{"subjects": []string{"Science"}, "rev": one.Rev}); r.Code != 200 {
			t.Fatalf("edit after import: %d %s", r.Code, r.Body)
		}

		// Another district's administrator cannot undo it, nor learn of it.
		if r := w.do(otherAdmin, "POST", "/api/v1/imports/"+fullID+"/undo", nil); r.Code != 404 || strings.Contains(r.Body.String(), "T-0") {
			t.Fatalf("other district's undo: %d %s", r.Code, r.Body)
		}
		if r := w.do(observer, "POST", "/api/v1/imports/"+fullID+"/undo", nil); r.Code != 403 {
			t.Fatalf("an observer's undo: %d %s", r.Code, r.Body)
		}
		var undo roster.UndoReport
		r = w.do(admin, "POST", "/api/v1/imports/"+fullID+"/undo", nil)
		r.decode(t, &undo)
		if r.Code != 200 || undo.Reactivated != 60 || undo.Restored != 1 || len(undo.Kept) != 0 {
			t.Fatalf("undo: %d %s", r.Code, r.Body)
		}
		if got := w.activeImported(t); len(got) != 63 || !got["T-001 Renamed001"] {
			t.Fatalf("undo did not restore the roster: %d", len(got))
		}
		if r := w.do(admin, "POST", "/api/v1/imports/"+fullID+"/undo", nil); r.Code != 409 {
			t.Fatalf("second undo: %d %s", r.Code, r.Body)
		}

		// Undoing the earlier add-only import: T-001 was changed since (by
		// the full import and its undo), so it is kept and named.
		r = w.do(admin, "POST", "/api/v1/imports/"+addID+"/undo", nil)
		r.decode(t, &undo)
		if r.Code != 200 || len(undo.Kept) != 1 || undo.Kept[0].Name != "Renamed001 Family001" {
			t.Fatalf("undo of a changed record: %d %s", r.Code, r.Body)
		}

		// Past the district's window an import cannot be undone.
		r = w.importCSV("teachers", false, teacherRows(64, 1))
		r.decode(t, &rep)
		advance(15 * 24 * time.Hour)
		if r := w.do(admin, "POST", "/api/v1/imports/"+rep.ImportID+"/undo", nil); r.Code != 422 || !strings.Contains(r.Body.String(), "14 days") {
			t.Fatalf("undo past the window: %d %s", r.Code, r.Body)
		}
	})
}
