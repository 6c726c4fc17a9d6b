package rollup

import (
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

func level(n int) *int { return &n }

// A submitted observation adds its scores to its indicators' cells, one
// observation to its cell and to each dimension it scored at its school and
// for the district, in the week of its counting time in the district's
// zone; the same observation subtracted leaves nothing.
func TestAnObservationAddsItsScoresOnceAndSubtractsToNothing(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	r := Rubric{ID: "rubric", Dimension: map[string]string{"q1": "questioning", "q2": "questioning", "t1": "tasks", "t2": "tasks"}}
	o := domain.Observation{
		DistrictID: "district", SchoolID: "cedar", RubricVersionID: "v1", Kind: domain.WalkthroughKind("instructional"),
		Grade: "1", Subject: "math", Status: domain.ObservationSubmitted,
		// Monday 7 September 2026, 02:30 UTC: still Sunday 6 September in
		// Los Angeles, so the week of 31 August.
		CountedAt: time.Date(2026, 9, 7, 2, 30, 0, 0, time.UTC),
		Scores: []domain.Score{{IndicatorKey: "q1", Level: level(3)}, {IndicatorKey: "q2", Level: level(3)},
			{IndicatorKey: "t1", Level: level(1)}, {IndicatorKey: "t2"}},
	}
	var d Deltas
	d.Add(o, r, la, +1)
	rows := d.Rows()
	levels, obs, dims := rows[0], rows[1], rows[2]
	if len(levels) != 3 {
		t.Fatalf("indicator cells: %d rows, want 3 (a score not observed adds none): %v", len(levels), levels)
	}
	week := time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)
	for _, row := range levels {
		if row[6] != week {
			t.Errorf("indicator %v counted in the week of %v, want %v", row[4], row[6], week)
		}
		n := 0
		for _, c := range row[len(row)-(MaxLevel+1):] {
			n += int(c.(int64))
		}
		if n != 1 {
			t.Errorf("indicator %v holds %d scores, want 1", row[4], n)
		}
	}
	if len(obs) != 1 || obs[0][9] != int64(1) || obs[0][6] != domain.GradeBandEarly {
		t.Errorf("observation cells: %v, want one cell of one observation", obs)
	}
	// Two scope rows (the school and the district) for each of two
	// dimensions; each counts the observation once.
	if len(dims) != 4 {
		t.Fatalf("dimension cells: %d rows, want 4: %v", len(dims), dims)
	}
	for _, row := range dims {
		observations, scores := row[7].(int64), int64(0)
		for _, c := range row[8:] {
			scores += c.(int64)
		}
		want := map[any]int64{"questioning": 2, "tasks": 1}[row[3]]
		if observations != 1 || scores != want {
			t.Errorf("dimension %v at %v: %d observations and %d scores, want 1 and %d", row[3], row[2], observations, scores, want)
		}
	}

	var amend Deltas
	amend.Add(o, r, la, -1)
	d.Merge(amend)
	for i, rs := range d.Rows() {
		if len(rs) != 0 {
			t.Errorf("%s: after subtracting the same observation %d rows remain: %v", Tables[i].Name, len(rs), rs)
		}
	}
}

// A draft or a deleted observation adds nothing.
func TestOnlySubmittedObservationsCount(t *testing.T) {
	r := Rubric{ID: "rubric", Dimension: map[string]string{"q1": "questioning"}}
	for _, o := range []domain.Observation{
		{DistrictID: "d", SchoolID: "s", Status: domain.ObservationDraft, Scores: []domain.Score{{IndicatorKey: "q1", Level: level(2)}}},
		{DistrictID: "d", SchoolID: "s", Status: domain.ObservationSubmitted, Deleted: true, Scores: []domain.Score{{IndicatorKey: "q1", Level: level(2)}}},
	} {
		var d Deltas
		d.Add(o, r, time.UTC, +1)
		for i, rs := range d.Rows() {
			if len(rs) != 0 {
				t.Errorf("status %s, deleted %v: %s has %d rows", o.Status, o.Deleted, Tables[i].Name, len(rs))
			}
		}
	}
}
