package demo

import (
	"math"
	"slices"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// indicatorOffset says how an indicator sits against its dimension: routines
// are seen at a higher level than eliciting student thinking almost
// everywhere.
var indicatorOffset = map[string]float64{
	"respectful_relationships":   0.35,
	"routines_and_transitions":   0.3,
	"learning_from_mistakes":     -0.1,
	"clear_learning_goal":        0.15,
	"rigorous_task":              -0.15,
	"big_ideas":                  -0.05,
	"eliciting_student_thinking": -0.15,
	"academic_discourse":         -0.2,
	"active_participation":       0.15,
	"scaffolds_for_access":       -0.05,
	"language_support":           -0.15,
	"multiple_entry_points":      -0.15,
	"checking_for_understanding": 0.05,
	"responsive_feedback":        -0.05,
	"adjusting_instruction":      -0.3,
}

// dimInfo ties a rubric dimension to a row of the trend tables, -1 for none.
type dimInfo struct {
	model int
}

// The score model's spread.
const (
	scoreNoise    = 0.55 // from one indicator to the next
	lessonNoise   = 0.25 // a good or a bad day, shared by the whole visit
	raterNoise    = 0.3  // how far two people scoring the same room differ
	notObserved   = 0.06 // chance an indicator is not seen in a visit
	notObservedIn = 0.14 // the same in a short informal visit
	noteChance    = 0.18 // chance a score carries a note when not in focus
)

// scores scores every indicator of the rubric for one visit. The level is
// the school's base for the dimension, moved by its drift over the year, the
// indicator, the teacher, the observer, any cycle of support and noise. It
// returns the scores and their mean on the 1-to-4 scale.
func (g *gen) scores(v visit, day time.Time) ([]domain.Score, float64) {
	spec := g.schoolInfo[v.school].spec
	p := g.progress(day)
	lesson := g.rng.NormFloat64()
	if v.room != nil {
		lesson = v.room.lesson
	}
	shared := g.teacherInfo[v.teacher].effect + g.userInfo[v.observer].bias + lessonNoise*lesson
	skip := notObserved
	if v.kind == domain.KindInformal {
		skip = notObservedIn
	}
	var (
		scores []domain.Score
		sum    float64
		n      int
	)
	k := -1 // the indicator's place in the rubric
	for di, d := range g.plan.RubricVersion.Dimensions {
		base, drift := 2.4, 0.0
		if m := g.dims[di].model; m >= 0 {
			base, drift = spec.base[m], spec.drift[m]
		}
		for _, ind := range d.Indicators {
			k++
			s := domain.Score{IndicatorKey: ind.Key}
			focus := slices.Contains(v.focus, ind.Key)
			if !focus && g.chance(skip) {
				scores = append(scores, s)
				continue
			}
			noise := scoreNoise * g.rng.NormFloat64()
			if v.room != nil {
				// Raters in the same room mostly agree.
				noise = scoreNoise*v.room.noise[k] + raterNoise*g.rng.NormFloat64()
			}
			x := base + drift*p + indicatorOffset[ind.Key] + shared + g.cycleEffect(v.teacher, ind.Key, day) + noise
			r := min(max(int(math.Round(x)), 1), 4)
			level := g.level(r)
			s.Level = &level
			if focus || g.chance(noteChance) {
				s.Evidence = g.scoreEvidence(ind.Key, r)
			}
			scores = append(scores, s)
			sum += float64(r)
			n++
		}
	}
	if n == 0 {
		return scores, 0
	}
	return scores, sum / float64(n)
}

// level maps r on the 1-to-4 scale onto the rubric's own scale.
func (g *gen) level(r int) int {
	levels := g.plan.RubricVersion.Levels
	i := int(math.Round(float64(r-1) * float64(len(levels)-1) / 3))
	return levels[min(max(i, 0), len(levels)-1)].Value
}

// fourPoint maps a level of the rubric's scale back onto 1 to 4.
func (g *gen) fourPoint(level int) float64 {
	levels := g.plan.RubricVersion.Levels
	for i, l := range levels {
		if l.Value == level {
			if len(levels) == 1 {
				return 1
			}
			return 1 + 3*float64(i)/float64(len(levels)-1)
		}
	}
	return 1
}

// cycleEffect is how far cycles of support have moved teacher t on
// indicator key by day: nothing before a cycle starts, then rising over four
// weeks to the cycle's full effect, which lasts.
func (g *gen) cycleEffect(t int, key string, day time.Time) float64 {
	var e float64
	for _, c := range g.cycleInfo {
		if c.focus != key || !slices.Contains(c.teachers, t) || day.Before(c.start) {
			continue
		}
		ramp := day.Sub(c.start).Hours() / (28 * 24)
		e += c.effect * min(ramp, 1)
	}
	return e
}
