package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/roster"
	"github.com/walkthrough-edu/walkthrough/server/internal/rubrics"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// cli is what the administrative commands share: the store and the
// district they act on, as an administrator with no user behind it.
type cli struct {
	store *store.Store
	p     auth.Principal
}

func openCLI(ctx context.Context, getenv func(string) string, district string, stdout, stderr io.Writer) (*cli, error) {
	s, err := openMigrated(ctx, getenv, stdout, stderr)
	if err != nil {
		return nil, err
	}
	id, err := pickDistrict(ctx, s, district)
	if err != nil {
		s.Close()
		return nil, err
	}
	return &cli{store: s, p: auth.SystemPrincipal(id)}, nil
}

// openMigrated opens the configured database, as serve would, and applies
// pending migrations.
func openMigrated(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) (*store.Store, error) {
	c, err := loadConfig("cli", nil, getenv, stdout)
	if err != nil {
		return nil, err
	}
	s, err := openStore(ctx, c, newLogger(c, stderr))
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

var cliClient = auth.Client{UserAgent: "walkthrough command line"}

// rubricCmd imports, exports and lists rubric versions.
func rubricCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("rubric needs import FILE, export VERSION_ID or list")
	}
	fs := flag.NewFlagSet("rubric "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	district := fs.String("district", "", "district id, when the database holds more than one")
	publish := fs.Bool("publish", false, "import: publish the new version at once")
	rubricID := fs.String("rubric", "", "import: make the next version of this rubric instead of a new rubric")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	c, err := openCLI(ctx, getenv, *district, stdout, stderr)
	if err != nil {
		return err
	}
	defer c.store.Close()
	svc := rubrics.NewService(c.store)
	switch args[0] {
	case "import":
		if fs.NArg() != 1 {
			return errors.New("rubric import needs one FILE")
		}
		data, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return err
		}
		v, err := domain.ParseRubric(data)
		if err != nil {
			return describe(err)
		}
		v, err = svc.CreateDraft(ctx, c.p, v, *rubricID, cliClient)
		if err != nil {
			return describe(err)
		}
		if *publish {
			if v, err = svc.Publish(ctx, c.p, v.ID, cliClient); err != nil {
				return describe(err)
			}
		}
		fmt.Fprintf(stdout, "Imported %q as version %d (%s), id %s.\n", v.Name, v.Version, v.Status, v.ID)
		return nil
	case "export":
		if fs.NArg() != 1 {
			return errors.New("rubric export needs one VERSION_ID")
		}
		v, err := svc.Version(ctx, c.p, fs.Arg(0))
		if err != nil {
			return describe(err)
		}
		doc, err := domain.MarshalRubric(v)
		if err != nil {
			return err
		}
		_, err = stdout.Write(doc)
		return err
	case "list":
		rs, err := svc.List(ctx, c.p)
		if err != nil {
			return err
		}
		for _, r := range rs {
			for _, v := range r.Versions {
				fmt.Fprintf(stdout, "%s  v%-3d %-9s %s\n", v.ID, v.Version, v.Status, r.Name)
			}
		}
		return nil
	}
	return fmt.Errorf("unknown rubric command %q", args[0])
}

// importCmd imports a roster file: walkthrough import roster --kind K FILE.
func importCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "roster" {
		return errors.New("import needs roster --kind schools|teachers|users|oneroster [--mode add|full] [--dry-run] FILE")
	}
	fs := flag.NewFlagSet("import roster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	district := fs.String("district", "", "district id, when the database holds more than one")
	kind := fs.String("kind", "", "schools, teachers, users or oneroster (a zip)")
	mode := fs.String("mode", "add", "add: add and update only, nobody is deactivated; full: the file is the full roster, whoever is missing is deactivated")
	dryRun := fs.Bool("dry-run", false, "report what would change and every bad row; change nothing")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("import roster needs one FILE")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	c, err := openCLI(ctx, getenv, *district, stdout, stderr)
	if err != nil {
		return err
	}
	defer c.store.Close()
	start := time.Now()
	rep, err := roster.NewService(c.store).ImportRoster(ctx, c.p, *kind, *mode, data, *dryRun, cliClient)
	if err != nil {
		return describe(err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("%d bad rows; nothing was imported", len(rep.Problems))
	}
	fmt.Fprintf(stderr, "took %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}
