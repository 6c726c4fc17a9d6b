// Package estimate holds the intervals the figures carry: a t-interval
// of a mean (of teachers' changes, clustered), Welch's interval of a
// difference of two means, and Wilson's interval of a share. Every
// interval is a 95% one.
package estimate

import "math"

// Interval is a 95% interval around an estimate.
type Interval struct {
	Low, High float64
}

// t975 is the 97.5th percentile of Student's t for 1 to 30 degrees of
// freedom.
var t975 = [...]float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

// T975 is the 97.5th percentile of Student's t with df degrees of freedom
// (whole degrees, rounded down, so the interval is never narrower than
// it should be); beyond 30 it is interpolated in 1/df towards 1.96.
func T975(df float64) float64 {
	d := int(math.Floor(df))
	if d < 1 {
		d = 1
	}
	if d <= len(t975) {
		return t975[d-1]
	}
	// Between 30 (2.042) and infinity (1.960), linear in 1/df: within
	// within 0.001 at 40, 60 and 120.
	return 1.960 + (2.042-1.960)*30/float64(d)
}

// Mean is the mean of xs with its t-interval; ok is false for fewer
// than two values, when there is no interval to give.
func Mean(xs []float64) (mean float64, iv Interval, ok bool) {
	n := float64(len(xs))
	if len(xs) == 0 {
		return 0, Interval{}, false
	}
	for _, x := range xs {
		mean += x
	}
	mean /= n
	if len(xs) < 2 {
		return mean, Interval{mean, mean}, false
	}
	half := T975(n-1) * math.Sqrt(variance(xs, mean)/n)
	return mean, Interval{mean - half, mean + half}, true
}

// Difference is mean(b) less mean(a) with Welch's interval; ok is false
// unless each has at least two values.
func Difference(a, b []float64) (diff float64, iv Interval, ok bool) {
	if len(a) == 0 || len(b) == 0 {
		return 0, Interval{}, false
	}
	ma, mb := avg(a), avg(b)
	diff = mb - ma
	if len(a) < 2 || len(b) < 2 {
		return diff, Interval{diff, diff}, false
	}
	va, vb := variance(a, ma)/float64(len(a)), variance(b, mb)/float64(len(b))
	se := math.Sqrt(va + vb)
	if se == 0 {
		return diff, Interval{diff, diff}, true
	}
	df := (va + vb) * (va + vb) / (va*va/float64(len(a)-1) + vb*vb/float64(len(b)-1))
	half := T975(df) * se
	return diff, Interval{diff - half, diff + half}, true
}

// Wilson is Wilson's score interval of the share k of n; ok is false
// when n is zero.
func Wilson(k, n int) (Interval, bool) {
	if n <= 0 {
		return Interval{}, false
	}
	const z = 1.959964
	p, fn := float64(k)/float64(n), float64(n)
	den := 1 + z*z/fn
	centre := (p + z*z/(2*fn)) / den
	half := z * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn)) / den
	return Interval{math.Max(0, centre-half), math.Min(1, centre+half)}, true
}

func avg(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// variance is the sample variance (n-1 in the denominator).
func variance(xs []float64, mean float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += (x - mean) * (x - mean)
	}
	return s / float64(len(xs)-1)
}
