package httpapi

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/visits"
)

// team is a leadership walkthrough's people at school A1: the principal
// leads, the observer and three more members score, one member never syncs.
type team struct {
	lead     actor
	scorers  []actor // each scores on a device of their own
	silent   actor   // on the team, never syncs
	teachers []string
	keys     []string // the indicators scored
	focus    []string
}

func newTeam(t *testing.T, w *world) team {
	t.Helper()
	ctx := context.Background()
	tm := team{lead: principalA, scorers: []actor{principalA, observer}, silent: "member_silent"}
	hash := w.users[observer].PasswordHash
	var extra []domain.User
	for _, a := range []actor{"member_1", "member_2", "member_3", tm.silent} {
		u := domain.User{ID: domain.NewID(), DistrictID: w.districtA, Email: string(a) + "@example.org", Name: "Member " + string(a),
			PasswordHash: hash, Active: true, Grants: []domain.RoleGrant{{Role: domain.RoleObserver, SchoolID: w.schoolA1}}}
		w.users[a] = u
		extra = append(extra, u)
		if a != tm.silent {
			tm.scorers = append(tm.scorers, a)
		}
	}
	tm.teachers = []string{w.teacherA1, domain.NewID(), domain.NewID()}
	err := w.store.InTx(ctx, func(tx *store.Tx) error {
		for _, u := range extra {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		for i, id := range tm.teachers[1:] {
			err := tx.CreateTeachers(ctx, []domain.Teacher{{ID: id, DistrictID: w.districtA, SchoolID: w.schoolA1,
				GivenName: "Teacher", FamilyName: "Number " + strconv.Itoa(i+2), Grades: []string{"4"}, Subjects: []string{"Science"}, Active: true}})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []actor{"member_1", "member_2", "member_3", tm.silent} {
		w.signIn(a)
	}
	tm.keys = domain.BuiltinFramework().IndicatorKeys()[:6]
	tm.focus = []string{tm.keys[4], tm.keys[2]}
	return tm
}

// walkthrough has the lead start a walkthrough with the whole team.
func (tm team) walkthrough(t *testing.T, w *world, day time.Time) string {
	t.Helper()
	id := domain.NewID()
	var members []string
	for _, a := range append(append([]actor{}, tm.scorers...), tm.silent) {
		members = append(members, w.users[a].ID)
	}
	_, res := w.push(tm.lead, domain.NewID(), change("walkthrough", id, 0, map[string]any{"school_id": w.schoolA1, "rubric_version_id": w.rubricA,
		"kind": "leadership", "date": day.Format(time.DateOnly), "team": members, "focus": tm.focus}))
	if res.Results[0].Status != "applied" {
		t.Fatalf("the lead's walkthrough: %+v", res.Results[0])
	}
	return id
}

// scored is what one device pushed for one observation, as the test
// remembers it: the truth the debrief is checked against.
type scored struct {
	id, walkthrough, teacher, observer string
	levels                             map[string]*int
	submitted                          bool
}

// deviceQueue is one tablet's outbox: the changes it made offline, in order.
type deviceQueue struct {
	who     actor
	device  string
	changes []sync.Change
}

// scoreOffline has every scorer visit the classrooms of a walkthrough on
// their own device: a draft first, then the submitted observation, as the
// outbox holds them. Member 3 leaves one classroom as a draft.
func (tm team) scoreOffline(w *world, rng *rand.Rand, walk string, truth map[string]*scored) []*deviceQueue {
	var out []*deviceQueue
	for _, a := range tm.scorers {
		q := &deviceQueue{who: a, device: domain.NewID()}
		for ti, teacher := range tm.teachers {
			if a == "member_2" && ti == 2 {
				continue // member 2 missed the last classroom
			}
			o := &scored{id: domain.NewID(), walkthrough: walk, teacher: teacher, observer: w.users[a].ID, levels: map[string]*int{},
				submitted: !(a == "member_3" && ti == 1)}
			for _, k := range tm.keys {
				switch r := rng.IntN(10); {
				case r == 0:
					o.levels[k] = nil // not observed
				case r == 1:
					// not scored at all
				default:
					l := 1 + rng.IntN(4)
					o.levels[k] = &l
				}
			}
			truth[o.id] = o
			draft := *o
			draft.submitted = false
			q.changes = append(q.changes, w.observationChange(o.id, 0, draft), w.observationChange(o.id, 1, *o))
		}
		out = append(out, q)
	}
	return out
}

func (w *world) observationChange(id string, baseRev int64, o scored) sync.Change {
	var scores []map[string]any
	for k, l := range o.levels {
		s := map[string]any{"indicator_key": k, "level": l, "evidence": "Evidence of " + k + " by " + o.observer[:8]}
		scores = append(scores, s)
	}
	sort.Slice(scores, func(i, j int) bool { return scores[i]["indicator_key"].(string) < scores[j]["indicator_key"].(string) })
	status := "draft"
	if o.submitted {
		status = "submitted"
	}
	return change("observation", id, baseRev, map[string]any{"school_id": w.schoolA1, "teacher_id": o.teacher, "walkthrough_id": o.walkthrough,
		"rubric_version_id": w.rubricA, "kind": "leadership", "started_at": w.clock.now.Add(-time.Hour).UTC().Format(time.RFC3339),
		"status": status, "scores": scores, "evidence": "Overall by " + o.observer[:8]})
}

func (w *world) debrief(a actor, walk string) visits.Debrief {
	w.t.Helper()
	r := w.do(a, "GET", "/api/v1/walkthroughs/"+walk+"/debrief", nil)
	if r.Code != 200 {
		w.t.Fatalf("debrief as %s: %d %s", a, r.Code, r.Body)
	}
	var d visits.Debrief
	r.decode(w.t, &d)
	return d
}

// pairCounts recounts agreement from a histogram of levels: pairs of equal
// levels are C(n_l, 2), pairs one apart n_l × n_(l+1).
func pairCounts(levels []int) (pairs, exact, within int) {
	hist := map[int]int{}
	for _, l := range levels {
		hist[l]++
	}
	n := len(levels)
	pairs = n * (n - 1) / 2
	for l, c := range hist {
		exact += c * (c - 1) / 2
		within += c * hist[l+1]
	}
	return pairs, exact, exact + within
}

func ratio(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	f := float64(n) / float64(of)
	return &f
}

func sameFloat(t *testing.T, what string, got, want *float64) {
	t.Helper()
	if (got == nil) != (want == nil) || got != nil && math.Abs(*got-*want) > 1e-9 {
		t.Errorf("%s: got %v, want %v", what, deref(got), deref(want))
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// checkDebrief compares a debrief with a recomputation from what the
// devices pushed.
func checkDebrief(t *testing.T, w *world, tm team, walk string, d visits.Debrief, truth map[string]*scored) {
	t.Helper()
	// Every submitted observation once, grouped by classroom.
	want := map[string][]*scored{} // teacher → submitted observations
	total := 0
	for _, o := range truth {
		if o.walkthrough == walk && o.submitted {
			want[o.teacher] = append(want[o.teacher], o)
			total++
		}
	}
	if d.Observations != total {
		t.Errorf("debrief counts %d observations, want %d", d.Observations, total)
	}
	seen := map[string]int{}
	if len(d.Classrooms) != len(want) {
		t.Fatalf("%d classrooms, want %d", len(d.Classrooms), len(want))
	}
	type pool struct{ levels, pairs, exact, within, spread int }
	pooled := map[string]*pool{}
	for _, room := range d.Classrooms {
		if len(room.Observations) == 0 || truth[room.Observations[0].ID] == nil {
			t.Fatalf("classroom %s has no known observation", room.Label)
		}
		teacher := truth[room.Observations[0].ID].teacher
		if room.TeacherID != "" && room.TeacherID != teacher {
			t.Errorf("classroom %s names teacher %s, its observations %s", room.Label, room.TeacherID, teacher)
		}
		obs := want[teacher]
		if len(room.Observations) != len(obs) {
			t.Errorf("classroom %s: %d observations, want %d", room.Label, len(room.Observations), len(obs))
		}
		for _, o := range room.Observations {
			seen[o.ID]++
			if truth[o.ID] == nil || truth[o.ID].teacher != teacher || !truth[o.ID].submitted {
				t.Errorf("observation %s is not a submitted observation of %s", o.ID, room.Label)
			}
		}
		byKey := map[string]visits.ClassroomIndicator{}
		for i, ind := range room.Indicators {
			byKey[ind.Key] = ind
			if i > 0 && ind.Focus && !room.Indicators[i-1].Focus {
				t.Errorf("classroom %s: focus indicator %s after a non-focus one", room.Label, ind.Key)
			}
		}
		for _, k := range tm.keys {
			var levels []int
			marks, notObserved := 0, 0
			for _, o := range obs {
				l, ok := o.levels[k]
				if !ok {
					continue
				}
				marks++
				if l == nil {
					notObserved++
				} else {
					levels = append(levels, *l)
				}
			}
			got, ok := byKey[k]
			if marks == 0 {
				if ok {
					t.Errorf("classroom %s shows %s that nobody scored", room.Label, k)
				}
				continue
			}
			if !ok {
				t.Errorf("classroom %s lacks indicator %s", room.Label, k)
				continue
			}
			if len(got.Marks) != marks || got.Scores != len(levels) || got.NotObserved != notObserved {
				t.Errorf("classroom %s %s: %d marks, %d levels, %d not observed; want %d, %d, %d", room.Label, k,
					len(got.Marks), got.Scores, got.NotObserved, marks, len(levels), notObserved)
			}
			pairs, exact, within := pairCounts(levels)
			if got.Pairs != pairs {
				t.Errorf("classroom %s %s: %d pairs, want %d", room.Label, k, got.Pairs, pairs)
			}
			sameFloat(t, room.Label+" "+k+" exact", got.Exact, ratio(exact, pairs))
			sameFloat(t, room.Label+" "+k+" within one", got.WithinOne, ratio(within, pairs))
			p := pooled[k]
			if p == nil {
				p = &pool{spread: -1}
				pooled[k] = p
			}
			p.levels += len(levels)
			p.pairs, p.exact, p.within = p.pairs+pairs, p.exact+exact, p.within+within
			if len(levels) > 0 {
				lo, hi := levels[0], levels[0]
				for _, l := range levels {
					lo, hi = min(lo, l), max(hi, l)
				}
				if got.Spread == nil || *got.Spread != hi-lo {
					t.Errorf("classroom %s %s: spread %v, want %d (%v)", room.Label, k, got.Spread, hi-lo, levels)
				}
				p.spread = max(p.spread, hi-lo)
			}
		}
	}
	for id, o := range truth {
		if o.walkthrough == walk && o.submitted && seen[id] != 1 {
			t.Errorf("observation %s appears %d times", id, seen[id])
		}
	}
	// Per indicator over the visit: the focus first, in the focus's order.
	for i, k := range tm.focus {
		if i >= len(d.Indicators) || d.Indicators[i].Key != k || !d.Indicators[i].Focus {
			t.Fatalf("indicator %d is not the focus %s", i, k)
		}
	}
	for _, ind := range d.Indicators {
		p := pooled[ind.Key]
		if p == nil {
			if ind.Scores != 0 {
				t.Errorf("%s: %d scores nobody gave", ind.Key, ind.Scores)
			}
			continue
		}
		if ind.Pairs != p.pairs || ind.Scores != p.levels {
			t.Errorf("%s over the visit: %d pairs and %d levels, want %d and %d", ind.Key, ind.Pairs, ind.Scores, p.pairs, p.levels)
		}
		sameFloat(t, ind.Key+" pooled exact", ind.Exact, ratio(p.exact, p.pairs))
		sameFloat(t, ind.Key+" pooled within one", ind.WithinOne, ratio(p.within, p.pairs))
		if p.levels > 0 && (ind.WidestClassroomSpread == nil || *ind.WidestClassroomSpread != p.spread) {
			t.Errorf("%s: widest spread %v, want %d", ind.Key, ind.WidestClassroomSpread, p.spread)
		}
		if p.levels > 0 && (ind.Spread == nil || ind.Min == nil || ind.Max == nil || *ind.Spread != *ind.Max-*ind.Min) {
			t.Errorf("%s: spread %v is not max less min (%v, %v)", ind.Key, ind.Spread, ind.Min, ind.Max)
		}
	}
}

// Five observers score the same three classrooms offline, each on a device
// of their own, and the devices sync in different orders (one retries a
// batch whose answer was lost). The debrief shows every submitted
// observation once, with spreads and agreement equal to a recomputation
// from what the devices pushed; it says who has not synced and fills in as
// late devices arrive.
func TestDebriefGathersEveryObserverOnce(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		tm := newTeam(t, w)
		rng := rand.New(rand.NewPCG(9, 2026))
		truth := map[string]*scored{}
		loc, _ := time.LoadLocation("America/Chicago")
		today := localDate(time.Now().In(loc))
		earlier := today.AddDate(0, 0, -20)

		// The first walkthrough: devices sync one after the other; the
		// last device is still offline at first.
		walk1 := tm.walkthrough(t, w, today)
		queues := tm.scoreOffline(w, rng, walk1, truth)
		lateQueue := queues[2] // member 1's tablet is still offline
		for _, q := range queues {
			if q == lateQueue {
				continue
			}
			if _, res := w.push(q.who, q.device, q.changes...); !allApplied(res) {
				t.Fatalf("%s's device: %v", q.who, resultStatuses(res))
			}
		}
		d := w.debrief(tm.lead, walk1)
		late := lateQueue.who
		status := map[string]visits.DebriefMember{}
		for _, m := range d.Members {
			status[m.UserID] = m
		}
		if m := status[w.users[late].ID]; m.Status != visits.MemberNotSynced || m.LastSyncedAt != nil {
			t.Errorf("the late member shows %+v before syncing", m)
		}
		if m := status[w.users[tm.silent].ID]; m.Status != visits.MemberNotSynced || m.SyncedSinceVisit {
			t.Errorf("the silent member shows %+v", m)
		}
		if m := status[w.users["member_3"].ID]; m.Status != visits.MemberSubmitted || m.Drafts != 1 || !m.SyncedSinceVisit {
			t.Errorf("member 3 shows %+v, want 2 submitted and a draft", m)
		}
		if d.Waiting != 2 {
			t.Errorf("%d members waiting, want the late and the silent one", d.Waiting)
		}
		before := d.Observations
		if _, res := w.push(late, lateQueue.device, lateQueue.changes...); !allApplied(res) {
			t.Fatalf("late device: %v", resultStatuses(res))
		}
		d = w.debrief(tm.lead, walk1)
		if d.Observations != before+len(tm.teachers) || d.Waiting != 1 {
			t.Errorf("after the late sync: %d observations (was %d), %d waiting", d.Observations, before, d.Waiting)
		}
		checkDebrief(t, w, tm, walk1, d, truth)

		// The second walkthrough: the devices' changes arrive interleaved
		// in a shuffled order, a batch is sent twice, and the debrief is
		// the same whoever asks (the team, an administrator).
		walk2 := tm.walkthrough(t, w, earlier)
		queues = tm.scoreOffline(w, rng, walk2, truth)
		type sent struct {
			q *deviceQueue
			i int
		}
		var order []sent
		for _, q := range queues {
			for i := 0; i < len(q.changes); i += 2 {
				order = append(order, sent{q, i})
			}
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for n, s := range order {
			batch := s.q.changes[s.i : s.i+2]
			if _, res := w.push(s.q.who, s.q.device, batch...); !allApplied(res) {
				t.Fatalf("%s's batch: %v", s.q.who, resultStatuses(res))
			}
			if n%3 == 0 { // the answer was lost: the device sends the batch again
				if _, res := w.push(s.q.who, s.q.device, batch...); resultStatuses(res)[0] != "duplicate" || resultStatuses(res)[1] != "duplicate" {
					t.Fatalf("a retried batch: %v", resultStatuses(res))
				}
			}
		}
		for _, a := range []actor{tm.lead, observer, admin, supervisor} {
			d := w.debrief(a, walk2)
			checkDebrief(t, w, tm, walk2, d, truth)
			if shown := d.Classrooms[0].TeacherID != ""; shown != (a != supervisor) {
				t.Errorf("%s sees teachers: %v", a, shown)
			}
		}

		// Calibration over both walkthroughs equals a recomputation.
		from, to := earlier.AddDate(0, 0, -1), today.AddDate(0, 0, 2)
		r := w.do(admin, "GET", "/api/v1/calibration?from="+from.Format(time.DateOnly)+"&to="+to.Format(time.DateOnly), nil)
		if r.Code != 200 {
			t.Fatalf("calibration: %d %s", r.Code, r.Body)
		}
		var cal visits.Calibration
		r.decode(t, &cal)
		checkCalibration(t, w, cal, truth)
		r = w.do(principalA, "GET", "/api/v1/calibration?from="+from.Format(time.DateOnly)+"&to="+to.Format(time.DateOnly)+"&school_id="+w.schoolA1, nil)
		var own visits.Calibration
		r.decode(t, &own)
		if r.Code != 200 || own.Visits != cal.Visits || len(own.Observers) != len(cal.Observers) {
			t.Errorf("the principal's calibration of A1 differs from the administrator's: %d %s", r.Code, r.Body)
		}
	})
}

func allApplied(res sync.PushResponse) bool {
	for _, r := range res.Results {
		if r.Status != "applied" {
			return false
		}
	}
	return len(res.Results) > 0
}

// checkCalibration recomputes calibration from what the devices pushed.
func checkCalibration(t *testing.T, w *world, cal visits.Calibration, truth map[string]*scored) {
	t.Helper()
	type visitKey struct{ walk, teacher string }
	visitsOf := map[visitKey][]*scored{}
	for _, o := range truth {
		if o.submitted {
			k := visitKey{o.walkthrough, o.teacher}
			visitsOf[k] = append(visitsOf[k], o)
		}
	}
	type acc struct{ pairs, exact, within, visits, spread int }
	inds := map[string]*acc{}
	type obsAcc struct {
		n, exact, within int
		diff             float64
	}
	observers := map[string]*obsAcc{}
	nVisits, nObs := 0, 0
	for _, obs := range visitsOf {
		if len(obs) < 2 {
			continue
		}
		counted := false
		for _, k := range domain.BuiltinFramework().IndicatorKeys() {
			var levels []int
			var who []string
			for _, o := range obs {
				if l := o.levels[k]; l != nil {
					levels = append(levels, *l)
					who = append(who, o.observer)
				}
			}
			if len(levels) < 2 {
				continue
			}
			if !counted {
				counted = true
				nVisits++
				nObs += len(obs)
			}
			pairs, exact, within := pairCounts(levels)
			a := inds[k]
			if a == nil {
				a = &acc{}
				inds[k] = a
			}
			a.pairs, a.exact, a.within, a.visits = a.pairs+pairs, a.exact+exact, a.within+within, a.visits+1
			sorted := append([]int(nil), levels...)
			sort.Ints(sorted)
			a.spread += sorted[len(sorted)-1] - sorted[0]
			var med float64
			if n := len(sorted); n%2 == 1 {
				med = float64(sorted[n/2])
			} else {
				med = (float64(sorted[n/2-1]) + float64(sorted[n/2])) / 2
			}
			for i, l := range levels {
				oa := observers[who[i]]
				if oa == nil {
					oa = &obsAcc{}
					observers[who[i]] = oa
				}
				oa.n++
				oa.diff += float64(l) - med
				if float64(l) == med {
					oa.exact++
				}
				if math.Abs(float64(l)-med) <= 1 {
					oa.within++
				}
			}
		}
	}
	if cal.Visits != nVisits || cal.Observations != nObs || cal.Walkthroughs != 2 {
		t.Errorf("calibration counts %d visits, %d observations, %d walkthroughs; want %d, %d, 2", cal.Visits, cal.Observations, cal.Walkthroughs, nVisits, nObs)
	}
	if len(cal.Indicators) != len(inds) {
		t.Errorf("%d indicators, want %d", len(cal.Indicators), len(inds))
	}
	for _, ind := range cal.Indicators {
		a := inds[ind.Key]
		if a == nil {
			t.Errorf("indicator %s should not be there", ind.Key)
			continue
		}
		if ind.Pairs != a.pairs || ind.Visits != a.visits {
			t.Errorf("%s: %d pairs over %d visits, want %d over %d", ind.Key, ind.Pairs, ind.Visits, a.pairs, a.visits)
		}
		sameFloat(t, ind.Key+" exact", ind.Exact, ratio(a.exact, a.pairs))
		sameFloat(t, ind.Key+" within one", ind.WithinOne, ratio(a.within, a.pairs))
		spread := float64(a.spread) / float64(a.visits)
		sameFloat(t, ind.Key+" mean spread", ind.MeanSpread, &spread)
	}
	if len(cal.Observers) != len(observers) {
		t.Errorf("%d observers, want %d", len(cal.Observers), len(observers))
	}
	for _, o := range cal.Observers {
		a := observers[o.UserID]
		if a == nil {
			t.Errorf("observer %s should not be there", o.Name)
			continue
		}
		if o.Scores != a.n {
			t.Errorf("%s: %d scores, want %d", o.Name, o.Scores, a.n)
		}
		sameFloat(t, o.Name+" exact", o.Exact, ratio(a.exact, a.n))
		sameFloat(t, o.Name+" within one", o.WithinOne, ratio(a.within, a.n))
		diff := a.diff / float64(a.n)
		sameFloat(t, o.Name+" difference", o.MeanDifference, &diff)
		months := 0
		for _, m := range o.Months {
			months += m.Scores
		}
		if months != a.n {
			t.Errorf("%s: months add up to %d scores, want %d", o.Name, months, a.n)
		}
	}
}

// A next step the lead records in the debrief reaches its owner's device by
// pull; the owner marks it done on their device and the lead sees it done.
// An overdue step shows as overdue to the lead; a step for someone who does
// not work at the school is refused (their devices would never receive it).
func TestNextStepFromDebriefReachesItsOwnerAndComesBackDone(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		leadDevice, ownerDevice := domain.NewID(), domain.NewID()
		step, late := domain.NewID(), domain.NewID()
		owner := w.users[observer].ID
		loc, _ := time.LoadLocation("America/Chicago")
		today := localDate(time.Now().In(loc))
		data := map[string]any{"walkthrough_id": w.walkA1, "school_id": w.schoolA1, "owner_id": owner, "action": "Plan two hinge questions for Thursday",
			"due_on": today.AddDate(0, 0, 7).Format(time.DateOnly), "indicator_key": "academic_discourse", "done": false}
		lateData := map[string]any{"walkthrough_id": w.walkA1, "school_id": w.schoolA1, "owner_id": w.users[coach].ID, "action": "Share the discourse protocol",
			"due_on": today.AddDate(0, 0, -2).Format(time.DateOnly), "done": false}
		_, res := w.push(principalA, leadDevice, change("next_step", step, 0, data), change("next_step", late, 0, lateData))
		if !allApplied(res) {
			t.Fatalf("the lead's next steps: %v %+v", resultStatuses(res), res.Results)
		}

		// The owner's device pulls it.
		got := pulled(w, observer, step)
		if got == nil || got.Rev != 1 {
			t.Fatalf("the owner's device did not receive the next step: %+v", got)
		}
		var gotData sync.NextStepData
		raw, _ := json.Marshal(got.Data)
		if err := json.Unmarshal(raw, &gotData); err != nil || gotData.Action != data["action"] || gotData.Done {
			t.Fatalf("the owner received %s", raw)
		}
		if pulled(w, observer, late) != nil {
			t.Error("a next step owned by someone else reached the observer's device")
		}

		// Offline, the owner marks it done; the change syncs from their device.
		gotData.Done = true
		_, res = w.push(observer, ownerDevice, change("next_step", step, got.Rev, gotData))
		if !allApplied(res) || res.Results[0].Rev != 2 {
			t.Fatalf("marking done: %+v", res.Results)
		}
		// The lead's device pulls it done.
		back := pulled(w, principalA, step)
		raw, _ = json.Marshal(back.Data)
		if err := json.Unmarshal(raw, &gotData); err != nil || !gotData.Done || back.Rev != 2 {
			t.Fatalf("the lead's device has %s at rev %d", raw, back.Rev)
		}

		// The lead's lists: done, and the other one overdue.
		list := func(a actor, query string) []visits.NextStepItem {
			t.Helper()
			r := w.do(a, "GET", "/api/v1/next-steps"+query, nil)
			if r.Code != 200 {
				t.Fatalf("next steps%s as %s: %d %s", query, a, r.Code, r.Body)
			}
			var l listResponse[visits.NextStepItem]
			r.decode(t, &l)
			return l.Items
		}
		items := list(principalA, "?walkthrough_id="+w.walkA1)
		if len(items) != 2 || items[0].ID != late || !items[0].Overdue || items[1].ID != step || !items[1].Done || items[1].Overdue || items[1].DoneAt == nil {
			t.Fatalf("the lead's list: %+v", items)
		}
		if o := list(principalA, "?status=overdue"); len(o) != 1 || o[0].ID != late || o[0].OwnerName != "coach" {
			t.Errorf("overdue: %+v", o)
		}
		if m := list(observer, "?mine=true"); len(m) != 1 || m[0].ID != step {
			t.Errorf("the owner's own list: %+v", m)
		}
		if m := list(coach, "?mine=true&status=open"); len(m) != 1 || m[0].ID != late {
			t.Errorf("the coach's open list: %+v", m)
		}
		if d := w.debrief(principalA, w.walkA1); len(d.NextSteps) != 2 {
			t.Errorf("the debrief shows %d next steps", len(d.NextSteps))
		}
		if r := w.do(teacher, "GET", "/api/v1/next-steps?walkthrough_id="+w.walkA1, nil); r.Code != 404 {
			t.Errorf("a teacher reads the walkthrough's next steps: %d", r.Code)
		}
		if r := w.do(principalA, "GET", "/api/v1/next-steps?status=later", nil); r.Code != 422 {
			t.Errorf("an unknown status: %d", r.Code)
		}

		// Someone with no role at the school cannot be made an owner.
		ctx := context.Background()
		elsewhere := domain.User{ID: domain.NewID(), DistrictID: w.districtA, Email: "a2.principal@example.org", Name: "A2 principal",
			PasswordHash: w.users[observer].PasswordHash, Active: true, Grants: []domain.RoleGrant{{Role: domain.RolePrincipal, SchoolID: w.schoolA2}}}
		if err := w.store.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, elsewhere) }); err != nil {
			t.Fatal(err)
		}
		data["owner_id"] = elsewhere.ID
		_, res = w.push(principalA, leadDevice, change("next_step", domain.NewID(), 0, data))
		if res.Results[0].Status != "rejected" || res.Results[0].Error.Field != "data.owner_id" {
			t.Errorf("an owner from another school: %+v", res.Results[0])
		}
	})
}
