package visits

import (
	"sort"
	"strconv"
)

// Agreement describes the levels a team gave one indicator: in one
// classroom, or pooled over a walkthrough or a period. Pairs are the pairs
// of observations of the same classroom visit that both gave a level; exact
// and within-one agreement are the shares of those pairs whose levels are
// equal, or at most one level apart.
type Agreement struct {
	Scores      int  `json:"scores"`
	NotObserved int  `json:"not_observed"`
	Min         *int `json:"min"`
	Max         *int `json:"max"`
	// Spread is Max less Min: the range of the levels shown.
	Spread *int `json:"spread"`
	// WidestClassroomSpread is, over a walkthrough, the largest spread
	// within one classroom visit, which the label reads; absent for one
	// classroom.
	WidestClassroomSpread *int           `json:"widest_classroom_spread,omitempty"`
	Median                *float64       `json:"median"`
	Mean                  *float64       `json:"mean"`
	Levels                map[string]int `json:"levels"`
	Pairs                 int            `json:"pairs"`
	Exact                 *float64       `json:"exact_agreement"`
	WithinOne             *float64       `json:"within_one_agreement"`
	// Label says in words how far apart the team was: none (no level
	// given), single (one level), agree, within_one or apart.
	Label string `json:"label"`

	exactPairs, withinPairs int
}

// Agreement labels.
const (
	LabelNone      = "none"
	LabelSingle    = "single"
	LabelAgree     = "agree"
	LabelWithinOne = "within_one"
	LabelApart     = "apart"
)

// levelsAgreement describes the levels of one classroom visit.
func levelsAgreement(levels []int, notObserved int) Agreement {
	a := Agreement{Scores: len(levels), NotObserved: notObserved, Levels: map[string]int{}}
	for i, x := range levels {
		a.Levels[strconv.Itoa(x)]++
		for _, y := range levels[i+1:] {
			a.Pairs++
			if x == y {
				a.exactPairs++
			}
			if x-y <= 1 && y-x <= 1 {
				a.withinPairs++
			}
		}
	}
	a.describe(levels)
	return a
}

// pool adds the levels of several classroom visits: the pairs stay within
// each visit; the spread is the range of all the levels shown, and the
// label follows the widest classroom's spread.
func pool(parts []Agreement) Agreement {
	a := Agreement{Levels: map[string]int{}}
	var levels []int
	spread := -1
	for _, p := range parts {
		a.NotObserved += p.NotObserved
		a.Pairs += p.Pairs
		a.exactPairs += p.exactPairs
		a.withinPairs += p.withinPairs
		for l, n := range p.Levels {
			a.Levels[l] += n
			x, _ := strconv.Atoi(l)
			for range n {
				levels = append(levels, x)
			}
		}
		if p.Spread != nil && *p.Spread > spread {
			spread = *p.Spread
		}
	}
	a.Scores = len(levels)
	a.describe(levels)
	if a.Scores > 0 && spread >= 0 {
		a.WidestClassroomSpread = &spread
		a.Label = label(a.Scores, a.WidestClassroomSpread)
	}
	return a
}

// describe fills the figures that follow from the levels and the pair
// counts.
func (a *Agreement) describe(levels []int) {
	a.Label = LabelNone
	if len(levels) == 0 {
		return
	}
	sorted := append([]int(nil), levels...)
	sort.Ints(sorted)
	lo, hi := sorted[0], sorted[len(sorted)-1]
	spread := hi - lo
	a.Min, a.Max, a.Spread = &lo, &hi, &spread
	med := median(sorted)
	a.Median = &med
	sum := 0
	for _, x := range sorted {
		sum += x
	}
	mean := float64(sum) / float64(len(sorted))
	a.Mean = &mean
	if a.Pairs > 0 {
		a.Exact = share(a.exactPairs, a.Pairs)
		a.WithinOne = share(a.withinPairs, a.Pairs)
	}
	a.Label = label(len(levels), a.Spread)
}

func label(scores int, spread *int) string {
	switch {
	case scores == 0:
		return LabelNone
	case scores == 1 || spread == nil:
		return LabelSingle
	case *spread == 0:
		return LabelAgree
	case *spread == 1:
		return LabelWithinOne
	}
	return LabelApart
}

// median of sorted levels.
func median(sorted []int) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return float64(sorted[n/2])
	}
	return float64(sorted[n/2-1]+sorted[n/2]) / 2
}

func share(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	f := float64(n) / float64(of)
	return &f
}
