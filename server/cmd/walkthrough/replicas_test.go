package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/attachments"
	"github.com/walkthrough-edu/walkthrough/server/internal/blob"
	"github.com/walkthrough-edu/walkthrough/server/internal/blob/fakes3"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/loadgen"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// testKEK is a key encryption key for the signing keys kept in the
// database (32 bytes, base64).
const testKEK = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// photo is a small PNG-looking body.
func photo(n byte) []byte {
	return append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{n}, 2000)...)
}

// observeWithPhoto pushes a submitted observation that lists one photo and
// answers the photo's id.
func observeWithPhoto(t *testing.T, ctx context.Context, s *loadgen.Session) string {
	t.Helper()
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	teacher := snap.Teachers[0]
	level := snap.Rubric.Levels[0]
	photoID := domain.NewID()
	data, _ := json.Marshal(sync.ObservationData{SchoolID: teacher.SchoolID, TeacherID: teacher.ID, RubricVersionID: snap.Rubric.ID,
		Kind: "classroom", StartedAt: time.Now().Add(-time.Hour).UTC(), Status: string(domain.ObservationSubmitted),
		Scores: []domain.Score{{IndicatorKey: snap.Rubric.Indicators[0], Level: &level}}, AttachmentIDs: []string{photoID}})
	res, err := s.Push(ctx, sync.PushRequest{DeviceID: domain.NewID(), Changes: []sync.Change{
		{ChangeID: domain.NewID(), Entity: sync.EntityObservation, Op: sync.OpUpsert, ID: domain.NewID(), Data: data}}})
	if err != nil || len(res.Results) != 1 || res.Results[0].Status != sync.StatusApplied {
		t.Fatalf("push: %+v %v", res, err)
	}
	return photoID
}

// runCLI runs the binary with env and answers its standard output.
func runCLI(t *testing.T, bin string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil {
		t.Logf("walkthrough %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), err
}

// TestTwoServersShareABucketAndSigningKeys moves a server's photos from its
// data directory to a bucket with the copy command, then runs two servers
// on one PostgreSQL database and that bucket, each with its own empty data
// directory: a token either signs works on both, before and after a key
// rotation, and a photo uploaded through one is known to the other.
func TestTwoServersShareABucketAndSigningKeys(t *testing.T) {
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dbURL, _ := testdb.NewDatabase(t, store.Postgres)
	s3, err := fakes3.Start("photos")
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	bucketURL := s3.URL("photos")
	shared := []string{"WALKTHROUGH_KEY_ENCRYPTION_KEY=" + testKEK}

	// One server with photos in its data directory.
	began := time.Now()
	dirA := t.TempDir()
	one := startServer(t, bin, dirA, dbURL, shared...)
	coach, err := loadgen.SignIn(ctx, loadgen.NewClient(1), one.url(), demoCoachEmail, demoCoachPassword)
	if err != nil {
		t.Fatal(err)
	}
	first := observeWithPhoto(t, ctx, coach)
	if code, err := coach.PutAttachment(ctx, first, "image/png", photo(1)); err != nil || code != 201 {
		t.Fatalf("upload to the directory: %d %v", code, err)
	}
	one.stop(t)

	// Copy the photos to the bucket, twice: the second finds them there.
	env := []string{"WALKTHROUGH_DATA_DIR=" + dirA, "WALKTHROUGH_DATABASE_URL=" + dbURL, "WALKTHROUGH_LOG_LEVEL=warn"}
	out, err := runCLI(t, bin, env, "attachments", "copy", "--to", bucketURL)
	if err != nil || !strings.Contains(out, "1 of 1: 1 copied, 0 already there") || !strings.Contains(out, "done:") {
		t.Fatalf("first copy: %v\n%s", err, out)
	}
	out, err = runCLI(t, bin, env, "attachments", "copy", "--to", bucketURL)
	if err != nil || !strings.Contains(out, "1 of 1: 0 copied, 1 already there") {
		t.Fatalf("second copy: %v\n%s", err, out)
	}
	bucket, err := blob.OpenURL(ctx, bucketURL, t.TempDir(), blob.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	st := one.openStore(t)
	district := demoDistrict(t, st)
	checkPhoto(t, ctx, bucket, district, first, photo(1))

	// Two servers on the bucket, neither with the other's data directory.
	withBucket := append([]string{"WALKTHROUGH_BLOB_URL=" + bucketURL}, shared...)
	a := startServer(t, bin, dirA, dbURL, withBucket...)
	b := startServer(t, bin, t.TempDir(), dbURL, withBucket...)
	onA, onB := coach.On(a.url()), coach.On(b.url())
	for _, s := range []*loadgen.Session{onA, onB} {
		if err := s.Me(ctx); err != nil {
			t.Fatalf("a token of the first server is refused after the move: %v", err)
		}
	}
	if code, err := onB.PutAttachment(ctx, first, "image/png", photo(1)); err != nil || code != 200 {
		t.Fatalf("the second server must find the copied photo in the bucket: %d %v", code, err)
	}
	second := observeWithPhoto(t, ctx, onA)
	if code, err := onB.PutAttachment(ctx, second, "image/png", photo(2)); err != nil || code != 201 {
		t.Fatalf("upload through the second server: %d %v", code, err)
	}
	if code, err := onA.PutAttachment(ctx, second, "image/png", photo(2)); err != nil || code != 200 {
		t.Fatalf("the first server must see the photo the second stored: %d %v", code, err)
	}
	checkPhoto(t, ctx, bucket, district, second, photo(2))
	for _, srv := range []*testServer{a, b} {
		if _, err := os.Stat(srv.dataDir + "/attachments/" + district + "/" + second); err == nil {
			t.Fatal("a photo stored in the bucket was written to a data directory")
		}
	}

	// A sign-in on B works on A, and a rotation made by the command keeps
	// every token valid everywhere.
	onBFresh, err := loadgen.SignIn(ctx, loadgen.NewClient(1), b.url(), demoCoachEmail, demoCoachPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := onBFresh.On(a.url()).Me(ctx); err != nil {
		t.Fatalf("a token of B on A: %v", err)
	}
	out, err = runCLI(t, bin, append(env, shared...), "keys", "rotate")
	if err != nil || !strings.Contains(out, "new signing key") {
		t.Fatalf("keys rotate: %v\n%s", err, out)
	}
	rows, err := st.SigningKeys(ctx)
	if err != nil || len(rows) != 2 {
		t.Fatalf("after a rotation the database holds %d keys (%v)", len(rows), err)
	}
	for _, s := range []*loadgen.Session{onA, onB, onBFresh, onBFresh.On(a.url())} {
		if err := s.Me(ctx); err != nil {
			t.Fatalf("a token signed before the rotation is refused: %v", err)
		}
	}

	// Periodic work ran once per period across the three server starts:
	// the hourly compaction once in all, the fold at most once a second
	// (and at least once: it runs on the queue's elected leader, which a
	// server that stops hands over to the others after a few seconds).
	// A server runs them once the queue has elected it leader, which can
	// take a few seconds after a start: wait for the first runs while A and
	// B are up.
	var runs map[string]int64
	for deadline := time.Now().Add(60 * time.Second); ; {
		runs, err = st.PeriodicRuns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if (runs["change-log-compaction"] >= 1 && runs["rollup-folding"] >= 1) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if runs["change-log-compaction"] != 1 {
		t.Errorf("the hourly change-log compaction ran %d times", runs["change-log-compaction"])
	}
	if most := int64(time.Since(began)/time.Second) + 1; runs["rollup-folding"] < 1 || runs["rollup-folding"] > most {
		t.Errorf("rollup folding ran %d times in %s, want between 1 and %d", runs["rollup-folding"], time.Since(began), most)
	}
	for _, srv := range []*testServer{a, b} {
		srv.stop(t)
	}
}

// TestStoppingServerLeavesReadinessBeforeItStopsServing sends SIGTERM to a
// server with a shutdown delay: /readyz answers 503 at once while requests
// are still answered, and the server stops when the delay is over.
func TestStoppingServerLeavesReadinessBeforeItStopsServing(t *testing.T) {
	bin := buildBinary(t)
	ctx := context.Background()
	srv := startServer(t, bin, t.TempDir(), "", "WALKTHROUGH_SHUTDOWN_DELAY=3s")
	coach, err := loadgen.SignIn(ctx, loadgen.NewClient(1), srv.url(), demoCoachEmail, demoCoachPassword)
	if err != nil {
		t.Fatal(err)
	}
	client := loadgen.NewClient(1)
	ready := func() int {
		resp, err := client.Get(srv.url() + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := ready(); code != 200 {
		t.Fatalf("/readyz %d before the stop", code)
	}
	sent := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for ready() != 503 {
		if time.Since(sent) > 2*time.Second {
			t.Fatal("/readyz still not 503 two seconds after SIGTERM")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := coach.Me(ctx); err != nil {
		t.Fatalf("a request while leaving readiness must still be served: %v", err)
	}
	select {
	case err := <-srv.done:
		srv.stopped = true
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
		if took := time.Since(sent); took < 3*time.Second {
			t.Fatalf("stopped %s after SIGTERM, before the 3 s delay", took)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("did not stop")
	}
}

func checkPhoto(t *testing.T, ctx context.Context, bucket blob.Store, district, id string, want []byte) {
	t.Helper()
	rc, err := bucket.Open(ctx, attachments.Key(district, id))
	if err != nil {
		t.Fatalf("the bucket does not hold photo %s: %v", id, err)
	}
	defer rc.Close()
	got, _ := io.ReadAll(rc)
	h, w := sha256.Sum256(got), sha256.Sum256(want)
	if hex.EncodeToString(h[:]) != hex.EncodeToString(w[:]) {
		t.Fatalf("the bucket holds other bytes for photo %s", id)
	}
}
