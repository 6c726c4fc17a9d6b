package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// fixture is a district with one school, teacher, observer and a published
// rubric version.
type fixture struct {
	district domain.District
	school   domain.School
	teacher  domain.Teacher
	observer domain.User
	rubric   domain.RubricVersion
}

func mustFixture(t *testing.T, s *store.Store) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{district: domain.District{ID: domain.NewID(), Name: "Test district", TimeZone: "America/Chicago", Settings: domain.DefaultDistrictSettings()}}
	f.school = domain.School{ID: domain.NewID(), DistrictID: f.district.ID, Name: "Oak Elementary", GradeBand: "elementary", Active: true}
	f.teacher = domain.Teacher{ID: domain.NewID(), DistrictID: f.district.ID, SchoolID: f.school.ID, GivenName: "Ana", FamilyName: "Rivera", Grades: []string{"3"}, Active: true}
	f.observer = domain.User{ID: domain.NewID(), DistrictID: f.district.ID, Email: "coach@example.org", Name: "Coach", Active: true,
		Grants: []domain.RoleGrant{{Role: domain.RoleCoach, SchoolID: f.school.ID}}}
	f.rubric = domain.BuiltinFramework()
	f.rubric.ID, f.rubric.RubricID, f.rubric.DistrictID, f.rubric.Status = domain.NewID(), domain.NewID(), f.district.ID, domain.RubricPublished
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateDistrict(ctx, f.district); err != nil {
			return err
		}
		if err := tx.CreateSchool(ctx, f.school); err != nil {
			return err
		}
		if err := tx.CreateTeachers(ctx, []domain.Teacher{f.teacher}); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, f.observer); err != nil {
			return err
		}
		return tx.CreateRubricVersion(ctx, f.rubric)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f fixture) observation(status domain.ObservationStatus, levels ...int) domain.Observation {
	o := domain.Observation{ID: domain.NewID(), DistrictID: f.district.ID, SchoolID: f.school.ID, TeacherID: f.teacher.ID,
		ObserverID: f.observer.ID, RubricVersionID: f.rubric.ID, Kind: domain.KindClassroom, Grade: "3", Subject: "Mathematics",
		StartedAt: time.Date(2026, 10, 5, 14, 0, 0, 0, time.UTC), Status: status, Rev: 1}
	for i, key := range f.rubric.IndicatorKeys() {
		if i >= len(levels) {
			break
		}
		lv := levels[i]
		o.Scores = append(o.Scores, domain.Score{IndicatorKey: key, Level: &lv, Evidence: "T: why? S: because"})
	}
	return o
}

func put(t *testing.T, s *store.Store, o domain.Observation) {
	t.Helper()
	ctx := context.Background()
	if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.PutObservation(ctx, o) }); err != nil {
		t.Fatal(err)
	}
}

func TestObservationRollupsFollowSubmitAmendDelete(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		counts := func() map[string]int64 {
			if err := testdb.CheckRollups(ctx, s, f.district.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CompactRollups(ctx); err != nil {
				t.Fatal(err)
			}
			c, err := s.TableCounts(ctx, f.district.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := testdb.CheckRollups(ctx, s, f.district.ID); err != nil {
				t.Fatal(err)
			}
			if c["rollup_deltas"]+c["rollup_observation_deltas"]+c["dimension_rollup_deltas"]+c["indicator_rollup_deltas"] != 0 {
				t.Fatalf("deltas left after compaction: %v", c)
			}
			return c
		}

		draft := f.observation(domain.ObservationDraft, 2, 3, 4)
		put(t, s, draft)
		if c := counts(); c["rollups"] != 0 || c["scores"] != 3 {
			t.Fatalf("a draft must not count in rollups: %v", c)
		}

		sub := draft
		sub.Status, sub.Rev = domain.ObservationSubmitted, 2
		put(t, s, sub)
		if c := counts(); c["rollups"] != 3 || c["rollup_observations"] != 1 || c["score_sum"] != 9 {
			t.Fatalf("after submit: %v", c)
		}

		amended := f.observation(domain.ObservationSubmitted, 4, 4)
		amended.ID, amended.Rev = sub.ID, 3
		put(t, s, amended)
		if c := counts(); c["rollups"] != 2 || c["scores"] != 2 || c["score_sum"] != 8 {
			t.Fatalf("after amend: %v", c)
		}

		got, err := s.Observation(ctx, f.district.ID, sub.ID)
		if err != nil || len(got.Scores) != 2 || *got.Scores[0].Level != 4 || got.Rev != 3 {
			t.Fatalf("amended observation read back wrong: %+v %v", got, err)
		}

		deleted := amended
		deleted.Deleted, deleted.Rev = true, 4
		put(t, s, deleted)
		if c := counts(); c["rollups"] != 0 || c["rollup_observations"] != 0 || c["observations"] != 1 {
			t.Fatalf("a tombstone must stay and count nowhere: %v", c)
		}
		if c := counts(); c["change_log"] < 6 {
			t.Fatalf("every write must reach the change log: %v", c)
		}
	})
}

func TestObservationRefusesAnotherSchoolsReferenceOrAMissingTeacher(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		o := f.observation(domain.ObservationSubmitted, 3)
		o.TeacherID = domain.NewID()
		err := s.InTx(ctx, func(tx *store.Tx) error { return tx.PutObservation(ctx, o) })
		if domain.ErrorCode(err) != domain.EInvalid {
			t.Fatalf("a missing teacher must be refused as invalid, got %v", err)
		}
		if c, _ := s.TableCounts(ctx, f.district.ID); c["observations"] != 0 || c["scores"] != 0 || c["rollup_deltas"] != 0 {
			t.Fatalf("a refused write left rows: %v", c)
		}
	})
}

func TestScoresBelongToAnObservationOfTheirDistrict(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		o := f.observation(domain.ObservationSubmitted, 2, 3)
		put(t, s, o)
		other := domain.District{ID: domain.NewID(), Name: "Other district", TimeZone: "UTC", Settings: domain.DefaultDistrictSettings()}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateDistrict(ctx, other) }); err != nil {
			t.Fatal(err)
		}
		key := f.rubric.IndicatorKeys()[5]
		insert := `INSERT INTO scores (observation_id, indicator_key, district_id, rubric_version_id, level, evidence) VALUES (?, ?, ?, ?, 1, '')`
		if _, err := s.Exec(ctx, insert, domain.NewID(), key, f.district.ID, f.rubric.ID); err == nil {
			t.Error("a score of an observation that does not exist was written")
		}
		if _, err := s.Exec(ctx, insert, o.ID, key, other.ID, f.rubric.ID); err == nil {
			t.Error("a score was written under another district than its observation's")
		}
		if _, err := s.Exec(ctx, `UPDATE scores SET district_id = ? WHERE observation_id = ?`, other.ID, o.ID); err == nil {
			t.Error("a score was moved to another district than its observation's")
		}
		if _, err := s.Exec(ctx, insert, o.ID, key, f.district.ID, f.rubric.ID); err != nil {
			t.Errorf("a score of the observation, in its district, was refused: %v", err)
		}
		if _, err := s.Exec(ctx, `DELETE FROM observations WHERE id = ?`, o.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Exec(ctx, `DELETE FROM scores WHERE observation_id = ?`, o.ID); err != nil || n != 0 {
			t.Errorf("deleting an observation left %d of its scores (%v)", n, err)
		}
	})
}

// TestObservationsNameOnlyRowsThatExist writes observations that name a
// district, school, teacher, observer, rubric version, walkthrough or
// follow-up that does not exist, and deletes a rubric version observations
// name: each is refused, whether the database checks with foreign keys or
// once per statement.
func TestObservationsNameOnlyRowsThatExist(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		o := f.observation(domain.ObservationSubmitted, 2, 3)
		put(t, s, o)
		for _, col := range []string{"district_id", "school_id", "teacher_id", "observer_id", "rubric_version_id", "walkthrough_id", "follow_up_id"} {
			if _, err := s.Exec(ctx, `UPDATE observations SET `+col+` = ? WHERE id = ?`, domain.NewID(), o.ID); err == nil {
				t.Errorf("an observation was changed to name a %s that does not exist", col)
			}
		}
		copyOf := `INSERT INTO observations (id, district_id, school_id, teacher_id, observer_id, rubric_version_id, kind, started_at, counted_at, status, received_at, created_at, updated_at)
			SELECT ?, district_id, ?, teacher_id, observer_id, rubric_version_id, kind, started_at, counted_at, status, received_at, created_at, updated_at FROM observations WHERE id = ?`
		if _, err := s.Exec(ctx, copyOf, domain.NewID(), domain.NewID(), o.ID); err == nil {
			t.Error("an observation of a school that does not exist was written")
		}
		if n, err := s.Exec(ctx, copyOf, domain.NewID(), f.school.ID, o.ID); err != nil || n != 1 {
			t.Errorf("an observation naming rows that exist was refused: %d, %v", n, err)
		}
		if _, err := s.Exec(ctx, `DELETE FROM rubric_versions WHERE id = ?`, f.rubric.ID); err == nil {
			t.Error("a rubric version that observations name was deleted")
		}
		got, err := s.Observation(ctx, f.district.ID, o.ID)
		if err != nil || got.TeacherID != f.teacher.ID || got.RubricVersionID != f.rubric.ID {
			t.Fatalf("the observation changed: %+v, %v", got, err)
		}
	})
}

// TestSyncRecordsNameTheirDistrictAndUser writes an applied change and a
// change-log entry naming a district or user that does not exist: each is
// refused, whether the database checks with foreign keys or once per
// statement.
func TestSyncRecordsNameTheirDistrictAndUser(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		applied := `INSERT INTO applied_changes (change_id, district_id, device_id, user_id, entity, record_id, payload_hash, result, applied_at)
			VALUES (?, ?, ?, ?, 'observation', ?, 'hash', '{}', ?)`
		logged := `INSERT INTO change_log (district_id, entity, record_id, rev, changed_at) VALUES (?, 'observation', ?, 1, ?)`
		now := time.Now().UTC()
		for name, args := range map[string][]any{
			"a district": {domain.NewID(), domain.NewID(), domain.NewID(), f.observer.ID, domain.NewID(), now},
			"a user":     {domain.NewID(), f.district.ID, domain.NewID(), domain.NewID(), domain.NewID(), now},
		} {
			if _, err := s.Exec(ctx, applied, args...); err == nil {
				t.Errorf("an applied change naming %s that does not exist was written", name)
			}
		}
		if _, err := s.Exec(ctx, logged, domain.NewID(), domain.NewID(), now); err == nil {
			t.Error("a change-log entry naming a district that does not exist was written")
		}
		if _, err := s.Exec(ctx, applied, domain.NewID(), f.district.ID, domain.NewID(), f.observer.ID, domain.NewID(), now); err != nil {
			t.Errorf("an applied change naming rows that exist was refused: %v", err)
		}
		if _, err := s.Exec(ctx, logged, f.district.ID, domain.NewID(), now); err != nil {
			t.Errorf("a change-log entry naming its district was refused: %v", err)
		}
	})
}
