// Command walkthrough is the one binary: the API server with the embedded
// PWA, and the commands that run beside it.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // districts' time zones work even where the system has no zone files
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "walkthrough:", err)
		os.Exit(1)
	}
}

const usage = `Walkthrough: classroom walkthroughs, scored offline, synced once.

Usage:
  walkthrough serve [flags]              run the server (walkthrough serve --help for every setting)
  walkthrough migrate up|down|status     apply, roll back (one step; "down all" for every step) or list migrations
  walkthrough demo [flags]               load the demo district into an empty database
  walkthrough user add --email E --name N --role R [--school S]...
                                         add a user (password from --password or standard input)
  walkthrough user reset-password --email E
                                         set a new password and sign the user out everywhere
  walkthrough district add --name N --time-zone Z --admin-email E [--admin-name A]
                                         add a district and its first administrator (password on standard input)
  walkthrough district list              list the districts with their numbers of schools and users
  walkthrough sso set --district D --issuer U --client-id C --domains a.org,b.org --label google|microsoft|clever|other [--passwords on|off]
                                         connect a district's identity provider (client secret on standard input)
  walkthrough sso show|remove --district D
                                         show or disconnect a district's identity provider
  walkthrough rubric import FILE [--publish] [--rubric ID] | export VERSION_ID | list
                                         rubric versions as JSON documents (docs/rubric-format.md)
  walkthrough import roster --kind schools|teachers|users|oneroster [--mode add|full] [--dry-run] FILE
                                         bring the roster in line with a file (docs/roster-format.md)
  walkthrough attachments copy --to LOCATION [--from LOCATION]
                                         copy every stored attachment to another store (a directory or
                                         s3://bucket?endpoint=…), each verified by its SHA-256
  walkthrough keys rotate                make a new access-token signing key (the old ones still verify)
  walkthrough version                    print the version
`

// run dispatches to a subcommand. It never exits the process and reads the
// environment only through getenv.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("a command is needed")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return serve(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, rest, getenv, stdout, stderr)
	case "demo":
		return demoCmd(ctx, rest, getenv, stdout, stderr)
	case "user":
		return userCmd(ctx, rest, getenv, stdin, stdout, stderr)
	case "district":
		return districtCmd(ctx, rest, getenv, stdin, stdout, stderr)
	case "sso":
		return ssoCmd(ctx, rest, getenv, stdin, stdout, stderr)
	case "rubric":
		return rubricCmd(ctx, rest, getenv, stdout, stderr)
	case "import":
		return importCmd(ctx, rest, getenv, stdout, stderr)
	case "attachments":
		return attachmentsCmd(ctx, rest, getenv, stdout, stderr)
	case "keys":
		return keysCmd(ctx, rest, getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "walkthrough", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
