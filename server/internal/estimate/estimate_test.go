package estimate

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 5e-4 }

// The intervals against values worked by hand from their textbook
// formulas.
func TestIntervalsMatchWorkedExamples(t *testing.T) {
	// Mean of 1, 2, 3, 4: 2.5, sd 1.2910, se 0.6455, t(3) 3.182.
	m, iv, ok := Mean([]float64{1, 2, 3, 4})
	if !ok || !near(m, 2.5) || !near(iv.Low, 2.5-3.182*0.645497) || !near(iv.High, 2.5+3.182*0.645497) {
		t.Errorf("mean: %v %+v %v", m, iv, ok)
	}
	if _, _, ok := Mean([]float64{3}); ok {
		t.Error("one value has no interval")
	}
	// Welch: a = 1, 2 (mean 1.5, var 0.5); b = 3, 4, 4 (mean 3.6667, var 0.3333).
	// se² = 0.25 + 0.1111 = 0.3611; df = 0.3611² / (0.0625/1 + 0.012346/2) = 1.9007 → 1 → 12.706.
	d, iv, ok := Difference([]float64{1, 2}, []float64{3, 4, 4})
	if !ok || !near(d, 2.166667) || !near(iv.High-d, 12.706*math.Sqrt(0.361111)) {
		t.Errorf("difference: %v %+v %v", d, iv, ok)
	}
	// Wilson, 3 of 10: 0.1078 to 0.6032.
	w, ok := Wilson(3, 10)
	if !ok || !near(w.Low, 0.1078) || !near(w.High, 0.6032) {
		t.Errorf("wilson: %+v", w)
	}
	if w, _ := Wilson(0, 5); w.Low != 0 || !near(w.High, 0.4345) {
		t.Errorf("wilson of none: %+v", w)
	}
	if math.Abs(T975(40)-2.021) > 1e-3 || math.Abs(T975(120)-1.980) > 1e-3 {
		t.Errorf("t: %v %v", T975(40), T975(1000))
	}
}
