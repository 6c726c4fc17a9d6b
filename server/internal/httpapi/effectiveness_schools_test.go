package httpapi

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	cyc "github.com/walkthrough-edu/walkthrough/server/internal/cycles"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/estimate"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// twoSchoolsCycle is a cycle of the two-school fixture: one teacher, one
// kind of support on its first day, follow-ups on later days.
type twoSchoolsCycle struct {
	id, school, teacher string
	kind                domain.ActivityKind
	support             time.Time // the day support began
	before, follow      []int     // the teacher's levels before and at the follow-ups
	followDays          []time.Time
}

// TestTheEffectivenessReportComparesEachCycleWithItsOwnSchool writes a
// cycle at A1 and one at A2 over the same weeks, and teachers with no
// cycle at both schools, some of whose baselines lie within the band of
// the other school's cycle only: each cycle's comparison group must come
// from its own school's similar teachers with no cycle at work in its
// window. The report's comparisons (for the framework and each kind) and
// each cycle's evidence are checked against a recount in SQL from the
// observations, scores, cycles, activities and follow-ups, on both
// databases.
func TestTheEffectivenessReportComparesEachCycleWithItsOwnSchool(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		key := domain.BuiltinFramework().Dimensions[0].Indicators[0].Key
		// Times at 15:00 UTC, 09:00 or 10:00 in Chicago: the day is the same in both.
		on := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 15, 0, 0, 0, time.UTC) }
		mar := func(d int) time.Time { return on(3, d) }
		feb := func(d int) time.Time { return on(2, d) }
		x := twoSchoolsCycle{school: w.schoolA1, teacher: w.addTeacher(w.schoolA1, "CycleA1"), kind: domain.ActivityOneOnOne, support: mar(2),
			before: []int{2, 2, 3}, follow: []int{3, 3, 4}, followDays: []time.Time{mar(9), mar(16), mar(23)}}
		y := twoSchoolsCycle{school: w.schoolA2, teacher: w.addTeacher(w.schoolA2, "CycleA2"), kind: domain.ActivityModeling, support: mar(2),
			before: []int{1, 1, 2}, follow: []int{2, 3}, followDays: []time.Time{mar(10), mar(17)}}
		// Teachers with no cycle: their focus scores, each at a day.
		type scored struct {
			level int
			at    time.Time
			draft bool
		}
		type other struct {
			name, school string
			scores       []scored
		}
		others := []other{
			// A1, baseline 2.33: like A1's cycle (2.33).
			{"a1", w.schoolA1, []scored{{2, feb(10), false}, {3, feb(17), false}, {2, feb(24), false}, {3, mar(11), false}, {2, mar(18), false}, {1, mar(12), true}}},
			// A1, baseline 2.0: within 0.5 of A1's cycle.
			{"a2", w.schoolA1, []scored{{2, feb(11), false}, {2, feb(18), false}, {2, mar(5), false}, {3, mar(12), false}, {3, mar(19), false}}},
			// A1, baseline 1.33: like A2's cycle (1.33), not A1's.
			{"a3", w.schoolA1, []scored{{1, feb(12), false}, {1, feb(19), false}, {2, feb(25), false}, {2, mar(6), false}, {2, mar(13), false}}},
			// A1, baseline 2.5, but one score in A1's window, two after it.
			{"a4", w.schoolA1, []scored{{2, feb(13), false}, {3, feb(20), false}, {3, mar(12), false}, {3, mar(25), false}, {3, mar(26), false}}},
			// A2, baseline 1.5: like A2's cycle.
			{"b1", w.schoolA2, []scored{{1, feb(10), false}, {2, feb(17), false}, {2, mar(4), false}, {2, mar(11), false}, {3, mar(16), false}}},
			// A2, baseline 2.33: like A1's cycle, not A2's.
			{"b2", w.schoolA2, []scored{{2, feb(11), false}, {2, feb(18), false}, {3, feb(25), false}, {3, mar(5), false}, {3, mar(12), false}}},
			// A2, baseline 1.33 like A2's cycle, but in a cycle of A2 at work in its weeks.
			{"b3", w.schoolA2, []scored{{1, feb(12), false}, {2, feb(19), false}, {1, feb(26), false}, {1, mar(5), false}, {2, mar(12), false}}},
		}
		ids := map[string]string{}
		for _, o := range others {
			ids[o.name] = w.addTeacher(o.school, "Comparison "+o.name)
		}
		observe := func(tx *store.Tx, school, teacher, followUp string, level int, at time.Time, draft bool) error {
			kind, status := domain.KindClassroom, domain.ObservationSubmitted
			if followUp != "" {
				kind = domain.KindFollowUp
			}
			if draft {
				status = domain.ObservationDraft
			}
			return tx.PutObservation(ctx, domain.Observation{ID: domain.NewID(), DistrictID: w.districtA, SchoolID: school, TeacherID: teacher, FollowUpID: followUp,
				ObserverID: w.users[principalA].ID, RubricVersionID: w.rubricA, Kind: kind, Status: status, StartedAt: at, ReceivedAt: at, Rev: 1,
				Scores: []domain.Score{{IndicatorKey: key, Level: &level}}})
		}
		err := w.store.InTx(ctx, func(tx *store.Tx) error {
			for _, c := range []*twoSchoolsCycle{&x, &y} {
				c.id = domain.NewID()
				if err := tx.PutCycle(ctx, domain.Cycle{ID: c.id, DistrictID: w.districtA, SchoolID: c.school, CoachID: w.users[coach].ID,
					TeacherIDs: []string{c.teacher}, FocusIndicatorKey: key, Status: domain.CycleActive, Rev: 1}); err != nil {
					return err
				}
				day := time.Date(c.support.Year(), c.support.Month(), c.support.Day(), 0, 0, 0, 0, time.UTC)
				if err := tx.PutActivity(ctx, domain.Activity{ID: domain.NewID(), DistrictID: w.districtA, CycleID: c.id, Kind: c.kind, OccurredOn: day,
					AuthorID: w.users[coach].ID, Rev: 1}, c.school); err != nil {
					return err
				}
				for i, l := range c.before {
					if err := observe(tx, c.school, c.teacher, "", l, feb(9+7*i), false); err != nil {
						return err
					}
				}
				for i, l := range c.follow {
					f := domain.FollowUp{ID: domain.NewID(), DistrictID: w.districtA, CycleID: c.id, SchoolID: c.school, TeacherID: c.teacher,
						StartsAt: c.followDays[i], EndsAt: c.followDays[i].Add(30 * time.Minute), ObserverIDs: []string{w.users[principalA].ID},
						Status: domain.FollowUpScheduled, Rev: 1}
					if err := tx.PutFollowUp(ctx, f); err != nil {
						return err
					}
					if err := observe(tx, c.school, c.teacher, f.ID, l, c.followDays[i].Add(5*time.Minute), false); err != nil {
						return err
					}
				}
			}
			// b3's cycle at A2: support on 9 March, no follow-up; it counts in no
			// figure, but b3 is in a cycle at work in the cycles' weeks.
			z := domain.NewID()
			if err := tx.PutCycle(ctx, domain.Cycle{ID: z, DistrictID: w.districtA, SchoolID: w.schoolA2, CoachID: w.users[coach].ID,
				TeacherIDs: []string{ids["b3"]}, FocusIndicatorKey: key, Status: domain.CycleActive, Rev: 1}); err != nil {
				return err
			}
			if err := tx.PutActivity(ctx, domain.Activity{ID: domain.NewID(), DistrictID: w.districtA, CycleID: z, Kind: domain.ActivityPLSession,
				OccurredOn: time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), AuthorID: w.users[coach].ID, Rev: 1}, w.schoolA2); err != nil {
				return err
			}
			for _, o := range others {
				for _, s := range o.scores {
					if err := observe(tx, o.school, ids[o.name], "", s.level, s.at, s.draft); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// The recount in SQL. A cycle's window runs from the day support
		// began (its first activity) to the day after its last follow-up,
		// midnight in Chicago; a teacher is busy when in a cycle whose days
		// (first activity to last activity or follow-up) meet the window.
		chicago, _ := time.LoadLocation("America/Chicago")
		midnight := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, chicago) }
		pg := w.store.Dialect() == store.Postgres
		day := func(col string) string {
			if pg {
				return "to_char(" + col + " AT TIME ZONE 'America/Chicago', 'YYYY-MM-DD')"
			}
			return "date(" + col + ")"
		}
		activityDay := "date(occurred_on)"
		if pg {
			activityDay = "to_char(occurred_on, 'YYYY-MM-DD')"
		}
		query := func(q string, args ...any) [][]float64 {
			t.Helper()
			if pg {
				for i := range args {
					q = strings.Replace(q, "?", fmt.Sprintf("$%d", i+1), 1)
				}
			}
			rows, err := w.store.SQL().QueryContext(ctx, q, args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, q)
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			var out [][]float64
			for rows.Next() {
				r := make([]float64, len(cols))
				dest := make([]any, len(cols))
				for i := range r {
					dest[i] = &r[i]
				}
				if err := rows.Scan(dest...); err != nil {
					t.Fatal(err)
				}
				out = append(out, r)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}
		// focus is the scores that count: submitted, live, scored, the focus
		// indicator on district A's framework, at one school.
		focus := `SELECT o.teacher_id, o.counted_at AS at, CAST(sc.level AS real) AS level FROM scores sc
			JOIN observations o ON o.id = sc.observation_id JOIN rubric_versions v ON v.id = o.rubric_version_id
			JOIN rubric_versions mine ON mine.id = ? AND mine.rubric_id = v.rubric_id
			WHERE o.district_id = ? AND o.school_id = ? AND o.status = 'submitted' AND o.deleted_at IS NULL AND sc.indicator_key = ? AND sc.level IS NOT NULL`
		type member struct{ nb, sb, qb, nd, sd, qd float64 }
		recount := func(c twoSchoolsCycle) (baseline float64, members []member) {
			last := c.followDays[0]
			for _, d := range c.followDays {
				if d.After(last) {
					last = d
				}
			}
			cut, until := midnight(c.support), midnight(last.In(chicago).AddDate(0, 0, 1))
			// The cycle's baseline: the mean of its teachers' means before support.
			b := query(`SELECT AVG(m) FROM (SELECT AVG(f.level) AS m FROM (`+focus+`) f JOIN cycle_teachers ct ON ct.teacher_id = f.teacher_id AND ct.cycle_id = ?
				WHERE f.at < ? GROUP BY f.teacher_id) AS t`, w.rubricA, w.districtA, c.school, key, c.id, cut.UTC())
			baseline = b[0][0]
			busy := `SELECT ct.teacher_id FROM cycle_teachers ct JOIN (
					SELECT c.id, MIN(a.day) AS first, MAX(d.day) AS last FROM cycles c
					JOIN (SELECT cycle_id, ` + activityDay + ` AS day FROM cycle_activities WHERE deleted_at IS NULL) a ON a.cycle_id = c.id
					JOIN (SELECT cycle_id, ` + activityDay + ` AS day FROM cycle_activities WHERE deleted_at IS NULL
						UNION ALL SELECT cycle_id, ` + day("starts_at") + ` FROM follow_ups WHERE deleted_at IS NULL) d ON d.cycle_id = c.id
					WHERE c.district_id = ? GROUP BY c.id) s ON s.id = ct.cycle_id
				WHERE s.first < ? AND s.last >= ?`
			rows := query(`SELECT nb, sb, qb, nd, sd, qd FROM (
					SELECT f.teacher_id,
						SUM(CASE WHEN f.at < ? THEN 1 ELSE 0 END) AS nb, SUM(CASE WHEN f.at < ? THEN f.level ELSE 0 END) AS sb,
						SUM(CASE WHEN f.at < ? THEN f.level * f.level ELSE 0 END) AS qb,
						SUM(CASE WHEN f.at >= ? AND f.at < ? THEN 1 ELSE 0 END) AS nd, SUM(CASE WHEN f.at >= ? AND f.at < ? THEN f.level ELSE 0 END) AS sd,
						SUM(CASE WHEN f.at >= ? AND f.at < ? THEN f.level * f.level ELSE 0 END) AS qd
					FROM (`+focus+`) f WHERE f.teacher_id NOT IN (`+busy+`) GROUP BY f.teacher_id) AS m
				WHERE nb >= ? AND nd >= ? AND ABS(sb / nb - ?) <= ? ORDER BY teacher_id`,
				cut.UTC(), cut.UTC(), cut.UTC(), cut.UTC(), until.UTC(), cut.UTC(), until.UTC(), cut.UTC(), until.UTC(), w.rubricA, w.districtA, c.school, key, w.districtA,
				until.In(chicago).Format(time.DateOnly), cut.In(chicago).Format(time.DateOnly), cyc.MinToJudge, cyc.MinToJudge, baseline, cyc.BaselineBand+1e-9)
			for _, r := range rows {
				members = append(members, member{r[0], r[1], r[2], r[3], r[4], r[5]})
			}
			return baseline, members
		}
		// Each member's change with Welch's interval, from the sums.
		change := func(m member) [3]float64 {
			mb, md := m.sb/m.nb, m.sd/m.nd
			vb, vd := (m.qb-m.sb*m.sb/m.nb)/(m.nb-1)/m.nb, (m.qd-m.sd*m.sd/m.nd)/(m.nd-1)/m.nd
			d := md - mb
			if vb+vd == 0 {
				return [3]float64{d, d, d}
			}
			df := math.Pow(vb+vd, 2) / (vb*vb/(m.nb-1) + vd*vd/(m.nd-1))
			half := estimate.T975(df) * math.Sqrt(vb+vd)
			return [3]float64{d, d - half, d + half}
		}
		groups := map[string][][3]float64{}
		for _, c := range []twoSchoolsCycle{x, y} {
			base, members := recount(c)
			for _, m := range members {
				groups[c.id] = append(groups[c.id], change(m))
			}
			var e evidenceResponse
			if r := w.do(admin, "GET", "/api/v1/cycles/"+c.id+"/evidence", nil); r.Code != 200 {
				t.Fatalf("evidence: %d %s", r.Code, r.Body)
			} else {
				r.decode(t, &e)
			}
			n, d, lo, hi := pooledOf(groups[c.id])
			sameFigure(t, "the evidence's comparison at "+c.school, e.Comparison.figureResponse, n, d, lo, hi)
			if e.Comparison.Baseline == nil || math.Abs(*e.Comparison.Baseline-base) > 1e-9 {
				t.Errorf("the evidence's baseline at %s: %v, the recount %v", c.school, e.Comparison.Baseline, base)
			}
		}
		// The fixture: a1 and a2 beside A1's cycle, b1 beside A2's; not a3
		// nor b2 (the other school's baseline), a4 (too few in the window),
		// b3 (in a cycle).
		if len(groups[x.id]) != 2 || len(groups[y.id]) != 1 {
			t.Fatalf("the recount's comparison groups: %d at A1, %d at A2; want 2 and 1", len(groups[x.id]), len(groups[y.id]))
		}
		var rep effectivenessResponse
		if r := w.do(admin, "GET", "/api/v1/reports/cycle-effectiveness", nil); r.Code != 200 {
			t.Fatalf("report: %d %s", r.Code, r.Body)
		} else {
			r.decode(t, &rep)
		}
		n, d, lo, hi := pooledOf(append(slices.Clone(groups[x.id]), groups[y.id]...))
		sameFigure(t, "the report's comparison", rep.Comparison, n, d, lo, hi)
		kinds := 0
		for _, k := range rep.Kinds {
			var g [][3]float64
			switch domain.ActivityKind(k.Kind) {
			case x.kind:
				g = groups[x.id]
			case y.kind:
				g = groups[y.id]
			default:
				t.Errorf("the report has a kind of support no follow-up followed: %+v", k)
				continue
			}
			kinds++
			n, d, lo, hi := pooledOf(g)
			sameFigure(t, "the comparison of "+k.Kind, k.Comparison, n, d, lo, hi)
		}
		if kinds != 2 || rep.Cycles != 2 || rep.FollowUps != len(x.follow)+len(y.follow) {
			t.Fatalf("the report: %d kinds, %d cycles, %d follow-up scores; want 2, 2, %d", kinds, rep.Cycles, rep.FollowUps, len(x.follow)+len(y.follow))
		}
	})
}
