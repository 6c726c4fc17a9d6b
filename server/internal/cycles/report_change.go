package cycles

import (
	"slices"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/estimate"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// GroupChange is, for the report's framework or one kind of support, the
// change of the cycles' teachers against their own baseline and the same
// measured on teachers of similar baseline who had no cycle over the same
// days. Each teacher of each cycle counts once.
type GroupChange struct {
	Change     Figure
	Comparison Figure
	// Withheld marks figures left out for a caller who may not see the
	// teachers of some cycle's school: a change drawn from fewer teachers
	// than the district's minimum cell size is a teacher's or two's.
	Withheld bool
}

// keptScore is one follow-up score the report counts, with what its
// change needs.
type keptScore struct {
	cycle, teacher string
	kind           domain.ActivityKind
	point          Point
}

// groupChange measures the change of the follow-up scores in kept whose
// kind is in kinds (every kind when nil): per cycle and teacher, the
// follow-up scores against the same teacher's scores before the cycle,
// judged with MinToJudge of each, pooled as the evidence pools them; and
// per cycle with a judged teacher, its comparison group (comparisonOf)
// over the days from support to the day after its last follow-up counted
// here, each member's change pooled likewise. pool holds the focus scores
// at each school by school and indicator key: a cycle's comparison group
// is drawn from its own school's scores of its focus.
func groupChange(kept []keptScore, kinds []domain.ActivityKind, evs map[string]Evidence, cs []domain.Cycle, pool map[[2]string][]store.FocusScore, spans []cycleSpan, loc *time.Location) GroupChange {
	follow := map[string][]Point{}
	for _, k := range kept {
		if kinds == nil || slices.Contains(kinds, k.kind) {
			follow[k.cycle] = append(follow[k.cycle], k.point)
		}
	}
	var changes, single, cmpChanges, cmpSingle []float64
	for _, c := range cs {
		if len(follow[c.ID]) == 0 {
			continue
		}
		e := evs[c.ID]
		group := Evidence{CycleID: c.ID, IndicatorKey: e.IndicatorKey, RubricID: e.RubricID, SupportFrom: e.SupportFrom, FollowUps: follow[c.ID]}
		teachers := slices.Clone(c.TeacherIDs)
		slices.Sort(teachers)
		for _, id := range teachers {
			var before, after []Point
			for _, pt := range e.Before {
				if pt.TeacherID == id {
					before = append(before, pt)
				}
			}
			for _, pt := range follow[c.ID] {
				if pt.TeacherID == id {
					after = append(after, pt)
				}
			}
			if len(before) < MinToJudge || len(after) < MinToJudge {
				continue
			}
			d, iv, _ := estimate.Difference(levels(before), levels(after))
			changes, single = append(changes, d), []float64{iv.Low, iv.High}
			group.Teachers = append(group.Teachers, TeacherChange{TeacherID: id, BeforeMean: mean(before), Change: &d})
		}
		cmp, members := comparisonOf(group, pool[[2]string{c.SchoolID, c.FocusIndicatorKey}], spans, loc)
		ids := make([]string, 0, len(members))
		for id := range members {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			cmpChanges = append(cmpChanges, members[id].change)
		}
		if len(ids) == 1 && cmp.Low != nil {
			cmpSingle = []float64{*cmp.Low, *cmp.High}
		}
	}
	if len(cmpChanges) != 1 {
		cmpSingle = nil
	}
	return GroupChange{Change: pooled(changes, single), Comparison: pooled(cmpChanges, cmpSingle)}
}

// withhold leaves out each of a group's figures drawn from fewer than
// min teachers, keeping only its n.
func (g GroupChange) withhold(min int) GroupChange {
	for _, f := range []*Figure{&g.Change, &g.Comparison} {
		if f.Teachers > 0 && f.Teachers < min {
			*f = Figure{Teachers: f.Teachers}
			g.Withheld = true
		}
	}
	return g
}
