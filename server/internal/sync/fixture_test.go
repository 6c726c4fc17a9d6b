package sync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// fixture is one district built through the store: two schools with two
// teachers each, a coach who observes at both, and three published rubric
// versions: the built-in framework, its second version (one indicator moved
// to another dimension, one dropped), and a small rubric of its own whose
// scale starts at 0.
type fixture struct {
	store    *store.Store
	svc      *sync.Service
	district string
	schools  []string
	teachers map[string][]string // school id -> teacher ids
	rubrics  []fixtureRubric     // published versions
	coach    auth.Principal
	// serverNow, when set, is the sync service's clock, against which it
	// measures a device's; else the service reads the real clock.
	serverNow time.Time
}

// fixtureRubric is a published rubric version's id and shape.
type fixtureRubric struct {
	id     string
	rubric string   // the rubric it is a version of
	keys   []string // indicator keys, in order
	levels []int    // the scale
}

// newFixture makes a fresh district in s. Many fixtures share one database
// without seeing each other, since every query is scoped by district.
func newFixture(ctx context.Context, s *store.Store) (*fixture, error) {
	f := &fixture{store: s, district: domain.NewID(), teachers: map[string][]string{}}
	f.svc = sync.NewService(s, nil, nil, func() time.Time {
		if !f.serverNow.IsZero() {
			return f.serverNow
		}
		return time.Now()
	})
	f.schools = []string{domain.NewID(), domain.NewID()}
	coach := domain.User{ID: domain.NewID(), DistrictID: f.district, Name: "Coach", Active: true,
		Email:  "coach." + f.district[len(f.district)-12:] + "@example.org",
		Grants: []domain.RoleGrant{{Role: domain.RoleCoach, SchoolID: f.schools[0]}, {Role: domain.RoleCoach, SchoolID: f.schools[1]}}}
	versions := fixtureRubrics(f.district)
	for _, v := range versions {
		r := fixtureRubric{id: v.ID, rubric: v.RubricID, keys: v.IndicatorKeys()}
		for _, l := range v.Levels {
			r.levels = append(r.levels, l.Value)
		}
		f.rubrics = append(f.rubrics, r)
	}
	err := s.InTx(ctx, func(tx *store.Tx) error {
		// A zone west of UTC, so that a district's week and the UTC week differ.
		d := domain.District{ID: f.district, Name: "District " + f.district[len(f.district)-6:], TimeZone: "America/Chicago",
			Settings: domain.DefaultDistrictSettings()}
		if err := tx.CreateDistrict(ctx, d); err != nil {
			return fmt.Errorf("district: %w", err)
		}
		for i, id := range f.schools {
			if err := tx.CreateSchool(ctx, domain.School{ID: id, DistrictID: f.district, Name: fmt.Sprintf("School %d", i+1), Active: true}); err != nil {
				return fmt.Errorf("school: %w", err)
			}
			var ts []domain.Teacher
			for j := range 2 {
				t := domain.Teacher{ID: domain.NewID(), DistrictID: f.district, SchoolID: id, GivenName: "Teacher", FamilyName: fmt.Sprintf("%d-%d", i, j), Active: true}
				ts = append(ts, t)
				f.teachers[id] = append(f.teachers[id], t.ID)
			}
			if err := tx.CreateTeachers(ctx, ts); err != nil {
				return fmt.Errorf("teachers: %w", err)
			}
		}
		if err := tx.CreateUser(ctx, coach); err != nil {
			return fmt.Errorf("coach: %w", err)
		}
		for _, v := range versions {
			if err := tx.CreateRubricVersion(ctx, v); err != nil {
				return fmt.Errorf("rubric version %d of %s: %w", v.Version, v.Name, err)
			}
		}
		// The district scores with every framework everywhere: the ones
		// beside the main framework are assigned to all schools and kinds
		// since long before any observation of a test.
		since := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, v := range versions {
			if v.RubricID == versions[0].RubricID {
				continue
			}
			if _, err := tx.AddAssignment(ctx, f.district, domain.Assignment{RubricID: v.RubricID, StartsAt: since}, nil); err != nil {
				return fmt.Errorf("assign %s: %w", v.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	f.coach = auth.Principal{User: coach}
	return f, nil
}

// fixtureRubrics are the district's published rubric versions.
func fixtureRubrics(district string) []domain.RubricVersion {
	published := time.Now().Add(-365 * 24 * time.Hour).UTC().Truncate(time.Second)
	v1 := domain.BuiltinFramework()
	v1.ID, v1.RubricID, v1.DistrictID, v1.Status, v1.PublishedAt = domain.NewID(), domain.NewID(), district, domain.RubricPublished, &published

	// Version 2: the first indicator moves to the second dimension, and
	// the last dimension's last indicator is dropped.
	v2 := domain.BuiltinFramework()
	v2.ID, v2.RubricID, v2.DistrictID, v2.Status, v2.PublishedAt, v2.Version = domain.NewID(), v1.RubricID, district, domain.RubricPublished, &published, 2
	moved := v2.Dimensions[0].Indicators[0]
	v2.Dimensions[0].Indicators = v2.Dimensions[0].Indicators[1:]
	v2.Dimensions[1].Indicators = append(v2.Dimensions[1].Indicators, moved)
	last := &v2.Dimensions[len(v2.Dimensions)-1]
	last.Indicators = last.Indicators[:len(last.Indicators)-1]

	// A rubric of the district's own, scored 0 to 2.
	look := func(key, name string) domain.Indicator {
		return domain.Indicator{Key: key, Name: name, Descriptors: []domain.Descriptor{
			{Level: 0, Text: "Not seen."}, {Level: 1, Text: "Seen in part of the room."}, {Level: 2, Text: "Seen across the room."}}}
	}
	own := domain.RubricVersion{ID: domain.NewID(), RubricID: domain.NewID(), DistrictID: district, Name: "Look-fors", Version: 1,
		Status: domain.RubricPublished, PublishedAt: &published,
		Levels: []domain.Level{{Value: 0, Label: "Not yet"}, {Value: 1, Label: "Partly"}, {Value: 2, Label: "Fully"}},
		Dimensions: []domain.Dimension{
			{Key: "engagement", Name: "Engagement", Indicators: []domain.Indicator{look("on_task", "On task"), look("student_talk", "Student talk")}},
			{Key: "environment", Name: "Environment", Indicators: []domain.Indicator{look("norms_posted", "Norms posted")}},
		}}
	return []domain.RubricVersion{v1, v2, own}
}

// observation is what a device pushes for one observation.
type observation struct {
	School, Teacher, Rubric, Kind, Grade, Subject, Status string
	StartedAt                                             time.Time
	Scores                                                []domain.Score
}

// String shows the observation in a failing test's log.
func (o observation) String() string {
	return fmt.Sprintf("%s %s grade %q subject %q at %s, rubric %s, %d scores %v", o.Status, o.Kind, o.Grade, o.Subject,
		o.StartedAt.Format(time.RFC3339), o.Rubric, len(o.Scores), levelsByKey(o.Scores))
}

// upsert is a change that creates (base_rev 0) or amends the observation id.
func (f *fixture) upsert(id string, baseRev int64, o observation) sync.Change {
	raw, err := json.Marshal(sync.ObservationData{SchoolID: o.School, TeacherID: o.Teacher, RubricVersionID: o.Rubric, Kind: o.Kind,
		Grade: o.Grade, Subject: o.Subject, StartedAt: o.StartedAt, Status: o.Status, Scores: o.Scores,
		Evidence: "Students explained their strategies to a partner."})
	if err != nil {
		panic(err)
	}
	return sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityObservation, Op: sync.OpUpsert, ID: id, BaseRev: baseRev, Data: raw}
}

// remove is a change that deletes the observation id.
func (f *fixture) remove(id string, baseRev int64) sync.Change {
	return sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityObservation, Op: sync.OpDelete, ID: id, BaseRev: baseRev}
}

// push sends changes as the coach from device and returns the results.
func (f *fixture) push(ctx context.Context, device string, changes ...sync.Change) ([]sync.Result, error) {
	return f.pushAt(ctx, device, nil, changes...)
}

// pushAt sends changes as push does, stamped with the device's clock
// (nil: not stamped, as by an older client).
func (f *fixture) pushAt(ctx context.Context, device string, deviceTime *time.Time, changes ...sync.Change) ([]sync.Result, error) {
	res, err := f.svc.Push(ctx, f.coach, sync.PushRequest{DeviceID: device, DeviceTime: deviceTime, Changes: changes})
	if err != nil {
		return nil, err
	}
	if len(res.Results) != len(changes) {
		return nil, fmt.Errorf("%d results for %d changes", len(res.Results), len(changes))
	}
	for i, r := range res.Results {
		if r.ChangeID != changes[i].ChangeID {
			return nil, fmt.Errorf("result %d answers change %s, not %s", i, r.ChangeID, changes[i].ChangeID)
		}
	}
	return res.Results, nil
}

// liveObservations lists the district's observations that are not deleted.
func (f *fixture) liveObservations(ctx context.Context) (map[string]domain.Observation, error) {
	out := map[string]domain.Observation{}
	before := ""
	for {
		page, err := f.store.ObservationsPage(ctx, store.ObservationFilter{Visible: domain.DistrictScope(f.district), Before: before, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, o := range page {
			if _, dup := out[o.ID]; dup {
				return nil, fmt.Errorf("observation %s listed twice", o.ID)
			}
			out[o.ID] = o
		}
		if len(page) < 100 {
			return out, nil
		}
		before = page[len(page)-1].ID
	}
}
