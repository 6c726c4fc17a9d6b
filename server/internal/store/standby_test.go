package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// TestStandbyReadsFollowTheUsersOwnWrites runs a real streaming standby of
// a real primary. Lag-tolerant reads go to the standby; while replay on the
// standby is paused, a user who has just written reads from the primary
// and sees the write, while another user reads the standby, which does not
// have it yet; once replay resumes, the writer reads from the standby too.
func TestStandbyReadsFollowTheUsersOwnWrites(t *testing.T) {
	ctx := context.Background()
	primaryURL, standbyURL := testdb.StandbyPair(t)
	s, err := store.Open(ctx, store.Options{DatabaseURL: primaryURL, StandbyURL: standbyURL})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(ctx, store.Options{DatabaseURL: primaryURL, StandbyURL: primaryURL}); err == nil {
		t.Fatal("a primary given as the standby must be refused")
	}
	standby, err := sql.Open("pgx", standbyURL)
	if err != nil {
		t.Fatal(err)
	}
	defer standby.Close()
	// The standby replays the migrations a moment after the primary ran
	// them; a reader with no writes of their own may be sent to it at once.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var table sql.NullString
		if err := standby.QueryRowContext(ctx, `SELECT to_regclass('districts')::text`).Scan(&table); err == nil && table.Valid {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the standby never replayed the migrations")
		}
	}

	const writer, reader = "0190a1b2-c3d4-7e5f-8a9b-000000000001", "0190a1b2-c3d4-7e5f-8a9b-000000000002"
	// waitOnStandby waits until the user's reads may go to the standby.
	waitOnStandby := func(user string) context.Context {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if c := s.OnStandby(ctx, user); c != ctx {
				return c
			}
		}
		t.Fatalf("the standby never caught up with %s's writes", user)
		return nil
	}
	count := func(c context.Context) int64 {
		t.Helper()
		n, err := s.CountDistricts(c)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := s.StandbyReads()
	if n := count(waitOnStandby(reader)); n != 0 {
		t.Fatalf("%d districts on a fresh standby", n)
	}
	if s.StandbyReads() == before {
		t.Fatal("a marked read did not go to the standby")
	}

	if _, err := standby.ExecContext(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	d := domain.District{ID: domain.NewID(), Name: "Lakeside", TimeZone: "America/Chicago", Settings: domain.DefaultDistrictSettings()}
	if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateDistrict(ctx, d) }); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordWrite(ctx, d.ID, writer); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if c := s.OnStandby(ctx, writer); c != ctx {
		t.Fatal("the writer was sent to a standby that has not replayed the write")
	}
	if n := count(s.OnStandby(ctx, writer)); n != 1 {
		t.Fatalf("the writer reads %d districts, want its own write", n)
	}
	if n := count(waitOnStandby(reader)); n != 0 {
		t.Fatalf("the paused standby shows %d districts: the reader's reads did not go to it", n)
	}

	if _, err := standby.ExecContext(ctx, "SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	before = s.StandbyReads()
	if n := count(waitOnStandby(writer)); n != 1 {
		t.Fatalf("the caught-up standby shows %d districts to the writer", n)
	}
	if s.StandbyReads() == before {
		t.Fatal("the writer's read did not go to the standby once it caught up")
	}
	// Writes are never sent to the standby, whatever the context says.
	if err := s.RecordWrite(waitOnStandby(reader), d.ID, reader); err != nil {
		t.Fatalf("a write in a marked context: %v", err)
	}
}
