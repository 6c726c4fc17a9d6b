package support

import (
	"context"
	"slices"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// ViewQuery asks for the teacher view of schools (all the caller's when
// empty) over the days From to To (dates at 00:00 UTC read in the
// district's time zone, To exclusive; no bound when zero), on a framework
// (the district's default when empty).
type ViewQuery struct {
	SchoolIDs []string
	From, To  time.Time
	RubricID  string
}

// Column is a dimension or indicator of the view.
type Column struct {
	Key, Name string
}

// Cell is a teacher's submitted scores on one dimension or indicator: the
// observations that scored it, the scores and their mean (nil when none).
type Cell struct {
	Observations int64
	Scores       int64
	Sum          int64
}

// Mean is the cell's mean level, nil when it holds no score.
func (c Cell) Mean() *float64 {
	if c.Scores == 0 {
		return nil
	}
	m := float64(c.Sum) / float64(c.Scores)
	return &m
}

// CycleTrend is how a teacher's focus indicator moved since their last
// cycle of support began: every submitted score before its start against
// every one since, up to the end of the period.
type CycleTrend struct {
	CycleID      string
	IndicatorKey string
	StartedOn    time.Time
	Before       Cell
	Since        Cell
}

// TeacherRow is one teacher of the view.
type TeacherRow struct {
	Teacher      domain.Teacher
	Observations int64           // submitted observations in the period
	LastVisit    *time.Time      // the last one before the period's end
	Dimensions   map[string]Cell // by dimension key
	Indicators   map[string]Cell // by focus indicator key
	Cycles       []domain.Cycle  // current cycles (planned or active) the teacher is in
	Trend        *CycleTrend     // since the teacher's last cycle; nil when none began
}

// View is the teacher view: teachers × dimensions, and × the focus
// indicators of the schools' current cycles.
type View struct {
	RubricID   string
	From, To   time.Time
	Dimensions []Column
	Indicators []Column
	Teachers   []TeacherRow
}

// TeacherView answers the teacher view. It names teachers with their
// figures, so it is only for callers who see the teachers of every school
// asked (auth.SeesTeachersOf): others are refused whatever they ask.
func (s *Service) TeacherView(ctx context.Context, p auth.Principal, q ViewQuery) (View, error) {
	sc := p.TeacherScope()
	if !p.IsAdmin() && len(sc.SchoolIDs) == 0 {
		return View{}, domain.Errorf(domain.EForbidden, "the teacher view names teachers: it is for district administrators, principals and coaches, at the schools whose teachers they see")
	}
	sc, err := s.store.NarrowScope(ctx, sc, q.SchoolIDs)
	if err != nil {
		return View{}, err
	}
	if !sc.AllSchools && !p.SeesTeachersOf(sc.SchoolIDs) {
		return View{}, domain.Errorf(domain.EForbidden, "the teacher view is for those who see the school's teachers")
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return View{}, domain.Invalid("the period is not valid", domain.FieldError{Field: "to", Message: "must be after from"})
	}
	d, err := s.store.District(ctx, p.DistrictID())
	if err != nil {
		return View{}, err
	}
	loc := d.Location()
	from, to := domain.DayStart(q.From, loc), domain.DayStart(q.To, loc)
	v := View{RubricID: q.RubricID, From: q.From, To: q.To, Dimensions: []Column{}, Indicators: []Column{}, Teachers: []TeacherRow{}}
	if v.RubricID == "" {
		if v.RubricID, err = s.store.MainRubric(ctx, p.DistrictID()); domain.ErrorCode(err) == domain.ENotFound {
			return v, nil
		}
		if err != nil {
			return View{}, err
		}
	}
	if err := s.columns(ctx, p.DistrictID(), &v); err != nil {
		return View{}, err
	}
	teachers, err := s.store.Teachers(ctx, sc, store.Keyset{})
	if err != nil {
		return View{}, err
	}
	visits, err := s.store.TeacherVisits(ctx, sc, from, to)
	if err != nil {
		return View{}, err
	}
	dims, err := s.store.TeacherScores(ctx, store.TeacherScoreQuery{Scope: sc, RubricID: v.RubricID, From: from, To: to})
	if err != nil {
		return View{}, err
	}
	cycles, err := s.store.SchoolCycles(ctx, sc)
	if err != nil {
		return View{}, err
	}
	var focus []string
	for _, c := range cycles {
		if current(c) && !slices.Contains(focus, c.FocusIndicatorKey) {
			focus = append(focus, c.FocusIndicatorKey)
		}
	}
	slices.Sort(focus)
	names, err := s.store.IndicatorNames(ctx, p.DistrictID())
	if err != nil {
		return View{}, err
	}
	for _, k := range focus {
		v.Indicators = append(v.Indicators, Column{Key: k, Name: names[k]})
	}
	var inds []store.TeacherScoreSum
	if len(focus) > 0 {
		if inds, err = s.store.TeacherScores(ctx, store.TeacherScoreQuery{Scope: sc, RubricID: v.RubricID, From: from, To: to, Indicators: focus}); err != nil {
			return View{}, err
		}
	}
	rows := map[string]*TeacherRow{}
	for _, t := range teachers {
		if !t.Active && visits[t.ID].Observations == 0 {
			continue
		}
		vi := visits[t.ID]
		v.Teachers = append(v.Teachers, TeacherRow{Teacher: t, Observations: vi.Observations, LastVisit: vi.Last,
			Dimensions: map[string]Cell{}, Indicators: map[string]Cell{}, Cycles: []domain.Cycle{}})
	}
	for i := range v.Teachers {
		rows[v.Teachers[i].Teacher.ID] = &v.Teachers[i]
	}
	for _, c := range dims {
		if r := rows[c.TeacherID]; r != nil {
			r.Dimensions[c.Key] = Cell{Observations: c.Observations, Scores: c.Scores, Sum: c.Sum}
		}
	}
	for _, c := range inds {
		if r := rows[c.TeacherID]; r != nil {
			r.Indicators[c.Key] = Cell{Observations: c.Observations, Scores: c.Scores, Sum: c.Sum}
		}
	}
	last := map[string]domain.Cycle{}
	for _, c := range cycles {
		for _, t := range c.TeacherIDs {
			r := rows[t]
			if r == nil {
				continue
			}
			if current(c) {
				r.Cycles = append(r.Cycles, c)
			}
			if c.StartedOn != nil && (to.IsZero() || domain.DayStart(*c.StartedOn, loc).Before(to)) {
				if l, ok := last[t]; !ok || c.StartedOn.After(*l.StartedOn) || (c.StartedOn.Equal(*l.StartedOn) && c.ID > l.ID) {
					last[t] = c
				}
			}
		}
	}
	for t, c := range last {
		start := domain.DayStart(*c.StartedOn, loc)
		tr := &CycleTrend{CycleID: c.ID, IndicatorKey: c.FocusIndicatorKey, StartedOn: *c.StartedOn}
		before, err := s.store.TeacherScores(ctx, store.TeacherScoreQuery{Scope: sc, RubricID: v.RubricID, TeacherIDs: []string{t},
			To: start, Indicators: []string{c.FocusIndicatorKey}})
		if err != nil {
			return View{}, err
		}
		since, err := s.store.TeacherScores(ctx, store.TeacherScoreQuery{Scope: sc, RubricID: v.RubricID, TeacherIDs: []string{t},
			From: start, To: to, Indicators: []string{c.FocusIndicatorKey}})
		if err != nil {
			return View{}, err
		}
		for _, b := range before {
			tr.Before = Cell{Observations: b.Observations, Scores: b.Scores, Sum: b.Sum}
		}
		for _, b := range since {
			tr.Since = Cell{Observations: b.Observations, Scores: b.Scores, Sum: b.Sum}
		}
		rows[t].Trend = tr
	}
	return v, nil
}

func current(c domain.Cycle) bool {
	return c.Status == domain.CyclePlanned || c.Status == domain.CycleActive
}

// columns names the dimensions of the framework's newest published version.
func (s *Service) columns(ctx context.Context, districtID string, v *View) error {
	rubrics, err := s.store.Rubrics(ctx, districtID, false)
	if err != nil {
		return err
	}
	for _, rb := range rubrics {
		if rb.ID != v.RubricID || len(rb.Versions) == 0 {
			continue
		}
		rv, err := s.store.RubricVersion(ctx, districtID, rb.Versions[0].ID)
		if err != nil {
			return err
		}
		for _, d := range rv.Dimensions {
			v.Dimensions = append(v.Dimensions, Column{Key: d.Key, Name: d.Name})
		}
		return nil
	}
	return domain.Errorf(domain.ENotFound, "framework not found")
}
