package sync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// TestPushAnswersAsIfEachChangeCameAlone draws pushes of many changes:
// creates, edits on the right or a stale revision, deletes, retries of
// earlier changes in the same push or an earlier one, change ids reused for
// other content, refused data, changes with photos and bad envelopes in the
// middle of runs of observations. Each push goes to one district whole, and
// to a twin district one change per push. A push applies its observations
// set-wise, so the two must answer every change alike and end with the same
// records, and both rollups must equal a recomputation.
func TestPushAnswersAsIfEachChangeCameAlone(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		if s.Dialect() == store.Postgres {
			setRapidChecks(t, 25)
		}
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		rapid.Check(t, func(rt *rapid.T) {
			whole, err := newFixture(ctx, s)
			if err != nil {
				rt.Fatal(err)
			}
			alone, err := newFixture(ctx, s)
			if err != nil {
				rt.Fatal(err)
			}
			twins := []*twin{{f: whole, now: now, ids: map[string]string{}}, {f: alone, now: now, ids: map[string]string{}}}
			device := domain.NewID()
			var sent []abstractChange
			revs := map[int]int64{} // the whole district's revision of each record
			for push := range rapid.IntRange(1, 4).Draw(rt, "pushes") {
				n := rapid.IntRange(2, 12).Draw(rt, "changes")
				batch := make([]abstractChange, n)
				for i := range batch {
					batch[i] = drawChange(rt, sent, revs, push*100+i)
					sent = append(sent, batch[i])
				}
				wholeRes, err := whole.push(ctx, device, twins[0].changes(batch)...)
				if err != nil {
					rt.Fatalf("push: %v", err)
				}
				for i, a := range batch {
					aloneRes, err := alone.push(ctx, device, twins[1].changes([]abstractChange{a})...)
					if err != nil {
						rt.Fatalf("push alone: %v", err)
					}
					got, want := summary(wholeRes[i]), summary(aloneRes[0])
					if got != want {
						rt.Fatalf("push %d change %d (%s): in the push %s, alone %s", push, i, a, got, want)
					}
					if wholeRes[i].Status == sync.StatusApplied {
						revs[a.record] = wholeRes[i].Rev
					}
				}
			}
			for _, tw := range twins {
				if err := s.CheckRollups(ctx, tw.f.district); err != nil {
					rt.Fatalf("rollups differ from the recomputation: %v", err)
				}
			}
			for r := range records {
				a, aok, err := twins[0].observation(ctx, r)
				if err != nil {
					rt.Fatal(err)
				}
				b, bok, err := twins[1].observation(ctx, r)
				if err != nil {
					rt.Fatal(err)
				}
				if aok != bok || aok && (a.Rev != b.Rev || a.Deleted != b.Deleted || a.Status != b.Status || a.Grade != b.Grade ||
					!a.StartedAt.Equal(b.StartedAt) || !a.CountedAt.Equal(b.CountedAt) || a.ClockSkewed != b.ClockSkewed || !maps.Equal(levelsByKey(a.Scores), levelsByKey(b.Scores)) || len(a.AttachmentIDs) != len(b.AttachmentIDs)) {
					rt.Fatalf("record %d: after whole pushes %v %+v, after changes alone %v %+v", r, aok, a, bok, b)
				}
			}
		})
	})
}

// records is how many observations the drawn changes touch.
const records = 5

// abstractChange is a change named by indexes, so that it can be sent to
// two districts.
type abstractChange struct {
	change  int // the change id's index
	record  int
	op      string
	baseRev int64
	entity  string // empty: observation
	obs     abstractObservation
}

func (a abstractChange) String() string {
	return fmt.Sprintf("change %d: %s %s record %d on rev %d %+v", a.change, a.op, a.entity, a.record, a.baseRev, a.obs)
}

type abstractObservation struct {
	school, teacher, rubric int
	otherSchoolsTeacher     bool
	unknownField            bool
	photo                   int // 0: none, else the photo's index
	status                  string
	grade                   string
	minutesAgo              int
	nul                     bool  // the evidence holds U+0000
	levels                  []int // per indicator of the rubric in order: an index into its scale, or -1 for not observed
}

// drawChange draws the next change; its index is i.
func drawChange(rt *rapid.T, sent []abstractChange, revs map[int]int64, i int) abstractChange {
	kind := rapid.SampledFrom([]string{"upsert", "upsert", "upsert", "upsert", "delete", "retry", "reuse", "bad envelope"}).Draw(rt, "kind")
	if (kind == "retry" || kind == "reuse") && len(sent) == 0 {
		kind = "upsert"
	}
	switch kind {
	case "retry":
		return rapid.SampledFrom(sent).Draw(rt, "retried")
	case "reuse":
		a := drawChange(rt, nil, revs, i)
		a.change = rapid.SampledFrom(sent).Draw(rt, "reused").change
		return a
	}
	a := abstractChange{change: i, record: rapid.IntRange(0, records-1).Draw(rt, "record"), op: sync.OpUpsert}
	a.baseRev = revs[a.record]
	if rapid.IntRange(0, 4).Draw(rt, "stale") == 0 {
		a.baseRev = rapid.Int64Range(0, 3).Draw(rt, "base rev")
	}
	switch kind {
	case "delete":
		a.op = sync.OpDelete
		return a
	case "bad envelope":
		a.entity = "lesson_plan"
	}
	o := abstractObservation{school: rapid.IntRange(0, 1).Draw(rt, "school"), teacher: rapid.IntRange(0, 1).Draw(rt, "teacher"),
		rubric: rapid.IntRange(0, 2).Draw(rt, "rubric"), minutesAgo: rapid.IntRange(1, 6*7*24*60).Draw(rt, "minutes ago"),
		status: rapid.SampledFrom([]string{"draft", "submitted"}).Draw(rt, "status"),
		grade:  rapid.SampledFrom([]string{"", "K", "3", "8", "12"}).Draw(rt, "grade")}
	switch rapid.IntRange(0, 9).Draw(rt, "oddity") {
	case 0:
		o.otherSchoolsTeacher = true
	case 1:
		o.unknownField = true
	case 2:
		o.photo = i + 1
	case 3:
		o.nul = true
	}
	o.levels = rapid.SliceOfN(rapid.IntRange(-1, 3), 0, 16).Draw(rt, "levels")
	a.obs = o
	return a
}

// twin is one district the abstract changes are sent to, with the ids it
// gave each index.
type twin struct {
	f   *fixture
	now time.Time
	ids map[string]string
}

func (tw *twin) id(kind string, i int) string {
	k := fmt.Sprintf("%s %d", kind, i)
	if tw.ids[k] == "" {
		tw.ids[k] = domain.NewID()
	}
	return tw.ids[k]
}

func (tw *twin) changes(as []abstractChange) []sync.Change {
	out := make([]sync.Change, len(as))
	for i, a := range as {
		c := sync.Change{ChangeID: tw.id("change", a.change), Entity: sync.EntityObservation, Op: a.op, ID: tw.id("record", a.record), BaseRev: a.baseRev}
		if a.entity != "" {
			c.Entity = a.entity
		}
		if a.op == sync.OpUpsert {
			c.Data = tw.data(a.obs)
		}
		out[i] = c
	}
	return out
}

func (tw *twin) data(o abstractObservation) json.RawMessage {
	f := tw.f
	school := f.schools[o.school]
	teacher := f.teachers[school][o.teacher]
	if o.otherSchoolsTeacher {
		teacher = f.teachers[f.schools[1-o.school]][o.teacher]
	}
	rubric := f.rubrics[o.rubric]
	var scores []domain.Score
	for i, l := range o.levels {
		if i >= len(rubric.keys) {
			break
		}
		sc := domain.Score{IndicatorKey: rubric.keys[i], Evidence: "Students compared two strategies."}
		if l >= 0 {
			// Past the scale's end is a level the rubric does not have.
			v := l
			if l < len(rubric.levels) {
				v = rubric.levels[l]
			} else {
				v = 9
			}
			sc.Level = &v
		}
		scores = append(scores, sc)
	}
	d := sync.ObservationData{SchoolID: school, TeacherID: teacher, RubricVersionID: rubric.id, Kind: "classroom", Grade: o.grade,
		StartedAt: tw.now.Add(-time.Duration(o.minutesAgo) * time.Minute), Status: o.status, Scores: scores}
	if o.photo > 0 {
		d.AttachmentIDs = []string{tw.id("photo", o.photo)}
	}
	if o.nul {
		d.Evidence = "Students\x00 compared two strategies." // sent as \u0000
	}
	raw, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	if o.unknownField {
		raw = append(raw[:len(raw)-1], []byte(`,"mood":"sunny"}`)...)
	}
	return raw
}

func (tw *twin) observation(ctx context.Context, r int) (domain.Observation, bool, error) {
	var found []domain.Observation
	err := tw.f.store.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		found, err = tx.Observations(ctx, tw.f.district, []string{tw.id("record", r)})
		return err
	})
	if err != nil || len(found) == 0 {
		return domain.Observation{}, false, err
	}
	return found[0], true, nil
}

// summary is what a device reads from a result, ids aside.
func summary(r sync.Result) string {
	s := fmt.Sprintf("%s rev %d", r.Status, r.Rev)
	if r.Error != nil {
		s += fmt.Sprintf(" error %s at %q", r.Error.Code, r.Error.Field)
	}
	if r.Current != nil {
		s += fmt.Sprintf(" current rev %d deleted %v", r.Current.Rev, r.Current.Deleted)
	}
	return s
}

// TestObservationIDOfAnotherDistrictIsRefused pushes, in a second district,
// a new observation under an id the first district's observation has:
// alone, and in the middle of a push of good ones. It is refused both
// times, the others apply, and the first district's record is untouched.
func TestObservationIDOfAnotherDistrictIsRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		first, err := newFixture(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		second, err := newFixture(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		level := 3
		// The two districts score different indicators, so that no score
		// row of one could clash with the other's.
		obs := func(f *fixture) observation {
			key := f.rubrics[0].keys[0]
			if f == second {
				key = f.rubrics[0].keys[1]
			}
			return observation{School: f.schools[0], Teacher: f.teachers[f.schools[0]][0], Rubric: f.rubrics[0].id, Kind: "classroom",
				Status: "submitted", StartedAt: time.Now().UTC().Add(-time.Hour).Truncate(time.Second),
				Scores: []domain.Score{{IndicatorKey: key, Level: &level}}}
		}
		taken := domain.NewID()
		if res, err := first.push(ctx, domain.NewID(), first.upsert(taken, 0, obs(first))); err != nil || res[0].Status != sync.StatusApplied {
			t.Fatalf("the first district's observation: %+v %v", res, err)
		}
		device := domain.NewID()
		res, err := second.push(ctx, device, second.upsert(taken, 0, obs(second)))
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Status != sync.StatusForbidden || res[0].Current != nil {
			t.Errorf("alone: the taken id answered %+v", res[0])
		}
		res, err = second.push(ctx, device, second.upsert(domain.NewID(), 0, obs(second)), second.upsert(taken, 0, obs(second)),
			second.upsert(domain.NewID(), 0, obs(second)))
		if err != nil {
			t.Fatal(err)
		}
		if got := []string{res[0].Status, res[1].Status, res[2].Status}; got[0] != sync.StatusApplied || got[1] != sync.StatusForbidden || got[2] != sync.StatusApplied {
			t.Errorf("in a push: answered %v, want applied, forbidden, applied", got)
		}
		o, err := s.Observation(ctx, first.district, taken)
		if err != nil {
			t.Fatal(err)
		}
		if o.SchoolID != first.schools[0] || o.Rev != 1 || len(o.Scores) != 1 {
			t.Errorf("the first district's observation changed: %+v", o)
		}
		for _, f := range []*fixture{first, second} {
			if err := s.CheckRollups(ctx, f.district); err != nil {
				t.Error(err)
			}
		}
	})
}
