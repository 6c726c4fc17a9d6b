package visits

import "testing"

// Agreement in one classroom, worked by hand.
func TestLevelsAgreement(t *testing.T) {
	for _, c := range []struct {
		levels        []int
		pairs         int
		exact, within float64 // -1: none
		spread        int     // -1: none
		median        float64
		label         string
	}{
		{nil, 0, -1, -1, -1, 0, LabelNone},
		{[]int{3}, 0, -1, -1, 0, 3, LabelSingle},
		{[]int{2, 2, 2}, 3, 1, 1, 0, 2, LabelAgree},
		{[]int{2, 3}, 1, 0, 1, 1, 2.5, LabelWithinOne},
		// Pairs 1-3 (2 apart), 1-3, 3-3 (equal): one exact, one within one.
		{[]int{1, 3, 3}, 3, 1.0 / 3, 1.0 / 3, 2, 3, LabelApart},
		// Pairs of 1,2,2,4: 1-2 ×2 within, 1-4, 2-2 exact, 2-4 ×2.
		{[]int{4, 2, 1, 2}, 6, 1.0 / 6, 3.0 / 6, 3, 2, LabelApart},
	} {
		a := levelsAgreement(c.levels, 1)
		if a.Pairs != c.pairs || a.Label != c.label || a.NotObserved != 1 || a.Scores != len(c.levels) {
			t.Errorf("%v: %d pairs, label %s, %d not observed, %d scores", c.levels, a.Pairs, a.Label, a.NotObserved, a.Scores)
		}
		check := func(what string, got *float64, want float64) {
			if (want < 0) != (got == nil) || got != nil && (*got-want > 1e-9 || want-*got > 1e-9) {
				t.Errorf("%v: %s %v, want %v", c.levels, what, got, want)
			}
		}
		check("exact", a.Exact, c.exact)
		check("within one", a.WithinOne, c.within)
		if (c.spread < 0) != (a.Spread == nil) || a.Spread != nil && *a.Spread != c.spread {
			t.Errorf("%v: spread %v, want %d", c.levels, a.Spread, c.spread)
		}
		if len(c.levels) > 0 && *a.Median != c.median {
			t.Errorf("%v: median %v, want %v", c.levels, *a.Median, c.median)
		}
	}
}

// Over a walkthrough, pairs stay inside their classroom; the spread is the
// range of the levels shown (max less min) and the label follows the
// widest classroom's spread.
func TestPoolKeepsPairsInsideClassrooms(t *testing.T) {
	a := pool([]Agreement{levelsAgreement([]int{1, 1}, 0), levelsAgreement([]int{4, 4}, 0), levelsAgreement(nil, 2)})
	if a.Pairs != 2 || *a.Exact != 1 || *a.WithinOne != 1 || *a.Spread != 3 || *a.WidestClassroomSpread != 0 || a.Label != LabelAgree || a.Scores != 4 || a.NotObserved != 2 {
		t.Errorf("pooled %+v (spread %v)", a, *a.Spread)
	}
	if *a.Min != 1 || *a.Max != 4 || *a.Mean != 2.5 || a.Levels["1"] != 2 || a.Levels["4"] != 2 {
		t.Errorf("pooled levels %+v", a)
	}
	if e := pool(nil); e.Label != LabelNone || e.Spread != nil || e.Exact != nil {
		t.Errorf("nothing pooled: %+v", e)
	}
}
