package httpapi

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/jobs"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// recraft changes one part of a version 2 cursor, as only a test may:
// v2:database:scope:seq:horizon:record.
func recraft(t *testing.T, cursor string, part int, value string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 6 || parts[0] != "v2" {
		t.Fatalf("not a version 2 cursor: %q", raw)
	}
	parts[part] = value
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, ":")))
}

// pullGone pulls once after cursor and wants a 410 problem document.
func (w *world) pullGone(a actor, cursor, why string) {
	w.t.Helper()
	r := w.do(a, "GET", "/api/v1/sync/pull?cursor="+cursor, nil)
	if r.Code != 410 {
		w.t.Fatalf("%s: want 410, got %d %s", why, r.Code, r.Body)
	}
	if ct := r.Header().Get("Content-Type"); ct != "application/problem+json" || !strings.Contains(r.Body.String(), "snapshot") {
		w.t.Fatalf("%s: not a problem document saying what to do: %s %s", why, ct, r.Body)
	}
}

func has(rs []sync.Record, id string) bool {
	for _, r := range rs {
		if r.ID == id && !r.Deleted {
			return true
		}
	}
	return false
}

// TestPullRefusesCursorsTheServerNeverGave answers 410 for a cursor of the
// first version, one from another database, one beyond the log's end and
// one that names another record at its position, and 422 for text that is
// no cursor at all; the cursor the server gave pulls on.
func TestPullRefusesCursorsTheServerNeverGave(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		good := w.pull(coach, "").Cursor
		w.push(coach, domain.NewID(), w.obsChange(domain.NewID(), 0, 3))
		if got := w.pull(coach, good); len(got.Changes) != 1 {
			t.Fatalf("a good cursor pulled %d changes, want 1", len(got.Changes))
		}
		w.pullGone(coach, base64.RawURLEncoding.EncodeToString([]byte("v1:3")), "a cursor of the first version")
		w.pullGone(coach, recraft(t, good, 1, "0123456789abcdef0123456789abcdef"), "a cursor from another database")
		w.pullGone(coach, recraft(t, good, 3, "999999999"), "a cursor beyond the log's end")
		w.pullGone(coach, recraft(t, good, 5, domain.NewID()), "a cursor naming another record at its position")
		w.pullGone(supervisor, good, "another user's cursor")
		for _, bad := range []string{"not-a-cursor", base64.RawURLEncoding.EncodeToString([]byte("v2:x")), base64.RawURLEncoding.EncodeToString([]byte("v9:1"))} {
			if r := w.do(coach, "GET", "/api/v1/sync/pull?cursor="+bad, nil); r.Code != 422 {
				t.Fatalf("%q: want 422, got %d %s", bad, r.Code, r.Body)
			}
		}
	})
}

// TestPullAfterTheScopeChanged has an administrator give the coach a second
// school, then take the first away. Each time the coach's device is
// answered 410 and takes a fresh snapshot: with the gained school's roster
// and older records, then without anything of the lost school. A change the
// device queued for the lost school is refused with a reason.
func TestPullAfterTheScopeChanged(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		coachID := w.users[coach].ID
		device := w.pull(coach, "")
		if !has(device.Changes, w.teacherA1) || has(device.Changes, w.teacherA2) {
			t.Fatalf("the first snapshot: %+v", device.Changes)
		}
		if r := w.do(admin, "PATCH", "/api/v1/users/"+coachID, map[string]any{"grant": []map[string]string{{"role": "coach", "school_id": w.schoolA2}}}); r.Code != 200 {
			t.Fatalf("grant A2: %d %s", r.Code, r.Body)
		}
		w.pullGone(coach, device.Cursor, "a school gained")
		gained := w.pull(coach, "")
		for _, id := range []string{w.schoolA1, w.teacherA1, w.obsA1, w.schoolA2, w.teacherA2} {
			if !has(gained.Changes, id) {
				t.Fatalf("the snapshot after gaining A2 lacks %s: %+v", id, gained.Changes)
			}
		}
		if again := w.pull(coach, gained.Cursor); len(again.Changes) != 0 {
			t.Fatalf("the new cursor pulled %d changes, want none", len(again.Changes))
		}

		// Offline, the device queues an observation at A1; meanwhile A1 is
		// taken from the coach.
		queued := w.obsChange(domain.NewID(), 0, 2)
		if r := w.do(admin, "PATCH", "/api/v1/users/"+coachID, map[string]any{"revoke": []map[string]string{{"role": "coach", "school_id": w.schoolA1}}}); r.Code != 200 {
			t.Fatalf("revoke A1: %d %s", r.Code, r.Body)
		}
		w.pullGone(coach, gained.Cursor, "a school lost")
		lost := w.pull(coach, "")
		for _, id := range []string{w.schoolA1, w.teacherA1, w.obsA1} {
			if has(lost.Changes, id) {
				t.Fatalf("the snapshot after losing A1 still has %s", id)
			}
		}
		if !has(lost.Changes, w.schoolA2) || !has(lost.Changes, w.teacherA2) {
			t.Fatalf("the snapshot after losing A1 lacks A2: %+v", lost.Changes)
		}
		_, res := w.push(coach, domain.NewID(), queued)
		if r := res.Results[0]; (r.Status != sync.StatusRejected && r.Status != sync.StatusForbidden) || r.Error == nil || r.Error.Message == "" {
			t.Fatalf("a queued change for the lost school: %+v", r)
		}
	})
}

// TestDeviceAwayLongerThanTheHorizonStartsAgain runs the server's
// compaction loop with a one-hour horizon over a log holding a tombstone
// two hours old, written after the device last pulled: the device is
// answered 410, takes a snapshot, then pushes every change it queued while
// away, and none is lost. The compaction shows in /metrics.
func TestDeviceAwayLongerThanTheHorizonStartsAgain(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			var storeNow time.Time
			clock := func() time.Time {
				if storeNow.IsZero() {
					return time.Now()
				}
				return storeNow
			}
			w := newWorld(t, testdb.OpenAt(t, dialect, clock))
			device := w.pull(coach, "")

			// Two hours ago, from another device, an observation was made
			// and deleted.
			storeNow = time.Now().Add(-2 * time.Hour)
			gone := domain.NewID()
			w.push(coach, domain.NewID(), w.obsChange(gone, 0, 3))
			w.push(coach, domain.NewID(), sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityObservation, Op: sync.OpDelete, ID: gone, BaseRev: 1})
			storeNow = time.Time{}

			// Meanwhile the device queued three observations.
			var outbox []sync.Change
			for range 3 {
				outbox = append(outbox, w.obsChange(domain.NewID(), 0, 2, 3))
			}

			ctx, stop := context.WithCancel(context.Background())
			stopped := make(chan struct{})
			go func() {
				defer close(stopped)
				jobs.NewRunner(w.store, nil, 0, w.syncs.CompactChangeLogJob(20*time.Millisecond, time.Hour)).Run(ctx)
			}()
			deadline := time.Now().Add(30 * time.Second)
			for {
				horizon, err := w.store.ChangeHorizon(context.Background(), w.districtA)
				if err != nil {
					t.Fatal(err)
				}
				if horizon > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the compaction loop never moved the horizon")
				}
				time.Sleep(10 * time.Millisecond)
			}
			stop()
			<-stopped
			metrics := w.do(anonymous, "GET", "/metrics", nil).Body.String()
			for _, name := range []string{"walkthrough_change_log_compacted_entries_total 2", "walkthrough_change_log_last_compaction_timestamp_seconds "} {
				if !strings.Contains(metrics, name) {
					t.Fatalf("/metrics lacks %q", name)
				}
			}

			w.pullGone(coach, device.Cursor, "a cursor from before a compacted tombstone")
			snapshot := w.pull(coach, "")
			if has(snapshot.Changes, gone) || !has(snapshot.Changes, w.teacherA1) {
				t.Fatalf("the snapshot: %+v", snapshot.Changes)
			}
			_, res := w.push(coach, domain.NewID(), outbox...)
			for i, r := range res.Results {
				if r.Status != sync.StatusApplied {
					t.Fatalf("queued change %d: %+v", i, r)
				}
			}
			after := w.pull(coach, snapshot.Cursor)
			for _, c := range outbox {
				if !has(after.Changes, c.ID) {
					t.Fatalf("queued observation %s did not come back in the next pull", c.ID)
				}
			}
		})
	}
}
