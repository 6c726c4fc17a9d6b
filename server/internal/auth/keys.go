package auth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// keyFileExt ends the name of every key file: "<kid>.pem".
const keyFileExt = ".pem"

// kidTimeLayout is the time part of a kid. It has a fixed width and no
// colons, so kids sort by age and are safe as file names everywhere.
const kidTimeLayout = "2006-01-02T15-04-05Z"

// Keyring holds the Ed25519 keys that sign and verify access tokens. The
// newest key signs; every key verifies (rotation keeps old tokens valid until
// they expire). It is safe for concurrent use.
type Keyring struct {
	mu     sync.RWMutex
	dir    string // where keys are kept; "" for an in-memory keyring
	public map[string]ed25519.PublicKey
	kid    string // the signing key's kid, which sorts after every other kid
	signer ed25519.PrivateKey
	// shared, when not nil, keeps the keys in the database that every
	// replica reads, instead of dir.
	shared *sharedKeys
}

// LoadOrCreateKeyring loads every key file in dir (PKCS#8 PEM, one key per
// file named "<kid>.pem", mode 0600; the dir is created 0700), creating one
// key when there is none. The kid is a time-ordered string such as
// "2026-11-23T13-05-00Z-3f9a" so that the newest key sorts last; a key put
// there by hand must be named so too. Files that are not keys are ignored; a
// malformed .pem is an error naming the file. The directory may be read-only
// (keys mounted from a Kubernetes Secret): only write when no key exists.
func LoadOrCreateKeyring(dir string) (*Keyring, error) {
	if dir == "" {
		return nil, errors.New("auth: no key directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("auth: key directory: %w", err)
	}
	k := &Keyring{dir: dir, public: map[string]ed25519.PublicKey{}}
	private, err := readKeys(dir)
	if err != nil {
		return nil, err
	}
	if len(private) == 0 {
		if _, err := k.Rotate(); err != nil {
			return nil, err
		}
		return k, nil
	}
	for kid, key := range private {
		k.public[kid] = key.Public().(ed25519.PublicKey)
		if kid > k.kid {
			k.kid, k.signer = kid, key
		}
	}
	return k, nil
}

// NewKeyring makes an in-memory keyring with one fresh key (for tests and
// tools).
func NewKeyring() (*Keyring, error) {
	k := &Keyring{public: map[string]ed25519.PublicKey{}}
	if _, err := k.Rotate(); err != nil {
		return nil, err
	}
	return k, nil
}

// Rotate makes a new key the signer and keeps the previous keys for
// verification; when the keyring was loaded from a dir, the new key is written
// there too. When writing fails the keyring is left as it was.
//
// A keyring kept in the database stores the new key there, where the other
// replicas find it: at once for a token it signed, and within a minute as
// their own signer.
func (k *Keyring) Rotate() (kid string, err error) {
	if k.shared != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return k.rotateShared(ctx)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	kid, err = newKID(time.Now(), k.kid)
	if err != nil {
		return "", err
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return "", fmt.Errorf("auth: generate key: %w", err)
	}
	if k.dir != "" {
		if err := writeKey(k.dir, kid, priv); err != nil {
			return "", err
		}
	}
	k.public[kid] = pub
	k.kid, k.signer = kid, priv
	return kid, nil
}

// SigningKID is the kid of the key that signs now.
func (k *Keyring) SigningKID() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.kid
}

// signing returns the kid and private key that sign now.
func (k *Keyring) signing() (string, ed25519.PrivateKey) {
	k.follow(keyRefreshEvery)
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.kid, k.signer
}

// publicKey returns the key that verifies tokens signed under kid.
func (k *Keyring) publicKey(kid string) (ed25519.PublicKey, bool) {
	k.mu.RLock()
	pub, ok := k.public[kid]
	k.mu.RUnlock()
	if ok || k.shared == nil {
		return pub, ok
	}
	// A key another replica made since this one last read the keys.
	k.learn(kid)
	k.mu.RLock()
	defer k.mu.RUnlock()
	pub, ok = k.public[kid]
	return pub, ok
}

// newKID returns a kid for a key made at now that sorts after last, the
// newest kid so far: two rotations within one second still sort in order.
func newKID(now time.Time, last string) (string, error) {
	t := now.UTC().Truncate(time.Second)
	if len(last) >= len(kidTimeLayout) {
		if lt, err := time.Parse(kidTimeLayout, last[:len(kidTimeLayout)]); err == nil && !t.After(lt) {
			t = lt.Add(time.Second)
		}
	}
	var b [2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("auth: kid: %w", err)
	}
	return t.Format(kidTimeLayout) + "-" + hex.EncodeToString(b[:]), nil
}

// readKeys reads every "<kid>.pem" file of dir. Hidden entries (a Kubernetes
// Secret volume keeps its "..data" there), directories and files with other
// names are skipped; symbolic links to files are followed.
func readKeys(dir string) (map[string]ed25519.PrivateKey, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("auth: key directory: %w", err)
	}
	keys := map[string]ed25519.PrivateKey{}
	for _, e := range entries {
		name := e.Name()
		kid, ok := strings.CutSuffix(name, keyFileExt)
		if !ok || kid == "" || strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(dir, name)
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("auth: key file %s: %w", path, err)
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("auth: key file %s: %w", path, err)
		}
		key, err := parseKey(data)
		if err != nil {
			return nil, fmt.Errorf("auth: key file %s: %w", path, err)
		}
		keys[kid] = key
	}
	return keys, nil
}

// parseKey reads one PKCS#8 PEM Ed25519 private key.
func parseKey(data []byte) (ed25519.PrivateKey, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("PEM block is %q, want \"PRIVATE KEY\"", block.Type)
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, errors.New("more than one PEM block")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("not a PKCS#8 private key")
	}
	key, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("a %T, not an Ed25519 key", parsed)
	}
	return key, nil
}

// writeKey stores key as dir/<kid>.pem with mode 0600. It writes a hidden
// temporary file first and renames it, so a crash never leaves half a key
// where the next start would read it.
func writeKey(dir, kid string, key ed25519.PrivateKey) (err error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("auth: encode key: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	f, err := os.CreateTemp(dir, ".key-*.tmp")
	if err != nil {
		return fmt.Errorf("auth: write key: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("auth: write key: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("auth: write key: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("auth: write key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("auth: write key: %w", err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, kid+keyFileExt)); err != nil {
		return fmt.Errorf("auth: write key: %w", err)
	}
	return nil
}
