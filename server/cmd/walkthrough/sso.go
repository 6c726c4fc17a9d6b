package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// ssoCmd connects, shows or disconnects a district's identity provider.
func ssoCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "set" && args[0] != "show" && args[0] != "remove") {
		return errors.New("sso needs set, show or remove")
	}
	fs := flag.NewFlagSet("sso "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	district := fs.String("district", "", "the district's id (see walkthrough district list; required)")
	issuer := fs.String("issuer", "", "the provider's issuer URL, such as https://accounts.google.com (set)")
	clientID := fs.String("client-id", "", "the client id the provider gave (set)")
	domains := fs.String("domains", "", "the e-mail domains it answers for, separated by commas (set)")
	label := fs.String("label", "", "the button's label: google, microsoft, clever or other (set)")
	labelText := fs.String("label-text", "", "the provider's name on the button, with --label other (set)")
	keep := fs.Bool("keep-secret", false, "keep the stored client secret instead of reading a new one (set)")
	passwords := fs.String("passwords", "on", "on, or off to refuse passwords to the district's users but its administrators (set)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sso %s takes no arguments, only flags: %s", args[0], strings.Join(fs.Args(), " "))
	}
	if !domain.ValidID(*district) {
		return errors.New("sso needs --district, the district's id")
	}
	if *passwords != "on" && *passwords != "off" {
		return errors.New("--passwords must be on or off")
	}
	c, err := loadConfig("cli", nil, getenv, stdout)
	if err != nil {
		return err
	}
	s, err := openMigrated(ctx, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	svc := auth.NewService(s, nil, nil, time.Now)
	if err := svc.ConfigureSSO(auth.SSOOptions{SecretKey: c.KeyEncryptionKey}); err != nil {
		return err
	}
	p := auth.SystemPrincipal(*district)
	switch args[0] {
	case "show":
		ip, err := svc.GetIdentityProvider(ctx, p)
		if domain.ErrorCode(err) == domain.ENotFound {
			fmt.Fprintln(stdout, "No identity provider: the district's users sign in with passwords.")
			return nil
		}
		if err != nil {
			return err
		}
		printProvider(stdout, ip)
		return nil
	case "remove":
		if err := svc.DeleteIdentityProvider(ctx, p, cliClient); err != nil {
			return describe(err)
		}
		fmt.Fprintln(stdout, "Disconnected: the district's users sign in with passwords again.")
		return nil
	}
	old, err := svc.GetIdentityProvider(ctx, p)
	if err != nil && domain.ErrorCode(err) != domain.ENotFound {
		return err
	}
	secret := ""
	if !old.SecretSet || !*keep {
		fmt.Fprint(stderr, "Client secret: ")
		if secret, err = readPassword(stdin); err != nil {
			return err
		}
	}
	ip, err := svc.PutIdentityProvider(ctx, p, auth.IdentityProviderChange{Issuer: *issuer, ClientID: *clientID, ClientSecret: secret,
		Domains: strings.Split(*domains, ","), Label: *label, LabelText: *labelText, PasswordsOff: *passwords == "off", Rev: old.Rev}, cliClient)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(stdout, "Connected.")
	printProvider(stdout, ip)
	return nil
}

func printProvider(w io.Writer, ip auth.IdentityProvider) {
	fmt.Fprintf(w, "issuer:     %s\n", ip.Issuer)
	fmt.Fprintf(w, "client id:  %s\n", ip.ClientID)
	fmt.Fprintf(w, "secret:     %s\n", map[bool]string{true: "set (never shown)", false: "not set"}[ip.SecretSet])
	fmt.Fprintf(w, "domains:    %s\n", strings.Join(ip.Domains, ", "))
	fmt.Fprintf(w, "button:     Sign in with %s\n", auth.SSOButton{Label: ip.Label, LabelText: ip.LabelText}.ButtonName())
	if ip.PasswordsOff {
		fmt.Fprintln(w, "passwords:  off for everyone but the district administrators")
	} else {
		fmt.Fprintln(w, "passwords:  on")
	}
}
