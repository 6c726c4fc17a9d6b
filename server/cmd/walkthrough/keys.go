package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// keysCmd rotates the access-token signing keys: a new key signs from now
// on and the previous ones keep verifying the tokens they signed.
func keysCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) != 1 || args[0] != "rotate" {
		return errors.New("keys needs rotate")
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
	keys, err := openKeyring(ctx, c, s)
	if err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	old := keys.SigningKID()
	kid, err := keys.Rotate()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "new signing key %s (the previous one, %s, still verifies)\n", kid, old)
	if len(c.KeyEncryptionKey) > 0 {
		fmt.Fprintln(stdout, "every server signs with it within a minute and accepts its tokens at once")
	} else {
		fmt.Fprintln(stdout, "the key is a file in the data directory: restart the server to sign with it")
	}
	return nil
}
