package httpapi

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	cyc "github.com/walkthrough-edu/walkthrough/server/internal/cycles"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/estimate"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// rawScore is one observation as the fixture wrote it, with its focus
// score (nil: "not observed").
type rawScore struct {
	teacher, followUp, key string
	at                     time.Time
	level                  *int
	submitted, deleted     bool
	byCoach                bool // observed by the cycle's coach (else the principal)
}

type rawCycle struct {
	id, key    string
	teachers   []string
	activities []domain.Activity
	followUps  []string
	followDays []time.Time // each follow-up's day in the district's zone
}

// evidenceFixture writes cycles with activities, done follow-ups and
// observations before and after, drafts, tombstones, "not observed" scores
// and other indicators among them, and returns what it wrote.
func evidenceFixture(t *testing.T, w *world, seed uint64) ([]rawCycle, []rawScore) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 7))
	chicago, _ := time.LoadLocation("America/Chicago")
	keys := domain.BuiltinFramework().IndicatorKeys()
	teachers := make([]string, 6)
	for i := range teachers {
		teachers[i] = w.addTeacher(w.schoolA1, "Fixture")
	}
	kinds := []domain.ActivityKind{domain.ActivityPLSession, domain.ActivityPLCMeeting, domain.ActivityOneOnOne, domain.ActivityCoTeaching, domain.ActivityModeling, domain.ActivityOther}
	level := func() *int {
		if rng.IntN(6) == 0 {
			return nil
		}
		l := 1 + rng.IntN(4)
		return &l
	}
	var cycles []rawCycle
	var raws []rawScore
	err := w.store.InTx(ctx, func(tx *store.Tx) error {
		observe := func(r rawScore) error {
			other := 1 + rng.IntN(4)
			scores := []domain.Score{{IndicatorKey: r.key, Level: r.level}}
			if k := keys[rng.IntN(len(keys))]; k != r.key {
				// Another indicator scored in the same visit: the focus of another cycle, perhaps.
				scores = append(scores, domain.Score{IndicatorKey: k, Level: &other})
				extra := r
				extra.key, extra.level = k, &other
				raws = append(raws, extra)
			}
			status := domain.ObservationDraft
			if r.submitted {
				status = domain.ObservationSubmitted
			}
			kind := domain.KindClassroom
			if r.followUp != "" {
				kind = domain.KindFollowUp
			}
			o := domain.Observation{ID: domain.NewID(), DistrictID: w.districtA, SchoolID: w.schoolA1, TeacherID: r.teacher, FollowUpID: r.followUp,
				ObserverID: observerOf(w, r), RubricVersionID: w.rubricA, Kind: kind, Status: status, StartedAt: r.at, Rev: 1,
				Scores: scores, Deleted: r.deleted, ReceivedAt: r.at}
			raws = append(raws, r)
			return tx.PutObservation(ctx, o)
		}
		for i := range 5 {
			key := keys[rng.IntN(3)]
			first := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*i)
			c := rawCycle{id: domain.NewID(), key: key}
			for _, t := range teachers {
				if rng.IntN(2) == 0 || len(c.teachers) == 0 {
					c.teachers = append(c.teachers, t)
				}
			}
			slices.Sort(c.teachers)
			if err := tx.PutCycle(ctx, domain.Cycle{ID: c.id, DistrictID: w.districtA, SchoolID: w.schoolA1, CoachID: w.users[coach].ID,
				TeacherIDs: c.teachers, FocusIndicatorKey: key, Status: domain.CycleActive, Rev: 1}); err != nil {
				return err
			}
			for j := range 1 + rng.IntN(4) {
				day := first.AddDate(0, 0, 4*j)
				if j > 0 {
					day = day.AddDate(0, 0, rng.IntN(3))
				}
				a := domain.Activity{ID: domain.NewID(), DistrictID: w.districtA, CycleID: c.id, Kind: kinds[rng.IntN(len(kinds))], OccurredOn: day,
					AuthorID: w.users[coach].ID, Rev: 1}
				c.activities = append(c.activities, a)
				if err := tx.PutActivity(ctx, a, w.schoolA1); err != nil {
					return err
				}
			}
			// Before the cycle: some scores for its teachers, the last one late the evening before support began.
			for _, t := range c.teachers {
				for k := range rng.IntN(4) {
					at := time.Date(first.Year(), first.Month(), first.Day(), 10, 0, 0, 0, chicago).AddDate(0, 0, -1-k*3-rng.IntN(20))
					if k == 0 && rng.IntN(2) == 0 {
						at = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, chicago).Add(-time.Minute)
					}
					if err := observe(rawScore{teacher: t, key: key, at: at, level: level(), submitted: rng.IntN(8) != 0, deleted: rng.IntN(12) == 0}); err != nil {
						return err
					}
				}
				// The morning support began: after the cut, and not a follow-up: in neither list.
				if err := observe(rawScore{teacher: t, key: key, at: time.Date(first.Year(), first.Month(), first.Day(), 7, 0, 0, 0, chicago), level: level(), submitted: true}); err != nil {
					return err
				}
			}
			// Follow-ups, each done with an observation made from it.
			for k := range 1 + rng.IntN(4) {
				t := c.teachers[rng.IntN(len(c.teachers))]
				start := time.Date(first.Year(), first.Month(), first.Day(), 9, 0, 0, 0, chicago).AddDate(0, 0, 2+k*5+rng.IntN(3)).Add(time.Duration(i) * time.Hour)
				f := domain.FollowUp{ID: domain.NewID(), DistrictID: w.districtA, CycleID: c.id, SchoolID: w.schoolA1, TeacherID: t, StartsAt: start,
					EndsAt: start.Add(30 * time.Minute), ObserverIDs: []string{w.users[principalA].ID}, Status: domain.FollowUpScheduled, Rev: 1}
				if err := tx.PutFollowUp(ctx, f); err != nil {
					return err
				}
				c.followUps = append(c.followUps, f.ID)
				l := start.In(chicago)
				c.followDays = append(c.followDays, time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC))
				if err := observe(rawScore{teacher: t, followUp: f.ID, key: key, at: start.Add(5 * time.Minute), level: level(), submitted: rng.IntN(6) != 0, deleted: rng.IntN(15) == 0, byCoach: len(c.followUps)%2 == 0}); err != nil {
					return err
				}
			}
			cycles = append(cycles, c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cycles, raws
}

// comparisonFixture writes teachers of the same school with no cycle,
// scored on the first indicators from January to June, some of them
// drafts: the pool a cycle's comparison group is drawn from.
func comparisonFixture(t *testing.T, w *world, seed uint64, school string) []rawScore {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	chicago, _ := time.LoadLocation("America/Chicago")
	keys := domain.BuiltinFramework().IndicatorKeys()
	var raws []rawScore
	for range 8 {
		teacher := w.addTeacher(school, "Comparison")
		centre := 1 + rng.IntN(4)
		err := w.store.InTx(context.Background(), func(tx *store.Tx) error {
			for range 18 {
				l := min(4, max(1, centre+rng.IntN(3)-1))
				r := rawScore{teacher: teacher, key: keys[rng.IntN(3)], level: &l, submitted: rng.IntN(10) != 0,
					at: time.Date(2026, 1, 5, 8+rng.IntN(8), 0, 0, 0, chicago).AddDate(0, 0, rng.IntN(170))}
				o := domain.Observation{ID: domain.NewID(), DistrictID: w.districtA, SchoolID: school, TeacherID: teacher,
					ObserverID: w.users[principalA].ID, RubricVersionID: w.rubricA, Kind: domain.KindClassroom, Status: domain.ObservationDraft,
					StartedAt: r.at, Rev: 1, Scores: []domain.Score{{IndicatorKey: r.key, Level: r.level}}, ReceivedAt: r.at}
				if r.submitted {
					o.Status = domain.ObservationSubmitted
				}
				raws = append(raws, r)
				if err := tx.PutObservation(context.Background(), o); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return raws
}

// welch is the change from a to b with Welch's 95% interval, worked here
// from its formula.
func welch(a, b []float64) (d, lo, hi float64) {
	va, vb := sampleVar(a)/float64(len(a)), sampleVar(b)/float64(len(b))
	d = avgOf(b) - avgOf(a)
	if va+vb == 0 {
		return d, d, d
	}
	df := math.Pow(va+vb, 2) / (va*va/float64(len(a)-1) + vb*vb/float64(len(b)-1))
	half := estimate.T975(df) * math.Sqrt(va+vb)
	return d, d - half, d + half
}

// tMean is the mean of xs with its t-interval.
func tMean(xs []float64) (m, lo, hi float64) {
	m = avgOf(xs)
	half := estimate.T975(float64(len(xs)-1)) * math.Sqrt(sampleVar(xs)/float64(len(xs)))
	return m, m - half, m + half
}

func avgOf(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func sampleVar(xs []float64) float64 {
	m, s := avgOf(xs), 0.0
	for _, x := range xs {
		s += (x - m) * (x - m)
	}
	return s / float64(len(xs)-1)
}

func levelsOf(rs []rawScore) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = float64(*r.level)
	}
	return out
}

// pooledOf is what a pooled change should be: the mean of the teachers'
// changes with its t-interval, or one teacher's own Welch interval.
func pooledOf(changes [][3]float64) (n int, d, lo, hi *float64) {
	switch len(changes) {
	case 0:
		return 0, nil, nil, nil
	case 1:
		return 1, &changes[0][0], &changes[0][1], &changes[0][2]
	}
	xs := make([]float64, len(changes))
	for i, c := range changes {
		xs[i] = c[0]
	}
	m, l, h := tMean(xs)
	return len(xs), &m, &l, &h
}

// sameFigure compares a figure with its recomputation.
func sameFigure(t *testing.T, what string, got figureResponse, n int, d, lo, hi *float64) {
	t.Helper()
	eq := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || math.Abs(*a-*b) < 1e-9) }
	if got.Teachers != n || !eq(got.Change, d) || !eq(got.Low, lo) || !eq(got.High, hi) {
		show := func(p *float64) any {
			if p == nil {
				return nil
			}
			return *p
		}
		t.Errorf("%s: %d teachers, change %v (%v to %v); want %d, %v (%v to %v)", what, got.Teachers, show(got.Change), show(got.Low), show(got.High), n, show(d), show(lo), show(hi))
	}
}

// expectComparison recomputes a cycle's comparison group from the raw
// rows: teachers of the school in no cycle at work in the window, with
// two scores before and two in it, baseline within the band of the
// cycle's judged teachers' mean baseline.
func expectComparison(c rawCycle, cycles []rawCycle, raws []rawScore, judgedBases []float64, follow []rawScore) (n int, d, lo, hi, base *float64) {
	changes, base := comparisonChanges(c, cycles, raws, judgedBases, follow)
	n, d, lo, hi = pooledOf(changes)
	return n, d, lo, hi, base
}

// comparisonChanges is each comparison teacher's change with its Welch
// interval, and the cycle's baseline.
func comparisonChanges(c rawCycle, cycles []rawCycle, raws []rawScore, judgedBases []float64, follow []rawScore) ([][3]float64, *float64) {
	chicago, _ := time.LoadLocation("America/Chicago")
	if len(judgedBases) == 0 || len(follow) == 0 {
		return nil, nil
	}
	b := avgOf(judgedBases)
	last := follow[0].at
	for _, f := range follow {
		if f.at.After(last) {
			last = f.at
		}
	}
	l := last.In(chicago)
	cut := func(day time.Time) time.Time {
		return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, chicago)
	}
	from, until := cut(firstDay(c)), cut(time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, time.UTC))
	busy := map[string]bool{}
	for _, o := range cycles {
		end := firstDay(o)
		for _, a := range o.activities {
			if a.OccurredOn.After(end) {
				end = a.OccurredOn
			}
		}
		for _, fd := range o.followDays {
			if fd.After(end) {
				end = fd
			}
		}
		if cut(firstDay(o)).Before(until) && cut(end.AddDate(0, 0, 1)).After(from) {
			for _, t := range o.teachers {
				busy[t] = true
			}
		}
	}
	before, during := map[string][]rawScore{}, map[string][]rawScore{}
	for _, r := range raws {
		if !counts(r) || r.key != c.key || busy[r.teacher] {
			continue
		}
		if r.at.Before(from) {
			before[r.teacher] = append(before[r.teacher], r)
		} else if r.at.Before(until) {
			during[r.teacher] = append(during[r.teacher], r)
		}
	}
	var changes [][3]float64
	for t, bs := range before {
		if len(bs) < 2 || len(during[t]) < 2 || math.Abs(meanOf(bs)-b) > 0.5+1e-9 {
			continue
		}
		x, y, z := welch(levelsOf(bs), levelsOf(during[t]))
		changes = append(changes, [3]float64{x, y, z})
	}
	return changes, &b
}

func observerOf(w *world, r rawScore) string {
	if r.byCoach {
		return w.users[coach].ID
	}
	return w.users[principalA].ID
}

// counts is a score that counts: submitted, not deleted, scored.
func counts(r rawScore) bool { return r.submitted && !r.deleted && r.level != nil }

// firstDay is the day support began: the earliest activity.
func firstDay(c rawCycle) time.Time {
	d := c.activities[0].OccurredOn
	for _, a := range c.activities {
		if a.OccurredOn.Before(d) {
			d = a.OccurredOn
		}
	}
	return d
}

// expectEvidence recomputes a cycle's evidence from the fixture's rows.
func expectEvidence(c rawCycle, raws []rawScore) (before, follow []rawScore) {
	chicago, _ := time.LoadLocation("America/Chicago")
	d := firstDay(c)
	cut := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, chicago)
	for _, r := range raws {
		if !counts(r) || r.key != c.key || !slices.Contains(c.teachers, r.teacher) {
			continue
		}
		if slices.Contains(c.followUps, r.followUp) {
			follow = append(follow, r)
		} else if r.at.Before(cut) {
			before = append(before, r)
		}
	}
	return before, follow
}

func meanOf(rs []rawScore) float64 {
	s := 0
	for _, r := range rs {
		s += *r.level
	}
	return float64(s) / float64(len(rs))
}

func TestEvidenceAndEffectivenessEqualARecomputationFromRawScores(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		var allCycles []rawCycle
		var allRaws []rawScore
		judged, tooFewSeen, compared := 0, 0, 0
		for _, seed := range []uint64{1, 2, 3, 4} {
			cycles, raws := evidenceFixture(t, w, seed)
			allCycles, allRaws = append(allCycles, cycles...), append(allRaws, raws...)
			allRaws = append(allRaws, comparisonFixture(t, w, seed, w.schoolA1)...)
			for _, c := range cycles {
				before, follow := expectEvidence(c, raws)
				var e evidenceResponse
				if r := w.do(coach, "GET", "/api/v1/cycles/"+c.id+"/evidence", nil); r.Code != 200 {
					t.Fatalf("evidence: %d %s", r.Code, r.Body)
				} else {
					r.decode(t, &e)
				}
				same := func(what string, got []pointResponse, want []rawScore) {
					t.Helper()
					if len(got) != len(want) {
						t.Errorf("seed %d cycle %s: %d %s points, want %d", seed, c.id, len(got), what, len(want))
						return
					}
					slices.SortFunc(want, func(a, b rawScore) int {
						return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.teacher, b.teacher), cmp.Compare(*a.level, *b.level))
					})
					slices.SortFunc(got, func(a, b pointResponse) int {
						return cmp.Or(a.ObservedAt.Compare(b.ObservedAt), cmp.Compare(a.TeacherID, b.TeacherID), cmp.Compare(a.Level, b.Level))
					})
					for i := range got {
						if got[i].TeacherID != want[i].teacher || got[i].Level != *want[i].level || !got[i].ObservedAt.Equal(want[i].at) || got[i].FollowUpID != want[i].followUp || got[i].ByCoach != want[i].byCoach {
							t.Errorf("seed %d %s point %d: %+v, want %+v level %d", seed, what, i, got[i], want[i], *want[i].level)
						}
					}
				}
				same("before", e.Before, before)
				same("follow-up", e.FollowUps, follow)
				if (e.BeforeMean == nil) != (len(before) == 0) || (e.BeforeMean != nil && math.Abs(*e.BeforeMean-meanOf(before)) > 1e-9) {
					t.Errorf("seed %d: before mean %v, want %v of %d", seed, e.BeforeMean, meanOf(before), len(before))
				}
				// Each teacher against their own baseline, with n, too few
				// to judge below the stated minimum.
				if len(e.Teachers) != len(c.teachers) || e.MinToJudge != cyc.MinToJudge {
					t.Errorf("seed %d: %d teachers' changes for %d teachers (min %d)", seed, len(e.Teachers), len(c.teachers), e.MinToJudge)
				}
				var changes [][3]float64
				var judgedBases []float64
				for _, tc := range e.Teachers {
					var b, f []rawScore
					for _, r := range before {
						if r.teacher == tc.TeacherID {
							b = append(b, r)
						}
					}
					for _, r := range follow {
						if r.teacher == tc.TeacherID {
							f = append(f, r)
						}
					}
					tooFew := len(b) < cyc.MinToJudge || len(f) < cyc.MinToJudge
					if tooFew {
						tooFewSeen++
					} else {
						judged++
					}
					if tc.Before != len(b) || tc.FollowUps != len(f) || tc.TooFew != tooFew || (tc.Change == nil) != tooFew {
						t.Errorf("seed %d teacher %s: %+v, want %d before, %d follow-ups", seed, tc.TeacherID, tc, len(b), len(f))
						continue
					}
					if !tooFew {
						d, lo, hi := welch(levelsOf(b), levelsOf(f))
						changes, judgedBases = append(changes, [3]float64{d, lo, hi}), append(judgedBases, meanOf(b))
						if math.Abs(*tc.Change-d) > 1e-9 || math.Abs(*tc.Low-lo) > 1e-9 || math.Abs(*tc.High-hi) > 1e-9 {
							t.Errorf("seed %d teacher %s: change %v (%v to %v), want %v (%v to %v)", seed, tc.TeacherID, *tc.Change, *tc.Low, *tc.High, d, lo, hi)
						}
					} else if tc.Low != nil || tc.High != nil {
						t.Errorf("seed %d teacher %s: an interval with too few to judge", seed, tc.TeacherID)
					}
				}
				n, d, lo, hi := pooledOf(changes)
				sameFigure(t, "the cycle's change", e.Change, n, d, lo, hi)
				n, d, lo, hi, base := expectComparison(c, allCycles, allRaws, judgedBases, follow)
				sameFigure(t, "the comparison", e.Comparison.figureResponse, n, d, lo, hi)
				if (base == nil) != (e.Comparison.Baseline == nil) || (base != nil && math.Abs(*base-*e.Comparison.Baseline) > 1e-9) || e.Comparison.Band != cyc.BaselineBand {
					t.Errorf("seed %d: comparison baseline %v band %v, want %v", seed, e.Comparison.Baseline, e.Comparison.Band, base)
				}
				if n > 0 {
					compared++
				}
				if e.SupportFrom.Format(time.DateOnly) != firstDay(c).Format(time.DateOnly) {
					t.Errorf("support from %s, want %s", e.SupportFrom.Format(time.DateOnly), firstDay(c).Format(time.DateOnly))
				}
			}

		}
		if compared == 0 {
			t.Error("no cycle had a comparison group: the fixture tests nothing of it")
		}
		if judged == 0 || tooFewSeen == 0 {
			t.Errorf("the fixture judged %d teachers and found %d too few to judge: both must occur", judged, tooFewSeen)
		}
		{
			cycles, raws := allCycles, allRaws
			// The report, recomputed: every cycle written so far in this
			// world. Each compared follow-up counts once, for the kind of the
			// cycle's latest support on or before its day; for the
			// supervisor, who may not see the school's teachers, only school
			// months (school, kind, month) of at least the minimum count.
			type unit struct {
				kind  domain.ActivityKind
				month string
			}
			type scored struct {
				cycle string
				u     unit
				rose  bool
				raw   rawScore
			}
			var all []scored
			perUnit := map[unit]int{}
			chicago, _ := time.LoadLocation("America/Chicago")
			for _, c := range cycles {
				before, follow := expectEvidence(c, raws)
				for _, f := range follow {
					var base []rawScore
					for _, b := range before {
						if b.teacher == f.teacher {
							base = append(base, b)
						}
					}
					if len(base) == 0 {
						continue
					}
					l := f.at.In(chicago)
					day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
					var latest *domain.Activity
					for i, a := range c.activities {
						if !a.OccurredOn.After(day) && (latest == nil || a.OccurredOn.After(latest.OccurredOn) || (a.OccurredOn.Equal(latest.OccurredOn) && a.Kind < latest.Kind)) {
							latest = &c.activities[i]
						}
					}
					u := unit{month: day.Format("2006-01")}
					if latest != nil {
						u.kind = latest.Kind
					}
					perUnit[u]++
					all = append(all, scored{c.id, u, float64(*f.level) > meanOf(base), f})
				}
			}
			type tally struct {
				cycles, followUps, rose, leftOut int
				cycleSet                         map[string]bool
			}
			tallies := func(keep func(unit) bool) (tally, map[domain.ActivityKind]*tally) {
				total := tally{cycleSet: map[string]bool{}}
				kinds := map[domain.ActivityKind]*tally{}
				left := map[unit]bool{}
				for _, r := range all {
					k := kinds[r.u.kind]
					if k == nil && r.u.kind != "" {
						k = &tally{cycleSet: map[string]bool{}}
						kinds[r.u.kind] = k
					}
					if !keep(r.u) {
						if !left[r.u] {
							left[r.u] = true
							total.leftOut++
							if k != nil {
								k.leftOut++
							}
						}
						continue
					}
					total.followUps++
					total.cycleSet[r.cycle] = true
					if r.rose {
						total.rose++
					}
					if k != nil {
						k.followUps++
						k.cycleSet[r.cycle] = true
						if r.rose {
							k.rose++
						}
					}
				}
				total.cycles = len(total.cycleSet)
				for _, k := range kinds {
					k.cycles = len(k.cycleSet)
				}
				return total, kinds
			}
			// Every other cycle was opened from a support request; which
			// ones is read back from the raw rows.
			if err := w.store.InTx(context.Background(), func(tx *store.Tx) error {
				for i, c := range cycles {
					if i%2 == 1 {
						continue
					}
					r := domain.SupportRequest{ID: domain.NewID(), DistrictID: w.districtA, SchoolID: w.schoolA1, RequesterID: w.users[principalA].ID,
						TeacherIDs: c.teachers, IndicatorKeys: []string{c.key}, Reason: "Flat since fall.", Source: domain.SupportSources[0],
						Status: domain.SupportAssigned, CoachID: w.users[coach].ID, CycleID: c.id, Rev: 1}
					if err := tx.PutSupportRequest(context.Background(), r); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			requested := map[string]bool{}
			reqRows, err := w.store.SQL().Query(`SELECT cycle_id FROM support_requests WHERE cycle_id IS NOT NULL AND deleted_at IS NULL`)
			if err != nil {
				t.Fatal(err)
			}
			for reqRows.Next() {
				var id string
				if err := reqRows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				requested[id] = true
			}
			if err := reqRows.Close(); err != nil {
				t.Fatal(err)
			}
			var fromRequests tally
			fromCycles := map[string]bool{}
			for _, r := range all {
				if requested[r.cycle] {
					fromCycles[r.cycle] = true
					fromRequests.followUps++
					if r.rose {
						fromRequests.rose++
					}
				}
			}
			fromRequests.cycles = len(fromCycles)
			if fromRequests.followUps == 0 || fromRequests.followUps == len(all) {
				t.Fatalf("from_requests means nothing here: %d of %d follow-up scores", fromRequests.followUps, len(all))
			}
			min := domain.DefaultDistrictSettings().MinCellSize
			for _, who := range []struct {
				a    actor
				keep func(unit) bool
			}{{admin, func(unit) bool { return true }}, {supervisor, func(u unit) bool { return perUnit[u] >= min }}} {
				total, want := tallies(who.keep)
				var rep effectivenessResponse
				if r := w.do(who.a, "GET", "/api/v1/reports/cycle-effectiveness", nil); r.Code != 200 {
					t.Fatalf("report: %d %s", r.Code, r.Body)
				} else {
					r.decode(t, &rep)
				}
				if rep.Cycles != total.cycles || rep.FollowUps != total.followUps || rep.Rose != total.rose || rep.LeftOut != total.leftOut {
					t.Errorf("%s: report totals %d cycles %d follow-ups %d rose %d left out, want %+v", who.a, rep.Cycles, rep.FollowUps, rep.Rose, rep.LeftOut, total)
				}
				// The part from requests: the administrator sees every
				// cycle's teachers; the supervisor none, so it is empty.
				wantFrom := fromRequests
				if who.a == supervisor {
					wantFrom = tally{}
				}
				if f := rep.FromRequests; f.Cycles != wantFrom.cycles || f.FollowUps != wantFrom.followUps || f.Rose != wantFrom.rose ||
					(f.FollowUps == 0) != (f.RoseShare == nil) || (f.RoseShare != nil && math.Abs(*f.RoseShare-float64(f.Rose)/float64(f.FollowUps)) > 1e-9) {
					t.Errorf("%s: from_requests %+v, want %d cycles %d follow-ups %d rose", who.a, f, wantFrom.cycles, wantFrom.followUps, wantFrom.rose)
				}
				if len(rep.Kinds) != len(want) {
					t.Errorf("%s: report kinds %+v, want %d kinds", who.a, rep.Kinds, len(want))
				}
				// One framework, named, and the same when asked for by name; an
				// unknown framework is not found.
				if rep.RubricID == "" || len(rep.Frameworks) == 0 {
					t.Errorf("%s: the report names no framework: %q %+v", who.a, rep.RubricID, rep.Frameworks)
				}
				var again effectivenessResponse
				if r := w.do(who.a, "GET", "/api/v1/reports/cycle-effectiveness?rubric_id="+rep.RubricID, nil); r.Code != 200 {
					t.Fatalf("report of one framework: %d %s", r.Code, r.Body)
				} else if r.decode(t, &again); again.FollowUps != rep.FollowUps || again.Rose != rep.Rose || again.RubricID != rep.RubricID {
					t.Errorf("%s: the framework asked by name gives %+v, by default %+v", who.a, again, rep)
				}
				if r := w.do(who.a, "GET", "/api/v1/reports/cycle-effectiveness?rubric_id="+domain.NewID(), nil); r.Code != 404 {
					t.Errorf("%s: an unknown framework: %d %s", who.a, r.Code, r.Body)
				}
				if rep.MinToJudge != 5 {
					t.Errorf("%s: min_to_judge %d, want 5", who.a, rep.MinToJudge)
				}
				checkRange(t, string(who.a)+" total", rep.Rose, rep.FollowUps, rep.RoseLow, rep.RoseHigh)
				checkRange(t, string(who.a)+" from requests", rep.FromRequests.Rose, rep.FromRequests.FollowUps, rep.FromRequests.RoseLow, rep.FromRequests.RoseHigh)
				hidden := 0
				for _, k := range rep.Kinds {
					x := want[domain.ActivityKind(k.Kind)]
					if x == nil || k.Cycles != x.cycles || k.FollowUps != x.followUps || k.LeftOut != x.leftOut || k.Suppressed != (x.followUps == 0) {
						t.Errorf("%s: kind %s: %+v, want %+v", who.a, k.Kind, k, x)
						continue
					}
					if k.Suppressed {
						hidden++
						if k.Rose != nil || k.RoseShare != nil || k.RoseLow != nil || k.RoseHigh != nil {
							t.Errorf("%s: kind %s shows a rate of nothing: %+v", who.a, k.Kind, k)
						}
						continue
					}
					if k.Rose == nil || *k.Rose != x.rose || math.Abs(*k.RoseShare-float64(*k.Rose)/float64(k.FollowUps)) > 1e-9 {
						t.Errorf("%s: kind %s: %+v, want %+v", who.a, k.Kind, k, x)
					}
					checkRange(t, string(who.a)+" "+k.Kind, *k.Rose, k.FollowUps, k.RoseLow, k.RoseHigh)
					if who.a == supervisor && k.FollowUps < min {
						t.Errorf("the supervisor's kind %s shows %d follow-ups, under the minimum", k.Kind, k.FollowUps)
					}
				}
				// The totals less the kinds shown: what a subtraction gives is
				// the follow-ups without support before them, all in whole kept
				// school months, so nothing or at least the minimum.
				if who.a == supervisor {
					rest, restRose := rep.FollowUps, rep.Rose
					for _, k := range rep.Kinds {
						rest -= k.FollowUps
						if k.Rose != nil {
							restRose -= *k.Rose
						}
					}
					if rest != 0 && rest < min {
						t.Errorf("the supervisor's totals less the kinds give away %d follow-ups", rest)
					}
					// Nor do they give away how many of a hidden kind rose.
					if rest == 0 && restRose != 0 {
						t.Errorf("the supervisor's totals less the kinds give away %d rose", restRose)
					}
				}
				// Each teacher against their own baseline, and teachers of
				// similar baseline with no cycle, for the framework and
				// each kind, from the follow-up scores kept.
				groupOf := func(kind *domain.ActivityKind) (figureResponse, figureResponse) {
					var changes, cmpChanges [][3]float64
					for _, c := range cycles {
						before, _ := expectEvidence(c, raws)
						var follow []rawScore
						for _, r := range all {
							if r.cycle == c.id && who.keep(r.u) && (kind == nil || r.u.kind == *kind) {
								follow = append(follow, r.raw)
							}
						}
						if len(follow) == 0 {
							continue
						}
						var bases []float64
						for _, teacher := range c.teachers {
							var b, f []rawScore
							for _, r := range before {
								if r.teacher == teacher {
									b = append(b, r)
								}
							}
							for _, r := range follow {
								if r.teacher == teacher {
									f = append(f, r)
								}
							}
							if len(b) < cyc.MinToJudge || len(f) < cyc.MinToJudge {
								continue
							}
							x, y, z := welch(levelsOf(b), levelsOf(f))
							changes, bases = append(changes, [3]float64{x, y, z}), append(bases, meanOf(b))
						}
						more, _ := comparisonChanges(c, cycles, raws, bases, follow)
						cmpChanges = append(cmpChanges, more...)
					}
					var out [2]figureResponse
					for i, cs := range [][][3]float64{changes, cmpChanges} {
						n, d, lo, hi := pooledOf(cs)
						out[i] = figureResponse{Teachers: n}
						// The supervisor sees no teacher of the school: a
						// figure from fewer teachers than the minimum is withheld.
						if who.a != supervisor || n == 0 || n >= min {
							out[i] = figureResponse{Teachers: n, Change: d, Low: lo, High: hi}
						}
					}
					return out[0], out[1]
				}
				withheld := func(f ...figureResponse) bool {
					for _, x := range f {
						if x.Teachers > 0 && x.Change == nil {
							return true
						}
					}
					return false
				}
				judgedGroups := 0
				ch, cm := groupOf(nil)
				sameFigure(t, string(who.a)+" the framework's change", rep.Change, ch.Teachers, ch.Change, ch.Low, ch.High)
				sameFigure(t, string(who.a)+" the framework's comparison", rep.Comparison, cm.Teachers, cm.Change, cm.Low, cm.High)
				if rep.Withheld != withheld(ch, cm) {
					t.Errorf("%s: the framework's figures withheld %v, want %v", who.a, rep.Withheld, withheld(ch, cm))
				}
				for _, k := range rep.Kinds {
					kind := domain.ActivityKind(k.Kind)
					ch, cm := figureResponse{}, figureResponse{}
					if !k.Suppressed {
						ch, cm = groupOf(&kind)
					}
					sameFigure(t, string(who.a)+" "+k.Kind+"'s change", k.Change, ch.Teachers, ch.Change, ch.Low, ch.High)
					sameFigure(t, string(who.a)+" "+k.Kind+"'s comparison", k.Comparison, cm.Teachers, cm.Change, cm.Low, cm.High)
					if k.Withheld != withheld(ch, cm) {
						t.Errorf("%s: %s's figures withheld %v, want %v", who.a, k.Kind, k.Withheld, withheld(ch, cm))
					}
					if ch.Change != nil && cm.Change != nil {
						judgedGroups++
					}
				}
				if who.a == admin && judgedGroups == 0 {
					t.Errorf("no kind has both a change and a comparison: the fixture tests nothing of them")
				}
				t.Logf("%s: %d of %d kinds hidden, %d school months left out; %d cycles, %d follow-up scores, %d rose; change from %d teachers, comparison from %d, %d kinds with both",
					who.a, hidden, len(rep.Kinds), rep.LeftOut, total.cycles, total.followUps, total.rose, rep.Change.Teachers, rep.Comparison.Teachers, judgedGroups)
			}
		}
	})
}

// checkRange recomputes Wilson's 95% score interval of rose of n and
// compares it with the likely range a figure shows.
func checkRange(t *testing.T, what string, rose, n int, low, high *float64) {
	t.Helper()
	if n == 0 {
		if low != nil || high != nil {
			t.Errorf("%s: a likely range of no scores: %v %v", what, low, high)
		}
		return
	}
	if low == nil || high == nil {
		t.Errorf("%s: %d of %d rose with no likely range", what, rose, n)
		return
	}
	const z = 1.959964
	p, fn := float64(rose)/float64(n), float64(n)
	centre := (p + z*z/(2*fn)) / (1 + z*z/fn)
	half := z * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn)) / (1 + z*z/fn)
	if math.Abs(*low-math.Max(0, centre-half)) > 1e-9 || math.Abs(*high-math.Min(1, centre+half)) > 1e-9 || *low > p || p > *high {
		t.Errorf("%s: %d of %d rose, likely range %v to %v, want %v to %v", what, rose, n, *low, *high, centre-half, centre+half)
	}
}
