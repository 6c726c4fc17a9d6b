package main

import (
	"context"
	"fmt"
	"io"

	"github.com/walkthrough-edu/walkthrough/server/internal/jobs"
)

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("migrate needs up, down or status")
	}
	action, rest := args[0], args[1:]
	all := false
	if action == "down" && len(rest) > 0 && rest[0] == "all" {
		all, rest = true, rest[1:]
	}
	c, err := loadConfig("migrate "+action, rest, getenv, stdout)
	if isHelp(err) {
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(c, stderr)
	s, err := openStore(ctx, c, log)
	if err != nil {
		return err
	}
	defer s.Close()
	switch action {
	case "up":
		if err := s.Migrate(ctx); err != nil {
			return err
		}
		if err := jobs.Migrate(ctx, jobsDatabase(c), log); err != nil {
			return err
		}
	case "down":
		if err := s.MigrateDown(ctx, all); err != nil {
			return err
		}
		// River's tables go with the last of the project's: one step down
		// leaves the job queue as it is.
		if all {
			if err := jobs.MigrateDown(ctx, jobsDatabase(c), log); err != nil {
				return err
			}
		}
	case "status":
	default:
		return fmt.Errorf("migrate needs up, down or status, not %q", action)
	}
	st, err := s.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s database\n", s.Dialect())
	for _, m := range st {
		state := "pending"
		if m.Applied {
			state = "applied " + m.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
		}
		fmt.Fprintf(stdout, "  %05d  %-30s  %s\n", m.Version, m.Source, state)
	}
	return nil
}
