package httpapi

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
)

// figure is what a caller learned from trend answers about the schools
// whose teachers they may not see: the observations of one dimension at a
// set of such schools over the days [from, to), or (dim prefixed
// "submitted ") the submitted observations behind them, the base of the
// share not observed.
type figure struct {
	schools  string // sorted ids, joined
	dim      string
	from, to string // dates, to exclusive
	obs      int64
	source   string
	answer   int    // which answer it came from
	bucket   string // week, month or range
}

func (f figure) within(g figure) bool {
	return f.dim == g.dim && f.from >= g.from && f.to <= g.to && subsetOf(f.schools, g.schools)
}

func subsetOf(a, b string) bool {
	for _, id := range strings.Split(a, ",") {
		if !slices.Contains(strings.Split(b, ","), id) {
			return false
		}
	}
	return true
}

// plantSmallPeriods puts observations at A1 and A2 in weeks of August and
// September 2026, many of them school periods (one school, dimension and
// week, or the part of a week in a month) below the minimum of 5: the week
// of Monday 31 August splits into 31 August and 1 to 6 September. Every
// observation of the plan scores classroom culture; every other one also
// lesson content. Then visits that score only lesson content: a period
// kept for content and left out for culture, one where culture is not
// scored at all, one kept for both, half of whose visits did not score
// culture. It returns how many school periods below the minimum each
// school has.
func plantSmallPeriods(t *testing.T, w *world) map[string]int {
	t.Helper()
	v := domain.BuiltinFramework()
	first, second := v.Dimensions[0].Indicators[0].Key, v.Dimensions[1].Indicators[0].Key
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 15, 0, 0, 0, time.UTC) }
	plan := []struct {
		school string
		day    time.Time
		n      int
	}{
		{w.schoolA1, day(8, 25), 6}, {w.schoolA1, day(8, 31), 2}, {w.schoolA1, day(9, 2), 5}, {w.schoolA1, day(9, 8), 3},
		{w.schoolA1, day(9, 15), 7}, {w.schoolA1, day(9, 22), 1},
		{w.schoolA2, day(8, 26), 5}, {w.schoolA2, day(8, 31), 1}, {w.schoolA2, day(9, 3), 6}, {w.schoolA2, day(9, 9), 2},
		{w.schoolA2, day(9, 16), 5}, {w.schoolA2, day(9, 23), 4},
	}
	contentOnly := map[int]bool{}
	for _, p := range []struct {
		school string
		day    time.Time
		n      int
	}{{w.schoolA1, day(9, 9), 6}, {w.schoolA2, day(9, 24), 2}, {w.schoolA1, day(9, 29), 2}, {w.schoolA2, day(9, 17), 5}} {
		contentOnly[len(plan)] = true
		plan = append(plan, p)
	}
	small := map[string]int{}
	ctx := context.Background()
	kinds := []domain.WalkthroughKind{domain.KindClassroom, domain.KindInformal}
	err := w.store.InTx(ctx, func(tx *store.Tx) error {
		k := 0
		for j, p := range plan {
			teacher := w.teacherA1
			if p.school == w.schoolA2 {
				teacher = w.teacherA2
			}
			both := 0
			for i := range p.n {
				k++
				l1, l2 := 1+k%4, 1+(k/2)%4
				scores := []domain.Score{{IndicatorKey: first, Level: &l1}}
				if k%2 == 0 {
					scores = append(scores, domain.Score{IndicatorKey: second, Level: &l2})
					both++
				}
				if contentOnly[j] {
					scores = []domain.Score{{IndicatorKey: second, Level: &l2}}
				}
				o := domain.Observation{ID: domain.NewID(), DistrictID: w.districtA, SchoolID: p.school, TeacherID: teacher,
					ObserverID: w.users[coach].ID, RubricVersionID: w.rubricA, Kind: kinds[k%2], Status: domain.ObservationSubmitted,
					StartedAt: p.day.Add(time.Duration(i) * 20 * time.Minute), Rev: 1, Scores: scores}
				if err := tx.PutObservation(ctx, o); err != nil {
					return err
				}
			}
			for _, n := range []int{p.n, both} {
				if n > 0 && n < 5 && !contentOnly[j] {
					small[p.school]++
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return small
}

// TestSubtractingAnswersRecoversNoSmallPeriod mounts every attack family
// on suppression through the router, as a supervisor (who may not see
// A1's teachers) and as a principal of A1 (who may not see A2's): it
// collects every figure the caller gets about schools whose teachers they
// may not see (a school's cells; the district's line less the cells of
// schools whose teachers they see), then subtracts every figure from every
// figure it lies within (overlapping ranges, a range less a week or month
// inside it, a school less a filter on it, the district less one's own
// school) and every range less the weeks and months shown inside it. No
// figure and no difference may come to between 1 and the minimum less
// one. Filters finer than school and dimension (a kind, an indicator, a
// grade band; group=school,kind) are refused where teachers are not seen,
// and answered without the district's line where they are.
func TestSubtractingAnswersRecoversNoSmallPeriod(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		small := plantSmallPeriods(t, w)
		if small[w.schoolA1] < 3 || small[w.schoolA2] < 3 {
			t.Fatalf("too few small periods planted: %v", small)
		}
		const minimum = 5
		ranges := [][2]string{{"2026-08-24", "2026-10-01"}, {"2026-08-31", "2026-09-14"}, {"2026-09-01", "2026-10-01"}, {"2026-09-07", "2026-09-21"},
			{"2026-08-15", "2026-09-09"}, {"2026-09-08", "2026-09-09"}, {"2026-08-31", "2026-09-01"}, {"2026-09-14", "2026-09-30"}}
		for _, role := range []actor{supervisor, principalA} {
			seen := map[string]bool{} // schools whose teachers the caller sees
			if role == principalA {
				seen[w.schoolA1] = true
			}
			var unseenAll []string
			for _, id := range []string{w.schoolA1, w.schoolA2} {
				if !seen[id] {
					unseenAll = append(unseenAll, id)
				}
			}
			sort.Strings(unseenAll)
			var figs []figure
			kept, keptSubmitted, notScoring := int64(0), int64(0), int64(0)
			answer := 0
			ask := func(params url.Values) (trends.Result, int) {
				t.Helper()
				r := w.do(role, "GET", "/api/v1/trends?"+params.Encode(), nil)
				var res trends.Result
				if r.Code == 200 {
					r.decode(t, &res)
				}
				return res, r.Code
			}
			span := func(res trends.Result, c trends.Cell) (string, string) {
				b := c.Bucket
				var end time.Time
				switch res.Bucket {
				case "week":
					end = b.AddDate(0, 0, 7)
				case "month":
					end = b.AddDate(0, 1, 0)
				default:
					end, _ = time.Parse(time.DateOnly, res.To)
				}
				from, to := b.Format(time.DateOnly), end.Format(time.DateOnly)
				return max(from, res.From), min(to, res.To)
			}
			for _, rg := range ranges {
				for _, bucket := range []string{"week", "month", "range"} {
					for _, filter := range []string{"", w.schoolA1, w.schoolA2} {
						params := url.Values{"from": {rg[0]}, "to": {rg[1]}, "bucket": {bucket}, "group": {"school", "dimension"}}
						if filter != "" {
							params.Set("school_id", filter)
						}
						res, code := ask(params)
						if code != 200 {
							if filter == w.schoolA2 && (code == 404 || code == 403) {
								continue // outside the caller's schools
							}
							t.Fatalf("%s %v: %d", role, params, code)
						}
						answer++
						source := fmt.Sprintf("%s %s..%s by %s", filter, rg[0], rg[1], bucket)
						// Seen schools' cells of each bucket and dimension, to take from the district's line.
						seenCells := map[string]int64{}
						for _, c := range res.Cells {
							school := c.Group["school"]
							from, to := span(res, c)
							n, sub := int64(0), int64(0)
							if c.Observations != nil {
								n = *c.Observations
							}
							if c.Submitted != nil {
								sub = *c.Submitted
							}
							if seen[school] {
								seenCells[from+to+c.Group["dimension"]] += n
								seenCells[from+to+"submitted "+c.Group["dimension"]] += sub
								continue
							}
							kept += n
							keptSubmitted += sub
							if c.Observations != nil && c.Submitted != nil {
								notScoring += sub - n
							}
							figs = append(figs, figure{schools: school, dim: c.Group["dimension"], from: from, to: to, obs: n, source: "school " + source, answer: answer, bucket: bucket},
								figure{schools: school, dim: "submitted " + c.Group["dimension"], from: from, to: to, obs: sub, source: "school " + source, answer: answer, bucket: bucket})
						}
						if filter != "" && (!seen[filter] || len(seen) > 1) {
							continue // the answer does not hold every seen school's cells to take from the district's line
						}
						for _, c := range res.District {
							from, to := span(res, c)
							n, sub := int64(0), int64(0)
							if c.Observations != nil {
								n = *c.Observations
							}
							if c.Submitted != nil {
								sub = *c.Submitted
							}
							kept += n - seenCells[from+to+c.Group["dimension"]]
							keptSubmitted += sub - seenCells[from+to+"submitted "+c.Group["dimension"]]
							if c.Observations != nil && c.Submitted != nil {
								notScoring += sub - seenCells[from+to+"submitted "+c.Group["dimension"]] - (n - seenCells[from+to+c.Group["dimension"]])
							}
							// The district's line less every seen school: the seen schools are
							// the caller's only schools, so a school-grouped answer holds them all.
							figs = append(figs, figure{schools: strings.Join(unseenAll, ","), dim: c.Group["dimension"], from: from, to: to,
								obs: n - seenCells[from+to+c.Group["dimension"]], source: "district less own " + source, answer: answer, bucket: bucket},
								figure{schools: strings.Join(unseenAll, ","), dim: "submitted " + c.Group["dimension"], from: from, to: to,
									obs: sub - seenCells[from+to+"submitted "+c.Group["dimension"]], source: "district less own " + source, answer: answer, bucket: bucket})
						}
					}
				}
			}
			if kept == 0 || keptSubmitted == 0 || notScoring == 0 {
				t.Fatalf("%s: %d observations, %d submitted, %d not scoring their dimension in the figures; the test proves nothing", role, kept, keptSubmitted, notScoring)
			}
			leak := func(n int64) bool { return n != 0 && n > -minimum && n < minimum }
			for _, f := range figs {
				if leak(f.obs) {
					t.Fatalf("%s: %s gives %d (observations of) %s %s..%s", role, f.source, f.obs, f.dim, f.from, f.to)
				}
			}
			// Every figure less every figure inside it.
			for _, f := range figs {
				for _, g := range figs {
					if g.within(f) && leak(f.obs-g.obs) {
						t.Fatalf("%s: %s (%d) less %s (%d) gives %d observations of %s", role, f.source, f.obs, g.source, g.obs, f.obs-g.obs, f.dim)
					}
				}
			}
			// A range less the disjoint weeks (or months) shown inside it,
			// taken from one answer.
			for _, f := range figs {
				sums := map[int]int64{}
				for _, g := range figs {
					if g.bucket != "range" && g.schools == f.schools && g.within(f) {
						sums[g.answer] += g.obs
					}
				}
				for a, sum := range sums {
					if leak(f.obs - sum) {
						t.Fatalf("%s: %s (%d) less the buckets inside it of answer %d (%d) gives %d observations of %s", role, f.source, f.obs, a, sum, f.obs-sum, f.dim)
					}
				}
			}

			// Filters and groupings finer than school and dimension.
			for _, q := range []url.Values{
				{"group": {"school", "kind"}},
				{"group": {"school", "dimension"}, "kind": {string(domain.KindClassroom)}},
				{"group": {"school", "dimension"}, "grade_band": {domain.GradeBandEarly}},
				{"group": {"school", "indicator"}},
				{"group": {"school"}, "indicator": {domain.BuiltinFramework().Dimensions[0].Indicators[0].Key}},
			} {
				q.Set("from", "2026-08-24")
				q.Set("to", "2026-10-01")
				q.Set("bucket", "range")
				res, code := ask(q)
				if len(seen) == 0 {
					if code != 403 {
						t.Fatalf("%s: %v answered %d, want 403", role, q, code)
					}
					continue
				}
				if code != 200 || len(res.District) != 0 || !res.DistrictLeftOut {
					t.Fatalf("%s: %v: %d %+v", role, q, code, res)
				}
				for _, c := range res.Cells {
					if !seen[c.Group["school"]] {
						t.Fatalf("%s: %v answered a school whose teachers they do not see: %+v", role, q, c)
					}
				}
			}
		}
	})
}
