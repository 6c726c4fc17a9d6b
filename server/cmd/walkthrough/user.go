package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// userCmd adds a user or resets a password from the command line, with the
// database settings taken from the environment as for serve.
func userCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "reset-password") {
		return errors.New("user needs add or reset-password")
	}
	action := args[0]
	fs := flag.NewFlagSet("user "+action, flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the user's email (required)")
	password := fs.String("password", "", "the password; read from standard input when absent")
	name := fs.String("name", "", "the user's name (add)")
	role := fs.String("role", "", "role: district_admin, supervisor, principal, coach, observer or teacher (add)")
	district := fs.String("district", "", "district id, when the database holds more than one (add)")
	var schools listFlag
	fs.Var(&schools, "school", "school id or exact name the role covers; repeat for several (add)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *email == "" {
		return errors.New("--email is required")
	}
	if *password == "" {
		fmt.Fprint(stderr, "Password: ")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("no password given (use --password or standard input)")
		}
		*password = strings.TrimRight(line, "\r\n")
	}
	hash, err := auth.HashPassword(*password)
	if err != nil {
		return err
	}
	c, err := loadConfig("user", nil, getenv, stdout)
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
	if action == "reset-password" {
		return resetPassword(ctx, s, domain.NormalizeEmail(*email), hash, stdout)
	}
	u := domain.User{ID: domain.NewID(), Email: domain.NormalizeEmail(*email), Name: strings.TrimSpace(*name), PasswordHash: hash, Active: true}
	if u.DistrictID, err = pickDistrict(ctx, s, *district); err != nil {
		return err
	}
	r := domain.Role(*role)
	if r.DistrictWide() {
		u.Grants = []domain.RoleGrant{{Role: r}}
	} else {
		all, err := s.Schools(ctx, domain.DistrictScope(u.DistrictID), store.Keyset{})
		if err != nil {
			return err
		}
		for _, want := range schools {
			id := ""
			for _, sc := range all {
				if sc.ID == want || strings.EqualFold(sc.Name, want) {
					id = sc.ID
				}
			}
			if id == "" {
				return fmt.Errorf("no school %q in this district", want)
			}
			u.Grants = append(u.Grants, domain.RoleGrant{Role: r, SchoolID: id})
		}
		if len(u.Grants) == 0 {
			return fmt.Errorf("a %s role needs at least one --school", r)
		}
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: u.DistrictID, Action: "user.create", Entity: "user", EntityID: u.ID,
			Detail: map[string]any{"email": u.Email, "via": "command line", "role": string(r)}})
	})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "Added %s as %s over %d school(s).\n", u.Email, r, len(u.Grants))
	return nil
}

func pickDistrict(ctx context.Context, s *store.Store, id string) (string, error) {
	ds, err := s.Districts(ctx)
	if err != nil {
		return "", err
	}
	if id != "" {
		for _, d := range ds {
			if d.ID == id {
				return id, nil
			}
		}
		return "", fmt.Errorf("no district %s", id)
	}
	switch len(ds) {
	case 0:
		return "", errors.New("the database holds no district yet: start the server with WALKTHROUGH_ADMIN_EMAIL set, or load the demo")
	case 1:
		return ds[0].ID, nil
	}
	var names []string
	for _, d := range ds {
		names = append(names, d.ID+" ("+d.Name+")")
	}
	return "", fmt.Errorf("several districts: name one with --district: %s", strings.Join(names, ", "))
}

func resetPassword(ctx context.Context, s *store.Store, email, hash string, stdout io.Writer) error {
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return describe(err)
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		u.PasswordHash = hash
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if _, err := tx.RevokeUserRefreshTokens(ctx, u.ID, ""); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: u.DistrictID, Action: "user.update", Entity: "user", EntityID: u.ID,
			Detail: map[string]any{"changes": []string{"password_reset"}, "via": "command line"}})
	})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "Reset the password of %s and signed them out everywhere.\n", u.Email)
	return nil
}

// describe turns a domain error into one line naming the fields.
func describe(err error) error {
	fields := domain.ErrorFields(err)
	if len(fields) == 0 {
		return err
	}
	var parts []string
	for _, f := range fields {
		parts = append(parts, f.Field+" "+f.Message)
	}
	return fmt.Errorf("%s: %s", domain.ErrorMessage(err), strings.Join(parts, "; "))
}
