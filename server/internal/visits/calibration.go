package visits

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// CalibrationQuery is what a caller asks for: walkthroughs visited in
// [From, To), at SchoolIDs (all the caller's schools when empty).
type CalibrationQuery struct {
	From, To  time.Time
	SchoolIDs []string
	RubricID  string // the framework; empty: the district's main one
}

// CalibrationFramework is a framework that has scores in the span asked.
type CalibrationFramework struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Main bool   `json:"main"`
}

// Calibration says whether walkthrough teams score alike. A classroom visit
// is the submitted observations of one teacher inside one walkthrough; only
// visits scored by two or more observations count.
type Calibration struct {
	From         string                 `json:"from"`
	To           string                 `json:"to"`
	RubricID     string                 `json:"rubric_id"` // the framework read: one at a time
	Frameworks   []CalibrationFramework `json:"frameworks"`
	Walkthroughs int                    `json:"walkthroughs"`
	Visits       int                    `json:"visits"`
	Observations int                    `json:"observations"`
	Indicators   []CalibrationIndicator `json:"indicators"`
	Observers    []CalibrationObserver  `json:"observers"`
}

// CalibrationIndicator is one indicator: over all pairs of observations of
// the same classroom visit, the share that gave the same level and the
// share at most one level apart, and the mean spread of a visit.
type CalibrationIndicator struct {
	Key        string   `json:"key"`
	Name       string   `json:"name"`
	Visits     int      `json:"visits"`
	Pairs      int      `json:"pairs"`
	Exact      *float64 `json:"exact_agreement"`
	WithinOne  *float64 `json:"within_one_agreement"`
	MeanSpread *float64 `json:"mean_spread"`
}

// CalibrationObserver is one observer against the team's median: of their
// levels given where at least two observations of the visit scored the
// indicator, the share equal to the median of all of them, the share within
// one level, and the mean signed difference (above zero: scores higher than
// the team). Months follow the visit days.
type CalibrationObserver struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	MedianAgreement
	Months []ObserverMonth `json:"months"`
}

// MedianAgreement is agreement with the team's median.
type MedianAgreement struct {
	Scores         int      `json:"scores"`
	Exact          *float64 `json:"exact_agreement"`
	WithinOne      *float64 `json:"within_one_agreement"`
	MeanDifference *float64 `json:"mean_difference"`

	exact, within int
	diff          float64
}

// ObserverMonth is an observer's agreement with the team in one month.
type ObserverMonth struct {
	Month string `json:"month"`
	MedianAgreement
}

func (m *MedianAgreement) add(level int, med float64) {
	m.Scores++
	d := float64(level) - med
	m.diff += d
	if d == 0 {
		m.exact++
	}
	if d >= -1 && d <= 1 {
		m.within++
	}
}

func (m *MedianAgreement) finish() {
	m.Exact, m.WithinOne = share(m.exact, m.Scores), share(m.within, m.Scores)
	if m.Scores > 0 {
		d := m.diff / float64(m.Scores)
		m.MeanDifference = &d
	}
}

// Calibration answers q for district administrators, and for supervisors
// and principals over their schools.
func (s *Service) Calibration(ctx context.Context, p auth.Principal, q CalibrationQuery) (Calibration, error) {
	scope := p.LeadScope()
	if !scope.AllSchools && len(scope.SchoolIDs) == 0 {
		return Calibration{}, domain.Errorf(domain.EForbidden, "calibration is for district administrators, supervisors and principals")
	}
	var prob domain.Problems
	if q.From.IsZero() {
		prob.Add("from", "must be a date such as 2026-08-15")
	}
	if q.To.IsZero() {
		prob.Add("to", "must be a date such as 2026-08-15")
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From) {
		prob.Add("to", "must be after from")
	}
	for i, id := range q.SchoolIDs {
		if !domain.ValidID(id) {
			prob.Add("school_id["+strconv.Itoa(i)+"]", "must be an id")
		}
	}
	if q.RubricID != "" && !domain.ValidID(q.RubricID) {
		prob.Add("rubric_id", "must be an id")
	}
	if err := prob.Err("the calibration query is not valid"); err != nil {
		return Calibration{}, err
	}
	for _, id := range q.SchoolIDs {
		if !scope.HasSchool(id) {
			return Calibration{}, domain.Errorf(domain.ENotFound, "school not found")
		}
		if _, err := s.store.School(ctx, p.DistrictID(), id); err != nil {
			return Calibration{}, err
		}
	}
	rows, err := s.store.CalibrationScores(ctx, store.CalibrationFilter{Scope: scope, SchoolIDs: q.SchoolIDs, From: q.From, To: q.To})
	if err != nil {
		return Calibration{}, err
	}
	out := Calibration{From: q.From.Format(time.DateOnly), To: q.To.Format(time.DateOnly), RubricID: q.RubricID,
		Frameworks: []CalibrationFramework{}, Indicators: []CalibrationIndicator{}, Observers: []CalibrationObserver{}}
	// One framework at a time: the one asked, else the main one; indicators
	// of its versions are carried across by their keys, and no other
	// framework's scores mix in, whatever keys they share.
	fs, err := s.store.Frameworks(ctx, p.DistrictID(), false)
	if err != nil {
		return Calibration{}, err
	}
	withData := map[string]bool{}
	for _, r := range rows {
		withData[r.RubricID] = true
	}
	known := false
	for _, f := range fs {
		if out.RubricID == "" && f.Main {
			out.RubricID = f.ID
		}
		known = known || f.ID == q.RubricID
		if withData[f.ID] || f.Main {
			out.Frameworks = append(out.Frameworks, CalibrationFramework{ID: f.ID, Name: f.Name, Main: f.Main})
		}
	}
	if q.RubricID != "" && !known {
		return Calibration{}, domain.Errorf(domain.ENotFound, "framework not found")
	}
	kept := rows[:0]
	for _, r := range rows {
		if r.RubricID == out.RubricID {
			kept = append(kept, r)
		}
	}
	rows = kept

	// Group the levels by classroom visit and indicator; rows come ordered
	// by walkthrough, teacher and indicator.
	type cell struct {
		visit, key string
		month      string
		levels     []calibrationLevel
	}
	var cells []*cell
	visitObs := map[string]map[string]bool{}
	for _, r := range rows {
		visit := r.WalkthroughID + "/" + r.TeacherID
		if n := len(cells); n == 0 || cells[n-1].visit != visit || cells[n-1].key != r.IndicatorKey {
			cells = append(cells, &cell{visit: visit, key: r.IndicatorKey, month: r.VisitDate.Format("2006-01")})
		}
		c := cells[len(cells)-1]
		c.levels = append(c.levels, calibrationLevel{ObserverID: r.ObserverID, Level: r.Level})
		if visitObs[visit] == nil {
			visitObs[visit] = map[string]bool{}
		}
		visitObs[visit][r.ObservationID] = true
	}

	type indAcc struct {
		visits, pairs, exact, within, spreadSum int
	}
	inds := map[string]*indAcc{}
	observers := map[string]*CalibrationObserver{}
	months := map[string]map[string]*ObserverMonth{}
	walks := map[string]bool{}
	counted := map[string]bool{}
	for _, c := range cells {
		if len(visitObs[c.visit]) < 2 || len(c.levels) < 2 {
			continue
		}
		if !counted[c.visit] {
			counted[c.visit] = true
			out.Visits++
			out.Observations += len(visitObs[c.visit])
			walks[c.visit[:36]] = true
		}
		levels := make([]int, len(c.levels))
		for i, l := range c.levels {
			levels[i] = l.Level
		}
		a := levelsAgreement(levels, 0)
		acc := inds[c.key]
		if acc == nil {
			acc = &indAcc{}
			inds[c.key] = acc
		}
		acc.visits++
		acc.pairs += a.Pairs
		acc.exact += a.exactPairs
		acc.within += a.withinPairs
		acc.spreadSum += *a.Spread
		med := *a.Median
		for _, l := range c.levels {
			o := observers[l.ObserverID]
			if o == nil {
				o = &CalibrationObserver{UserID: l.ObserverID}
				observers[l.ObserverID] = o
				months[l.ObserverID] = map[string]*ObserverMonth{}
			}
			o.add(l.Level, med)
			m := months[l.ObserverID][c.month]
			if m == nil {
				m = &ObserverMonth{Month: c.month}
				months[l.ObserverID][c.month] = m
			}
			m.add(l.Level, med)
		}
	}
	out.Walkthroughs = len(walks)

	names, err := s.indicatorNames(ctx, p.DistrictID(), rows)
	if err != nil {
		return Calibration{}, err
	}
	for key, acc := range inds {
		spread := float64(acc.spreadSum) / float64(acc.visits)
		out.Indicators = append(out.Indicators, CalibrationIndicator{Key: key, Name: names.name(key), Visits: acc.visits, Pairs: acc.pairs,
			Exact: share(acc.exact, acc.pairs), WithinOne: share(acc.within, acc.pairs), MeanSpread: &spread})
	}
	sort.Slice(out.Indicators, func(i, j int) bool {
		return names.rank(out.Indicators[i].Key) < names.rank(out.Indicators[j].Key) ||
			names.rank(out.Indicators[i].Key) == names.rank(out.Indicators[j].Key) && out.Indicators[i].Key < out.Indicators[j].Key
	})
	for id, o := range observers {
		o.finish()
		o.Name = "Former user"
		if u, err := s.store.User(ctx, p.DistrictID(), id); err == nil {
			o.Name = u.Name
		} else if domain.ErrorCode(err) != domain.ENotFound {
			return Calibration{}, err
		}
		o.Months = []ObserverMonth{}
		for _, m := range months[id] {
			m.finish()
			o.Months = append(o.Months, *m)
		}
		sort.Slice(o.Months, func(i, j int) bool { return o.Months[i].Month < o.Months[j].Month })
		out.Observers = append(out.Observers, *o)
	}
	sort.Slice(out.Observers, func(i, j int) bool {
		return out.Observers[i].Name < out.Observers[j].Name || out.Observers[i].Name == out.Observers[j].Name && out.Observers[i].UserID < out.Observers[j].UserID
	})
	return out, nil
}

// calibrationLevel is one observer's level in a classroom visit.
type calibrationLevel struct {
	ObserverID string
	Level      int
}

// indicatorNamer names indicator keys from the newest rubric version among
// those the scores were given on, in that version's order.
type indicatorNamer struct {
	names map[string]string
	ranks map[string]int
}

func (n indicatorNamer) name(key string) string {
	if s, ok := n.names[key]; ok {
		return s
	}
	return key
}

func (n indicatorNamer) rank(key string) int {
	if r, ok := n.ranks[key]; ok {
		return r
	}
	return len(n.ranks)
}

func (s *Service) indicatorNames(ctx context.Context, districtID string, rows []store.CalibrationScore) (indicatorNamer, error) {
	out := indicatorNamer{names: map[string]string{}, ranks: map[string]int{}}
	seen := map[string]bool{}
	var versions []domain.RubricVersion
	for _, r := range rows {
		if seen[r.RubricVersionID] {
			continue
		}
		seen[r.RubricVersionID] = true
		v, err := s.store.RubricVersion(ctx, districtID, r.RubricVersionID)
		if err != nil {
			return out, err
		}
		versions = append(versions, v)
	}
	// Older versions first, so the newest names win.
	sort.Slice(versions, func(i, j int) bool { return versions[i].Version < versions[j].Version })
	for _, v := range versions {
		for i, key := range v.IndicatorKeys() {
			ind, _, _ := v.Indicator(key)
			out.names[key] = ind.Name
			if _, ok := out.ranks[key]; !ok {
				out.ranks[key] = i
			}
		}
	}
	return out, nil
}
