package domain

import (
	"fmt"
	"testing"
	"time"
)

// TestObservationRefusesAnIndicatorScoredTwice scores one indicator twice
// among a rubric's few indicators and among far more than any rubric has:
// both are refused, naming the second score; distinct indicators pass.
func TestObservationRefusesAnIndicatorScoredTwice(t *testing.T) {
	for _, n := range []int{3, 200} {
		o := Observation{ID: NewID(), SchoolID: NewID(), TeacherID: NewID(), ObserverID: NewID(), RubricVersionID: NewID(),
			Kind: KindClassroom, Status: ObservationSubmitted, StartedAt: time.Now()}
		for i := range n {
			o.Scores = append(o.Scores, Score{IndicatorKey: fmt.Sprintf("indicator_%d", i)})
		}
		if err := o.Validate(); err != nil {
			t.Fatalf("%d distinct indicators: %v", n, err)
		}
		o.Scores[n-1].IndicatorKey = o.Scores[0].IndicatorKey
		err := o.Validate()
		want := fmt.Sprintf("scores[%d].indicator_key", n-1)
		if fields := ErrorFields(err); len(fields) != 1 || fields[0].Field != want {
			t.Errorf("%d indicators, the first scored twice: %v, want a problem at %s", n, err, want)
		}
	}
}
