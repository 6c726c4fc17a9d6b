// Command bench measures Walkthrough at district scale on PostgreSQL and
// writes the figures to docs/benchmarks.md: `make bench`.
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/walkthrough-edu/walkthrough/server/internal/bench"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/loadgen"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	admin := fs.String("database-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server to create the benchmark database on")
	sizes := fs.String("scores", "1000000,5000000,10000000", "score rows at each measured trend size, ascending (empty: no trends)")
	schools := fs.Int("schools", 300, "schools in the district")
	weeks := fs.Int("weeks", 40, "school weeks of data")
	supervised := fs.Int("supervised", 25, "schools of the principal supervisor whose dashboard is timed")
	runs := fs.Int("runs", 30, "repetitions of each query")
	ingest := fs.Int("ingest", 10000, "observations (15 scores each) pushed over HTTP in each round of ingest; 0 skips ingest, replay and pull")
	devices := fs.Int("devices", 8, "devices pushing at once during ingest")
	coachSchools := fs.Int("coach-schools", 10, "schools of the coach who pushes and pulls")
	soak := fs.Duration("soak", 0, "also run the soak: 50 devices syncing for this long (e.g. 10m); 0 skips it")
	servers := fs.Int("servers", 1, "with -soak and more than 1: also push throughput with one server and with this many behind a load balancer, and the soak against them with one killed halfway")
	out := fs.String("out", "docs/benchmarks.md", "file the table is written to (empty: none)")
	keep := fs.Bool("keep", false, "keep the benchmark database afterwards, for inspection (its name is printed)")
	cpuProfile := fs.String("cpuprofile", "", "also write a CPU profile of the benchmark's own process (the trend views are measured in it) to this file")
	snapshotOnly := fs.Int("snapshot-only", 0, "with more than 0: of the server's figures only a coach's first snapshot, pulled this many times after one untimed round of ingest (the median pull is reported)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	u, err := url.Parse(*admin)
	if err != nil || !strings.HasPrefix(u.Host, "127.0.0.1") && !strings.HasPrefix(u.Host, "localhost") {
		return fmt.Errorf("the benchmark runs only against a local PostgreSQL (127.0.0.1 or localhost)")
	}
	conn, err := pgx.Connect(ctx, *admin)
	if err != nil {
		return err
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "wt_bench_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return err
	}
	defer func() {
		if *keep {
			fmt.Fprintln(stdout, "kept the benchmark database", name)
		} else {
			_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		}
		conn.Close(context.Background())
	}()
	u.Path = "/" + name
	s, err := store.Open(ctx, store.Options{DatabaseURL: u.String()})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	db, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return err
	}
	defer db.Close(context.Background())

	d, err := bench.NewDistrict(ctx, s, *schools, 20)
	if err != nil {
		return err
	}
	var figures []bench.Figure
	if *snapshotOnly > 0 {
		f, err := snapshotFigure(ctx, stdout, d, s, db, u.String(), *ingest, *devices, *coachSchools, *snapshotOnly)
		if err != nil {
			return err
		}
		figures = append(figures, f)
	} else if *ingest > 0 || *soak > 0 {
		fs, err := serverFigures(ctx, stdout, d, s, db, u.String(), *ingest, *devices, *coachSchools, *soak, *servers)
		if err != nil {
			return err
		}
		figures = append(figures, fs...)
	}
	fs2, err := trendFigures(ctx, stdout, d, s, db, *sizes, *schools, *weeks, *supervised, *runs)
	if err != nil {
		return err
	}
	figures = append(figures, fs2...)
	table := render(figures)
	fmt.Fprint(stdout, table)
	if *out != "" {
		return os.WriteFile(*out, []byte(table), 0o644)
	}
	return nil
}

// serverFigures runs the real server on the benchmark database and
// measures ingest, replay and a new device's snapshot against it, then the
// raw COPY of the same score rows; and the soak when asked.
func serverFigures(ctx context.Context, stdout io.Writer, d *bench.District, s *store.Store, db *pgx.Conn, dbURL string,
	observations, devices, coachSchools int, soak time.Duration, servers int) ([]bench.Figure, error) {
	dir, err := os.MkdirTemp("", "walkthrough-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintln(stdout, "building the server…")
	bin, err := bench.BuildBinary(ctx, dir)
	if err != nil {
		return nil, err
	}
	// Each round of ingest is another coach's day, at other schools, so
	// that the first coach's snapshot holds one day's observations.
	coaches := make([]bench.Coach, ingestRounds+2)
	for i := range coaches {
		if coaches[i], err = d.AddCoach(ctx, s, i*coachSchools, coachSchools); err != nil {
			return nil, err
		}
	}
	coach := coaches[0]
	throughputCoaches := [2]bench.Coach{coaches[ingestRounds], coaches[ingestRounds+1]}
	coaches = coaches[:ingestRounds]
	srv, err := bench.StartServer(ctx, bin, dbURL, dir)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	var figures []bench.Figure
	if observations > 0 {
		// Ingest is measured in rounds of new observations, each followed
		// by a raw COPY of the score rows it wrote, so that both meet the
		// machine at the same pace; the ratio is the median round's.
		fmt.Fprintf(stdout, "pushing %d observations from %d devices, twice, then %d more rounds of new ones…\n", observations, devices, ingestRounds-1)
		var in bench.Ingest
		var rounds []ingestRound
		cpuBefore, err := bench.ReadCPUTimes()
		if err != nil {
			return nil, err
		}
		for i, c := range coaches {
			if err := bench.Checkpoint(ctx, db); err != nil {
				return nil, err
			}
			since := time.Now()
			cpu0, err := bench.ReadShares(ctx, srv, db)
			if err != nil {
				return nil, err
			}
			var r loadgen.Report
			if i == 0 {
				in, err = bench.RunIngest(ctx, srv.BaseURL, c, observations, devices)
				r = in.First
			} else {
				r, err = bench.RunIngestOnce(ctx, srv.BaseURL, c, observations, devices, uint64(11+i))
			}
			if err != nil {
				return nil, err
			}
			cpu1, err := bench.ReadShares(ctx, srv, db)
			if err != nil {
				return nil, err
			}
			usedServer, usedDatabase, usedSelf := cpu1.Since(cpu0)
			// The server folds the round's rollup deltas once its pushes
			// pause; the reference COPY waits for that fold.
			folded, err := bench.WaitFolded(ctx, db, 2*time.Minute)
			if err != nil {
				return nil, err
			}
			rows, secs, err := bench.CopyReference(ctx, db, c, since)
			if err != nil {
				return nil, err
			}
			rounds = append(rounds, ingestRound{report: r, copyRows: rows, copySeconds: secs})
			fmt.Fprintf(stdout, "round %d: %s; raw COPY %.0f rows/s\n", i+1, r, float64(rows)/secs)
			fmt.Fprintf(stdout, "round %d: CPU seconds in the round (sign-in and snapshot included): server %.2f, PostgreSQL %.2f, load generator %.2f; its deltas were folded %s after it\n",
				i+1, usedServer.Seconds(), usedDatabase.Seconds(), usedSelf.Seconds(), folded.Round(10*time.Millisecond))
		}
		cpuAfter, err := bench.ReadCPUTimes()
		if err != nil {
			return nil, err
		}
		stolen := cpuAfter.StolenSince(cpuBefore)
		_, peak, err := srv.Memory()
		if err != nil {
			return nil, err
		}
		snap, err := bench.PullSnapshot(ctx, srv.BaseURL, coach)
		if err != nil {
			return nil, err
		}
		slices.SortFunc(rounds, func(a, b ingestRound) int { return cmp.Compare(a.ratio(), b.ratio()) })
		mid := rounds[len(rounds)/2]
		var each []string
		for _, r := range rounds {
			each = append(each, fmt.Sprintf("%.0f%%", 100*r.ratio()))
		}
		f, rows, secs := mid.report, mid.copyRows, mid.copySeconds
		copyRate := float64(rows) / secs
		scoreRate := float64(f.Scores) / f.Elapsed.Seconds()
		var all loadgen.Report // every round's push latencies
		for _, r := range rounds {
			all.Latencies = append(all.Latencies, r.report.Latencies...)
		}
		data := fmt.Sprintf("%d rounds of %d observations × 15 scores with evidence, each another coach's, %d devices, batches of 200", len(rounds), observations, devices)
		first := fmt.Sprintf("%d observations × 15 scores with evidence, %d devices, batches of 200", observations, devices)
		figures = append(figures,
			bench.Figure{What: "raw COPY of the same score rows into a table of the same shape (pgx CopyFrom, median of 3), right after the round", Data: fmt.Sprintf("%d rows", rows),
				Figure: fmt.Sprintf("%.0f rows/s", copyRate), Ratio: "reference"},
			bench.Figure{What: "ingest: push over HTTP to the real server, end to end (the median round)", Data: data,
				Figure: fmt.Sprintf("%.0f observations/s, %.0f score rows/s", float64(f.Observations)/f.Elapsed.Seconds(), scoreRate),
				Ratio:  fmt.Sprintf("ingest is %.0f%% of raw COPY (rounds: %s)", 100*scoreRate/copyRate, strings.Join(each, ", "))},
			bench.Figure{What: "CPU time the virtual machine's host took for others (steal) during the rounds", Data: data,
				Figure: fmt.Sprintf("%.1f%%", 100*stolen), Ratio: ""},
			bench.Figure{What: "push latency (a batch of 200)", Data: data,
				Figure: fmt.Sprintf("p50 %s, p95 %s, p99 %s", ms(all.Latency(0.5)), ms(all.Latency(0.95)), ms(all.Latency(0.99))), Ratio: ""},
			bench.Figure{What: "replay: the first round's pushes again, every answer a duplicate", Data: first,
				Figure: fmt.Sprintf("%s, first pass %s", in.Second.Elapsed.Round(time.Millisecond), in.First.Elapsed.Round(time.Millisecond)),
				Ratio:  fmt.Sprintf("%.1f× faster than the first pass (bar 3×)", in.First.Elapsed.Seconds()/in.Second.Elapsed.Seconds())},
			bench.Figure{What: "server's peak resident memory (VmHWM) after ingest and replay", Data: data,
				Figure: fmt.Sprintf("%.0f MiB", float64(peak)/(1<<20)), Ratio: ""},
			snapshotRow(snap, coachSchools, len(d.Schools)),
		)
		fmt.Fprintf(stdout, "replay: %s\n", in.Second)
	}
	if soak > 0 {
		fmt.Fprintf(stdout, "soak: 50 devices for %s…\n", soak)
		r, err := bench.Soak(ctx, srv, coach, 50, soak, false)
		if err != nil {
			return nil, err
		}
		figures = append(figures, bench.Figure{What: "soak: devices pushing and pulling", Data: fmt.Sprintf("50 devices for %s, %d observations", soak, r.Observations),
			Figure: fmt.Sprintf("%d errors, %d lost, %d duplicated; memory %.0f MiB after the first minute, %.0f MiB at the end", r.Errors, r.Lost, r.Duplicated,
				float64(r.RSSStart)/(1<<20), float64(r.RSSEnd)/(1<<20)),
			Ratio: fmt.Sprintf("memory end / start = %.2f", float64(r.RSSEnd)/float64(r.RSSStart))})
	}
	if soak > 0 && servers > 1 {
		_ = srv.Stop()
		n := observations
		if n == 0 {
			n = 5000
		}
		cf, err := clusterFigures(ctx, stdout, d, s, bin, dbURL, dir, coach, throughputCoaches, servers, n, devices, soak)
		if err != nil {
			return nil, err
		}
		figures = append(figures, cf...)
	}
	return figures, nil
}

// ingestRounds is how many rounds of ingest are measured, each with its own
// COPY reference.
const ingestRounds = 5

// snapshotRow is the figure of a coach's first snapshot.
func snapshotRow(snap bench.Snapshot, coachSchools, schools int) bench.Figure {
	return bench.Figure{What: "pull: a new device's slim first snapshot for a coach", Data: fmt.Sprintf("coach at %d of %d schools, %d records in %d pages", coachSchools, schools, snap.Records, snap.Pages),
		Figure: fmt.Sprintf("%s, %.1f MiB on the wire (zstd) for %.1f MiB of JSON", snap.Elapsed.Round(time.Millisecond), float64(snap.Wire)/(1<<20), float64(snap.Bytes)/(1<<20)),
		Ratio:  fmt.Sprintf("wire / JSON = %.2f", float64(snap.Wire)/float64(snap.Bytes))}
}

// snapshotFigure times only a coach's first snapshot: the coach pushes one
// round of observations (untimed), as the first round of ingest does, and a
// new device then pulls the snapshot the times asked; the median is
// reported, each pull printed with the processor time the server, the
// database and the device (this process) spent on it.
func snapshotFigure(ctx context.Context, stdout io.Writer, d *bench.District, s *store.Store, db *pgx.Conn, dbURL string, observations, devices, coachSchools, times int) (bench.Figure, error) {
	dir, err := os.MkdirTemp("", "walkthrough-bench-")
	if err != nil {
		return bench.Figure{}, err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintln(stdout, "building the server…")
	bin, err := bench.BuildBinary(ctx, dir)
	if err != nil {
		return bench.Figure{}, err
	}
	coach, err := d.AddCoach(ctx, s, 0, coachSchools)
	if err != nil {
		return bench.Figure{}, err
	}
	srv, err := bench.StartServer(ctx, bin, dbURL, dir)
	if err != nil {
		return bench.Figure{}, err
	}
	defer srv.Stop()
	fmt.Fprintf(stdout, "pushing %d observations from %d devices…\n", observations, devices)
	if _, err := bench.RunIngestOnce(ctx, srv.BaseURL, coach, observations, devices, 11); err != nil {
		return bench.Figure{}, err
	}
	var snaps []bench.Snapshot
	for i := range times {
		// Processor time of the server, of the database's backends and of
		// this process (the device), before and after.
		cpu := func() (srvCPU time.Duration, dbCPU map[int32]time.Duration, self time.Duration, err error) {
			if srvCPU, err = srv.CPUTime(); err != nil {
				return
			}
			if dbCPU, err = bench.DatabaseCPU(ctx, db); err != nil {
				return
			}
			self, err = bench.ProcessCPU(os.Getpid())
			return
		}
		s0, d0, c0, err := cpu()
		if err != nil {
			return bench.Figure{}, err
		}
		snap, err := bench.PullSnapshot(ctx, srv.BaseURL, coach)
		if err != nil {
			return bench.Figure{}, err
		}
		s1, d1, c1, err := cpu()
		if err != nil {
			return bench.Figure{}, err
		}
		fmt.Fprintf(stdout, "snapshot %d: %s, %d records in %d pages, %d bytes on the wire; CPU: server %s, database %s, device %s\n",
			i+1, snap.Elapsed.Round(time.Millisecond), snap.Records, snap.Pages, snap.Wire, s1-s0, bench.DatabaseCPUSince(d0, d1), c1-c0)
		snaps = append(snaps, snap)
	}
	slices.SortFunc(snaps, func(a, b bench.Snapshot) int { return cmp.Compare(a.Elapsed, b.Elapsed) })
	return snapshotRow(snaps[len(snaps)/2], coachSchools, len(d.Schools)), nil
}

// ingestRound is one round of ingest and the raw COPY of its score rows.
type ingestRound struct {
	report      loadgen.Report
	copyRows    int64
	copySeconds float64
}

// ratio is the round's score rows per second over the COPY's.
func (r ingestRound) ratio() float64 {
	return float64(r.report.Scores) / r.report.Elapsed.Seconds() / (float64(r.copyRows) / r.copySeconds)
}

// trendFigures loads the district to each size by COPY and times the
// dashboard's queries for a principal supervisor and for the district.
func trendFigures(ctx context.Context, stdout io.Writer, d *bench.District, s *store.Store, db *pgx.Conn, sizes string, schools, weeks, supervised, runs int) ([]bench.Figure, error) {
	start := time.Date(2025, 8, 18, 0, 0, 0, 0, time.UTC)
	from, to := start, start.AddDate(0, 0, 7*weeks)
	var figures []bench.Figure
	if strings.TrimSpace(sizes) == "" {
		return nil, nil
	}
	loaded, perWeekDone, began := int64(0), 0, time.Now()
	for _, f := range strings.Split(sizes, ",") {
		target, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("scores: %w", err)
		}
		perWeek := int((target + int64(schools*weeks*15) - 1) / int64(schools*weeks*15))
		if add := perWeek - perWeekDone; add > 0 {
			fmt.Fprintf(stdout, "loading %d more observations per school and week by COPY…\n", add)
			n, secs, err := d.LoadByCopy(ctx, db, start, weeks, add, uint64(perWeekDone))
			if err != nil {
				return nil, err
			}
			loaded, perWeekDone = loaded+n, perWeek
			figures = append(figures, bench.Figure{What: "raw COPY of score rows (pgx CopyFrom)", Data: fmt.Sprintf("%d rows", n),
				Figure: fmt.Sprintf("%.0f rows/s", float64(n)/secs), Ratio: "reference"})
			rebuilt := time.Now()
			if err := d.BuildRollups(ctx, db); err != nil {
				return nil, err
			}
			fmt.Fprintf(stdout, "rollups rebuilt in %s\n", time.Since(rebuilt).Round(time.Millisecond))
		}
		data := fmt.Sprintf("%d scores, %d schools, %d weeks", loaded, schools, weeks)
		supervisor, admin := fmt.Sprintf("a principal supervisor of %d schools", supervised), fmt.Sprintf("the district administrator, all %d schools", schools)
		year := trends.Query{From: from, To: to, Bucket: "week", Group: []string{"school", "dimension"}}
		heat := year
		heat.Bucket = "range"
		chart := year
		chart.Group = []string{"dimension"}
		byIndicator := year
		byIndicator.Group = []string{"school", "indicator"}
		indicatorHeat := byIndicator
		indicatorHeat.Bucket = "range"
		// Views below the dimension answer three times the cells; fewer
		// runs, since each takes longer. Only roles that see the schools'
		// teachers may ask them (a supervisor is refused), so they are
		// timed for the district administrator.
		for _, v := range []struct {
			what   string
			reader int
			q      trends.Query
			runs   int
		}{
			{"trend for " + supervisor + ": school year by week, by school × dimension, with the district's line", supervised, year, runs},
			{"heat map for " + supervisor + ": school × dimension over the year", supervised, heat, runs},
			{"trend for " + admin + ": school year by week, by dimension (the dashboard's chart)", 0, chart, runs},
			{"trend for " + admin + ": school year by week, by school × dimension, with the district's line", 0, year, runs},
			{"heat map for " + admin + ": school × dimension over the year", 0, heat, runs},
			{"trend for " + admin + ": school year by week, by school × indicator, with the district's line", 0, byIndicator, max(5, runs/3)},
			{"heat map for " + admin + ": school × indicator over the year, with the district's line", 0, indicatorHeat, max(5, runs/3)},
		} {
			view, err := d.ViewLatency(ctx, s, d.Reader(v.reader), v.q, v.runs)
			if err != nil {
				return nil, err
			}
			figures = append(figures, bench.Figure{What: fmt.Sprintf("%s (%d cells, %.1f MiB of JSON)", v.what, view.Cells, view.MiB), Data: data,
				Figure: fmt.Sprintf("revalidated (If-None-Match, 304) p50 %s, p95 %s; cold (after a push: computed and encoded) p50 %s, p95 %s",
					ms(view.Revalidated.P50), ms(view.Revalidated.P95), ms(view.Cold.P50), ms(view.Cold.P95)),
				Ratio: fmt.Sprintf("revalidated %s; cold %s", target50(view.Revalidated.P95), target50(view.Cold.P95))})
			fmt.Fprintf(stdout, "%s, %s: revalidated p50 %s p95 %s; cold p50 %s p95 %s\n", data, v.what, ms(view.Revalidated.P50), ms(view.Revalidated.P95), ms(view.Cold.P50), ms(view.Cold.P95))
		}
		week := domain.WeekStart(from.AddDate(0, 0, 7*(weeks/2)), time.UTC)
		drill, listed, err := d.DrillLatency(ctx, s, d.Reader(supervised), week, domain.BuiltinFramework().Dimensions[0].Key, runs)
		if err != nil {
			return nil, err
		}
		figures = append(figures, bench.Figure{What: fmt.Sprintf("drill-down for %s: one school's week of one dimension, then the observations behind it (%d)", supervisor, listed),
			Data: data, Figure: fmt.Sprintf("p50 %s, p95 %s", ms(drill.P50), ms(drill.P95)),
			Ratio: fmt.Sprintf("p95 / 200 ms target = %.2f", float64(drill.P95)/float64(200*time.Millisecond))})
		fmt.Fprintf(stdout, "drill-down p50 %s p95 %s, %d observations\n", ms(drill.P50), ms(drill.P95), listed)
	}
	fmt.Fprintf(stdout, "trend sizes measured in %s\n", time.Since(began).Round(time.Second))
	return figures, nil
}

func target50(p95 time.Duration) string {
	return fmt.Sprintf("p95 / 50 ms target = %.2f", float64(p95)/float64(50*time.Millisecond))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func render(fs []bench.Figure) string {
	var b strings.Builder
	b.WriteString("# Benchmarks\n\nMeasured by `make bench` (`go run ./server/cmd/bench`) on PostgreSQL on this machine, every figure and its reference in the same run.\n\n" +
		"Ingest runs in rounds: each round is another coach's day of new observations at other schools, pushed after a checkpoint and followed by a raw COPY of the score rows it wrote (the median of three COPYs, each into a fresh table after a checkpoint), so that both meet the machine at the same pace. The ingest row is the median round, with every round's ratio. On a shared virtual machine the host takes CPU time for other guests at will; the steal row says how much it took during the rounds.\n\n")
	date, cores := time.Now().UTC().Format("2006-01-02"), runtime.NumCPU()
	b.WriteString("| what | how much data | figure | ratio | date | cores |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, f := range fs {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %d |\n", f.What, f.Data, f.Figure, f.Ratio, date, cores)
	}
	b.WriteString("\nReproduce: `make bench` (PostgreSQL at 127.0.0.1:5432; flags: `go run ./server/cmd/bench -h`); with the soak row: `make bench BENCH_FLAGS=-soak=10m`; with three servers behind a load balancer as well: `make bench BENCH_FLAGS=\"-soak=10m -servers=3\"`.\n")
	return b.String()
}
