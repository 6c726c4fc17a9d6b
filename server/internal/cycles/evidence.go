package cycles

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/estimate"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Point is one submitted score of the focus indicator.
type Point struct {
	ObservationID string
	TeacherID     string
	FollowUpID    string
	ObservedAt    time.Time
	Level         int
	// ByCoach marks a score given by the cycle's own coach, who may see
	// what they hope to see.
	ByCoach bool
}

// Evidence is what a cycle has to show: the focus indicator's scores for
// its teachers before the support began and in its follow-ups.
type Evidence struct {
	CycleID      string
	IndicatorKey string
	// RubricID is the framework whose scores are read, one at a time;
	// Frameworks are those with scores of the focus indicator for the
	// cycle's teachers.
	RubricID   string
	Frameworks []FrameworkRef
	// SupportFrom is the day support began: the first activity's, else the
	// day the cycle started, else the day it was opened.
	SupportFrom  time.Time
	Before       []Point
	FollowUps    []Point
	BeforeMean   *float64
	FollowUpMean *float64
	// Teachers holds each teacher against their own baseline: the pooled
	// means above mix teachers (every teacher has scores before, only
	// those followed up have follow-ups), these do not.
	Teachers []TeacherChange
	// Change is the mean of the judged teachers' changes, each teacher
	// counted once, with its interval; Comparison is the same measured on
	// teachers of similar baseline who had no cycle.
	Change     Figure
	Comparison Comparison
}

// MinToJudge is the fewest scores a teacher needs before the cycle and
// in its follow-ups, each, for a change to be judged; below it the
// change is "too few to judge".
const MinToJudge = 2

// MinShareToJudge is the fewest follow-up scores a share that rose needs
// in the cycle-effectiveness report to be judged; below it the report
// says "too few to judge" beside the count.
const MinShareToJudge = 5

// TeacherChange is one teacher's focus scores in follow-ups against the
// same teacher's scores before the cycle.
type TeacherChange struct {
	TeacherID    string
	Before       int // how many scores before
	BeforeMean   *float64
	FollowUps    int // how many follow-up scores
	FollowUpMean *float64
	// Change is FollowUpMean less BeforeMean, only when both counts reach
	// MinToJudge.
	Change *float64
	// Low and High are Welch's 95% interval of the change.
	Low, High *float64
	TooFew    bool
}

// FrameworkRef names a framework.
type FrameworkRef struct {
	ID   string
	Name string
	Main bool
}

// supportFrom is the first day of support of a cycle, as a date.
func supportFrom(c domain.Cycle, acts []domain.Activity, loc *time.Location) time.Time {
	if len(acts) > 0 {
		first := acts[0].OccurredOn
		for _, a := range acts[1:] {
			if a.OccurredOn.Before(first) {
				first = a.OccurredOn
			}
		}
		return first
	}
	if c.StartedOn != nil {
		return *c.StartedOn
	}
	return dateIn(c.CreatedAt, loc)
}

// midnight is the instant a date (at 00:00 UTC) begins in loc.
func midnight(date time.Time, loc *time.Location) time.Time {
	return time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, loc)
}

// evidenceOf splits a cycle's teachers' focus scores: those observed before
// support began (and not made for one of the cycle's follow-ups), and those
// made for the cycle's follow-ups.
func evidenceOf(c domain.Cycle, acts []domain.Activity, followUps []domain.FollowUp, scores []store.FocusScore, loc *time.Location) Evidence {
	from := supportFrom(c, acts, loc)
	cut := midnight(from, loc)
	mine := map[string]bool{}
	for _, f := range followUps {
		mine[f.ID] = true
	}
	e := Evidence{CycleID: c.ID, IndicatorKey: c.FocusIndicatorKey, SupportFrom: from, Before: []Point{}, FollowUps: []Point{}}
	for _, s := range scores {
		if s.IndicatorKey != c.FocusIndicatorKey || !slices.Contains(c.TeacherIDs, s.TeacherID) {
			continue
		}
		pt := Point{ObservationID: s.ObservationID, TeacherID: s.TeacherID, FollowUpID: s.FollowUpID, ObservedAt: s.ObservedAt, Level: s.Level, ByCoach: s.ObserverID == c.CoachID}
		switch {
		case mine[s.FollowUpID]:
			e.FollowUps = append(e.FollowUps, pt)
		case s.ObservedAt.Before(cut):
			e.Before = append(e.Before, pt)
		}
	}
	e.BeforeMean, e.FollowUpMean = mean(e.Before), mean(e.FollowUps)
	e.Teachers = []TeacherChange{}
	var changes, single []float64
	for _, id := range c.TeacherIDs {
		var before, after []Point
		for _, pt := range e.Before {
			if pt.TeacherID == id {
				before = append(before, pt)
			}
		}
		for _, pt := range e.FollowUps {
			if pt.TeacherID == id {
				after = append(after, pt)
			}
		}
		tc := TeacherChange{TeacherID: id, Before: len(before), BeforeMean: mean(before), FollowUps: len(after), FollowUpMean: mean(after)}
		tc.TooFew = tc.Before < MinToJudge || tc.FollowUps < MinToJudge
		if !tc.TooFew {
			d, iv, _ := estimate.Difference(levels(before), levels(after))
			tc.Change, tc.Low, tc.High = &d, &iv.Low, &iv.High
			changes, single = append(changes, d), []float64{iv.Low, iv.High}
		}
		e.Teachers = append(e.Teachers, tc)
	}
	e.Change = pooled(changes, single)
	return e
}

func levels(ps []Point) []float64 {
	out := make([]float64, len(ps))
	for i, p := range ps {
		out[i] = float64(p.Level)
	}
	return out
}

func mean(ps []Point) *float64 {
	if len(ps) == 0 {
		return nil
	}
	sum := 0
	for _, p := range ps {
		sum += p.Level
	}
	m := float64(sum) / float64(len(ps))
	return &m
}

// Evidence answers whether the shift showed up: the focus indicator's
// scores before and in follow-ups. It is teacher-level data: the cycle's
// coach, the school's principals and coaches, and administrators see it.
func (s *Service) Evidence(ctx context.Context, p auth.Principal, cycleID, rubricID string) (Evidence, error) {
	if rubricID != "" && !domain.ValidID(rubricID) {
		return Evidence{}, domain.Invalid("the evidence query is not valid", domain.FieldError{Field: "rubric_id", Message: "must be an id"})
	}
	c, err := s.cycle(ctx, p, cycleID)
	if err != nil {
		return Evidence{}, err
	}
	if !p.SeesCycleTeachers(c) {
		return Evidence{}, domain.Errorf(domain.EForbidden, "a cycle's evidence is about its teachers: their principal and coaches see it")
	}
	d, err := s.store.District(ctx, p.DistrictID())
	if err != nil {
		return Evidence{}, err
	}
	var acts []domain.Activity
	var fs []domain.FollowUp
	err = s.store.ReadTx(ctx, func(tx *store.Tx) error {
		if acts, err = tx.CycleActivities(ctx, p.DistrictID(), []string{c.ID}); err != nil {
			return err
		}
		fs, err = tx.CycleFollowUps(ctx, p.DistrictID(), []string{c.ID})
		return err
	})
	if err != nil {
		return Evidence{}, err
	}
	scores, err := s.store.FocusScores(ctx, p.DistrictID(), c.TeacherIDs, []string{c.FocusIndicatorKey})
	if err != nil {
		return Evidence{}, err
	}
	chosen, refs, kept, err := s.oneFramework(ctx, p.DistrictID(), rubricID, scores)
	if err != nil {
		return Evidence{}, err
	}
	e := evidenceOf(c, acts, fs, kept, d.Location())
	e.RubricID, e.Frameworks = chosen, refs
	spans, err := s.spans(ctx, p.DistrictID(), d.Location())
	if err != nil {
		return Evidence{}, err
	}
	pool, err := s.store.SchoolFocusScores(ctx, p.DistrictID(), []string{c.SchoolID}, []string{c.FocusIndicatorKey})
	if err != nil {
		return Evidence{}, err
	}
	e.Comparison, _ = comparisonOf(e, pool, spans, d.Location())
	if e.Frameworks == nil {
		e.Frameworks = []FrameworkRef{}
	}
	return e, nil
}

// KindEffect is how often the focus indicator rose in follow-ups whose
// latest support before them was one kind of activity.
type KindEffect struct {
	Kind      domain.ActivityKind
	Cycles    int // cycles with a follow-up score counted here
	FollowUps int // follow-up scores whose latest support was this kind
	Rose      int // of which the focus indicator was above the teacher's level before the cycle
	// LeftOut is how many school months of this kind were left out: for a
	// caller who may not see the teachers of a cycle's school, its
	// follow-up scores count only in school months (one school, one kind,
	// one month) with at least the district's minimum of them.
	LeftOut int
	// Suppressed marks a kind every school month of which was left out.
	Suppressed bool
	// GroupChange is this kind's change against own baselines and its
	// comparison, from the follow-up scores counted here.
	GroupChange
}

// oneFramework keeps the scores of one framework, never pooling two: the
// one asked; else the main framework when it has scores, else the first
// that has. It names the frameworks that have scores.
func (s *Service) oneFramework(ctx context.Context, districtID, rubricID string, scores []store.FocusScore) (string, []FrameworkRef, []store.FocusScore, error) {
	frames, err := s.store.Frameworks(ctx, districtID, false)
	if err != nil {
		return "", nil, nil, err
	}
	withData := map[string]bool{}
	for _, sc := range scores {
		withData[sc.RubricID] = true
	}
	refs := []FrameworkRef{}
	chosen, known, main := "", false, ""
	for _, f := range frames {
		known = known || f.ID == rubricID
		if f.Main {
			main = f.ID
		}
		if withData[f.ID] {
			refs = append(refs, FrameworkRef{ID: f.ID, Name: f.Name, Main: f.Main})
			if chosen == "" || f.Main {
				chosen = f.ID
			}
		}
	}
	switch {
	case rubricID != "" && !known:
		return "", nil, nil, domain.Errorf(domain.ENotFound, "framework not found")
	case rubricID != "":
		chosen = rubricID
	case chosen == "":
		chosen = main
	}
	var kept []store.FocusScore
	for _, sc := range scores {
		if sc.RubricID == chosen {
			kept = append(kept, sc)
		}
	}
	return chosen, refs, kept, nil
}

// Effectiveness is the cycle-effectiveness report.
type Effectiveness struct {
	Kinds     []KindEffect
	Cycles    int // cycles with at least one follow-up score compared
	FollowUps int // follow-up scores compared with a level before the cycle
	Rose      int
	LeftOut   int // school months left out (KindEffect.LeftOut), of every kind
	// FromRequests is the part of the figures above that comes from cycles
	// opened from a support request, among the cycles whose teachers the
	// caller sees (so no difference of figures tells of the others).
	FromRequests RequestEffect
	// From and To are the days the report covers: for a caller who may not
	// see the teachers of some cycle's school, the days asked widened to
	// whole months.
	From, To time.Time
	// RubricID is the framework whose scores are read, one at a time (as
	// the evidence's); Frameworks are those with focus scores of the
	// cycles' teachers.
	RubricID   string
	Frameworks []FrameworkRef
	// GroupChange is the change of every follow-up score counted, each
	// once, against own baselines, and its comparison.
	GroupChange
}

// ReportQuery bounds the report by the days the follow-up scores were
// observed: dates at 00:00 UTC, To exclusive, zero for no bound, read in
// the district's time zone; RubricID names the framework, empty for the
// default (see oneFramework).
type ReportQuery struct {
	From, To time.Time
	RubricID string
}

// Effectiveness reports, over the cycles the caller sees (the whole
// district for an administrator), how often the focus indicator rose in
// follow-ups, by kind of support activity. A follow-up score rose when it
// is above the mean of the same teacher's focus scores before the cycle's
// support began; it counts once, for the kind of the cycle's latest
// support activity on or before the day of the follow-up (none when there
// was none). Scores of teachers with no score before the cycle cannot be
// compared and are left out.
//
// For a caller who may not see the teachers of a cycle's school
// (auth.SeesCycleTeachers), the rule of trends holds: the days asked are
// widened to whole months, and that school's follow-up scores count only
// by whole school months (one school, one kind, one month) of at least the
// district's minimum, so that every figure, the totals included, is a sum
// of whole school months kept and no difference of figures comes to less.
func (s *Service) Effectiveness(ctx context.Context, p auth.Principal, q ReportQuery) (Effectiveness, error) {
	if p.ReadScope().Empty() {
		return Effectiveness{}, domain.Errorf(domain.EForbidden, "the cycle-effectiveness report is for coaches and school and district leaders")
	}
	d, err := s.store.District(ctx, p.DistrictID())
	if err != nil {
		return Effectiveness{}, err
	}
	loc := d.Location()
	cs, err := s.store.CyclesList(ctx, store.CycleFilter{Visible: p.ReadScope(), CoachID: p.User.ID})
	if err != nil || len(cs) == 0 {
		return Effectiveness{Kinds: []KindEffect{}, From: q.From, To: q.To, Frameworks: []FrameworkRef{}}, err
	}
	for _, c := range cs {
		if !p.SeesCycleTeachers(c) {
			if !q.From.IsZero() {
				q.From = time.Date(q.From.Year(), q.From.Month(), 1, 0, 0, 0, 0, time.UTC)
			}
			if !q.To.IsZero() && q.To.Day() != 1 {
				q.To = time.Date(q.To.Year(), q.To.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			}
			break
		}
	}
	from, to := domain.DayStart(q.From, loc), domain.DayStart(q.To, loc)
	ids := make([]string, len(cs))
	var teachers, keys []string
	for i, c := range cs {
		ids[i] = c.ID
		teachers = append(teachers, c.TeacherIDs...)
		keys = append(keys, c.FocusIndicatorKey)
	}
	var acts []domain.Activity
	var fs []domain.FollowUp
	err = s.store.ReadTx(ctx, func(tx *store.Tx) error {
		if acts, err = tx.CycleActivities(ctx, p.DistrictID(), ids); err != nil {
			return err
		}
		fs, err = tx.CycleFollowUps(ctx, p.DistrictID(), ids)
		return err
	})
	if err != nil {
		return Effectiveness{}, err
	}
	requested, err := s.store.SupportRequestsOfCycles(ctx, p.DistrictID(), ids)
	if err != nil {
		return Effectiveness{}, err
	}
	scores, err := s.store.FocusScores(ctx, p.DistrictID(), sortedUnique(teachers), sortedUnique(keys))
	if err != nil {
		return Effectiveness{}, err
	}
	rubricID, frames, scores, err := s.oneFramework(ctx, p.DistrictID(), q.RubricID, scores)
	if err != nil {
		return Effectiveness{}, err
	}
	actsBy := map[string][]domain.Activity{}
	for _, a := range acts {
		actsBy[a.CycleID] = append(actsBy[a.CycleID], a)
	}
	fsBy := map[string][]domain.FollowUp{}
	for _, f := range fs {
		fsBy[f.CycleID] = append(fsBy[f.CycleID], f)
	}
	// Each compared follow-up score, with its school month.
	type counted struct {
		keptScore
		rose bool
		unit schoolMonth
		sees bool
	}
	var all []counted
	perUnit := map[schoolMonth]int{}
	evs := map[string]Evidence{}
	hidesSome := false
	for _, c := range cs {
		e := evidenceOf(c, actsBy[c.ID], fsBy[c.ID], scores, loc)
		e.RubricID = rubricID
		evs[c.ID] = e
		hidesSome = hidesSome || !p.SeesCycleTeachers(c)
		base := map[string][]Point{}
		for _, pt := range e.Before {
			base[pt.TeacherID] = append(base[pt.TeacherID], pt)
		}
		for _, pt := range e.FollowUps {
			if (!from.IsZero() && pt.ObservedAt.Before(from)) || (!to.IsZero() && !pt.ObservedAt.Before(to)) {
				continue
			}
			b := mean(base[pt.TeacherID])
			if b == nil {
				continue
			}
			day := dateIn(pt.ObservedAt, loc)
			kind := latestSupport(actsBy[c.ID], day)
			u := schoolMonth{c.SchoolID, kind, time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)}
			perUnit[u]++
			all = append(all, counted{keptScore: keptScore{cycle: c.ID, teacher: pt.TeacherID, kind: kind, point: pt}, rose: float64(pt.Level) > *b, unit: u, sees: p.SeesCycleTeachers(c)})
		}
	}
	out := Effectiveness{From: q.From, To: q.To, RubricID: rubricID, Frameworks: frames}
	kinds := map[domain.ActivityKind]*KindEffect{}
	cyclesOf := map[domain.ActivityKind]map[string]bool{}
	allCycles := map[string]bool{}
	leftOut := map[schoolMonth]bool{}
	var kept []keptScore
	for _, r := range all {
		k := kinds[r.kind]
		if k == nil && r.kind != "" {
			k = &KindEffect{Kind: r.kind}
			kinds[r.kind] = k
			cyclesOf[r.kind] = map[string]bool{}
		}
		if !r.sees && perUnit[r.unit] < d.Settings.MinCellSize {
			if !leftOut[r.unit] {
				leftOut[r.unit] = true
				out.LeftOut++
				if k != nil {
					k.LeftOut++
				}
			}
			continue
		}
		out.FollowUps++
		kept = append(kept, r.keptScore)
		allCycles[r.cycle] = true
		if r.sees {
			out.FromRequests.add(requested[r.cycle], r.cycle, r.rose)
		}
		if r.rose {
			out.Rose++
		}
		if k != nil {
			k.FollowUps++
			cyclesOf[r.kind][r.cycle] = true
			if r.rose {
				k.Rose++
			}
		}
	}
	out.Cycles = len(allCycles)
	out.FromRequests.Cycles = len(out.FromRequests.cycles)
	spans, err := s.spans(ctx, p.DistrictID(), loc)
	if err != nil {
		return Effectiveness{}, err
	}
	schools := make([]string, len(cs))
	for i, c := range cs {
		schools[i] = c.SchoolID
	}
	pool := map[[2]string][]store.FocusScore{}
	for _, school := range sortedUnique(schools) {
		scores, err := s.store.SchoolFocusScores(ctx, p.DistrictID(), []string{school}, sortedUnique(keys))
		if err != nil {
			return Effectiveness{}, err
		}
		for _, sc := range scores {
			k := [2]string{school, sc.IndicatorKey}
			pool[k] = append(pool[k], sc)
		}
	}
	change := func(kinds []domain.ActivityKind) GroupChange {
		g := groupChange(kept, kinds, evs, cs, pool, spans, loc)
		if hidesSome {
			g = g.withhold(d.Settings.MinCellSize)
		}
		return g
	}
	out.GroupChange = change(nil)
	out.Kinds = []KindEffect{}
	for kind, k := range kinds {
		k.Cycles = len(cyclesOf[kind])
		k.Suppressed = k.FollowUps == 0
		if !k.Suppressed {
			k.GroupChange = change([]domain.ActivityKind{kind})
		}
		out.Kinds = append(out.Kinds, *k)
	}
	sort.Slice(out.Kinds, func(i, j int) bool { return out.Kinds[i].Kind < out.Kinds[j].Kind })
	return out, nil
}

// RequestEffect is how cycles opened from support requests did: how many
// had a follow-up score compared, how many scores were, and how many rose.
type RequestEffect struct {
	Cycles    int
	FollowUps int
	Rose      int
	cycles    map[string]bool
}

func (e *RequestEffect) add(requestID, cycleID string, rose bool) {
	if requestID == "" {
		return
	}
	if e.cycles == nil {
		e.cycles = map[string]bool{}
	}
	e.cycles[cycleID] = true
	e.FollowUps++
	if rose {
		e.Rose++
	}
}

// schoolMonth is the unit the report keeps or leaves out whole for a
// caller who may not see a school's teachers.
type schoolMonth struct {
	school string
	kind   domain.ActivityKind
	month  time.Time
}

// latestSupport is the kind of the latest activity on or before day (the
// first kind by name among activities of that day); empty when none.
func latestSupport(acts []domain.Activity, day time.Time) domain.ActivityKind {
	var best *domain.Activity
	for i := range acts {
		a := &acts[i]
		if a.OccurredOn.After(day) {
			continue
		}
		if best == nil || a.OccurredOn.After(best.OccurredOn) || (a.OccurredOn.Equal(best.OccurredOn) && a.Kind < best.Kind) {
			best = a
		}
	}
	if best == nil {
		return ""
	}
	return best.Kind
}
