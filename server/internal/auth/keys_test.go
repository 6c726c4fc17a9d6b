package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func mustLoadKeyring(tb testing.TB, dir string) *Keyring {
	tb.Helper()
	k, err := LoadOrCreateKeyring(dir)
	if err != nil {
		tb.Fatalf("LoadOrCreateKeyring: %v", err)
	}
	return k
}

// dirNames lists the names in dir, sorted.
func dirNames(tb testing.TB, dir string) []string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatalf("read dir: %v", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func keyringKIDs(k *Keyring) []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	var kids []string
	for kid := range k.public {
		kids = append(kids, kid)
	}
	slices.Sort(kids)
	return kids
}

func TestLoadOrCreateKeyringCreatesOneKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	k := mustLoadKeyring(t, dir)

	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("dir mode = %v, want 0700", perm)
	}
	names := dirNames(t, dir)
	if len(names) != 1 || names[0] != k.SigningKID()+".pem" {
		t.Fatalf("dir holds %q, want one file named %q", names, k.SigningKID()+".pem")
	}
	fi, err = os.Stat(filepath.Join(dir, names[0]))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %v, want 0600", perm)
	}

	again := mustLoadKeyring(t, dir)
	if again.SigningKID() != k.SigningKID() {
		t.Errorf("reloaded kid = %q, want %q", again.SigningKID(), k.SigningKID())
	}
	if got := dirNames(t, dir); !slices.Equal(got, names) {
		t.Errorf("reloading changed the dir to %q", got)
	}

	// A token signed before the reload verifies after it.
	tok := mustIssue(t, NewTokens(k, tokIssuer, tokAudience, tokTTL, nil), "user-1", "district-1", "session-1")
	if _, err := NewTokens(again, tokIssuer, tokAudience, tokTTL, nil).Verify(tok); err != nil {
		t.Errorf("Verify after reload: %v", err)
	}
}

func TestKeyringRotate(t *testing.T) {
	dir := t.TempDir()
	k := mustLoadKeyring(t, dir)
	clock := &fakeTokenClock{t: time.Now()}
	tokens := NewTokens(k, tokIssuer, tokAudience, tokTTL, clock.Now)
	oldKID := k.SigningKID()
	before := mustIssue(t, tokens, "user-1", "district-1", "session-1")

	newKID, err := k.Rotate()
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if newKID == oldKID || k.SigningKID() != newKID {
		t.Fatalf("after Rotate: kid %q, signing %q, old %q", newKID, k.SigningKID(), oldKID)
	}
	if newKID <= oldKID {
		t.Errorf("new kid %q does not sort after %q", newKID, oldKID)
	}
	if _, err := tokens.Verify(before); err != nil {
		t.Errorf("a token from before the rotation: %v", err)
	}
	after := mustIssue(t, tokens, "user-1", "district-1", "session-1")
	if kid := tokenKID(t, after); kid != newKID {
		t.Errorf("token kid = %q, want %q", kid, newKID)
	}
	if _, err := tokens.Verify(after); err != nil {
		t.Errorf("a token from after the rotation: %v", err)
	}

	if names := dirNames(t, dir); !slices.Equal(names, []string{oldKID + ".pem", newKID + ".pem"}) {
		t.Errorf("dir holds %q", names)
	}
	reloaded := mustLoadKeyring(t, dir)
	if got := keyringKIDs(reloaded); !slices.Equal(got, []string{oldKID, newKID}) {
		t.Errorf("reloaded kids = %q, want %q", got, []string{oldKID, newKID})
	}
	if reloaded.SigningKID() != newKID {
		t.Errorf("reloaded signing kid = %q, want %q", reloaded.SigningKID(), newKID)
	}
	rt := NewTokens(reloaded, tokIssuer, tokAudience, tokTTL, clock.Now)
	for name, tok := range map[string]string{"before": before, "after": after} {
		if _, err := rt.Verify(tok); err != nil {
			t.Errorf("token from %s the rotation, after reload: %v", name, err)
		}
	}
}

// tokenKID reads the kid from a token's header, without verifying it.
func tokenKID(tb testing.TB, tok string) string {
	tb.Helper()
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, &AccessClaims{})
	if err != nil {
		tb.Fatalf("ParseUnverified: %v", err)
	}
	kid, _ := parsed.Header["kid"].(string)
	return kid
}

func TestKeyringRotateOrdersKIDs(t *testing.T) {
	k := mustTokenKeyring(t)
	prev := k.SigningKID()
	for range 5 {
		kid, err := k.Rotate()
		if err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		if kid <= prev {
			t.Errorf("kid %q does not sort after %q", kid, prev)
		}
		if k.SigningKID() != kid {
			t.Errorf("signing kid = %q, want %q", k.SigningKID(), kid)
		}
		prev = kid
	}
	if n := len(keyringKIDs(k)); n != 6 {
		t.Errorf("keyring holds %d keys, want 6", n)
	}
}

func TestNewKID(t *testing.T) {
	now := time.Date(2026, 11, 23, 13, 5, 0, 500, time.UTC)
	kid, err := newKID(now, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(kid, "2026-11-23T13-05-00Z-") || len(kid) != len("2026-11-23T13-05-00Z-3f9a") {
		t.Errorf("kid = %q", kid)
	}
	next, err := newKID(now, kid)
	if err != nil {
		t.Fatal(err)
	}
	if next <= kid || !strings.HasPrefix(next, "2026-11-23T13-05-01Z-") {
		t.Errorf("kid in the same second = %q, after %q", next, kid)
	}
	if later, _ := newKID(now.Add(time.Hour), kid); !strings.HasPrefix(later, "2026-11-23T14-05-00Z-") {
		t.Errorf("kid an hour later = %q", later)
	}
}

func TestLoadOrCreateKeyringMalformed(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	goodDir := mustKeyDir(t)
	good, err := os.ReadFile(filepath.Join(goodDir, onlyKeyFile(t, goodDir)))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string][]byte{
		"empty":      nil,
		"not pem":    []byte("hello"),
		"wrong type": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}}),
		"bad der":    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}),
		"ecdsa":      pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}),
		"two keys":   append(slices.Clone(good), good...),
		"truncated":  good[:len(good)/2],
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			dir := mustKeyDir(t)
			if err := os.WriteFile(filepath.Join(dir, "2020-01-01T00-00-00Z-bad0.pem"), data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadOrCreateKeyring(dir)
			if err == nil {
				t.Fatal("loaded a malformed key")
			}
			if !strings.Contains(err.Error(), "2020-01-01T00-00-00Z-bad0.pem") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// mustKeyDir returns a new dir holding one key.
func mustKeyDir(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	mustLoadKeyring(tb, dir)
	return dir
}

// onlyKeyFile returns the name of the one file in dir.
func onlyKeyFile(tb testing.TB, dir string) string {
	tb.Helper()
	names := dirNames(tb, dir)
	if len(names) != 1 {
		tb.Fatalf("dir holds %q, want one file", names)
	}
	return names[0]
}

func TestLoadOrCreateKeyringIgnoresOtherFiles(t *testing.T) {
	src := mustKeyDir(t)
	keyFile := onlyKeyFile(t, src)
	key, err := os.ReadFile(filepath.Join(src, keyFile))
	if err != nil {
		t.Fatal(err)
	}

	// The shape of a Kubernetes Secret volume: the files live in a hidden
	// directory and the visible names are symbolic links to them.
	dir := t.TempDir()
	data := filepath.Join(dir, "..2026_11_23_13_05_00.000000001")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, keyFile), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Base(data), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..data", keyFile), filepath.Join(dir, keyFile)); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"README.txt": "keys", ".hidden.pem": "junk", "notes": "junk"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.pem"), 0o700); err != nil {
		t.Fatal(err)
	}
	before := dirNames(t, dir)

	k := mustLoadKeyring(t, dir)
	want := strings.TrimSuffix(keyFile, ".pem")
	if got := keyringKIDs(k); !slices.Equal(got, []string{want}) {
		t.Errorf("kids = %q, want %q", got, []string{want})
	}
	if got := dirNames(t, dir); !slices.Equal(got, before) {
		t.Errorf("loading changed the dir from %q to %q", before, got)
	}
}

func TestLoadOrCreateKeyringReadOnlyDir(t *testing.T) {
	dir := mustKeyDir(t)
	kid := strings.TrimSuffix(onlyKeyFile(t, dir), ".pem")
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })

	k := mustLoadKeyring(t, dir)
	if k.SigningKID() != kid {
		t.Errorf("kid = %q, want %q", k.SigningKID(), kid)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{kid + ".pem"}) {
		t.Errorf("loading wrote to a read-only dir: %q", got)
	}

	if os.Geteuid() == 0 {
		return // root writes anyway
	}
	if _, err := k.Rotate(); err == nil {
		t.Fatal("Rotate wrote to a read-only dir")
	}
	if k.SigningKID() != kid || len(keyringKIDs(k)) != 1 {
		t.Errorf("a failed Rotate changed the keyring: signing %q, kids %q", k.SigningKID(), keyringKIDs(k))
	}
}
