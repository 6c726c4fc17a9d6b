package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/bench"
	"github.com/walkthrough-edu/walkthrough/server/internal/blob/fakes3"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// clusterFigures measures several servers on the benchmark's database
// behind one load balancer, with attachments in an S3-compatible bucket
// (gofakes3 on 127.0.0.1) and signing keys in the database: push
// throughput with one server and with n, each a fresh coach's day of
// observations from the same devices; then the soak against the n
// servers, with one of them killed halfway through and started again 15
// seconds later. Devices send a failed request again, as tablets do; the
// soak must end with nothing lost or applied twice, every photo in the
// bucket, the rollups equal to their recomputation, and the periodic work
// run at most once per period across the servers.
func clusterFigures(ctx context.Context, stdout io.Writer, d *bench.District, s *store.Store, bin, dbURL, dir string,
	soakCoach bench.Coach, throughputCoaches [2]bench.Coach, n, observations, devices int, soak time.Duration) ([]bench.Figure, error) {
	s3, err := fakes3.Start("attachments")
	if err != nil {
		return nil, err
	}
	defer s3.Close()
	var kek [32]byte
	if _, err := rand.Read(kek[:]); err != nil {
		return nil, err
	}
	env := []string{"WALKTHROUGH_BLOB_URL=" + s3.URL("attachments"), "WALKTHROUGH_KEY_ENCRYPTION_KEY=" + base64.StdEncoding.EncodeToString(kek[:])}

	var figures []bench.Figure
	var rates [2]float64
	for i, size := range []int{1, n} {
		c, err := bench.StartCluster(ctx, bin, dbURL, filepath.Join(dir, fmt.Sprintf("cluster-of-%d", size)), size, env...)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stdout, "throughput with %d server(s) behind the load balancer: %d observations from %d devices…\n", size, observations, devices)
		r, err := bench.RunIngestOnce(ctx, c.URL(), throughputCoaches[i], observations, devices, uint64(31+i))
		c.Stop()
		if err != nil {
			return nil, err
		}
		rates[i] = float64(r.Observations) / r.Elapsed.Seconds()
		fmt.Fprintf(stdout, "%d server(s): %s\n", size, r)
	}
	data := fmt.Sprintf("%d observations × 15 scores, %d devices, batches of 200, through a load balancer", observations, devices)
	figures = append(figures,
		bench.Figure{What: "push throughput, one server", Data: data, Figure: fmt.Sprintf("%.0f observations/s", rates[0]), Ratio: "reference"},
		bench.Figure{What: fmt.Sprintf("push throughput, %d servers on the same PostgreSQL", n), Data: data,
			Figure: fmt.Sprintf("%.0f observations/s", rates[1]), Ratio: fmt.Sprintf("%.2f× one server", rates[1]/rates[0])})

	runsBefore, err := s.PeriodicRuns(ctx)
	if err != nil {
		return nil, err
	}
	c, err := bench.StartCluster(ctx, bin, dbURL, filepath.Join(dir, fmt.Sprintf("soak-cluster-of-%d", n)), n, env...)
	if err != nil {
		return nil, err
	}
	defer c.Stop()
	began := time.Now()
	fmt.Fprintf(stdout, "soak: 50 devices for %s against %d servers, server 2 killed at %s…\n", soak, n, soak/2)
	killed := make(chan error, 1)
	go func() {
		time.Sleep(soak / 2)
		if err := c.Kill(1); err != nil {
			killed <- err
			return
		}
		time.Sleep(15 * time.Second)
		killed <- c.Restart(ctx, 1)
	}()
	r, err := bench.Soak(ctx, c, soakCoach, 50, soak, true)
	if err != nil {
		return nil, err
	}
	if err := <-killed; err != nil {
		return nil, fmt.Errorf("kill and restart a server mid-soak: %w", err)
	}
	elapsed := time.Since(began)
	runsAfter, err := s.PeriodicRuns(ctx)
	if err != nil {
		return nil, err
	}
	rollups := "rollups equal their recomputation"
	if err := testdb.CheckRollups(ctx, s, d.ID); err != nil {
		rollups = "ROLLUPS DIFFER from their recomputation: " + err.Error()
	}
	folds := runsAfter["rollup-folding"] - runsBefore["rollup-folding"]
	compactions := runsAfter["change-log-compaction"] - runsBefore["change-log-compaction"]
	periodic := fmt.Sprintf("rollup folding ran %d times in %s (at most once a second: %v), change-log compaction %d times (hourly)",
		folds, elapsed.Round(time.Second), folds <= int64(elapsed/time.Second)+1, compactions)
	if logs := c.Logs(); logs != "" {
		fmt.Fprintf(stdout, "server errors during the soak (a killed server's requests show here):\n%s", logs)
	}
	figures = append(figures, bench.Figure{
		What: fmt.Sprintf("soak: devices syncing with %d servers behind a load balancer, attachments in an S3-compatible bucket, one server killed halfway and started again", n),
		Data: fmt.Sprintf("50 devices for %s, %d observations, %d photos", soak, r.Observations, r.Photos+r.PhotosLost),
		Figure: fmt.Sprintf("%d errors after retries (%d requests retried), %d lost, %d duplicated, %d of %d photos in the bucket; %s; %s",
			r.Errors, r.Retried, r.Lost, r.Duplicated, r.Photos, r.Photos+r.PhotosLost, rollups, periodic),
		Ratio: fmt.Sprintf("memory of the %d servers %.0f MiB after the first minute, %.0f MiB at the end", n, float64(r.RSSStart)/(1<<20), float64(r.RSSEnd)/(1<<20))})
	return figures, nil
}
