package httpapi

import (
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// A subject typed on a tablet reaches trends.csv as text, never as a
// formula a spreadsheet would run.
func TestTrendsCSVKeepsFormulasAsText(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		const subject = `=HYPERLINK("http://example.com","open")`
		ch := w.obsChange(domain.NewID(), 0, 3)
		var data map[string]any
		if err := json.Unmarshal(ch.Data, &data); err != nil {
			t.Fatal(err)
		}
		data["subject"] = subject
		ch.Data, _ = json.Marshal(data)
		if _, res := w.push(coach, domain.NewID(), ch); res.Results[0].Status != sync.StatusApplied {
			t.Fatalf("push: %+v", res.Results[0])
		}
		from := w.clock.now.AddDate(0, 0, -14).Format(time.DateOnly)
		to := w.clock.now.AddDate(0, 0, 14).Format(time.DateOnly)
		r := w.do(admin, "GET", "/api/v1/trends.csv?from="+from+"&to="+to+"&group=subject", nil)
		if r.Code != 200 {
			t.Fatalf("trends.csv: %d %s", r.Code, r.Body)
		}
		rows, err := csv.NewReader(strings.NewReader(r.Body.String())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := slices.Index(rows[0], "subject")
		found := false
		for _, row := range rows[1:] {
			if strings.Contains(row[col], "HYPERLINK") {
				found = true
				if row[col] != "'"+subject {
					t.Errorf("the subject was written as %q", row[col])
				}
			}
		}
		if !found {
			t.Errorf("no row for the subject in %s", r.Body)
		}
	})
}

// A supervisor's CSV reads as the dashboard does: schools, dimensions and
// kinds by name; their ids and keys follow at the end of each row.
func TestTrendsCSVNamesWhatItGroups(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		if _, res := w.push(coach, domain.NewID(), w.obsChange(domain.NewID(), 0, 3, 2, 4)); res.Results[0].Status != sync.StatusApplied {
			t.Fatalf("push: %+v", res.Results[0])
		}
		from := w.clock.now.AddDate(0, 0, -14).Format(time.DateOnly)
		to := w.clock.now.AddDate(0, 0, 14).Format(time.DateOnly)
		r := w.do(admin, "GET", "/api/v1/trends.csv?from="+from+"&to="+to+"&bucket=range&group=school&group=dimension&group=kind", nil)
		if r.Code != 200 {
			t.Fatalf("trends.csv: %d %s", r.Code, r.Body)
		}
		rows, err := csv.NewReader(strings.NewReader(r.Body.String())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		head := rows[0]
		if !slices.Equal(head[:5], []string{"scope", "bucket", "school", "dimension", "kind"}) || !slices.Equal(head[len(head)-3:], []string{"school_id", "dimension_key", "kind_key"}) {
			t.Fatalf("header %v", head)
		}
		framework := domain.BuiltinFramework()
		first := framework.Dimensions[0]
		found := false
		for _, row := range rows[1:] {
			if row[0] != "selection" || row[len(row)-2] != first.Key {
				continue
			}
			found = true
			if row[2] != "A1 Elementary" || row[3] != first.Name || row[4] != "Classroom" || row[len(row)-3] != w.schoolA1 || row[len(row)-1] != "classroom" {
				t.Errorf("row %v", row)
			}
		}
		if !found {
			t.Errorf("no row for %s in %s", first.Key, r.Body)
		}
	})
}
