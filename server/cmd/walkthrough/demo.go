package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/demo"
)

// demoCmd loads the demo district into an empty database. Run again, it
// changes nothing; on a database that holds another district it refuses.
func demoCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := loadConfig("demo", args, getenv, stdout)
	if isHelp(err) {
		return nil
	}
	if err != nil {
		return err
	}
	s, err := openStore(ctx, c, newLogger(c, stderr))
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	start := time.Now()
	res, err := demo.Load(ctx, s, time.Now())
	if err != nil {
		return err
	}
	if !res.Loaded {
		fmt.Fprintln(stdout, "The demo district is already loaded; nothing changed.")
	} else {
		fmt.Fprintf(stdout, "Loaded the demo district: %d observations in %s.\n", res.Observations, time.Since(start).Round(time.Millisecond))
	}
	fmt.Fprintln(stdout, "Demo sign-ins:")
	for _, si := range res.SignIns {
		fmt.Fprintf(stdout, "  %-16s %-34s %s\n", si.Role, si.Email, si.Password)
	}
	return nil
}
