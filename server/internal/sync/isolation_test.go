package sync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// poison is text a test trigger makes the database refuse in observations'
// evidence and walkthroughs' debrief notes: a rule of the database that
// validation does not know, so that storing the change fails unexpectedly.
const poison = "poison"

// An unexpected error storing one change (here a row the database refuses)
// keeps that change out, answered rejected with server_error and logged
// with its id, while the other changes of the push apply and commit: in a
// run of observations applied set-wise, and change by change.
func TestUnexpectedErrorKeepsOnlyItsChangeOut(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			s, db := testdb.OpenWithSQL(t, dialect)
			testdb.RefuseValue(t, dialect, db, "observations", "evidence", poison, "check_violation")
			testdb.RefuseValue(t, dialect, db, "walkthroughs", "debrief_notes", poison, "check_violation")
			f, err := newFixture(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			f.svc = sync.NewService(s, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError})), nil, nil)

			level := 2
			obs := func(evidence string) sync.Change {
				raw, _ := json.Marshal(sync.ObservationData{SchoolID: f.schools[0], TeacherID: f.teachers[f.schools[0]][0], RubricVersionID: f.rubrics[0].id,
					Kind: "classroom", StartedAt: time.Now().UTC().Add(-time.Hour).Truncate(time.Second), Status: "submitted",
					Scores: []domain.Score{{IndicatorKey: f.rubrics[0].keys[0], Level: &level}}, Evidence: evidence})
				return sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityObservation, Op: sync.OpUpsert, ID: domain.NewID(), Data: raw}
			}
			walk := func(notes string) sync.Change {
				raw, _ := json.Marshal(sync.WalkthroughData{SchoolID: f.schools[0], RubricVersionID: f.rubrics[0].id, Kind: "classroom",
					Date: sync.Date{Time: time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)}, Team: []string{}, Focus: []string{}, DebriefNotes: notes})
				return sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityWalkthrough, Op: sync.OpUpsert, ID: domain.NewID(), Data: raw}
			}
			for _, tc := range []struct {
				name    string
				changes []sync.Change
			}{
				{"a run of observations", []sync.Change{obs("Seen."), obs(poison), obs("Seen again.")}},
				{"walkthroughs", []sync.Change{walk("Agreed."), walk(poison), walk("Agreed again.")}},
				{"an observation between walkthroughs", []sync.Change{walk("Agreed."), obs(poison), walk("Agreed again.")}},
			} {
				logs.Reset()
				res, err := f.push(ctx, domain.NewID(), tc.changes...)
				if err != nil {
					t.Fatalf("%s: the push failed: %v", tc.name, err)
				}
				if res[0].Status != sync.StatusApplied || res[2].Status != sync.StatusApplied {
					t.Errorf("%s: the good changes answered %+v and %+v", tc.name, res[0], res[2])
				}
				if r := res[1]; r.Status != sync.StatusRejected || r.Error == nil || r.Error.Code != sync.CodeServerError {
					t.Errorf("%s: the refused change answered %+v %+v, want rejected with %s", tc.name, r, r.Error, sync.CodeServerError)
				}
				if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), tc.changes[1].ChangeID) {
					t.Errorf("%s: no error line names the change: %s", tc.name, logs.String())
				}
				for i, c := range tc.changes {
					if got, want := stored(t, s, f.district, c), i != 1; got != want {
						t.Errorf("%s: change %d stored %v, want %v", tc.name, i, got, want)
					}
				}
				// The device retries: the answers are the same, and nothing is written twice.
				again, err := f.push(ctx, domain.NewID(), tc.changes...)
				if err != nil {
					t.Fatal(err)
				}
				for i := range again {
					if want := map[bool]string{true: sync.StatusRejected, false: sync.StatusDuplicate}[i == 1]; again[i].Status != want {
						t.Errorf("%s: retried change %d answered %s, want %s", tc.name, i, again[i].Status, want)
					}
				}
			}
			if err := testdb.CheckRollups(ctx, s, f.district); err != nil {
				t.Error(err)
			}
		})
	}
}

// stored tells whether the record a change names is in the database.
func stored(t *testing.T, s *store.Store, district string, c sync.Change) bool {
	t.Helper()
	ctx := context.Background()
	n := 0
	err := s.ReadTx(ctx, func(tx *store.Tx) error {
		switch c.Entity {
		case sync.EntityObservation:
			os, err := tx.Observations(ctx, district, []string{c.ID})
			n = len(os)
			return err
		case sync.EntityWalkthrough:
			ws, err := tx.Walkthroughs(ctx, district, []string{c.ID})
			n = len(ws)
			return err
		}
		t.Fatalf("no lookup for %s", c.Entity)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}
