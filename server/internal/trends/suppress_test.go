package trends_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
)

// planted is one school's observations on one day.
type planted struct {
	school int // index into attackWorld.schools
	day    time.Time
	n      int
}

// attackWorld is a district with a minimum cell of 5 and four schools. A
// supervisor reads schools 0, 1 and 3; a principal leads school 0; a coach
// works at schools 0, 1 and 2. Every observation scores an indicator of
// classroom culture, every other one also one of lesson content.
type attackWorld struct {
	district                     string
	schools                      [4]string
	supervisor, principal, coach auth.Principal
	obs                          []domain.Observation
	dimensionOf                  map[string]string
	version                      domain.RubricVersion
	planted                      int
}

func day(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }

// smallPlan puts small periods next to large ones in every way an attack
// could use: a week split by a month's end (2 observations on Monday 31
// August, 6 later that week), small weeks beside large ones, and a school
// outside the supervisor's scope.
var smallPlan = []planted{
	{0, day(8, 31), 2}, {0, day(9, 2), 6}, {0, day(9, 8), 3}, {0, day(9, 15), 7},
	{1, day(9, 8), 7}, {1, day(9, 15), 1}, {1, day(9, 22), 5},
	{2, day(9, 8), 2}, {2, day(9, 15), 6},
	{3, day(8, 31), 5}, {3, day(9, 16), 4},
}

func newAttackWorld(t *testing.T, s *store.Store) attackWorld {
	t.Helper()
	ctx := context.Background()
	w := attackWorld{district: domain.NewID(), dimensionOf: map[string]string{}}
	for i := range w.schools {
		w.schools[i] = domain.NewID()
	}
	user := func(grants ...domain.RoleGrant) domain.User {
		return domain.User{ID: domain.NewID(), DistrictID: w.district, Email: domain.NewID()[24:] + "@example.org", Name: "U", Active: true, Grants: grants}
	}
	sup := user(domain.RoleGrant{Role: domain.RoleSupervisor, SchoolID: w.schools[0]}, domain.RoleGrant{Role: domain.RoleSupervisor, SchoolID: w.schools[1]}, domain.RoleGrant{Role: domain.RoleSupervisor, SchoolID: w.schools[3]})
	pri := user(domain.RoleGrant{Role: domain.RolePrincipal, SchoolID: w.schools[0]})
	coach := user(domain.RoleGrant{Role: domain.RoleCoach, SchoolID: w.schools[0]}, domain.RoleGrant{Role: domain.RoleCoach, SchoolID: w.schools[1]}, domain.RoleGrant{Role: domain.RoleCoach, SchoolID: w.schools[2]})
	w.supervisor, w.principal, w.coach = auth.Principal{User: sup}, auth.Principal{User: pri}, auth.Principal{User: coach}
	v := domain.BuiltinFramework()
	v.ID, v.RubricID, v.DistrictID, v.Status = domain.NewID(), domain.NewID(), w.district, domain.RubricPublished
	for _, d := range v.Dimensions {
		for _, ind := range d.Indicators {
			w.dimensionOf[ind.Key] = d.Key
		}
	}
	w.version = v
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateDistrict(ctx, domain.District{ID: w.district, Name: "Small", TimeZone: "UTC", Settings: domain.DefaultDistrictSettings()}); err != nil {
			return err
		}
		for i, id := range w.schools {
			if err := tx.CreateSchool(ctx, domain.School{ID: id, DistrictID: w.district, Name: fmt.Sprintf("School %d", i), Active: true}); err != nil {
				return err
			}
		}
		for _, u := range []domain.User{sup, pri, coach} {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		if err := tx.CreateRubricVersion(ctx, v); err != nil {
			return err
		}
		return w.plant(ctx, tx, smallPlan)
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// plant adds a plan's observations, one teacher per line of it.
func (w *attackWorld) plant(ctx context.Context, tx *store.Tx, plan []planted) error {
	return w.plantScoring(ctx, tx, plan, false)
}

// plantScoring adds a plan's observations as plant does; with
// contentOnly, each scores one indicator of lesson content and nothing of
// classroom culture.
func (w *attackWorld) plantScoring(ctx context.Context, tx *store.Tx, plan []planted, contentOnly bool) error {
	v := w.version
	first, second := v.Dimensions[0].Indicators[0].Key, v.Dimensions[1].Indicators[0].Key
	kinds := []domain.WalkthroughKind{domain.KindClassroom, domain.KindInformal}
	for _, p := range plan {
		teacher := domain.Teacher{ID: domain.NewID(), DistrictID: w.district, SchoolID: w.schools[p.school], FamilyName: "T", Active: true}
		if err := tx.CreateTeachers(ctx, []domain.Teacher{teacher}); err != nil {
			return err
		}
		for i := range p.n {
			w.planted++
			l1, l2 := 1+w.planted%4, 1+(w.planted/2)%4
			scores := []domain.Score{{IndicatorKey: first, Level: &l1}}
			if w.planted%2 == 0 {
				scores = append(scores, domain.Score{IndicatorKey: second, Level: &l2})
			}
			if contentOnly {
				scores = []domain.Score{{IndicatorKey: second, Level: &l2}}
			}
			o := domain.Observation{ID: domain.NewID(), DistrictID: w.district, SchoolID: w.schools[p.school], TeacherID: teacher.ID, ObserverID: w.coach.User.ID,
				RubricVersionID: v.ID, Kind: kinds[w.planted%2], Status: domain.ObservationSubmitted, StartedAt: p.day.Add(time.Duration(8+i) * time.Minute * 20),
				Rev: 1, Scores: scores}
			if err := tx.PutObservation(ctx, o); err != nil {
				return err
			}
			w.obs = append(w.obs, o)
		}
	}
	return nil
}

// unit is one school's observations of one dimension in one rollup period
// (a week, or the part of it in one month), recomputed here from the
// observations.
type unit struct{ school, dimension, period string }

type unitFigure struct {
	obs    int64
	levels trends.Levels
	week   string
	month  string
}

func weekStart(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// periodOf is the rollup period of a time, its week and its month.
func periodOf(t time.Time) (period, week, month time.Time) {
	week = weekStart(t)
	month = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	period = week
	if month.After(week) {
		period = month
	}
	return period, week, month
}

// visits are the submitted observations of each school period (a school
// in a rollup period, every dimension), recomputed from the observations:
// the share not observed's base.
func (w attackWorld) visits() map[unit]*unitFigure {
	out := map[unit]*unitFigure{}
	for _, o := range w.obs {
		period, ws, ms := periodOf(o.StartedAt)
		u := unit{school: o.SchoolID, period: period.Format(time.DateOnly)}
		if out[u] == nil {
			out[u] = &unitFigure{week: ws.Format(time.DateOnly), month: ms.Format(time.DateOnly)}
		}
		out[u].obs++
	}
	return out
}

func (w attackWorld) units() map[unit]*unitFigure {
	out := map[unit]*unitFigure{}
	for _, o := range w.obs {
		period, ws, ms := periodOf(o.StartedAt)
		seen := map[string]bool{}
		for _, sc := range o.Scores {
			u := unit{o.SchoolID, w.dimensionOf[sc.IndicatorKey], period.Format(time.DateOnly)}
			f := out[u]
			if f == nil {
				f = &unitFigure{week: ws.Format(time.DateOnly), month: ms.Format(time.DateOnly)}
				out[u] = f
			}
			if !seen[u.dimension] {
				seen[u.dimension] = true
				f.obs++
			}
			f.levels[*sc.Level]++
		}
	}
	return out
}

// TestNoCombinationOfAnswersRecoversASmallPeriod mounts the attacks on
// suppression as a supervisor and as a principal: every figure they can
// get (any range, week, month or whole-range buckets, with and without
// the school grouping, the district line) must equal the sum of whole
// school periods of at least the minimum (or of the caller's own
// teachers' schools), recomputed here from the observations, so that no
// difference of figures can come to less; and the subtractions that
// recovered small cells before come to nothing or to at least the
// minimum.
func TestNoCombinationOfAnswersRecoversASmallPeriod(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		w := newAttackWorld(t, s)
		svc := trends.NewService(s)
		units := w.units()
		const min = 5
		small := 0
		for _, f := range units {
			if f.obs < min {
				small++
			}
		}
		if small < 6 {
			t.Fatalf("the world has only %d small periods", small)
		}
		// Each figure is checked with every push still to fold, after
		// folding, and with pushes on folded periods still to fold: one
		// taking a small period to the minimum, one adding to a small
		// period, one to a large one, one making a new small period.
		later := []planted{{1, day(9, 15), 4}, {2, day(9, 9), 1}, {0, day(9, 3), 1}, {2, day(9, 29), 2}, {3, day(8, 31), 1}}
		contentOnly := []planted{{0, day(9, 8), 6}, {1, day(9, 29), 3}, {1, day(9, 22), 5}, {3, day(9, 16), 2}, {2, day(9, 15), 2}}
		notObservedSeen := map[string]int64{} // visits not scoring a cell's dimension, by role
		for _, stage := range []struct {
			name   string
			before func() error
		}{
			{"with every push to fold", func() error { return nil }},
			{"after folding", func() error { _, err := s.CompactRollups(ctx); return err }},
			{"with pushes on folded periods to fold", func() error {
				return s.InTx(ctx, func(tx *store.Tx) error { return w.plant(ctx, tx, later) })
			}},
			// Visits that score no indicator of classroom culture: a school
			// period kept for lesson content and left out for culture, one
			// where culture was not scored at all, and a kept culture period
			// half of whose visits did not score it.
			{"with visits that score only lesson content", func() error {
				return s.InTx(ctx, func(tx *store.Tx) error { return w.plantScoring(ctx, tx, contentOnly, true) })
			}},
		} {
			if err := stage.before(); err != nil {
				t.Fatal(err)
			}
			units, visits := w.units(), w.visits()
			t.Logf("%s", stage.name)
			ranges := [][2]time.Time{{day(8, 1), day(10, 1)}, {day(8, 31), day(9, 14)}, {day(9, 1), day(10, 1)}, {day(9, 7), day(9, 21)}, {day(9, 8), day(9, 9)}, {day(8, 31), day(9, 1)}}
			for _, role := range []struct {
				name string
				p    auth.Principal
			}{{"supervisor", w.supervisor}, {"principal", w.principal}} {
				sees := role.p.TeacherScope()
				kept := func(u unit, f *unitFigure) bool { return sees.HasSchool(u.school) || f.obs >= min }
				inScope := role.p.ReadScope()
				for _, r := range ranges {
					for _, bucket := range []string{"week", "month", "range"} {
						for _, group := range [][]string{{"dimension"}, {"school", "dimension"}} {
							q := trends.Query{From: r[0], To: r[1], Bucket: bucket, Group: group}
							res, err := svc.Trend(ctx, role.p, q)
							if err != nil {
								t.Fatalf("%s %v: %v", role.name, q, err)
							}
							inBucket := func(f *unitFigure, c trends.Cell) bool {
								switch bucket {
								case "week":
									return f.week == c.Bucket.Format(time.DateOnly)
								case "month":
									return f.month == c.Bucket.Format(time.DateOnly)
								}
								return true
							}
							check := func(scope string, cells []trends.Cell, schools func(string) bool) {
								for _, c := range cells {
									// The share's base: every visit of the caller's own
									// teachers' schools' periods, and of a kept period
									// (of at least the minimum that scored the
									// dimension) elsewhere; nothing of a period left
									// out or where the dimension was not scored.
									var submitted int64
									for u, f := range visits {
										if !schools(u.school) || (c.Group["school"] != "" && c.Group["school"] != u.school) || u.period < res.From || u.period >= res.To || !inBucket(f, c) {
											continue
										}
										d := units[unit{u.school, c.Group["dimension"], u.period}]
										if sees.HasSchool(u.school) || d != nil && d.obs >= min {
											submitted += f.obs
										}
									}
									var want trends.Levels
									var obs int64
									leftOut := 0
									for u, f := range units {
										if !schools(u.school) || u.dimension != c.Group["dimension"] || (c.Group["school"] != "" && c.Group["school"] != u.school) {
											continue
										}
										if u.period < res.From || u.period >= res.To || !inBucket(f, c) {
											continue
										}
										if !kept(u, f) {
											leftOut++
											continue
										}
										obs += f.obs
										for l, n := range f.levels {
											want[l] += n
										}
									}
									got := int64(0)
									if c.Observations != nil {
										got = *c.Observations
									}
									if got != obs || c.Levels != want || c.LeftOut != leftOut || c.Suppressed != (obs == 0) {
										t.Fatalf("%s %s %s %v %s: cell %s %v: got %d observations %v left out %d, want the kept periods' %d %v left out %d",
											stage.name+": "+role.name, scope, bucket, r, group, c.Bucket.Format(time.DateOnly), c.Group, got, c.Levels, c.LeftOut, obs, want, leftOut)
									}
									if obs == 0 {
										if c.Submitted != nil || c.NotObserved != nil {
											t.Fatalf("%s %s: suppressed cell %s %v has a share not observed: %v %v", stage.name+": "+role.name, scope, c.Bucket.Format(time.DateOnly), c.Group, orNil(c.Submitted), orNil(c.NotObserved))
										}
										continue
									}
									if c.Submitted == nil || *c.Submitted != submitted || c.NotObserved == nil || math.Abs(*c.NotObserved-float64(submitted-obs)/float64(submitted)) > 1e-9 {
										t.Fatalf("%s %s %s %v %s: cell %s %v: submitted %v not observed %v, want the counted periods' %d visits, %d of them not scoring it",
											stage.name+": "+role.name, scope, bucket, r, group, c.Bucket.Format(time.DateOnly), c.Group, orNil(c.Submitted), orNil(c.NotObserved), submitted, submitted-obs)
									}
									notObservedSeen[role.name] += submitted - obs
								}
							}
							check("cells", res.Cells, func(id string) bool { return inScope.HasSchool(id) })
							check("district", res.District, func(string) bool { return true })
						}
					}
				}

				// A range less the weeks shown, overlapping ranges, a month
				// less its weeks, and the district line less the caller's own
				// school: each difference of observations, and of submitted
				// observations (the share not observed's base), of either
				// dimension, is nothing or at least the minimum.
				figureOf := func(q trends.Query, school string, district, submitted bool) int64 {
					res, err := svc.Trend(ctx, role.p, q)
					if err != nil {
						t.Fatal(err)
					}
					cells := res.Cells
					if district {
						cells = res.District
					}
					var n int64
					for _, c := range cells {
						if c.Group["dimension"] != q.Dimension || (school != "" && c.Group["school"] != school) {
							continue
						}
						if !submitted && c.Observations != nil {
							n += *c.Observations
						}
						if submitted && c.Submitted != nil {
							n += *c.Submitted
						}
					}
					return n
				}
				diffs := map[string]int64{}
				for _, dim := range []string{"classroom_culture", "lesson_content"} {
					for _, submitted := range []bool{false, true} {
						what := dim + " observations"
						if submitted {
							what = dim + " submitted"
						}
						of := func(q trends.Query, school string, district bool) int64 {
							return figureOf(q, school, district, submitted)
						}
						by := func(from, to time.Time, bucket string, group ...string) trends.Query {
							return trends.Query{From: from, To: to, Bucket: bucket, Dimension: dim, Group: append([]string{"dimension"}, group...)}
						}
						for i, id := range w.schools {
							if !inScope.HasSchool(id) || sees.HasSchool(id) {
								continue // the caller sees this school's teachers anyway
							}
							diffs[fmt.Sprintf("school %d %s: range less weeks", i, what)] = of(by(day(8, 1), day(10, 1), "range", "school"), id, false) - of(by(day(8, 1), day(10, 1), "week", "school"), id, false)
							diffs[fmt.Sprintf("school %d %s: overlapping ranges", i, what)] = of(by(day(8, 31), day(9, 21), "range", "school"), id, false) - of(by(day(9, 7), day(9, 21), "range", "school"), id, false)
							diffs[fmt.Sprintf("school %d %s: September less its weeks", i, what)] = of(by(day(9, 1), day(10, 1), "month", "school"), id, false) - of(by(day(9, 1), day(10, 1), "range", "school"), id, false)
							diffs[fmt.Sprintf("school %d %s: the week across August less September's part", i, what)] = of(by(day(8, 31), day(9, 7), "week", "school"), id, false) - of(by(day(9, 1), day(9, 7), "range", "school"), id, false)
							diffs[fmt.Sprintf("school %d %s: with the school filter less without", i, what)] = of(trends.Query{From: day(8, 1), To: day(10, 1), Bucket: "range", Dimension: dim, SchoolIDs: []string{id}, Group: []string{"dimension"}}, "", false) -
								of(by(day(8, 1), day(10, 1), "range", "school"), id, false)
							for _, wk := range []time.Time{day(9, 7), day(9, 14), day(9, 21), day(9, 28)} {
								diffs[fmt.Sprintf("school %d %s: from %s less the week after", i, what, wk.Format(time.DateOnly))] = of(by(wk, day(10, 12), "range", "school"), id, false) - of(by(wk.AddDate(0, 0, 7), day(10, 12), "range", "school"), id, false)
							}
						}
						whole := by(day(8, 1), day(10, 1), "range", "school")
						var mine int64
						for _, id := range w.schools {
							if sees.HasSchool(id) {
								mine += of(whole, id, false)
							}
						}
						diffs["district less own schools: "+what] = of(whole, "", true) - mine
						diffs["district less the schools shown: "+what] = of(whole, "", true) - of(whole, "", false)
						diffs["district by school less by dimension alone: "+what] = of(whole, "", true) - of(by(day(8, 1), day(10, 1), "range"), "", true)
					}
				}
				for name, d := range diffs {
					if d != 0 && (d < min && d > -min) {
						t.Errorf("%s: %s gives away %d observations", role.name, name, d)
					}
				}

				// Filters below the dimension (a kind, a grade band, a subject, an
				// indicator) and groupings by them are answered only where the
				// caller sees teachers, without the district line.
				for _, q := range []trends.Query{
					{From: day(8, 1), To: day(10, 1), Bucket: "range", Group: []string{"school", "kind"}},
					{From: day(8, 1), To: day(10, 1), Bucket: "range", Dimension: "classroom_culture", Kind: string(domain.KindClassroom), Group: []string{"school"}},
					{From: day(8, 1), To: day(10, 1), Bucket: "range", Group: []string{"school"}},
				} {
					_, err := svc.Trend(ctx, role.p, q)
					if !role.p.SeesTeachersOf(inScope.SchoolIDs) && domain.ErrorCode(err) != domain.EForbidden {
						t.Errorf("%s: %+v over schools whose teachers they do not see: %v", role.name, q, err)
					}
					q.SchoolIDs = []string{w.schools[0]}
					res, err := svc.Trend(ctx, role.p, q)
					if !sees.HasSchool(w.schools[0]) {
						if domain.ErrorCode(err) != domain.EForbidden {
							t.Errorf("%s: %+v: %v", role.name, q, err)
						}
						continue
					}
					if err != nil || len(res.District) != 0 || !res.DistrictLeftOut || len(res.Cells) == 0 {
						t.Errorf("%s: own school by kind: %+v %v", role.name, res, err)
					}
				}
			}

		}

		for _, role := range []string{"supervisor", "principal"} {
			if notObservedSeen[role] == 0 {
				t.Errorf("the %s's cells never had a visit not scoring their dimension: the share's test proves nothing", role)
			}
		}

		// The coach sees their schools' teachers; only school 3's periods
		// are theirs to miss, in the district line.
		res, err := svc.Trend(ctx, w.coach, trends.Query{From: day(8, 1), To: day(10, 1), Bucket: "range", Dimension: "classroom_culture", Group: []string{"school"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range res.Cells {
			if c.LeftOut != 0 || c.Suppressed {
				t.Fatalf("the coach's own school's cell left something out: %+v", c)
			}
		}
		if len(res.District) != 1 || res.District[0].LeftOut != 1 {
			t.Fatalf("the coach's district line should leave out school 3's small period: %+v", res.District)
		}

		if _, err := svc.Trend(ctx, auth.Principal{User: domain.User{ID: domain.NewID(), DistrictID: w.district,
			Grants: []domain.RoleGrant{{Role: domain.RoleObserver, SchoolID: w.schools[0]}}}}, trends.Query{From: day(8, 1), To: day(10, 1), Dimension: "classroom_culture"}); domain.ErrorCode(err) != domain.EForbidden {
			t.Fatalf("an observer may read trends: %v", err)
		}
	})
}

// TestARangeCoversWholePeriodsAndMarksPartialBuckets: from and to are
// widened to whole rollup periods, a month that starts before from keeps
// its periods within the range and is marked partial, and so is a week cut
// by the range's end.
func TestARangeCoversWholePeriodsAndMarksPartialBuckets(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		w := newAttackWorld(t, s)
		admin := auth.SystemPrincipal(w.district)
		svc := trends.NewService(s)
		// Saturday 15 August to Wednesday 2 September (exclusive): the week
		// of Monday 10 August to the end of the period of 1 September (the
		// part of the week of 31 August in September, to Monday 7).
		q := trends.Query{From: day(8, 15), To: day(9, 2), Bucket: "month", Dimension: "classroom_culture", Group: []string{"dimension"}}
		res, err := svc.Trend(ctx, admin, q)
		if err != nil {
			t.Fatal(err)
		}
		if res.From != "2026-08-10" || res.To != "2026-09-07" {
			t.Fatalf("covered %s to %s, want 2026-08-10 to 2026-09-07", res.From, res.To)
		}
		byMonth := map[string]trends.Cell{}
		for _, c := range res.District {
			byMonth[c.Bucket.Format(time.DateOnly)] = c
		}
		aug, sep := byMonth["2026-08-01"], byMonth["2026-09-01"]
		// August: the 2 observations of school 0 and the 5 of school 3 on 31 August.
		if aug.Observations == nil || *aug.Observations != 7 || !aug.Partial {
			t.Fatalf("August: %+v, want 7 observations, partial", aug)
		}
		// September: the 6 of school 0 on 2 September, in the period of 1 September.
		if sep.Observations == nil || *sep.Observations != 6 || !sep.Partial {
			t.Fatalf("September: %+v, want 6 observations, partial", sep)
		}
		// By week: the week of 31 August is whole; the week of 10 August, empty, has no cell.
		q.Bucket = "week"
		res, err = svc.Trend(ctx, admin, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.District) != 1 || res.District[0].Bucket.Format(time.DateOnly) != "2026-08-31" || res.District[0].Partial || *res.District[0].Observations != 13 {
			t.Fatalf("weeks: %+v", res.District)
		}
		// A range that ends on a Wednesday keeps the whole week and says so.
		q.From, q.To, q.Bucket = day(9, 7), day(9, 9), "range"
		res, err = svc.Trend(ctx, admin, q)
		if err != nil || res.From != "2026-09-07" || res.To != "2026-09-14" || len(res.District) != 1 || res.District[0].Bucket.Format(time.DateOnly) != "2026-09-07" {
			t.Fatalf("range: %+v %v", res, err)
		}
	})
}

// orNil is what p points to, or nil, for a message.
func orNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestASupervisorsSubmittedEqualsARecountInSQL recounts, in SQL over the
// observations, their scores and the framework's indicators, the
// submitted observations behind each of a supervisor's cells and the
// district line: per school, dimension and rollup period, every visit of
// the period when at least the minimum of them scored the dimension, and
// nothing otherwise.
func TestASupervisorsSubmittedEqualsARecountInSQL(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		w := newAttackWorld(t, s)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			return w.plantScoring(ctx, tx, []planted{{0, day(9, 8), 6}, {1, day(9, 29), 3}, {1, day(9, 22), 5}, {3, day(9, 16), 2}, {2, day(9, 15), 2}}, true)
		})
		if err != nil {
			t.Fatal(err)
		}
		const min = 5
		period := "max(date(o.counted_at, 'weekday 0', '-6 days'), date(o.counted_at, 'start of month'))"
		week := "date(o.counted_at, 'weekday 0', '-6 days')"
		if s.Dialect() == store.Postgres {
			period = "to_char(GREATEST(date_trunc('week', o.counted_at AT TIME ZONE 'UTC'), date_trunc('month', o.counted_at AT TIME ZONE 'UTC')), 'YYYY-MM-DD')"
			week = "to_char(date_trunc('week', o.counted_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
		}
		recount := func(from, to string, byWeek bool) map[[3]string]int64 {
			bucket := "'" + from + "'"
			if byWeek {
				bucket = "u.week"
			}
			q := `WITH obs AS (
					SELECT o.id, CAST(o.school_id AS text) AS school, ` + period + ` AS period, ` + week + ` AS week
					FROM observations o JOIN rubric_versions v ON v.id = o.rubric_version_id
					WHERE o.district_id = ? AND v.rubric_id = ? AND o.status = 'submitted' AND o.deleted_at IS NULL),
				inrange AS (SELECT * FROM obs WHERE period >= ? AND period < ?),
				scored AS (SELECT DISTINCT s.observation_id, i.dimension_key FROM scores s
					JOIN rubric_indicators i ON i.rubric_version_id = s.rubric_version_id AND i.key = s.indicator_key
					WHERE s.level IS NOT NULL),
				units AS (SELECT r.school, r.period, r.week, d.dimension_key, COUNT(*) AS n FROM inrange r
					JOIN scored d ON d.observation_id = r.id GROUP BY r.school, r.period, r.week, d.dimension_key),
				visits AS (SELECT school, period, COUNT(*) AS n FROM inrange GROUP BY school, period)
				SELECT u.school, u.dimension_key, ` + bucket + `, CAST(SUM(vi.n) AS bigint) FROM units u
				JOIN visits vi ON vi.school = u.school AND vi.period = u.period
				WHERE u.n >= ? GROUP BY u.school, u.dimension_key` + strings.TrimPrefix(", "+bucket, ", '"+from+"'")
			args := []any{w.district, w.version.RubricID, from, to, min}
			if s.Dialect() == store.Postgres {
				for i := range args {
					q = strings.Replace(q, "?", fmt.Sprintf("$%d", i+1), 1)
				}
			}
			rows, err := s.SQL().QueryContext(ctx, q, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			out := map[[3]string]int64{}
			for rows.Next() {
				var school, dim, b string
				var n int64
				if err := rows.Scan(&school, &dim, &b, &n); err != nil {
					t.Fatal(err)
				}
				out[[3]string{school, dim, b}] += n
				out[[3]string{"", dim, b}] += n // the district line
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}
		svc := trends.NewService(s)
		inScope := w.supervisor.ReadScope()
		for _, bucket := range []string{"week", "range"} {
			for _, r := range [][2]time.Time{{day(8, 1), day(10, 1)}, {day(9, 7), day(10, 5)}, {day(8, 31), day(9, 14)}} {
				res, err := svc.Trend(ctx, w.supervisor, trends.Query{From: r[0], To: r[1], Bucket: bucket, Group: []string{"school", "dimension"}})
				if err != nil {
					t.Fatal(err)
				}
				want := recount(res.From, res.To, bucket == "week")
				checked, notScoring := 0, int64(0)
				for _, cells := range [][]trends.Cell{res.Cells, res.District} {
					for _, c := range cells {
						k := [3]string{c.Group["school"], c.Group["dimension"], c.Bucket.Format(time.DateOnly)}
						n := want[k]
						if c.Suppressed || n == 0 {
							if c.Submitted != nil || c.NotObserved != nil || n != 0 {
								t.Fatalf("%s %v: cell %v is suppressed %v with submitted %v, the recount has %d", bucket, r, k, c.Suppressed, orNil(c.Submitted), n)
							}
							continue
						}
						if c.Submitted == nil || *c.Submitted != n || c.NotObserved == nil || math.Abs(*c.NotObserved-float64(n-*c.Observations)/float64(n)) > 1e-9 {
							t.Fatalf("%s %v: cell %v: submitted %v not observed %v, the recount has %d submitted and %d scoring it", bucket, r, k, orNil(c.Submitted), orNil(c.NotObserved), n, *c.Observations)
						}
						checked++
						notScoring += n - *c.Observations
						delete(want, k)
					}
				}
				for k, n := range want {
					if k[0] == "" || inScope.HasSchool(k[0]) {
						t.Fatalf("%s %v: the recount has %d submitted in %v, the answer no cell", bucket, r, n, k)
					}
				}
				if checked == 0 || notScoring == 0 {
					t.Fatalf("%s %v: %d cells checked, %d visits not scoring their dimension: the test proves nothing", bucket, r, checked, notScoring)
				}
			}
		}
	})
}
