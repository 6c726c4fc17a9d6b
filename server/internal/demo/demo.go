// Package demo builds the demo district as domain values: schools, a roster,
// users for every role, the published framework, a school year of
// walkthroughs and observations, cycles of support and next steps. It holds
// no storage code; a loader writes the Plan. The same day always gives the
// same Plan.
package demo

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// Plan is the whole demo district, ready to load. Records name each other by
// id; every record belongs to District.
type Plan struct {
	District domain.District
	Schools  []domain.School
	Teachers []domain.Teacher
	Users    []DemoUser
	// Rubric names the framework and its one version; RubricVersion is that
	// version, published, with ids assigned.
	Rubric        domain.Rubric
	RubricVersion domain.RubricVersion
	Walkthroughs  []domain.Walkthrough
	// Observations are submitted and draft, ordered by StartedAt. A done
	// follow-up and its observation name each other (ObservationID and
	// FollowUpID).
	Observations []domain.Observation
	Cycles       []domain.Cycle
	Activities   []domain.Activity
	FollowUps    []domain.FollowUp
	NextSteps    []domain.NextStep
}

// DemoUser is a demo login with its plaintext password; the loader hashes it.
type DemoUser struct {
	domain.User
	Password string // plaintext; never stored as is
	DeviceID string // the demo tablet this user's records were synced from
	Title    string // e.g. "Assistant principal, Cedar Hollow Elementary"
}

// Build returns the demo district as it stands on today: data over the
// school year up to the day before today (in the district's time zone) and
// follow-ups booked for the coming two weeks. framework must be a valid
// rubric version, normally domain.BuiltinFramework().
func Build(today time.Time, framework domain.RubricVersion) Plan {
	g := &gen{
		rng:     rand.New(rand.NewPCG(2026, 11)),
		today:   today.UTC(),
		busy:    map[slotKey][]span{},
		visited: map[visitKey]bool{},
	}
	g.district()
	g.schools()
	g.users()
	g.teachers()
	g.publish(framework)
	g.cycles()
	g.weeks()
	g.drafts()
	g.nextSteps()
	g.order()
	return g.plan
}

// gen carries the generator's state through one Build. Everything random
// comes from rng, consumed in a fixed order.
type gen struct {
	rng   *rand.Rand
	today time.Time
	loc   *time.Location
	plan  Plan

	setup  time.Time   // when the district was set up, before the first school day
	days   []time.Time // past school days of the window, ascending, dates at 00:00 UTC
	future []time.Time // school days in the coming two weeks

	schoolInfo  []schoolInfo  // parallel to plan.Schools
	userInfo    []userInfo    // parallel to plan.Users
	teacherInfo []teacherInfo // parallel to plan.Teachers
	cycleInfo   []cycleInfo   // parallel to plan.Cycles
	dims        []dimInfo     // parallel to plan.RubricVersion.Dimensions

	busy    map[slotKey][]span // when each user is already in a classroom, by day
	visited map[visitKey]bool  // which teachers were already visited, by day
}

// id returns a UUIDv7 whose timestamp is t's milliseconds and whose random
// bits come from the seeded generator, so ids are time-ordered like the
// product's other ids and the same on every Build.
func (g *gen) id(t time.Time) string {
	var u uuid.UUID
	ms := uint64(t.UnixMilli())
	u[0] = byte(ms >> 40)
	u[1] = byte(ms >> 32)
	u[2] = byte(ms >> 24)
	u[3] = byte(ms >> 16)
	u[4] = byte(ms >> 8)
	u[5] = byte(ms)
	a := g.rng.Uint64()
	u[6] = 0x70 | byte(a>>8)&0x0f // version 7 and 4 random bits
	u[7] = byte(a)
	binary.BigEndian.PutUint64(u[8:], g.rng.Uint64())
	u[8] = 0x80 | u[8]&0x3f // the RFC 9562 variant
	return u.String()
}

// district sets up the tenant and its calendar.
func (g *gen) district() {
	d := domain.District{
		Name:     "Riverbend Unified School District",
		TimeZone: "America/Chicago",
		Settings: domain.DefaultDistrictSettings(),
	}
	g.loc = d.Location()
	g.plan.District = d
	g.calendar()
	g.plan.District.ID = g.id(g.setup)
}

// publish assigns ids to the framework and publishes it. The copy shares no
// slices with the caller's value.
func (g *gen) publish(framework domain.RubricVersion) {
	v := framework
	v.Levels = slices.Clone(framework.Levels)
	v.Dimensions = make([]domain.Dimension, len(framework.Dimensions))
	for i, d := range framework.Dimensions {
		d.Indicators = slices.Clone(d.Indicators)
		for j, ind := range d.Indicators {
			ind.Descriptors = slices.Clone(ind.Descriptors)
			d.Indicators[j] = ind
		}
		v.Dimensions[i] = d
	}
	published := g.setup.Add(2 * time.Hour)
	v.RubricID = g.id(published)
	v.ID = g.id(published)
	v.DistrictID = g.plan.District.ID
	v.Status = domain.RubricPublished
	v.PublishedAt = &published
	if v.Version < 1 {
		v.Version = 1
	}
	g.plan.RubricVersion = v
	g.plan.Rubric = domain.Rubric{
		ID:         v.RubricID,
		DistrictID: v.DistrictID,
		Name:       v.Name,
		Versions: []domain.RubricVersionSummary{
			{ID: v.ID, Version: v.Version, Status: v.Status, PublishedAt: &published},
		},
	}

	g.dims = make([]dimInfo, len(v.Dimensions))
	for i, d := range v.Dimensions {
		g.dims[i] = dimInfo{model: slices.Index(dimensionKeys[:], d.Key)}
		if g.dims[i].model < 0 && i < len(dimensionKeys) {
			// A district's own rubric: borrow the trend of the dimension in
			// the same place.
			g.dims[i].model = i
		}
	}
}

// order sorts the records that were generated school by school into time
// order; ties break on id so the order never depends on anything else.
func (g *gen) order() {
	slices.SortStableFunc(g.plan.Walkthroughs, func(a, b domain.Walkthrough) int {
		if c := a.Date.Compare(b.Date); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	slices.SortStableFunc(g.plan.Observations, func(a, b domain.Observation) int {
		if c := a.StartedAt.Compare(b.StartedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	slices.SortStableFunc(g.plan.Activities, func(a, b domain.Activity) int {
		if c := a.OccurredOn.Compare(b.OccurredOn); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	slices.SortStableFunc(g.plan.FollowUps, func(a, b domain.FollowUp) int {
		if c := a.StartsAt.Compare(b.StartsAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	slices.SortStableFunc(g.plan.NextSteps, func(a, b domain.NextStep) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// pick returns a random element of xs.
func pick[T any](g *gen, xs []T) T {
	return xs[g.rng.IntN(len(xs))]
}

// between returns a random int in [lo, hi].
func (g *gen) between(lo, hi int) int {
	return lo + g.rng.IntN(hi-lo+1)
}

// chance reports true with probability p.
func (g *gen) chance(p float64) bool {
	return g.rng.Float64() < p
}
