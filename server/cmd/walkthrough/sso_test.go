package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// The command line connects a district's provider with the secret on
// standard input, never prints the secret, and disconnects it.
func TestSSOCommandConnectsShowsAndRemoves(t *testing.T) {
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Shutdown() })
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := newCLIDatabase(t, dialect)
			s := db.open(t)
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			admin, err := auth.CreateFirstAdmin(ctx, s, "", "ada@example.org", "a long enough password")
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			err = run(ctx, []string{"sso", "set", "--district", admin.DistrictID, "--issuer", idp.Issuer(), "--client-id", idp.ClientID,
				"--domains", "example.org, Example.net", "--label", "google", "--passwords", "off"}, db.getenv,
				strings.NewReader(idp.ClientSecret+"\n"), &out, &out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			out.Reset()
			if err := run(ctx, []string{"sso", "show", "--district", admin.DistrictID}, db.getenv, nil, &out, &out); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			for _, want := range []string{"example.net, example.org", "Sign in with Google", "set (never shown)", "passwords:  off"} {
				if !strings.Contains(got, want) {
					t.Errorf("show does not say %q:\n%s", want, got)
				}
			}
			if strings.Contains(got, idp.ClientSecret) {
				t.Error("show printed the client secret")
			}
			out.Reset()
			if err := run(ctx, []string{"sso", "remove", "--district", admin.DistrictID}, db.getenv, nil, &out, &out); err != nil {
				t.Fatal(err)
			}
			if _, err := s.IdentityProvider(ctx, admin.DistrictID); err == nil {
				t.Error("the provider is still connected after remove")
			}
		})
	}
}
