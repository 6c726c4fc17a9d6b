package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/roster"
)

// districtCmd adds a district with its first administrator, or lists the
// districts of the database.
func districtCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "list") {
		return errors.New("district needs add or list")
	}
	fs := flag.NewFlagSet("district "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "the district's name (add, required)")
	zone := fs.String("time-zone", "", "the district's IANA time zone, such as America/Chicago (add, required)")
	email := fs.String("admin-email", "", "the first district administrator's email (add, required)")
	adminName := fs.String("admin-name", "", `the administrator's name (add; "District administrator" when absent)`)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("district %s takes no arguments, only flags: %s", args[0], strings.Join(fs.Args(), " "))
	}
	if args[0] == "list" {
		if fs.NFlag() > 0 {
			return errors.New("district list takes no flags")
		}
		return listDistricts(ctx, getenv, stdout, stderr)
	}
	var missing []string
	for _, f := range []struct{ flag, value string }{{"--name", *name}, {"--time-zone", *zone}, {"--admin-email", *email}} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.flag)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("district add needs %s", strings.Join(missing, ", "))
	}
	fmt.Fprintf(stderr, "Password for %s: ", *email)
	password, err := readPassword(stdin)
	if err != nil {
		return err
	}
	if err := auth.CheckPasswordRules(password); err != nil {
		return describe(err)
	}
	s, err := openMigrated(ctx, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	d, u, err := roster.NewService(s).AddDistrict(ctx, roster.NewDistrict{Name: *name, TimeZone: *zone, AdminEmail: *email,
		AdminName: *adminName, AdminPassword: password}, cliClient)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "Added district %q in %s.\n", d.Name, d.TimeZone)
	fmt.Fprintf(stdout, "district id:    %s\n", d.ID)
	fmt.Fprintf(stdout, "administrator:  %s\n", u.Email)
	return nil
}

// readPassword reads one line of standard input as a password; an empty
// line or no input at all is refused.
func readPassword(stdin io.Reader) (string, error) {
	if stdin == nil {
		return "", errors.New("no password given: write it as one line on standard input")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return "", errors.New("no password given: write it as one line on standard input")
	}
	return password, nil
}

func listDistricts(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	s, err := openMigrated(ctx, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	ds, err := roster.NewService(s).Districts(ctx)
	if err != nil {
		return err
	}
	if len(ds) == 0 {
		fmt.Fprintln(stdout, "No districts yet: add one with walkthrough district add.")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTIME ZONE\tSCHOOLS\tUSERS")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", d.District.ID, d.District.Name, d.District.TimeZone, d.Schools, d.Users)
	}
	return tw.Flush()
}
