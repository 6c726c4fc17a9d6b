package trends_test

import (
	"context"
	"fmt"
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

func (w attackWorld) units() map[unit]*unitFigure {
	out := map[unit]*unitFigure{}
	for _, o := range w.obs {
		ws := weekStart(o.StartedAt)
		ms := time.Date(o.StartedAt.Year(), o.StartedAt.Month(), 1, 0, 0, 0, 0, time.UTC)
		period := ws
		if ms.After(ws) {
			period = ms
		}
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
		for _, stage := range []struct {
			name   string
			before func() error
		}{
			{"with every push to fold", func() error { return nil }},
			{"after folding", func() error { _, err := s.CompactRollups(ctx); return err }},
			{"with pushes on folded periods to fold", func() error {
				return s.InTx(ctx, func(tx *store.Tx) error { return w.plant(ctx, tx, later) })
			}},
		} {
			if err := stage.before(); err != nil {
				t.Fatal(err)
			}
			units := w.units()
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
							check := func(scope string, cells []trends.Cell, schools func(string) bool) {
								for _, c := range cells {
									var want trends.Levels
									var obs int64
									leftOut := 0
									for u, f := range units {
										if !schools(u.school) || u.dimension != c.Group["dimension"] || (c.Group["school"] != "" && c.Group["school"] != u.school) {
											continue
										}
										in := false
										if u.period < res.From || u.period >= res.To {
											continue
										}
										switch bucket {
										case "week":
											in = f.week == c.Bucket.Format(time.DateOnly)
										case "month":
											in = f.month == c.Bucket.Format(time.DateOnly)
										default:
											in = true
										}
										if !in {
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
								}
							}
							check("cells", res.Cells, func(id string) bool { return inScope.HasSchool(id) })
							check("district", res.District, func(string) bool { return true })
						}
					}
				}

				// A range less the weeks shown, overlapping ranges, a month
				// less its weeks, and the district line less the caller's own
				// school: each difference is nothing or at least the minimum.
				obsOf := func(q trends.Query, school string, district bool) int64 {
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
						if c.Group["dimension"] == "classroom_culture" && (school == "" || c.Group["school"] == school) && c.Observations != nil {
							n += *c.Observations
						}
					}
					return n
				}
				culture := "classroom_culture"
				by := func(from, to time.Time, bucket string, group ...string) trends.Query {
					return trends.Query{From: from, To: to, Bucket: bucket, Dimension: culture, Group: append([]string{"dimension"}, group...)}
				}
				diffs := map[string]int64{}
				for i, id := range w.schools {
					if !inScope.HasSchool(id) || sees.HasSchool(id) {
						continue // the caller sees this school's teachers anyway
					}
					diffs[fmt.Sprintf("school %d: range less weeks", i)] = obsOf(by(day(8, 1), day(10, 1), "range", "school"), id, false) - obsOf(by(day(8, 1), day(10, 1), "week", "school"), id, false)
					diffs[fmt.Sprintf("school %d: overlapping ranges", i)] = obsOf(by(day(8, 31), day(9, 21), "range", "school"), id, false) - obsOf(by(day(9, 7), day(9, 21), "range", "school"), id, false)
					diffs[fmt.Sprintf("school %d: September less its weeks", i)] = obsOf(by(day(9, 1), day(10, 1), "month", "school"), id, false) - obsOf(by(day(9, 1), day(10, 1), "range", "school"), id, false)
					diffs[fmt.Sprintf("school %d: the week across August less September's part", i)] = obsOf(by(day(8, 31), day(9, 7), "week", "school"), id, false) - obsOf(by(day(9, 1), day(9, 7), "range", "school"), id, false)
				}
				whole := by(day(8, 1), day(10, 1), "range", "school")
				var mine int64
				for _, id := range w.schools {
					if sees.HasSchool(id) {
						mine += obsOf(whole, id, false)
					}
				}
				diffs["district less own schools"] = obsOf(whole, "", true) - mine
				diffs["district less the schools shown"] = obsOf(whole, "", true) - obsOf(whole, "", false)
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
					{From: day(8, 1), To: day(10, 1), Bucket: "range", Dimension: culture, Kind: string(domain.KindClassroom), Group: []string{"school"}},
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
