package trends_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/demo"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
)

// allObservations reads every live observation of the district.
func allObservations(t *testing.T, s *store.Store, districtID string) []domain.Observation {
	t.Helper()
	var out []domain.Observation
	before := ""
	for {
		page, err := s.ObservationsPage(context.Background(), store.ObservationFilter{Visible: domain.DistrictScope(districtID), Before: before, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < 500 {
			return out
		}
		before = page[len(page)-1].ID
	}
}

// key is a cell: its bucket, school and dimension or indicator.
type key struct{ bucket, school, dimension string }

type agg struct {
	scores, sum int64
	levels      map[int]int64
	obs         map[string]bool
}

// checkNotObserved compares a cell's submitted observations and share not
// observed with the recomputation (of submitted, obs scored the cell), and
// says whether some were not observed.
func checkNotObserved(t *testing.T, what string, c trends.Cell, submitted, obs int64) bool {
	t.Helper()
	if c.Submitted == nil || *c.Submitted != submitted || c.NotObserved == nil || math.Abs(*c.NotObserved-float64(submitted-obs)/float64(submitted)) > 1e-9 {
		t.Fatalf("%s cell %v %s: submitted %v not observed %v, want %d and %d of them", what, c.Group, c.Bucket.Format(time.DateOnly), c.Submitted, c.NotObserved, submitted, submitted-obs)
	}
	return submitted > obs
}

func TestTrendsEqualARecomputationFromRawScores(t *testing.T) {
	ctx := context.Background()
	today := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		res, err := demo.Load(ctx, s, today)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := s.District(ctx, res.DistrictID)
		admin := auth.SystemPrincipal(res.DistrictID)
		rubricID, err := s.LatestPublishedRubric(ctx, res.DistrictID)
		if err != nil {
			t.Fatal(err)
		}
		from, to := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		// By dimension the cells come from the dimension rollups, by
		// indicator from the indicator rollups; both against the raw scores.
		for _, shape := range [][2]string{{"week", "dimension"}, {"month", "dimension"}, {"week", "indicator"}, {"month", "indicator"}} {
			bucket, by := shape[0], shape[1]
			got, err := trends.NewService(s).Trend(ctx, admin, trends.Query{From: from, To: to, Bucket: bucket, Group: []string{"school", by}})
			if err != nil {
				t.Fatal(err)
			}
			if got.RubricID != rubricID || len(got.Cells) == 0 {
				t.Fatalf("trend: %+v", got)
			}
			want := map[key]*agg{}
			notObservedSeen := 0
			// Submitted observations of the framework per bucket and school,
			// and per bucket over the district: the "not observed" share's base.
			submitted := map[key]int64{}
			for _, o := range allObservations(t, s, res.DistrictID) {
				if o.Status != domain.ObservationSubmitted {
					continue
				}
				v, err := s.RubricVersion(ctx, res.DistrictID, o.RubricVersionID)
				if err != nil {
					t.Fatal(err)
				}
				b := domain.WeekStart(o.CountedAt, d.Location())
				if bucket == "month" {
					local := o.CountedAt.In(d.Location())
					b = time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, time.UTC)
				}
				if b.Before(from) || !b.Before(to) {
					// A week that begins before the range counts only its days within.
					if local := o.CountedAt.In(d.Location()); time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC).Before(from) {
						continue
					}
				}
				if v.RubricID == rubricID {
					submitted[key{b.Format(time.DateOnly), o.SchoolID, ""}]++
					submitted[key{b.Format(time.DateOnly), "", ""}]++
				}
				for _, sc := range o.Scores {
					if sc.Level == nil {
						continue
					}
					_, dim, _ := v.Indicator(sc.IndicatorKey)
					if by == "indicator" {
						dim = sc.IndicatorKey
					}
					k := key{b.Format(time.DateOnly), o.SchoolID, dim}
					a := want[k]
					if a == nil {
						a = &agg{levels: map[int]int64{}, obs: map[string]bool{}}
						want[k] = a
					}
					a.scores++
					a.sum += int64(*sc.Level)
					a.levels[*sc.Level]++
					a.obs[o.ID] = true
				}
			}
			if len(got.Cells) != len(want) {
				t.Fatalf("%s by %s: %d cells, recomputation has %d", bucket, by, len(got.Cells), len(want))
			}
			for _, c := range got.Cells {
				a := want[key{c.Bucket.Format(time.DateOnly), c.Group["school"], c.Group[by]}]
				if a == nil {
					t.Fatalf("%s: cell %v not in the recomputation", bucket, c.Group)
				}
				if c.Scores != a.scores || c.Mean == nil || math.Abs(*c.Mean-float64(a.sum)/float64(a.scores)) > 1e-9 {
					t.Fatalf("%s cell %v: scores %d mean %v, want %d and %v", bucket, c.Group, c.Scores, *c.Mean, a.scores, float64(a.sum)/float64(a.scores))
				}
				for l, n := range a.levels {
					if c.Levels[l] != n {
						t.Fatalf("%s cell %v level %d: %d, want %d", bucket, c.Group, l, c.Levels[l], n)
					}
				}
				if c.Observations == nil || *c.Observations != int64(len(a.obs)) {
					t.Fatalf("%s cell %v: observations %v, want %d", bucket, c.Group, c.Observations, len(a.obs))
				}
				if checkNotObserved(t, bucket, c, submitted[key{c.Bucket.Format(time.DateOnly), c.Group["school"], ""}], int64(len(a.obs))) {
					notObservedSeen++
				}
			}
			// The district's line is the same recomputation over every school.
			district := map[key]*agg{}
			for k, a := range want {
				dk := key{k.bucket, "", k.dimension}
				d := district[dk]
				if d == nil {
					d = &agg{levels: map[int]int64{}, obs: map[string]bool{}}
					district[dk] = d
				}
				d.scores += a.scores
				d.sum += a.sum
				for l, n := range a.levels {
					d.levels[l] += n
				}
				for id := range a.obs {
					d.obs[id] = true
				}
			}
			if len(got.District) != len(district) {
				t.Fatalf("%s: %d district cells, recomputation has %d", bucket, len(got.District), len(district))
			}
			for _, c := range got.District {
				a := district[key{c.Bucket.Format(time.DateOnly), "", c.Group[by]}]
				if a == nil || c.Scores != a.scores || c.Mean == nil || math.Abs(*c.Mean-float64(a.sum)/float64(a.scores)) > 1e-9 ||
					c.Observations == nil || *c.Observations != int64(len(a.obs)) {
					t.Fatalf("%s district cell %v %s: %+v, recomputed %+v", bucket, c.Group, c.Bucket, c, a)
				}
				for l, n := range a.levels {
					if c.Levels[l] != n {
						t.Fatalf("%s district cell %v level %d: %d, want %d", bucket, c.Group, l, c.Levels[l], n)
					}
				}
				if checkNotObserved(t, bucket+" district", c, submitted[key{c.Bucket.Format(time.DateOnly), "", ""}], int64(len(a.obs))) {
					notObservedSeen++
				}
			}
			if notObservedSeen == 0 {
				t.Errorf("%s: no cell has a share not observed: the demo tests nothing of it", bucket)
			}
		}
		// Without a dimension, observation counts are exact.
		got, err := trends.NewService(s).Trend(ctx, admin, trends.Query{From: from, To: to, Bucket: "month", Group: []string{"school"}})
		if err != nil {
			t.Fatal(err)
		}
		perSchoolMonth := map[[2]string]int64{}
		for _, o := range allObservations(t, s, res.DistrictID) {
			if o.Status == domain.ObservationSubmitted {
				local := o.CountedAt.In(d.Location())
				perSchoolMonth[[2]string{time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), o.SchoolID}]++
			}
		}
		for _, c := range got.Cells {
			if c.Observations == nil || *c.Observations != perSchoolMonth[[2]string{c.Bucket.Format(time.DateOnly), c.Group["school"]}] {
				t.Fatalf("observation count of %v %s: %v", c.Group, c.Bucket, c.Observations)
			}
		}
	})
}

func TestCoverageListsTeachersNotVisitedSince(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		w := newSmallWorld(t, s)
		svc := trends.NewService(s)
		// Every teacher was visited on 5 October: none is missing since 1 October, all since 1 November.
		got, err := svc.Coverage(ctx, w.coach, trends.CoverageQuery{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil || len(got) != 0 {
			t.Fatalf("since October: %+v %v", got, err)
		}
		got, err = svc.Coverage(ctx, w.coach, trends.CoverageQuery{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil || len(got) != 3 || got[0].LastObserved == nil {
			t.Fatalf("since November: %+v %v", got, err)
		}
		got, err = svc.Coverage(ctx, w.principal, trends.CoverageQuery{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil || len(got) != 1 || got[0].Teacher.SchoolID != w.s1 {
			t.Fatalf("the principal's coverage: %+v %v", got, err)
		}
		// Not visited in September, the month before the visits of 5 October.
		got, err = svc.Coverage(ctx, w.coach, trends.CoverageQuery{From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil || len(got) != 3 || got[0].LastObserved != nil {
			t.Fatalf("in September: %+v %v", got, err)
		}
		if _, err := svc.Coverage(ctx, w.principal, trends.CoverageQuery{From: time.Now(), SchoolIDs: []string{w.s2}}); domain.ErrorCode(err) != domain.ENotFound {
			t.Fatalf("another school's coverage: %v", err)
		}
	})
}

func TestRangeBucketMakesAHeatMap(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		w := newSmallWorld(t, s)
		q := trends.Query{From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
			Bucket: "range", Group: []string{"school", "dimension"}}
		res, err := trends.NewService(s).Trend(ctx, w.coach, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Cells) != 3 {
			t.Fatalf("want one cell per school (one dimension scored), got %+v", res.Cells)
		}
		total := int64(0)
		for _, c := range res.Cells {
			if !c.Bucket.Equal(q.From) || c.Group["dimension"] != "classroom_culture" {
				t.Fatalf("cell %+v", c)
			}
			total += c.Scores
		}
		if total != 19 {
			t.Fatalf("scores in the heat map: %d, want 19", total)
		}
	})
}

// TestCoverageDaysStartAtTheDistrictsMidnight: 5 October begins at 05:00
// UTC in Chicago (daylight time). A visit a second before (23:59:59 on the
// 4th there) is before the day 5 October, one a second after is on it,
// though both are on the 5th in UTC.
func TestCoverageDaysStartAtTheDistrictsMidnight(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		district, school := domain.NewID(), domain.NewID()
		principal := domain.User{ID: domain.NewID(), DistrictID: district, Email: domain.NewID()[24:] + "@example.org", Name: "P", Active: true,
			Grants: []domain.RoleGrant{{Role: domain.RolePrincipal, SchoolID: school}}}
		before := domain.Teacher{ID: domain.NewID(), DistrictID: district, SchoolID: school, FamilyName: "Before", Active: true}
		after := domain.Teacher{ID: domain.NewID(), DistrictID: district, SchoolID: school, FamilyName: "After", Active: true}
		v := domain.BuiltinFramework()
		v.ID, v.RubricID, v.DistrictID, v.Status = domain.NewID(), domain.NewID(), district, domain.RubricPublished
		level := 3
		midnight := time.Date(2026, 10, 5, 5, 0, 0, 0, time.UTC)
		visit := func(tx *store.Tx, teacher string, at time.Time) error {
			return tx.PutObservation(ctx, domain.Observation{ID: domain.NewID(), DistrictID: district, SchoolID: school, TeacherID: teacher, ObserverID: principal.ID,
				RubricVersionID: v.ID, Kind: domain.KindClassroom, Status: domain.ObservationSubmitted, StartedAt: at, Rev: 1,
				Scores: []domain.Score{{IndicatorKey: v.Dimensions[0].Indicators[0].Key, Level: &level}}})
		}
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateDistrict(ctx, domain.District{ID: district, Name: "Chicago", TimeZone: "America/Chicago", Settings: domain.DefaultDistrictSettings()}); err != nil {
				return err
			}
			if err := tx.CreateSchool(ctx, domain.School{ID: school, DistrictID: district, Name: "S", Active: true}); err != nil {
				return err
			}
			if err := tx.CreateUser(ctx, principal); err != nil {
				return err
			}
			if err := tx.CreateRubricVersion(ctx, v); err != nil {
				return err
			}
			if err := tx.CreateTeachers(ctx, []domain.Teacher{before, after}); err != nil {
				return err
			}
			if err := visit(tx, before.ID, midnight.Add(-time.Second)); err != nil {
				return err
			}
			return visit(tx, after.ID, midnight.Add(time.Second))
		})
		if err != nil {
			t.Fatal(err)
		}
		svc := trends.NewService(s)
		got, err := svc.Coverage(ctx, auth.Principal{User: principal}, trends.CoverageQuery{From: time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)})
		if err != nil || len(got) != 1 || got[0].LastObserved == nil {
			t.Fatalf("since 5 October in Chicago, only the visit a second before its midnight is before: %+v %v", got, err)
		}
		if got[0].Teacher.ID != before.ID || !got[0].LastObserved.Equal(midnight.Add(-time.Second)) {
			t.Errorf("since 5 October, %s last visited %v is listed, want the teacher visited a second before midnight", got[0].Teacher.FamilyName, got[0].LastObserved)
		}
		got, err = svc.Coverage(ctx, auth.Principal{User: principal}, trends.CoverageQuery{From: time.Date(2026, 10, 4, 0, 0, 0, 0, time.UTC)})
		if err != nil || len(got) != 0 {
			t.Fatalf("since 4 October both teachers were visited: %+v %v", got, err)
		}
		got, err = svc.Coverage(ctx, auth.Principal{User: principal}, trends.CoverageQuery{From: time.Date(2026, 10, 6, 0, 0, 0, 0, time.UTC)})
		if err != nil || len(got) != 2 {
			t.Fatalf("since 6 October neither was visited: %+v %v", got, err)
		}
	})
}
