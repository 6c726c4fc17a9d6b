package httpapi

import (
	"context"
	"encoding/csv"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
)

// TestNotObservedShare: of the submitted observations in a cell's school
// and days, the share that did not score its dimension, in the trend, the
// district line and the CSV. Where the caller may not see a school's
// teachers (a supervisor; a principal at another school, in the district
// line) the base is counted by the rule of the figures: the visits of the
// school periods counted, so a school period where the dimension was not
// scored at all adds none. Here every school's February visits are one
// school period.
func TestNotObservedShare(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		w.keepEveryPeriod()
		ctx := context.Background()
		framework := domain.BuiltinFramework()
		culture, content := framework.Dimensions[0], framework.Dimensions[1]
		level := 3
		// February 2027 at A1: four visits score classroom culture, two
		// score only lesson content, one marks culture "not observed"; one
		// draft does not count. At A2: two visits, both scoring culture.
		type visit struct {
			school, teacher string
			keys            []string
			notObserved     string
			draft           bool
		}
		visits := []visit{
			{w.schoolA1, w.teacherA1, []string{culture.Indicators[0].Key}, "", false},
			{w.schoolA1, w.teacherA1, []string{culture.Indicators[0].Key, content.Indicators[0].Key}, "", false},
			{w.schoolA1, w.teacherA1, []string{culture.Indicators[1].Key}, "", false},
			{w.schoolA1, w.teacherA1, []string{culture.Indicators[0].Key, culture.Indicators[1].Key}, "", false},
			{w.schoolA1, w.teacherA1, []string{content.Indicators[0].Key}, "", false},
			{w.schoolA1, w.teacherA1, []string{content.Indicators[1].Key}, culture.Indicators[0].Key, false},
			{w.schoolA1, w.teacherA1, []string{content.Indicators[1].Key}, "", true},
			{w.schoolA2, w.teacherA2, []string{culture.Indicators[0].Key}, "", false},
			{w.schoolA2, w.teacherA2, []string{culture.Indicators[1].Key}, "", false},
		}
		err := w.store.InTx(ctx, func(tx *store.Tx) error {
			for i, v := range visits {
				at := time.Date(2027, 2, 8+i, 15, 0, 0, 0, time.UTC)
				var scores []domain.Score
				for _, k := range v.keys {
					scores = append(scores, domain.Score{IndicatorKey: k, Level: &level})
				}
				if v.notObserved != "" {
					scores = append(scores, domain.Score{IndicatorKey: v.notObserved})
				}
				status := domain.ObservationSubmitted
				if v.draft {
					status = domain.ObservationDraft
				}
				if err := tx.PutObservation(ctx, domain.Observation{ID: domain.NewID(), DistrictID: w.districtA, SchoolID: v.school, TeacherID: v.teacher,
					ObserverID: w.users[admin].ID, RubricVersionID: w.rubricA, Kind: domain.KindClassroom, Status: status,
					StartedAt: at, ReceivedAt: at, Rev: 1, Scores: scores}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The share recomputed from the visits written.
		type want struct{ submitted, scored int64 }
		expect := func(school, dim string) want {
			var x want
			var d domain.Dimension
			for _, x := range framework.Dimensions {
				if x.Key == dim {
					d = x
				}
			}
			for _, v := range visits {
				if v.draft || (school != "" && v.school != school) {
					continue
				}
				x.submitted++
				for _, k := range v.keys {
					if slices.ContainsFunc(d.Indicators, func(i domain.Indicator) bool { return i.Key == k }) {
						x.scored++
						break
					}
				}
			}
			return x
		}
		same := func(what string, c trends.Cell, x want) {
			t.Helper()
			if c.Submitted == nil || c.NotObserved == nil || *c.Submitted != x.submitted || c.Observations == nil || *c.Observations != x.scored ||
				math.Abs(*c.NotObserved-float64(x.submitted-x.scored)/float64(x.submitted)) > 1e-9 {
				t.Errorf("%s: %+v, want %d submitted, %d scoring it", what, c, x.submitted, x.scored)
			}
		}
		// The district line by the rule: every school whose teachers the
		// caller sees, and the others' periods that scored the dimension.
		district := func(a actor, dim string) want {
			if a == admin {
				return expect("", dim)
			}
			var x want
			for _, school := range []string{w.schoolA1, w.schoolA2} {
				if y := expect(school, dim); y.scored > 0 || (a == principalA && school == w.schoolA1) {
					x.submitted += y.submitted
					x.scored += y.scored
				}
			}
			return x
		}
		if all, sup := expect("", content.Key), district(supervisor, content.Key); all.submitted != 8 || sup.submitted != 6 {
			t.Fatalf("the fixture: lesson content's district base is %d for the administrator, %d for the supervisor, want 8 and 6", all.submitted, sup.submitted)
		}
		const q = "?from=2027-02-01&to=2027-03-01&bucket=range&group=school&group=dimension"
		var res trends.Result
		for _, a := range []actor{admin, principalA, supervisor} {
			r := w.do(a, "GET", "/api/v1/trends"+q, nil)
			if r.Code != 200 {
				t.Fatalf("%s trends: %d %s", a, r.Code, r.Body)
			}
			r.decode(t, &res)
			seen := 0
			for _, c := range res.Cells {
				same(string(a)+" "+c.Group["school"]+" "+c.Group["dimension"], c, expect(c.Group["school"], c.Group["dimension"]))
				seen++
			}
			for _, c := range res.District {
				same(string(a)+" district "+c.Group["dimension"], c, district(a, c.Group["dimension"]))
				seen++
			}
			if seen < 4 {
				t.Errorf("%s: %d cells to check", a, seen)
			}
		}
		// The culture cell at A1: 2 of 6 did not score it, one of them
		// marked "not observed".
		if x := expect(w.schoolA1, culture.Key); x.submitted != 6 || x.scored != 4 {
			t.Fatalf("the fixture: %+v", x)
		}
		// The CSV carries the same, by name.
		for _, a := range []actor{admin, supervisor} {
			r := w.do(a, "GET", "/api/v1/trends.csv"+q, nil)
			rows, err := csv.NewReader(strings.NewReader(r.Body.String())).ReadAll()
			if r.Code != 200 || err != nil {
				t.Fatalf("%s trends.csv: %d %v", a, r.Code, err)
			}
			col := map[string]int{}
			for i, h := range rows[0] {
				col[h] = i
			}
			if _, ok := col["not_observed"]; !ok {
				t.Fatalf("no not_observed column: %v", rows[0])
			}
			found, districtRow := false, ""
			for _, row := range rows[1:] {
				got := row[col["not_observed"]]
				if row[col["scope"]] == "selection" && row[col["school_id"]] == w.schoolA1 && row[col["dimension_key"]] == culture.Key {
					found = got == "0.333" && row[col["submitted"]] == "6"
				}
				if row[col["scope"]] == "district" && row[col["dimension_key"]] == content.Key {
					districtRow = row[col["submitted"]]
				}
			}
			if !found {
				t.Errorf("%s's CSV has no culture row at A1 with 6 submitted and 0.333 not observed: %v", a, rows)
			}
			if want := strconv.FormatInt(district(a, content.Key).submitted, 10); districtRow != want {
				t.Errorf("%s's CSV gives lesson content's district line %q submitted, want %s", a, districtRow, want)
			}
		}
	})
}
