package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/walkthrough-edu/walkthrough/server/internal/bench"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
)

func main() {
	ctx := context.Background()
	admin := "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	conn, _ := pgx.Connect(ctx, admin)
	conn.Exec(ctx, "DROP DATABASE IF EXISTS wt_prof WITH (FORCE)")
	conn.Exec(ctx, "CREATE DATABASE wt_prof")
	url := "postgres://postgres@127.0.0.1:5432/wt_prof?sslmode=disable"
	s, err := store.Open(ctx, store.Options{DatabaseURL: url})
	if err != nil {
		panic(err)
	}
	s.Migrate(ctx)
	db, _ := pgx.Connect(ctx, url)
	d, err := bench.NewDistrict(ctx, s, 300, 20)
	if err != nil {
		panic(err)
	}
	start := time.Date(2025, 8, 18, 0, 0, 0, 0, time.UTC)
	if _, _, err := d.LoadByCopy(ctx, db, start, 40, 4, 1); err != nil {
		panic(err)
	}
	if err := d.BuildRollups(ctx, db); err != nil {
		panic(err)
	}
	svc := trends.NewService(s)
	for _, n := range []int{25, 0} {
		p := d.Reader(n)
		q := trends.Query{From: start, To: start.AddDate(0, 0, 280), Bucket: "week", Group: []string{"school", "dimension"}}
		svc.Trend(ctx, p, q)
		f, _ := os.Create(fmt.Sprintf("/tmp/trend-%d.prof", n))
		pprof.StartCPUProfile(f)
		began := time.Now()
		for range 10 {
			if _, err := svc.Trend(ctx, p, q); err != nil {
				panic(err)
			}
		}
		pprof.StopCPUProfile()
		fmt.Println(n, time.Since(began)/10)
	}
}
