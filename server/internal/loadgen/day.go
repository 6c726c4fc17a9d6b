// Package loadgen plays a district's day of observations against a running
// server over HTTP, as tablets would: sign in, pull the snapshot, then push
// scored observations in batches from several devices at once. The same
// seed on the same day makes the same changes, so a second pass must answer
// every change as a duplicate.
//
// It talks only to a server on this machine: a base URL whose host is not
// 127.0.0.1, localhost or [::1] is refused.
package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	gosync "sync"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// Day is one district day of observations by one signed-in observer.
type Day struct {
	BaseURL  string // e.g. http://127.0.0.1:8080
	Email    string
	Password string

	Observations int    // how many observations to push
	ScoresEach   int    // indicators scored in each (at most the rubric's count); 15 when zero
	BatchSize    int    // changes a push, at most sync.MaxChanges; 200 when zero
	Devices      int    // devices pushing at once; 4 when zero
	Seed         uint64 // the same seed on the same day makes the same changes
}

// Report counts the answers to one pass.
type Report struct {
	Observations int             // observations sent
	Batches      int             // pushes made
	Bytes        int64           // request bodies sent
	Applied      int             // changes answered applied
	Duplicate    int             // changes answered duplicate
	Other        int             // changes answered anything else
	Others       map[string]int  // the other answers by status
	FirstProblem string          // the first other answer, to say why
	Retries      int             // pushes sent again after a network error or a 5xx
	Setup        time.Duration   // signing in and pulling the snapshot
	Elapsed      time.Duration   // pushing every batch
	Scores       int             // score rows the observations carry
	Latencies    []time.Duration // each push's round trip, in the order answered
}

// Latency is the q-th quantile (0 to 1) of the push round trips.
func (r Report) Latency(q float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	ds := slices.Clone(r.Latencies)
	slices.Sort(ds)
	i := int(math.Ceil(q*float64(len(ds)))) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// String is the report on a few lines.
func (r Report) String() string {
	var b strings.Builder
	rate := 0.0
	if r.Elapsed > 0 {
		rate = float64(r.Observations) / r.Elapsed.Seconds()
	}
	fmt.Fprintf(&b, "%d observations in %d pushes (%.1f MiB) in %s: %.0f observations/s\n",
		r.Observations, r.Batches, float64(r.Bytes)/(1<<20), r.Elapsed.Round(time.Millisecond), rate)
	fmt.Fprintf(&b, "applied %d, duplicate %d, other %d", r.Applied, r.Duplicate, r.Other)
	if r.Other > 0 {
		keys := make([]string, 0, len(r.Others))
		for k := range r.Others {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, " [%s %d]", k, r.Others[k])
		}
		fmt.Fprintf(&b, "\nfirst: %s", r.FirstProblem)
	}
	if r.Retries > 0 {
		fmt.Fprintf(&b, "\n%d pushes retried", r.Retries)
	}
	return b.String()
}

// Run signs in, pulls the snapshot, and pushes the day once.
func (d Day) Run(ctx context.Context, client *http.Client) (Report, error) {
	reports, err := d.run(ctx, client, 1)
	if err != nil {
		return Report{}, err
	}
	return reports[0], nil
}

// RunTwice pushes the identical batches twice, as devices do when every
// answer of the first pass was lost: the second pass must be all duplicates.
func (d Day) RunTwice(ctx context.Context, client *http.Client) (first, second Report, err error) {
	reports, err := d.run(ctx, client, 2)
	if err != nil {
		return Report{}, Report{}, err
	}
	return reports[0], reports[1], nil
}

func (d Day) run(ctx context.Context, client *http.Client, passes int) ([]Report, error) {
	d = d.withDefaults()
	if d.Observations < 1 {
		return nil, errors.New("loadgen: observations must be at least 1")
	}
	if client == nil {
		client = NewClient(d.Devices)
	}
	start := time.Now()
	s, err := SignIn(ctx, client, d.BaseURL, d.Email, d.Password)
	if err != nil {
		return nil, err
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	plan, err := d.Plan(snap, time.Now())
	if err != nil {
		return nil, err
	}
	setup := time.Since(start)
	var out []Report
	for range passes {
		r, err := plan.Send(ctx, s, d.Devices)
		if err != nil {
			return out, err
		}
		r.Setup = setup
		out = append(out, r)
	}
	return out, nil
}

func (d Day) withDefaults() Day {
	if d.ScoresEach <= 0 {
		d.ScoresEach = 15
	}
	if d.BatchSize <= 0 {
		d.BatchSize = 200
	}
	d.BatchSize = min(d.BatchSize, sync.MaxChanges)
	if d.Devices <= 0 {
		d.Devices = 4
	}
	return d
}

// NewClient is an HTTP client that keeps a connection per device.
func NewClient(devices int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = max(devices, 2)
	return &http.Client{Transport: t, Timeout: 5 * time.Minute}
}

// Snapshot is what the day needs of a pull snapshot: the caller's schools,
// their teachers, and the newest published rubric version.
type Snapshot struct {
	Schools  []string
	Teachers []Teacher
	Rubric   Rubric
	Records  int // records the pull answered, tombstones included
	Pages    int // pull requests it took
}

// Teacher is a teacher the caller may observe.
type Teacher struct {
	ID, SchoolID     string
	Grades, Subjects []string
}

// Rubric is a published rubric version's shape.
type Rubric struct {
	ID         string
	Indicators []string
	Levels     []int
}

// Plan is a day's pushes, made once so that they can be sent again
// byte for byte.
type Plan struct {
	Batches      []Batch
	Observations int
}

// Batch is one push by one device.
type Batch struct {
	Device  int              // which of the devices sends it
	Request sync.PushRequest // what it sends
	Body    []byte           // the request encoded
	Scores  map[string]int   // score rows each observation carries, by id
}

// Plan makes the day's observations from the snapshot, deterministically
// for the seed and the UTC day of now: submitted, ScoresEach scores each
// with evidence of a realistic length, started over the seven days before
// today, split in batches of at most BatchSize changes and MaxPushBytes.
func (d Day) Plan(snap Snapshot, now time.Time) (Plan, error) {
	d = d.withDefaults()
	if len(snap.Teachers) == 0 {
		return Plan{}, errors.New("loadgen: the snapshot holds no teacher to observe")
	}
	if snap.Rubric.ID == "" || len(snap.Rubric.Indicators) == 0 || len(snap.Rubric.Levels) == 0 {
		return Plan{}, errors.New("loadgen: the snapshot holds no published rubric version")
	}
	today := now.UTC().Truncate(24 * time.Hour)
	g := &gen{rng: rand.New(rand.NewPCG(d.Seed, uint64(today.Unix()))), clock: today}
	devices := make([]string, d.Devices)
	for i := range devices {
		devices[i] = g.id()
	}
	scores := min(d.ScoresEach, len(snap.Rubric.Indicators))
	var plan Plan
	var cur []sync.Change
	curScores := map[string]int{}
	size := 0
	const envelope = 128 // the request around its changes, generously
	flush := func() error {
		if len(cur) == 0 {
			return nil
		}
		dev := len(plan.Batches) % d.Devices
		req := sync.PushRequest{DeviceID: devices[dev], Changes: cur}
		body, err := json.Marshal(req)
		if err != nil {
			return err
		}
		if len(body) > sync.MaxPushBytes {
			return fmt.Errorf("loadgen: a batch of %d bytes is over the limit", len(body))
		}
		plan.Batches = append(plan.Batches, Batch{Device: dev, Request: req, Body: body, Scores: curScores})
		cur, curScores, size = nil, map[string]int{}, 0
		return nil
	}
	for range d.Observations {
		c, n, err := g.observation(snap, scores)
		if err != nil {
			return Plan{}, err
		}
		csize := len(c.Data) + 256
		if len(cur) == d.BatchSize || size+csize+envelope > sync.MaxPushBytes {
			if err := flush(); err != nil {
				return Plan{}, err
			}
		}
		cur = append(cur, c)
		curScores[c.ID] = n
		size += csize
	}
	if err := flush(); err != nil {
		return Plan{}, err
	}
	plan.Observations = d.Observations
	return plan, nil
}

// Send pushes every batch of the plan, devices at a time, each device its
// own batches in order, and counts the answers.
func (p Plan) Send(ctx context.Context, s *Session, devices int) (Report, error) {
	devices = max(devices, 1)
	r := Report{Observations: p.Observations, Batches: len(p.Batches), Others: map[string]int{}}
	var mu gosync.Mutex
	var firstErr error
	var wg gosync.WaitGroup
	start := time.Now()
	for dev := range devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, b := range p.Batches {
				if b.Device%devices != dev {
					continue
				}
				began := time.Now()
				res, retries, err := s.pushBody(ctx, b.Body)
				took := time.Since(began)
				mu.Lock()
				r.Retries += retries
				r.Latencies = append(r.Latencies, took)
				if err == nil && len(res.Results) != len(b.Request.Changes) {
					err = fmt.Errorf("loadgen: %d results for %d changes", len(res.Results), len(b.Request.Changes))
				}
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				r.Bytes += int64(len(b.Body))
				for _, n := range b.Scores {
					r.Scores += n
				}
				for i, x := range res.Results {
					switch x.Status {
					case sync.StatusApplied:
						r.Applied++
					case sync.StatusDuplicate:
						r.Duplicate++
					default:
						r.Other++
						r.Others[x.Status]++
						if r.FirstProblem == "" {
							r.FirstProblem = fmt.Sprintf("change %s of %s: %s", b.Request.Changes[i].ChangeID, b.Request.Changes[i].ID, x.Status)
							if x.Error != nil {
								r.FirstProblem += fmt.Sprintf(" %s (%s) %s", x.Error.Code, x.Error.Field, x.Error.Message)
							}
						}
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r.Elapsed = time.Since(start)
	return r, firstErr
}

// gen draws the day's content from one seeded source.
type gen struct {
	rng   *rand.Rand
	clock time.Time
	n     int64
}

// id is a UUIDv7 whose time is the day plus a counter, so ids sort in the
// order they were made, with random bits from the seed.
func (g *gen) id() string {
	g.n++
	ms := uint64(g.clock.UnixMilli() + g.n)
	var b [16]byte
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	r1, r2 := g.rng.Uint64(), g.rng.Uint64()
	for i := range 2 {
		b[6+i] = byte(r1 >> (8 * i))
	}
	for i := range 8 {
		b[8+i] = byte(r2 >> (8 * i))
	}
	b[6] = b[6]&0x0f | 0x70 // version 7
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (g *gen) pick(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[g.rng.IntN(len(xs))]
}

// observation is one submitted observation as an upsert change, and how
// many score rows it carries.
func (g *gen) observation(snap Snapshot, nScores int) (sync.Change, int, error) {
	t := snap.Teachers[g.rng.IntN(len(snap.Teachers))]
	day := g.clock.AddDate(0, 0, -1-g.rng.IntN(7))
	started := day.Add(13*time.Hour + time.Duration(g.rng.IntN(8*60))*time.Minute) // school hours in the Americas
	ended := started.Add(time.Duration(10+g.rng.IntN(16)) * time.Minute)
	keys := slices.Clone(snap.Rubric.Indicators)
	g.rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	keys = keys[:nScores]
	slices.SortStableFunc(keys, func(a, b string) int {
		return slices.Index(snap.Rubric.Indicators, a) - slices.Index(snap.Rubric.Indicators, b)
	})
	scores := make([]domain.Score, len(keys))
	for i, k := range keys {
		scores[i] = domain.Score{IndicatorKey: k, Evidence: g.evidence(2 + g.rng.IntN(3))}
		if g.rng.IntN(20) > 0 { // one in twenty is not observed
			l := snap.Rubric.Levels[g.rng.IntN(len(snap.Rubric.Levels))]
			scores[i].Level = &l
		}
	}
	kind := "classroom"
	if g.rng.IntN(5) == 0 {
		kind = "informal"
	}
	data := sync.ObservationData{SchoolID: t.SchoolID, TeacherID: t.ID, RubricVersionID: snap.Rubric.ID, Kind: kind,
		Grade: g.pick(t.Grades), Subject: g.pick(t.Subjects), StartedAt: started, EndedAt: &ended, Status: string(domain.ObservationSubmitted),
		Scores: scores, Evidence: g.evidence(6 + g.rng.IntN(6))}
	raw, err := json.Marshal(data)
	if err != nil {
		return sync.Change{}, 0, err
	}
	id := g.id()
	return sync.Change{ChangeID: g.id(), Entity: sync.EntityObservation, Op: sync.OpUpsert, ID: id, Data: raw}, len(scores), nil
}

// evidence is n sentences of the low-inference notes an observer types.
func (g *gen) evidence(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = notes[g.rng.IntN(len(notes))]
	}
	return strings.Join(parts, " ")
}

var notes = []string{
	`T: "What do you notice about the pattern?" S: "It doubles every time."`,
	`T asked three students to explain their strategy; two used a number line, one drew groups.`,
	`Students turned and talked for 90 seconds; 11 of 14 pairs were on task when the timer ended.`,
	`The learning goal was posted and the teacher referred back to it when launching the task.`,
	`S: "I think it's 24 because 6 groups of 4." T: "Who can say that in their own words?"`,
	`Transition from carpet to tables took about 2 minutes; materials were already on the tables.`,
	`Teacher conferred with a small group at the back table while the rest worked independently.`,
	`Exit ticket: two problems, one a word problem; the teacher sorted responses into three piles.`,
	`A student corrected a classmate's mistake kindly and the teacher named it as a class norm.`,
	`Sentence frames were on the board ("I agree with ___ because ___") and several students used them.`,
	`The teacher paused after a wrong answer and asked the class where the reasoning went off track.`,
	`Three students did not speak during whole-group discussion; the teacher did not cold-call.`,
	`T: "Show me on your fingers how confident you are." Most showed 3 or 4; the teacher regrouped the 1s and 2s.`,
	`Manipulatives were available and used by about half the class without prompting.`,
	`The task had multiple entry points: students could draw, use tiles, or write an equation.`,
	`Feedback on drafts was specific: "Your claim is clear; now add a second piece of evidence from page 4."`,
}
