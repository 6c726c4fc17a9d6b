package sync_test

import (
	"context"
	"encoding/base64"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// database is one test database by how it is reached, so that it can be
// backed up and restored as docs/operations.md says: pg_dump and
// pg_restore on PostgreSQL, a copy of the file on SQLite.
type database struct {
	dialect, url, path string
}

func newDatabase(t *testing.T, dialect string) database {
	t.Helper()
	url, path := testdb.NewDatabase(t, dialect)
	return database{dialect: dialect, url: url, path: path}
}

func (d database) open(t *testing.T) *store.Store {
	t.Helper()
	s := testdb.OpenExisting(t, d.url, d.path, nil)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// backup copies the database into a file. On SQLite the store must be
// closed first, as the server is stopped for a copy of its file.
func (d database) backup(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "backup")
	if d.dialect == store.SQLite {
		copyFile(t, d.path, file)
		return file
	}
	run(t, "pg_dump", "--format=custom", "--file="+file, d.url)
	return file
}

// restore makes a new database from a backup.
func restore(t *testing.T, dialect, backup string) database {
	t.Helper()
	d := newDatabase(t, dialect)
	if dialect == store.SQLite {
		copyFile(t, backup, d.path)
		return d
	}
	run(t, "pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", "--dbname="+d.url, backup)
	return d
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(from + suffix); err == nil {
			t.Fatalf("%s%s is left beside the database: the copy would be torn", from, suffix)
		}
	}
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// cursorSeq reads the position out of a cursor's text, as only a test
// may: devices treat cursors as opaque.
func cursorSeq(t *testing.T, c string) int64 {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 6 || parts[0] != "v2" {
		t.Fatalf("not a version 2 cursor: %q", raw)
	}
	seq, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// pullAll pulls every page after cursor and answers the last cursor.
func pullAll(t *testing.T, f *fixture, cursor string) (string, []sync.Record) {
	t.Helper()
	var all []sync.Record
	for {
		page, err := f.svc.Pull(context.Background(), f.coach, cursor, 7)
		if err != nil {
			t.Fatalf("pull after %q: %v", cursor, err)
		}
		all = append(all, page.Changes...)
		cursor = page.Cursor
		if !page.More {
			return cursor, all
		}
	}
}

// observe pushes n new observations by the coach.
func observe(t *testing.T, f *fixture, n int) []string {
	t.Helper()
	var ids []string
	var changes []sync.Change
	for i := range n {
		level := 1 + i%4
		school := f.schools[i%2]
		o := observation{School: school, Teacher: f.teachers[school][i%2], Kind: "classroom", Grade: "4", Subject: "Mathematics",
			Status: "submitted", StartedAt: time.Now().Add(-time.Duration(i) * time.Hour).UTC().Truncate(time.Second),
			Rubric: f.rubrics[0].id, Scores: []domain.Score{{IndicatorKey: f.rubrics[0].keys[0], Level: &level}}}
		c := f.upsert(domain.NewID(), 0, o)
		changes, ids = append(changes, c), append(ids, c.ID)
	}
	res, err := f.push(context.Background(), domain.NewID(), changes...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != sync.StatusApplied {
			t.Fatalf("push: %+v", r)
		}
	}
	return ids
}

func isGone(t *testing.T, f *fixture, cursor, why string) {
	t.Helper()
	_, err := f.svc.Pull(context.Background(), f.coach, cursor, 10)
	if domain.ErrorCode(err) != domain.EGone {
		t.Fatalf("%s: want 410 (gone), got %v", why, err)
	}
}

// TestPullAfterARestoreFromBackup backs the database up, goes on writing
// while a device pulls past the backup, and restores the backup into a new
// database: the device's cursor lies beyond the restored log's end and is
// answered 410, and stays 410 once the restored database has written past
// it. A cursor from before the backup still pulls what the restored
// database writes; one from another database is answered 410.
func TestPullAfterARestoreFromBackup(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := newDatabase(t, dialect)
			s := db.open(t)
			f, err := newFixture(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			observe(t, f, 3)
			early, snapshot := pullAll(t, f, "")
			if len(snapshot) == 0 {
				t.Fatal("an empty snapshot")
			}

			if dialect == store.SQLite {
				s.Close()
			}
			backup := db.backup(t)
			if dialect == store.SQLite {
				f.store = db.open(t)
				f.svc = sync.NewService(f.store, nil, nil, nil)
			}

			// After the backup: more changes, and the device pulls them.
			observe(t, f, 4)
			ahead, got := pullAll(t, f, early)
			if len(got) != 4 {
				t.Fatalf("pulled %d changes after the backup, want 4", len(got))
			}

			r := restore(t, dialect, backup)
			f.store = r.open(t)
			f.svc = sync.NewService(f.store, nil, nil, nil)
			isGone(t, f, ahead, "a cursor beyond the restored log's end")

			// A cursor from before the backup is still good on the restored
			// database: it gets what the restored database writes.
			fresh := observe(t, f, 2)
			_, got = pullAll(t, f, early)
			if len(got) != 2 || got[0].ID != fresh[0] || got[1].ID != fresh[1] {
				t.Fatalf("after a cursor from before the backup: %+v, want %v", got, fresh)
			}

			// The restored database writes on until its log passes the
			// device's cursor: the cursor is still answered 410, since the
			// log holds other changes where the device's were.
			for pos, err := f.store.ChangeLogPosition(ctx, f.district, 0, ""); pos.End <= cursorSeq(t, ahead)+2; pos, err = f.store.ChangeLogPosition(ctx, f.district, 0, "") {
				if err != nil {
					t.Fatal(err)
				}
				observe(t, f, 1)
			}
			isGone(t, f, ahead, "a cursor from before the restore, once the restored log has passed it")

			// A snapshot starts the device again, and pulls on from there.
			next, again := pullAll(t, f, "")
			if len(again) < len(snapshot) {
				t.Fatalf("a snapshot after the restore has %d records, fewer than the first %d", len(again), len(snapshot))
			}
			observe(t, f, 1)
			if _, got := pullAll(t, f, next); len(got) != 1 {
				t.Fatalf("after the new snapshot: %d changes, want 1", len(got))
			}

			// A cursor given by another database, even one where the same
			// position exists, is answered 410.
			other, err := newFixture(ctx, newDatabase(t, dialect).open(t))
			if err != nil {
				t.Fatal(err)
			}
			other.coach = f.coach
			if _, err := other.svc.Pull(ctx, other.coach, early, 10); domain.ErrorCode(err) != domain.EGone {
				t.Fatalf("a cursor from another database: want 410, got %v", err)
			}
		})
	}
}
