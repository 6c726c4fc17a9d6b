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
