// Command bench measures Walkthrough at district scale on PostgreSQL and
// writes the figures to docs/benchmarks.md: `make bench`.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/walkthrough-edu/walkthrough/server/internal/bench"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
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
	sizes := fs.String("scores", "1000000,5000000", "score rows at each measured size, ascending")
	schools := fs.Int("schools", 300, "schools in the district")
	weeks := fs.Int("weeks", 40, "school weeks of data")
	runs := fs.Int("runs", 30, "repetitions of each query")
	out := fs.String("out", "docs/benchmarks.md", "file the table is written to (empty: none)")
	if err := fs.Parse(args); err != nil {
		return err
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
		_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
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
	start := time.Date(2025, 8, 18, 0, 0, 0, 0, time.UTC)
	from, to := start, start.AddDate(0, 0, 7**weeks)
	var figures []bench.Figure
	loaded, perWeekDone := int64(0), 0
	for _, f := range strings.Split(*sizes, ",") {
		target, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return fmt.Errorf("scores: %w", err)
		}
		perWeek := int((target + int64(*schools**weeks*15) - 1) / int64(*schools**weeks*15))
		if add := perWeek - perWeekDone; add > 0 {
			fmt.Fprintf(stdout, "loading %d more observations per school and week by COPY…\n", add)
			n, secs, err := d.LoadByCopy(ctx, db, start, *weeks, add, uint64(perWeekDone))
			if err != nil {
				return err
			}
			loaded, perWeekDone = loaded+n, perWeek
			figures = append(figures, bench.Figure{What: "raw COPY of score rows (pgx CopyFrom)", Data: fmt.Sprintf("%d rows", n),
				Figure: fmt.Sprintf("%.0f rows/s", float64(n)/secs), Ratio: "reference"})
			began := time.Now()
			if err := d.BuildRollups(ctx, db); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "rollups rebuilt in %s\n", time.Since(began).Round(time.Millisecond))
		}
		byWeek, heat, cells, err := d.TrendLatencies(ctx, s, from, to, *runs)
		if err != nil {
			return err
		}
		data := fmt.Sprintf("%d scores, %d schools, %d weeks", loaded, *schools, *weeks)
		figures = append(figures,
			bench.Figure{What: fmt.Sprintf("trend: school year by week, by school × dimension (%d cells)", cells), Data: data,
				Figure: fmt.Sprintf("p50 %s, p95 %s", ms(byWeek.P50), ms(byWeek.P95)), Ratio: fmt.Sprintf("p95 / 50 ms target = %.2f", float64(byWeek.P95)/float64(50*time.Millisecond))},
			bench.Figure{What: "heat map: school × dimension over the year", Data: data,
				Figure: fmt.Sprintf("p50 %s, p95 %s", ms(heat.P50), ms(heat.P95)), Ratio: fmt.Sprintf("p95 / 50 ms target = %.2f", float64(heat.P95)/float64(50*time.Millisecond))},
		)
		fmt.Fprintf(stdout, "%s: by week p50 %s p95 %s; heat map p50 %s p95 %s\n", data, ms(byWeek.P50), ms(byWeek.P95), ms(heat.P50), ms(heat.P95))
	}
	table := render(figures)
	fmt.Fprint(stdout, table)
	if *out != "" {
		return os.WriteFile(*out, []byte(table), 0o644)
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func render(fs []bench.Figure) string {
	var b strings.Builder
	b.WriteString("# Benchmarks\n\nMeasured by `make bench` (`go run ./server/cmd/bench`) on PostgreSQL on this machine, every figure and its reference in the same run.\n\n")
	fmt.Fprintf(&b, "Date: %s. Cores: %d.\n\n", time.Now().UTC().Format("2006-01-02"), runtime.NumCPU())
	b.WriteString("| what | how much data | figure | ratio |\n| --- | --- | --- | --- |\n")
	for _, f := range fs {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", f.What, f.Data, f.Figure, f.Ratio)
	}
	b.WriteString("\nReproduce: `make bench` (PostgreSQL at 127.0.0.1:5432; flags: `go run ./server/cmd/bench -h`).\n")
	return b.String()
}
