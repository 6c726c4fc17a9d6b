package sync_test

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// TestRollupsEqualRecomputationAfterAnySequence pushes random sequences of
// creates, amends, deletes, stale edits, edits of deleted records and
// replays through Service.Push, with the rollup deltas folded into the
// rollups at random points between them, and then requires the maintained rollups to
// equal a recomputation from raw scores, and the raw observations to be
// exactly what the model says the device last wrote. Each push comes from a
// tablet whose clock may be right or far off, and which may or may not
// stamp its pushes with its clock; the model says when each observation
// counts. Each check runs in a district of its own inside the subtest's
// database.
func TestRollupsEqualRecomputationAfterAnySequence(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		if s.Dialect() == store.Postgres {
			// A round trip costs more on PostgreSQL; fewer sequences keep
			// the suite fast. -rapid.checks or RAPID_CHECKS still win.
			setRapidChecks(t, 20)
		}
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		rapid.Check(t, func(rt *rapid.T) {
			f, err := newFixture(ctx, s)
			if err != nil {
				rt.Fatalf("fixture: %v", err)
			}
			f.serverNow = now // so that a stamped clock is measured exactly
			m := &rollupMachine{ctx: ctx, f: f, now: now, obs: map[string]*modelObservation{}, device: domain.NewID()}
			rt.Repeat(map[string]func(*rapid.T){
				"create":       m.create,
				"create batch": m.createBatch,
				"amend":        m.amend,
				"delete":       m.delete,
				"replay":       m.replay,
				"stale edit":   m.staleEdit,
				"edit deleted": m.editDeleted,
				"compact":      m.compact,
			})
			m.checkStore(rt)
		})
	})
}

// setRapidChecks lowers rapid's number of checks for the rest of the test
// unless the command line or the environment chose one.
func setRapidChecks(t *testing.T, n int) {
	t.Helper()
	explicit := os.Getenv("RAPID_CHECKS") != ""
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "rapid.checks" })
	fl := flag.Lookup("rapid.checks")
	if explicit || fl == nil {
		return
	}
	old := fl.Value.String()
	if err := fl.Value.Set(strconv.Itoa(n)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fl.Value.Set(old) })
}

// modelObservation is what the server should hold for one record.
type modelObservation struct {
	rev     int64
	deleted bool
	last    observation // the last version written
	counted counting    // when it counts
}

// counting is when an observation should count: some time from from to to
// (the same time, unless it counts when the server received it), and
// whether it is flagged as skewed.
type counting struct {
	from, to time.Time
	skewed   bool
}

// tablet is a device's clock: how far ahead of the server's it is (behind
// when negative), and whether the device stamps its pushes with it.
type tablet struct {
	ahead  time.Duration
	stamps bool
}

// tablets are the clocks pushes come from: right, a year ahead, forty
// days behind and a couple of minutes off (within the tolerance), stamped
// or not.
var tablets = []tablet{{0, true}, {0, false}, {365 * 24 * time.Hour, true}, {365 * 24 * time.Hour, false},
	{-40 * 24 * time.Hour, true}, {2 * time.Minute, true}}

func (tb tablet) String() string {
	if tb.stamps {
		return fmt.Sprintf("a tablet %v ahead", tb.ahead)
	}
	return fmt.Sprintf("an older client %v ahead", tb.ahead)
}

// counts is when an observation that really started at real, pushed from
// tb between from and to, should count. A clock measured off by more than
// the tolerance (five minutes) is taken back; one that was not measured is
// believed where its start is possible, and the older client a year ahead
// gives starts that are not, which count when the server received them.
func (tb tablet) counts(real, from, to time.Time) counting {
	switch {
	case tb.ahead.Abs() <= 5*time.Minute:
		return counting{from: real.Add(tb.ahead), to: real.Add(tb.ahead)}
	case tb.stamps:
		return counting{from: real, to: real, skewed: true}
	case tb.ahead > 0:
		return counting{from: from, to: to, skewed: true}
	}
	panic("the model does not know when " + tb.String() + " counts")
}

// appliedChange is a change the server applied, kept to replay later.
type appliedChange struct {
	change sync.Change
	rev    int64
}

type rollupMachine struct {
	ctx     context.Context
	f       *fixture
	now     time.Time
	device  string
	obs     map[string]*modelObservation
	applied []appliedChange
}

// genObservation draws one observation: any school and one of its
// teachers, any of the rubric versions, any grade, subject, kind and
// status, a start over the last six weeks (so weeks and months both turn
// over), and scores for a random set of the version's indicators at random
// levels, some not observed.
func (m *rollupMachine) genObservation(rt *rapid.T) observation {
	f := m.f
	school := rapid.SampledFrom(f.schools).Draw(rt, "school")
	rubric := f.rubrics[rapid.IntRange(0, len(f.rubrics)-1).Draw(rt, "rubric")]
	levels := len(rubric.levels)
	keys := rapid.Permutation(rubric.keys).Draw(rt, "indicators")
	keys = keys[:rapid.IntRange(0, len(keys)).Draw(rt, "scored")]
	scores := make([]domain.Score, 0, len(keys))
	for _, k := range keys {
		sc := domain.Score{IndicatorKey: k, Evidence: "T: what do you notice? S: the pattern doubles"}
		if i := rapid.IntRange(0, levels).Draw(rt, "level"); i < levels { // levels means not observed
			l := rubric.levels[i]
			sc.Level = &l
		}
		scores = append(scores, sc)
	}
	return observation{
		School:    school,
		Rubric:    rubric.id,
		Teacher:   rapid.SampledFrom(f.teachers[school]).Draw(rt, "teacher"),
		Kind:      string(rapid.SampledFrom(domain.WalkthroughKinds).Draw(rt, "kind")),
		Grade:     rapid.SampledFrom([]string{"", "PK", "K", "1", "3", "5", "6", "8", "9", "12"}).Draw(rt, "grade"),
		Subject:   rapid.SampledFrom([]string{"", "Mathematics", "ELA", "Science"}).Draw(rt, "subject"),
		Status:    string(rapid.SampledFrom([]domain.ObservationStatus{domain.ObservationDraft, domain.ObservationSubmitted}).Draw(rt, "status")),
		StartedAt: m.now.Add(-time.Duration(rapid.IntRange(1, 6*7*24*60).Draw(rt, "minutes ago")) * time.Minute),
		Scores:    scores,
	}
}

// pick draws one id of the model whose record is (or is not) deleted, in a
// stable order so that rapid can replay and shrink the draw.
func (m *rollupMachine) pick(rt *rapid.T, deleted bool) string {
	var ids []string
	for id, o := range m.obs {
		if o.deleted == deleted {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		rt.Skip("no such record yet")
	}
	slices.Sort(ids)
	return rapid.SampledFrom(ids).Draw(rt, "id")
}

func (m *rollupMachine) push(rt *rapid.T, changes ...sync.Change) []sync.Result {
	rt.Helper()
	res, err := m.f.push(m.ctx, m.device, changes...)
	if err != nil {
		rt.Fatalf("push: %v", err)
	}
	return res
}

// pushFrom sends changes from the tablet and says when the push began and
// ended, between which the server received it.
func (m *rollupMachine) pushFrom(rt *rapid.T, tb tablet, changes ...sync.Change) (res []sync.Result, from, to time.Time) {
	rt.Helper()
	var stamp *time.Time
	if tb.stamps {
		at := m.now.Add(tb.ahead)
		stamp = &at
	}
	from = time.Now().UTC().Truncate(time.Microsecond)
	res, err := m.f.pushAt(m.ctx, m.device, stamp, changes...)
	if err != nil {
		rt.Fatalf("push: %v", err)
	}
	return res, from, time.Now().UTC()
}

// drawTablet draws the clock a push comes from.
func drawTablet(rt *rapid.T) tablet {
	return rapid.SampledFrom(tablets).Draw(rt, "tablet")
}

func (m *rollupMachine) expect(rt *rapid.T, r sync.Result, status string, rev int64) {
	rt.Helper()
	if r.Status != status || r.Rev != rev {
		rt.Fatalf("want %s rev %d, got %s rev %d (error %+v)", status, rev, r.Status, r.Rev, r.Error)
	}
}

func (m *rollupMachine) create(rt *rapid.T) {
	id, o, tb := domain.NewID(), m.genObservation(rt), drawTablet(rt)
	real := o.StartedAt
	o.StartedAt = real.Add(tb.ahead) // by the tablet's clock
	c := m.f.upsert(id, 0, o)
	rt.Logf("create %s from %s: %s", id, tb, o)
	res, from, to := m.pushFrom(rt, tb, c)
	m.expect(rt, res[0], sync.StatusApplied, 1)
	m.obs[id] = &modelObservation{rev: 1, last: o, counted: tb.counts(real, from, to)}
	m.applied = append(m.applied, appliedChange{c, 1})
}

// createBatch sends several new observations in one push.
func (m *rollupMachine) createBatch(rt *rapid.T) {
	n := rapid.IntRange(2, 6).Draw(rt, "batch size")
	tb := drawTablet(rt)
	changes := make([]sync.Change, n)
	obs := make([]observation, n)
	real := make([]time.Time, n)
	for i := range n {
		obs[i] = m.genObservation(rt)
		real[i] = obs[i].StartedAt
		obs[i].StartedAt = real[i].Add(tb.ahead)
		changes[i] = m.f.upsert(domain.NewID(), 0, obs[i])
		rt.Logf("create %s in a batch from %s: %s", changes[i].ID, tb, obs[i])
	}
	res, from, to := m.pushFrom(rt, tb, changes...)
	for i, r := range res {
		m.expect(rt, r, sync.StatusApplied, 1)
		m.obs[changes[i].ID] = &modelObservation{rev: 1, last: obs[i], counted: tb.counts(real[i], from, to)}
		m.applied = append(m.applied, appliedChange{changes[i], 1})
	}
}

// amend replaces a record from any tablet. When the tablet keeps the start
// it holds, the record counts where it did, whatever the tablet's clock
// says now; a new start counts afresh.
func (m *rollupMachine) amend(rt *rapid.T) {
	id := m.pick(rt, false)
	cur := m.obs[id]
	o, tb := m.genObservation(rt), drawTablet(rt)
	real := o.StartedAt
	keep := rapid.Bool().Draw(rt, "same start")
	if keep {
		o.StartedAt = cur.last.StartedAt
	} else {
		o.StartedAt = real.Add(tb.ahead)
	}
	c := m.f.upsert(id, cur.rev, o)
	rt.Logf("amend %s on rev %d from %s (same start %v): %s", id, cur.rev, tb, keep, o)
	res, from, to := m.pushFrom(rt, tb, c)
	m.expect(rt, res[0], sync.StatusApplied, cur.rev+1)
	if !o.StartedAt.Equal(cur.last.StartedAt) { // a new start may also happen to be the same
		cur.counted = tb.counts(real, from, to)
	}
	cur.rev, cur.last = cur.rev+1, o
	m.applied = append(m.applied, appliedChange{c, cur.rev})
}

func (m *rollupMachine) delete(rt *rapid.T) {
	id := m.pick(rt, false)
	cur := m.obs[id]
	c := m.f.remove(id, cur.rev)
	rt.Logf("delete %s on rev %d", id, cur.rev)
	m.expect(rt, m.push(rt, c)[0], sync.StatusApplied, cur.rev+1)
	cur.rev, cur.deleted = cur.rev+1, true
	m.applied = append(m.applied, appliedChange{c, cur.rev})
}

// replay sends an applied change again, as a device does when the answer
// was lost: the stored result comes back and nothing moves.
func (m *rollupMachine) replay(rt *rapid.T) {
	if len(m.applied) == 0 {
		rt.Skip("nothing applied yet")
	}
	a := rapid.SampledFrom(m.applied).Draw(rt, "replayed")
	rt.Logf("replay change %s (%s of %s)", a.change.ChangeID, a.change.Op, a.change.ID)
	if rapid.Bool().Draw(rt, "from another device") {
		res, err := m.f.push(m.ctx, domain.NewID(), a.change)
		if err != nil {
			rt.Fatalf("push: %v", err)
		}
		m.expect(rt, res[0], sync.StatusDuplicate, a.rev)
		return
	}
	m.expect(rt, m.push(rt, a.change)[0], sync.StatusDuplicate, a.rev)
}

// staleEdit amends or deletes a record from a revision it has moved past:
// a conflict that shows the server's record and changes nothing.
func (m *rollupMachine) staleEdit(rt *rapid.T) {
	id := m.pick(rt, false)
	cur := m.obs[id]
	base := rapid.Int64Range(0, cur.rev+2).Filter(func(b int64) bool { return b != cur.rev }).Draw(rt, "stale base_rev")
	c := m.f.remove(id, base)
	if rapid.Bool().Draw(rt, "amend rather than delete") {
		c = m.f.upsert(id, base, m.genObservation(rt))
	}
	rt.Logf("%s %s on stale rev %d (at rev %d)", c.Op, id, base, cur.rev)
	r := m.push(rt, c)[0]
	if r.Status != sync.StatusConflict || r.Current == nil || r.Current.Rev != cur.rev || r.Current.Deleted {
		rt.Fatalf("a stale edit on rev %d of a record at rev %d: %+v", base, cur.rev, r)
	}
}

// editDeleted amends or deletes a deleted record: gone, nothing resurrected.
func (m *rollupMachine) editDeleted(rt *rapid.T) {
	id := m.pick(rt, true)
	cur := m.obs[id]
	c := m.f.remove(id, cur.rev)
	if rapid.Bool().Draw(rt, "amend rather than delete") {
		c = m.f.upsert(id, cur.rev, m.genObservation(rt))
	}
	rt.Logf("%s deleted %s", c.Op, id)
	if r := m.push(rt, c)[0]; r.Status != sync.StatusGone {
		rt.Fatalf("an edit of a deleted record: %+v", r)
	}
}

// compact folds the rollup deltas into the rollups: the rollups as reads
// see them are the same before and after.
func (m *rollupMachine) compact(rt *rapid.T) {
	if err := m.f.store.CheckRollups(m.ctx, m.f.district); err != nil {
		rt.Fatalf("before folding the deltas in: %v", err)
	}
	if _, err := m.f.store.CompactRollups(m.ctx); err != nil {
		rt.Fatal(err)
	}
	if err := m.f.store.CheckRollups(m.ctx, m.f.district); err != nil {
		rt.Fatalf("after folding the deltas in: %v", err)
	}
}

// checkStore compares the database with the model.
func (m *rollupMachine) checkStore(rt *rapid.T) {
	rt.Helper()
	if err := m.f.store.CheckRollups(m.ctx, m.f.district); err != nil {
		rt.Fatalf("rollups differ from the recomputation: %v", err)
	}
	live, err := m.f.liveObservations(m.ctx)
	if err != nil {
		rt.Fatal(err)
	}
	want := 0
	for id, mo := range m.obs {
		if mo.deleted {
			if _, ok := live[id]; ok {
				rt.Fatalf("deleted observation %s is listed", id)
			}
			continue
		}
		want++
		o, ok := live[id]
		if !ok {
			rt.Fatalf("observation %s is missing", id)
		}
		l := mo.last
		if o.Rev != mo.rev || string(o.Status) != l.Status || o.SchoolID != l.School || o.TeacherID != l.Teacher || o.RubricVersionID != l.Rubric ||
			string(o.Kind) != l.Kind || o.Grade != l.Grade || o.Subject != l.Subject || !o.StartedAt.Equal(l.StartedAt) {
			rt.Fatalf("observation %s: stored %+v, last pushed rev %d %+v", id, o, mo.rev, l)
		}
		if got, want := levelsByKey(o.Scores), levelsByKey(l.Scores); !maps.Equal(got, want) {
			rt.Fatalf("observation %s scores: stored %v, pushed %v", id, got, want)
		}
		if w := mo.counted; o.CountedAt.Before(w.from) || o.CountedAt.After(w.to) || o.ClockSkewed != w.skewed {
			rt.Fatalf("observation %s started %v: counted at %v (skewed %v), want from %v to %v (skewed %v)",
				id, o.StartedAt, o.CountedAt, o.ClockSkewed, w.from, w.to, w.skewed)
		}
	}
	if len(live) != want {
		rt.Fatalf("%d observations are not deleted, the model has %d", len(live), want)
	}
	counts, err := m.f.store.TableCounts(m.ctx, m.f.district)
	if err != nil {
		rt.Fatal(err)
	}
	if counts["observations"] != int64(len(m.obs)) {
		rt.Fatalf("%d observation rows for %d records: a record made a second row", counts["observations"], len(m.obs))
	}
}

// levelsByKey maps indicator keys to levels, -1 for not observed.
func levelsByKey(scores []domain.Score) map[string]int {
	out := map[string]int{}
	for _, s := range scores {
		out[s.IndicatorKey] = -1
		if s.Level != nil {
			out[s.IndicatorKey] = *s.Level
		}
	}
	return out
}
