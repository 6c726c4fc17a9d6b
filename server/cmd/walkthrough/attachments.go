package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/attachments"
)

// attachmentsCmd copies every stored attachment from one blob store to
// another, verifying each against its recorded SHA-256: the move from the
// data directory to a bucket before running several servers.
func attachmentsCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "copy" {
		return errors.New("attachments needs copy --to LOCATION [--from LOCATION]")
	}
	fs := flag.NewFlagSet("attachments copy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "where the attachments are now: a directory or an s3:// URL (default: WALKTHROUGH_BLOB_URL, or the data directory)")
	to := fs.String("to", "", "where to copy them: a directory or an s3:// URL (required)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("attachments copy takes no arguments, only flags: %s", strings.Join(fs.Args(), " "))
	}
	if *to == "" {
		return errors.New("attachments copy needs --to")
	}
	c, err := loadConfig("cli", nil, getenv, stdout)
	if err != nil {
		return err
	}
	source := c.BlobURL
	if *from != "" {
		source = *from
	}
	if source == *to {
		return errors.New("attachments copy: --from and --to are the same place")
	}
	src, err := openBlobs(ctx, c, source)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	dst, err := openBlobs(ctx, c, *to)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	s, err := openMigrated(ctx, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	last := time.Now()
	r, err := attachments.Copy(ctx, s, src, dst, func(r attachments.CopyReport) {
		if time.Since(last) >= 2*time.Second || r.Done() == r.Total {
			last = time.Now()
			fmt.Fprintf(stdout, "%d of %d: %d copied, %d already there, %d missing\n", r.Done(), r.Total, r.Copied, r.Present, len(r.Missing))
		}
	})
	if err != nil {
		fmt.Fprintf(stdout, "stopped after %d of %d: %d copied, %d already there\n", r.Done(), r.Total, r.Copied, r.Present)
		return err
	}
	if r.Total == 0 {
		fmt.Fprintln(stdout, "no stored attachments to copy")
	}
	if len(r.Missing) > 0 {
		for _, k := range r.Missing {
			fmt.Fprintf(stdout, "missing in the source: %s\n", k)
		}
		return fmt.Errorf("%d attachments are recorded as stored but the source does not hold their bytes", len(r.Missing))
	}
	fmt.Fprintf(stdout, "done: every stored attachment is in the target with its recorded SHA-256 (%d copied, %d already there)\n", r.Copied, r.Present)
	return nil
}
