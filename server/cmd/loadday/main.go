// Command loadday plays a district's day of observations against a
// Walkthrough server on this machine and prints what it answered:
//
//	loadday -url http://127.0.0.1:8080 -count 2000 -twice
//
// It signs in (the demo coach by default), pulls the snapshot, and pushes
// scored observations in batches from several devices at once. The same
// seed on the same day sends the same changes, so -twice (or a second run)
// must be answered with duplicates only.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/walkthrough-edu/walkthrough/server/internal/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadday:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadday", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d loadgen.Day
	fs.StringVar(&d.BaseURL, "url", "http://127.0.0.1:8080", "the server (127.0.0.1, localhost or [::1] only)")
	fs.StringVar(&d.Email, "email", "coach@demo.walkthrough.test", "sign in as")
	fs.StringVar(&d.Password, "password", "walkthrough-coach", "password")
	fs.IntVar(&d.Observations, "count", 2000, "observations to push")
	fs.IntVar(&d.ScoresEach, "scores", 15, "indicators scored in each observation")
	fs.IntVar(&d.BatchSize, "batch", 200, "changes a push (at most 500)")
	fs.IntVar(&d.Devices, "devices", 4, "devices pushing at once")
	fs.Uint64Var(&d.Seed, "seed", 1, "the same seed on the same day sends the same changes")
	twice := fs.Bool("twice", false, "send the identical batches again; every change must answer duplicate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := loadgen.CheckLocal(d.BaseURL); err != nil {
		return err
	}
	client := loadgen.NewClient(d.Devices)
	if !*twice {
		r, err := d.Run(ctx, client)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, r)
		return nil
	}
	first, second, err := d.RunTwice(ctx, client)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "first pass:  %s\nsecond pass: %s\n", first, second)
	if second.Duplicate != second.Observations {
		return fmt.Errorf("the second pass answered %d duplicates of %d", second.Duplicate, second.Observations)
	}
	return nil
}
