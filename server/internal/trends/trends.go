// Package trends answers supervisors' questions from the rollups: means and
// level distributions over weeks or months, by school, dimension, indicator,
// grade band, subject and kind, with small cells suppressed for roles that
// may not see individual teachers.
package trends

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Groupings a trend may use.
var Groupings = []string{"school", "dimension", "indicator", "grade_band", "subject", "kind"}

// Query is what a caller asks for.
type Query struct {
	From, To  time.Time // dates, To exclusive
	SchoolIDs []string
	Dimension string
	Indicator string
	GradeBand string
	Subject   string
	Kind      string
	Bucket    string // "week", "month" or "range" (one bucket: a heat map)
	Group     []string
	RubricID  string // empty: the district's main framework
}

// Cell is one bucket × group of a trend.
type Cell struct {
	Bucket time.Time `json:"bucket"`
	// Group is read only: cells of a dimension trend with the same group
	// share it.
	Group map[string]string `json:"group"`
	// Observations is exact where it can be known: it is absent for cells
	// of a dimension filtered by grade band, subject or kind, where one
	// observation scores several indicators and only the dimension
	// rollups (which keep no such filters) count observations.
	Observations *int64   `json:"observations,omitempty"`
	Scores       int64    `json:"scores"`
	Mean         *float64 `json:"mean,omitempty"`
	Levels       Levels   `json:"levels,omitzero"`
	// Suppressed marks a cell every part of which was left out (LeftOut).
	Suppressed bool `json:"suppressed,omitempty"`
	// LeftOut is how many school periods (one school, one dimension, one
	// week or the part of a week in one month) were left out of the cell
	// because they had fewer observations than the district's minimum and
	// the caller may not see that school's teachers.
	LeftOut int `json:"left_out,omitempty"`
	// Partial marks a week or month only part of which lies in the range:
	// its figures count only the days within it.
	Partial bool `json:"partial,omitempty"`
	// Submitted and NotObserved: for a dimension or indicator cell, the
	// submitted observations in its schools, days and filters, and the
	// share of them that did not score it (addNotObserved).
	Submitted   *int64   `json:"submitted,omitempty"`
	NotObserved *float64 `json:"not_observed,omitempty"`
}

// cellJSON is a cell's fields as the API writes them, for reading.
type cellJSON Cell

// UnmarshalJSON reads a cell written by MarshalJSON.
func (c *Cell) UnmarshalJSON(b []byte) error {
	var v struct {
		Bucket string `json:"bucket"`
		cellJSON
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	day, err := time.Parse(time.DateOnly, v.Bucket)
	if err != nil {
		return fmt.Errorf("trends: bucket %q is not a date", v.Bucket)
	}
	*c = Cell(v.cellJSON)
	c.Bucket = day
	return nil
}

// Levels counts a cell's scores at each level of the scale. It encodes as
// a JSON object keyed by level with the levels that have scores, such as
// {"1": 4, "3": 12}, and is left out when there are none.
type Levels [rollup.MaxLevel + 1]int64

// levelKeys are the levels in the order encoding/json writes a map's keys.
var levelKeys = func() []int {
	ls := make([]int, rollup.MaxLevel+1)
	for l := range ls {
		ls[l] = l
	}
	sort.Slice(ls, func(i, j int) bool { return strconv.Itoa(ls[i]) < strconv.Itoa(ls[j]) })
	return ls
}()

// MarshalJSON writes the levels that have scores.
func (ls Levels) MarshalJSON() ([]byte, error) {
	return ls.appendJSON(make([]byte, 0, 16*len(ls))), nil
}

func (ls Levels) appendJSON(b []byte) []byte {
	b = append(b, '{')
	first := true
	for _, l := range levelKeys {
		if ls[l] == 0 {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = strconv.AppendInt(b, int64(l), 10)
		b = append(b, '"', ':')
		b = strconv.AppendInt(b, ls[l], 10)
	}
	return append(b, '}')
}

// UnmarshalJSON reads levels written by MarshalJSON.
func (ls *Levels) UnmarshalJSON(b []byte) error {
	var m map[string]int64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*ls = Levels{}
	for k, n := range m {
		l, err := strconv.Atoi(k)
		if err != nil || l < 0 || l > rollup.MaxLevel {
			return fmt.Errorf("trends: %q is not a level", k)
		}
		ls[l] = n
	}
	return nil
}

// Result is a trend and the district's figure beside it.
type Result struct {
	RubricID    string   `json:"rubric_id"`
	Bucket      string   `json:"bucket"`
	Group       []string `json:"group"`
	MinCellSize int      `json:"min_cell_size"`
	// From and To are the days the trend covers, To exclusive: the range
	// asked, widened to whole rollup periods (a week, or the part of a
	// week in one month). A range cell stands for all of it.
	From  string `json:"from"`
	To    string `json:"to"`
	Cells []Cell `json:"cells"`
	// District holds the same cells over every school of the district (the
	// school grouping left out), for comparison.
	District []Cell `json:"district"`
	// DistrictLeftOut says the district's figure was left out: a question
	// finer than school and dimension is answered only for schools whose
	// teachers the caller sees.
	DistrictLeftOut bool `json:"district_left_out,omitempty"`
}

// Service reads trends for a caller.
type Service struct {
	store *store.Store
}

// NewService builds the trends service.
func NewService(s *store.Store) *Service { return &Service{store: s} }

// Trend answers q for the caller: only the caller's schools, and for a
// caller who may not see the teachers of a school, that school's figures
// only from the school periods with at least the district's minimum of
// observations (see unitTrend).
func (s *Service) Trend(ctx context.Context, p auth.Principal, q Query) (Result, error) {
	res, _, _, err := s.TrendIfChanged(ctx, p, q, nil)
	return res, err
}

// TrendIfChanged answers q as Trend does, with a tag that names the
// answer: the caller and their grants, the question, the district's
// settings, the framework and the state of the district's rollups
// (store.RollupState). When known holds that tag, the figures cannot have
// changed since it was given, and it answers unchanged without computing
// them. The caller is authorized and the question checked first, so a
// refusal is the same either way.
func (s *Service) TrendIfChanged(ctx context.Context, p auth.Principal, q Query, known []string) (res Result, tag string, unchanged bool, err error) {
	scope := p.ReadScope()
	if !p.IsAdmin() && len(scope.SchoolIDs) == 0 {
		return Result{}, "", false, domain.Errorf(domain.EForbidden, "trends are for district administrators, supervisors, principals and coaches")
	}
	if err := q.validate(); err != nil {
		return Result{}, "", false, err
	}
	// The state is read before the figures, so that the figures answered
	// under a tag are never older than the state it names.
	state, err := s.store.RollupState(ctx, p.DistrictID())
	if err != nil {
		return Result{}, "", false, err
	}
	d, err := s.store.District(ctx, p.DistrictID())
	if err != nil {
		return Result{}, "", false, err
	}
	if q.RubricID == "" {
		if q.RubricID, err = s.store.MainRubric(ctx, p.DistrictID()); domain.ErrorCode(err) == domain.ENotFound {
			q.RubricID = ""
		} else if err != nil {
			return Result{}, "", false, err
		}
	}
	tag = answerTag(p, q, d.Rev, state)
	if slices.Contains(known, tag) {
		return Result{}, tag, true, nil
	}
	res, err = s.trend(ctx, p, q, d)
	return res, tag, false, err
}

// answerTag is a digest of what a trend's answer depends on.
func answerTag(p auth.Principal, q Query, districtRev int64, state string) string {
	question, _ := json.Marshal(q) // a struct of strings, times and slices: it always encodes
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%d\n%s\n", p.ScopeFingerprint(), question, districtRev, state)
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// trend answers a checked question on the district d's framework
// q.RubricID (none: the district has no framework yet).
func (s *Service) trend(ctx context.Context, p auth.Principal, q Query, d domain.District) (Result, error) {
	scope := p.ReadScope()
	var err error
	if q.RubricID == "" {
		from, to := rollup.PeriodBounds(q.From, q.To)
		return Result{Bucket: q.Bucket, Group: q.Group, MinCellSize: d.Settings.MinCellSize, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly),
			Cells: []Cell{}, District: []Cell{}}, nil
	}
	schools := q.SchoolIDs
	if !scope.AllSchools {
		schools = intersect(q.SchoolIDs, scope.SchoolIDs)
	}
	from, to := rollup.PeriodBounds(q.From, q.To)
	sq := rollup.Query{DistrictID: p.DistrictID(), RubricID: q.RubricID, From: from, To: to, SchoolIDs: schools,
		Dimension: q.Dimension, Indicator: q.Indicator, GradeBand: q.GradeBand, Subject: q.Subject, Kind: q.Kind,
		Month: q.Bucket == "month", Whole: q.Bucket == "range", Group: q.Group}
	res := Result{RubricID: q.RubricID, Bucket: q.Bucket, Group: q.Group, MinCellSize: d.Settings.MinCellSize,
		From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)}
	defer markPartial(&res, from, to)
	if p.IsAdmin() {
		// Administrators see everything.
		if res.Cells, err = s.cells(ctx, sq); err != nil {
			return Result{}, err
		}
		if err = s.addNotObserved(ctx, sq, res.Cells); err != nil {
			return Result{}, err
		}
		if sq.SchoolIDs == nil && !slices.Contains(q.Group, "school") {
			// The question is the district's already.
			res.District = slices.Clone(res.Cells)
			return res, nil
		}
		dq := sq
		dq.SchoolIDs, dq.Group = nil, without(q.Group, "school")
		if res.District, err = s.cells(ctx, dq); err != nil {
			return Result{}, err
		}
		return res, s.addNotObserved(ctx, dq, res.District)
	}
	if sq.DimensionTrendable() {
		res.Cells, res.District, err = s.unitTrend(ctx, p, sq, int64(d.Settings.MinCellSize))
		return res, err
	}
	// Finer questions (an indicator, a grade band, a subject, a kind, or
	// no dimension) are for the schools whose teachers the caller sees, and
	// have no district line.
	if !p.SeesTeachersOf(schools) {
		return Result{}, domain.Errorf(domain.EForbidden, "trends by indicator, grade band, subject or kind, or without a dimension, are for schools whose teachers you see; ask by school and dimension")
	}
	if res.Cells, err = s.cells(ctx, sq); err != nil {
		return Result{}, err
	}
	res.District, res.DistrictLeftOut = []Cell{}, true
	return res, s.addNotObserved(ctx, sq, res.Cells)
}

// markPartial marks the week and month cells that begin before from or end
// after to: only their periods within the range are counted.
func markPartial(r *Result, from, to time.Time) {
	if r.Bucket == "range" {
		return
	}
	for _, cells := range [][]Cell{r.Cells, r.District} {
		for i := range cells {
			c := &cells[i]
			end := c.Bucket.AddDate(0, 0, 7)
			if r.Bucket == "month" {
				end = c.Bucket.AddDate(0, 1, 0)
			}
			c.Partial = c.Bucket.Before(from) || end.After(to)
		}
	}
}

// unitTrend answers a dimension trend for a caller who is not a district
// administrator. Its unit is one school's figures for one dimension in one
// rollup period (a week, or the part of a week in one month), the finest
// grain any query may reach: a unit of a school whose teachers the caller
// may not see is left out of every figure when it has fewer observations
// than min, and counted whole otherwise. Every cell and every district
// figure is then a sum of whole units kept, so no difference of figures,
// whatever the range, bucket, schools or grouping asked, comes to less than
// one kept unit. Each cell says how many units were left out of it.
func (s *Service) unitTrend(ctx context.Context, p auth.Principal, q rollup.Query, min int64) (cells, district []Cell, err error) {
	sees := p.TeacherScope()
	if sees.AllSchools {
		min = 0
	}
	kept, all, err := s.store.KeptDimensions(ctx, q, sees.SchoolIDs, min)
	if err != nil {
		return nil, nil, err
	}
	return keptCells(kept, q.Group), keptCells(all, without(q.Group, "school")), nil
}

// keptCells are the cells of a grouping from whole school periods: a cell
// all of whose periods were left out is marked suppressed. A cell's share
// not observed is of the submitted observations of the periods it counts
// (rollup.KeptCell.Submitted), so it is counted by the same rule as its
// figures; see docs/decisions.md.
func keptCells(kept []rollup.KeptCell, group []string) []Cell {
	out := make([]Cell, len(kept))
	for i, k := range kept {
		c := Cell{Bucket: k.Bucket, Group: groupMap(group, k.Group), LeftOut: int(k.LeftOut)}
		if k.Observations == 0 && k.Levels == [rollup.MaxLevel + 1]int64{} {
			c.Suppressed = true
			out[i] = c
			continue
		}
		var sum int64
		for l, n := range k.Levels {
			c.Levels[l] = n
			c.Scores += n
			sum += int64(l) * n
		}
		obs := k.Observations
		c.Observations = &obs
		if c.Scores > 0 {
			m := float64(sum) / float64(c.Scores)
			c.Mean = &m
		}
		if n := k.Submitted; n > 0 && n >= obs {
			share := float64(n-obs) / float64(n)
			c.Submitted, c.NotObserved = &n, &share
		}
		out[i] = c
	}
	return out
}

func (q *Query) validate() error {
	var pr domain.Problems
	if q.Bucket == "" {
		q.Bucket = "week"
	}
	if q.Bucket != "week" && q.Bucket != "month" && q.Bucket != "range" {
		pr.Add("bucket", "must be week, month or range")
	}
	if q.From.IsZero() || q.To.IsZero() || !q.To.After(q.From) {
		pr.Add("to", "the range needs from and to, to after from")
	}
	if q.To.Sub(q.From) > 3*366*24*time.Hour {
		pr.Add("to", "the range may span at most three years")
	}
	seen := map[string]bool{}
	for _, g := range q.Group {
		if !contains(Groupings, g) {
			pr.Add("group", "%q is not one of %s", g, strings.Join(Groupings, ", "))
		}
		if seen[g] {
			pr.Add("group", "%q is named twice", g)
		}
		seen[g] = true
	}
	for _, id := range append(append([]string{}, q.SchoolIDs...), q.RubricID) {
		if id != "" && !domain.ValidID(id) {
			pr.Add("schools", "%q is not an id", id)
		}
	}
	return pr.Err("the trend query is not valid")
}

// cells computes the cells of a store query, unsuppressed.
func (s *Service) cells(ctx context.Context, q rollup.Query) ([]Cell, error) {
	if q.DimensionTrendable() {
		dcs, err := s.store.TrendDimensions(ctx, q)
		return scopedCells(dcs, q.Group), err
	}
	if q.IndicatorTrendable() {
		dcs, err := s.store.TrendIndicators(ctx, q)
		return scopedCells(dcs, q.Group), err
	}
	rows, err := s.store.TrendLevels(ctx, q)
	if err != nil {
		return nil, err
	}
	cs := collect(rows, q.Group)
	byKey := cs.byKey
	// Observations: exact for cells without a dimension; for an indicator,
	// each observation gives it at most one score.
	perIndicator := q.Indicator != "" || contains(q.Group, "indicator")
	perDimension := !perIndicator && (q.Dimension != "" || contains(q.Group, "dimension"))
	if !perIndicator && !perDimension {
		obs, err := s.store.TrendObservations(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, o := range obs {
			k := o.Bucket.Format(time.DateOnly) + "\x00" + strings.Join(o.Group, "\x00")
			if a, ok := byKey[k]; ok {
				n := o.N
				a.cell.Observations = &n
			}
		}
	}
	if perIndicator {
		for _, a := range byKey {
			n := a.cell.Scores
			a.cell.Observations = &n
		}
	}
	return cs.list(), nil
}

// scopedCells are the cells of a trend read from the dimension or the
// indicator rollups, which also count the observations behind each cell
// exactly; the store gives them in bucket and group order.
func scopedCells(dcs []rollup.DimensionCell, group []string) []Cell {
	out := make([]Cell, len(dcs))
	// The cells' observation counts and means are allocated at once, and
	// the cells of one group share its map.
	obs, means := make([]int64, len(dcs)), make([]float64, len(dcs))
	groups := map[[2]string]map[string]string{}
	for i := range dcs {
		dc := &dcs[i]
		var k [2]string
		copy(k[:], dc.Group)
		g, ok := groups[k]
		if !ok || len(dc.Group) > len(k) {
			g = groupMap(group, dc.Group)
			groups[k] = g
		}
		obs[i] = dc.Observations
		c := &out[i]
		*c = Cell{Bucket: dc.Bucket, Group: g, Observations: &obs[i], Levels: dc.Levels}
		var sum int64
		for l, n := range dc.Levels {
			c.Scores += n
			sum += int64(l) * n
		}
		if c.Scores > 0 {
			means[i] = float64(sum) / float64(c.Scores)
			c.Mean = &means[i]
		}
	}
	return out
}

// cellSet gathers rollup rows into cells.
type cellSet struct {
	byKey map[string]*acc
	order []string
}

type acc struct {
	cell Cell
	sum  int64
}

// collect sums rows into cells.
func collect(rows []rollup.Row, group []string) cellSet {
	cs := cellSet{byKey: map[string]*acc{}}
	for _, r := range rows {
		k := r.Bucket.Format(time.DateOnly) + "\x00" + strings.Join(r.Group, "\x00")
		a, ok := cs.byKey[k]
		if !ok {
			a = &acc{cell: Cell{Bucket: r.Bucket, Group: groupMap(group, r.Group)}}
			cs.byKey[k] = a
			cs.order = append(cs.order, k)
		}
		a.cell.Scores += r.N
		a.sum += int64(r.Level) * r.N
		a.cell.Levels[r.Level] += r.N
	}
	return cs
}

// list is the cells in bucket and group order, with their means.
func (cs cellSet) list() []Cell {
	sort.Strings(cs.order)
	out := make([]Cell, 0, len(cs.order))
	for _, k := range cs.order {
		a := cs.byKey[k]
		if a.cell.Scores > 0 {
			m := float64(a.sum) / float64(a.cell.Scores)
			a.cell.Mean = &m
		}
		out = append(out, a.cell)
	}
	return out
}

func groupMap(names, values []string) map[string]string {
	m := make(map[string]string, len(names))
	for i, n := range names {
		m[n] = values[i]
	}
	return m
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func without(xs []string, x string) []string {
	var out []string
	for _, y := range xs {
		if y != x {
			out = append(out, y)
		}
	}
	return out
}

// intersect keeps the asked schools that are in scope; nothing asked means
// every school in scope.
func intersect(asked, scope []string) []string {
	if len(asked) == 0 {
		return append([]string{}, scope...)
	}
	out := []string{}
	for _, id := range asked {
		if contains(scope, id) {
			out = append(out, id)
		}
	}
	return out
}
