package cycles

import (
	"context"
	"slices"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/estimate"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Figure is a change with its 95% interval and the number of teachers it
// is drawn from. Change is nil when there is nothing to judge; Low and
// High are nil when there is no interval to give.
type Figure struct {
	Teachers  int
	Change    *float64
	Low, High *float64
}

// BaselineBand is how far a comparison teacher's baseline may be from the
// cycle's, either way, on the rubric's levels.
const BaselineBand = 0.5

// Comparison is what teachers of similar baseline who had no cycle did
// over the same days, measured the same way: their focus scores from the
// day support began to the day after the last follow-up (Until, exclusive)
// against their own scores before. A rise there is regression to the mean
// or the school's drift, not the cycle.
type Comparison struct {
	// Baseline is the cycle's: the mean of the judged teachers' own
	// baselines; comparison teachers' baselines are within BaselineBand.
	Baseline *float64
	Band     float64
	Until    time.Time
	Figure
}

// pooled is the mean of teachers' changes with its t-interval (clustered
// by teacher: each teacher counts once, whatever their number of scores);
// for one teacher, that teacher's own Welch interval.
func pooled(changes []float64, single []float64) Figure {
	f := Figure{Teachers: len(changes)}
	switch len(changes) {
	case 0:
	case 1:
		f.Change = &changes[0]
		if len(single) == 2 {
			f.Low, f.High = &single[0], &single[1]
		}
	default:
		m, iv, _ := estimate.Mean(changes)
		f.Change, f.Low, f.High = &m, &iv.Low, &iv.High
	}
	return f
}

// cycleSpan is when a cycle was at work: from the day support began to
// the day after its last activity, follow-up or end, as instants.
type cycleSpan struct {
	teachers []string
	from, to time.Time
}

// spans reads when every cycle of the district was at work.
func (s *Service) spans(ctx context.Context, districtID string, loc *time.Location) ([]cycleSpan, error) {
	cs, err := s.store.CyclesList(ctx, store.CycleFilter{Visible: domain.Scope{DistrictID: districtID, AllSchools: true}})
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	var acts []domain.Activity
	var fs []domain.FollowUp
	err = s.store.ReadTx(ctx, func(tx *store.Tx) error {
		if acts, err = tx.CycleActivities(ctx, districtID, ids); err != nil {
			return err
		}
		fs, err = tx.CycleFollowUps(ctx, districtID, ids)
		return err
	})
	if err != nil {
		return nil, err
	}
	actsBy, lastBy := map[string][]domain.Activity{}, map[string]time.Time{}
	later := func(id string, day time.Time) {
		if day.After(lastBy[id]) {
			lastBy[id] = day
		}
	}
	for _, a := range acts {
		actsBy[a.CycleID] = append(actsBy[a.CycleID], a)
		later(a.CycleID, a.OccurredOn)
	}
	for _, f := range fs {
		later(f.CycleID, dateIn(f.StartsAt, loc))
	}
	out := make([]cycleSpan, len(cs))
	for i, c := range cs {
		from := supportFrom(c, actsBy[c.ID], loc)
		later(c.ID, from)
		if c.EndedOn != nil {
			later(c.ID, *c.EndedOn)
		}
		out[i] = cycleSpan{teachers: c.TeacherIDs, from: midnight(from, loc), to: midnight(lastBy[c.ID].AddDate(0, 0, 1), loc)}
	}
	return out, nil
}

// comparisonOf finds the comparison group of a cycle's evidence in pool
// (focus scores of the chosen framework at the cycle's school): teachers
// in no cycle at work during the window, with at least MinToJudge scores
// before it and in it, whose baseline is within BaselineBand of the
// cycle's. It returns the group's figure and each member's change.
func comparisonOf(e Evidence, pool []store.FocusScore, spans []cycleSpan, loc *time.Location) (Comparison, map[string]member) {
	cmp := Comparison{Band: BaselineBand}
	var bases []float64
	for _, t := range e.Teachers {
		if t.Change != nil {
			bases = append(bases, *t.BeforeMean)
		}
	}
	last := time.Time{}
	for _, p := range e.FollowUps {
		if p.ObservedAt.After(last) {
			last = p.ObservedAt
		}
	}
	if len(bases) == 0 || last.IsZero() {
		return cmp, nil
	}
	base, _, _ := estimate.Mean(bases)
	cmp.Baseline = &base
	cmp.Until = dateIn(last, loc).AddDate(0, 0, 1)
	cut, until := midnight(e.SupportFrom, loc), midnight(cmp.Until, loc)
	busy := map[string]bool{}
	for _, sp := range spans {
		if sp.from.Before(until) && sp.to.After(cut) {
			for _, t := range sp.teachers {
				busy[t] = true
			}
		}
	}
	before, during := map[string][]float64{}, map[string][]store.FocusScore{}
	for _, sc := range pool {
		if busy[sc.TeacherID] || sc.IndicatorKey != e.IndicatorKey || sc.RubricID != e.RubricID {
			continue
		}
		switch {
		case sc.ObservedAt.Before(cut):
			before[sc.TeacherID] = append(before[sc.TeacherID], float64(sc.Level))
		case sc.ObservedAt.Before(until):
			during[sc.TeacherID] = append(during[sc.TeacherID], sc)
		}
	}
	members := map[string]member{}
	var ids []string
	for t, b := range before {
		if len(b) < MinToJudge || len(during[t]) < MinToJudge {
			continue
		}
		m, _, _ := estimate.Mean(b)
		if m < base-BaselineBand-1e-9 || m > base+BaselineBand+1e-9 {
			continue
		}
		members[t] = member{baseline: m, scores: during[t]}
		ids = append(ids, t)
	}
	slices.Sort(ids)
	var changes []float64
	var single []float64
	for _, t := range ids {
		after := make([]float64, len(members[t].scores))
		for i, sc := range members[t].scores {
			after[i] = float64(sc.Level)
		}
		d, iv, ok := estimate.Difference(before[t], after)
		m := members[t]
		m.change = d
		members[t] = m
		changes = append(changes, d)
		if ok {
			single = []float64{iv.Low, iv.High}
		}
	}
	cmp.Figure = pooled(changes, single)
	return cmp, members
}

// member is one comparison teacher: their baseline, their scores in the
// window and their change.
type member struct {
	baseline float64
	scores   []store.FocusScore
	change   float64
}
