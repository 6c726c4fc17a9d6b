package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// KeyEncryptionKeySize is the length of the key that seals signing keys
// kept in the database: AES-256.
const KeyEncryptionKeySize = 32

// How a keyring kept in the database follows the other replicas: it reads
// the keys again at least every keyRefreshEvery (so that every replica signs
// with the newest key soon after a rotation), and at once when a token names
// a kid it does not know that could be a key another replica made since
// (see learn).
const (
	keyRefreshEvery = time.Minute
	// keyClockSkew is how far ahead of this replica's clock another
	// replica's may be when it makes a key.
	keyClockSkew = time.Minute
	// keyRetireAfter is how long a key still verifies once a newer one
	// signs: far beyond an access token's life.
	keyRetireAfter = 24 * time.Hour
)

// KeyStore keeps sealed signing keys: the database, shared by every replica.
type KeyStore interface {
	SigningKeys(ctx context.Context) ([]store.SealedKey, error)
	AddSigningKey(ctx context.Context, k store.SealedKey, retire []string) error
}

// sharedKeys is where a keyring kept in the database reads and writes.
type sharedKeys struct {
	store KeyStore
	aead  cipher.AEAD
	now   func() time.Time

	mu       sync.Mutex // one refresh at a time
	loadedAt time.Time
}

// LoadOrCreateSharedKeyring loads the signing keys every replica shares
// from the database, unsealing them with secret (KeyEncryptionKeySize
// bytes), and makes the first key when there is none. A key sealed with
// another secret is an error: the replicas must all be given the same one.
func LoadOrCreateSharedKeyring(ctx context.Context, ks KeyStore, secret []byte, now func() time.Time) (*Keyring, error) {
	if len(secret) != KeyEncryptionKeySize {
		return nil, fmt.Errorf("auth: the key encryption key must be %d bytes, not %d", KeyEncryptionKeySize, len(secret))
	}
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	k := &Keyring{public: map[string]ed25519.PublicKey{}, shared: &sharedKeys{store: ks, aead: aead, now: now}}
	if err := k.shared.refresh(ctx, k, true); err != nil {
		return nil, err
	}
	if k.kid == "" {
		if _, err := k.rotateShared(ctx); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// refresh reads the keys from the database and makes the newest the
// signer. Unless force is set it does nothing when the keys were read less
// than minAge ago.
func (sk *sharedKeys) refresh(ctx context.Context, k *Keyring, force bool) error {
	return sk.refreshIfOlder(ctx, k, 0, force)
}

func (sk *sharedKeys) refreshIfOlder(ctx context.Context, k *Keyring, minAge time.Duration, force bool) error {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	if !force && sk.now().Sub(sk.loadedAt) < minAge {
		return nil
	}
	rows, err := sk.store.SigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("auth: read the signing keys: %w", err)
	}
	public := make(map[string]ed25519.PublicKey, len(rows))
	var kid string
	var signer ed25519.PrivateKey
	for _, r := range rows {
		key, err := sk.open(r)
		if err != nil {
			return err
		}
		public[r.KID] = key.Public().(ed25519.PublicKey)
		if r.KID > kid {
			kid, signer = r.KID, key
		}
	}
	k.mu.Lock()
	k.public = public
	k.kid, k.signer = kid, signer
	k.mu.Unlock()
	sk.loadedAt = sk.now()
	return nil
}

// seal encrypts a private key for the database, bound to its kid.
func (sk *sharedKeys) seal(kid string, key ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("auth: encode key: %w", err)
	}
	nonce := make([]byte, sk.aead.NonceSize(), sk.aead.NonceSize()+len(der)+sk.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("auth: nonce: %w", err)
	}
	return sk.aead.Seal(nonce, nonce, der, []byte(kid)), nil
}

// open decrypts a key of the database.
func (sk *sharedKeys) open(r store.SealedKey) (ed25519.PrivateKey, error) {
	n := sk.aead.NonceSize()
	if len(r.Sealed) < n {
		return nil, fmt.Errorf("auth: signing key %s is damaged", r.KID)
	}
	der, err := sk.aead.Open(nil, r.Sealed[:n], r.Sealed[n:], []byte(r.KID))
	if err != nil {
		return nil, fmt.Errorf("auth: signing key %s cannot be opened: it was sealed with another key encryption key (WALKTHROUGH_KEY_ENCRYPTION_KEY), or it is damaged", r.KID)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("auth: signing key %s: %w", r.KID, err)
	}
	key, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("auth: signing key %s is a %T, not an Ed25519 key", r.KID, parsed)
	}
	return key, nil
}

// rotateShared stores a new key in the database, retires the keys that
// were superseded more than keyRetireAfter ago, and reads the keys again.
func (k *Keyring) rotateShared(ctx context.Context) (string, error) {
	sk := k.shared
	rows, err := sk.store.SigningKeys(ctx)
	if err != nil {
		return "", fmt.Errorf("auth: read the signing keys: %w", err)
	}
	last := ""
	if len(rows) > 0 {
		last = rows[len(rows)-1].KID
	}
	now := sk.now()
	kid, err := newKID(now, max(last, k.SigningKID()))
	if err != nil {
		return "", err
	}
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return "", fmt.Errorf("auth: generate key: %w", err)
	}
	sealed, err := sk.seal(kid, priv)
	if err != nil {
		return "", err
	}
	var retire []string
	for i, r := range rows {
		// A key is retired once the key after it has signed for longer
		// than keyRetireAfter.
		next := kid
		if i+1 < len(rows) {
			next = rows[i+1].KID
		}
		if t, ok := kidTime(next); ok && now.Sub(t) > keyRetireAfter {
			retire = append(retire, r.KID)
		}
	}
	if err := sk.store.AddSigningKey(ctx, store.SealedKey{KID: kid, Sealed: sealed}, retire); err != nil {
		return "", fmt.Errorf("auth: store the new signing key: %w", err)
	}
	if err := sk.refresh(ctx, k, true); err != nil {
		return "", err
	}
	return kid, nil
}

// kidTime reads the time at the start of a kid.
func kidTime(kid string) (time.Time, bool) {
	if len(kid) < len(kidTimeLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(kidTimeLayout, kid[:len(kidTimeLayout)])
	return t, err == nil
}

// errNoSharedKeys is what a refresh of a keyring without a database says.
var errNoSharedKeys = errors.New("auth: the keyring is not kept in the database")

// Refresh reads the keys from the database again now: what a replica does
// by itself every minute, and at once for a token of a key it does not know.
func (k *Keyring) Refresh(ctx context.Context) error {
	if k.shared == nil {
		return errNoSharedKeys
	}
	return k.shared.refresh(ctx, k, true)
}

// learn reads the keys again for a token of an unknown kid, when that kid
// can be a key made since they were read: it sorts after the newest kid
// known and its time is not in the future. Other unknown kids (forged, or
// of retired keys) cost nothing. Concurrent requests with the same new kid
// wait for one read.
func (k *Keyring) learn(kid string) {
	if k.shared == nil {
		return
	}
	t, ok := kidTime(kid)
	if !ok || kid <= k.SigningKID() || t.After(k.shared.now().Add(keyClockSkew)) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), sharedRefreshTimeout)
	defer cancel()
	sk := k.shared
	sk.mu.Lock()
	k.mu.RLock()
	_, known := k.public[kid]
	k.mu.RUnlock()
	sk.mu.Unlock()
	if known {
		return
	}
	_ = sk.refresh(ctx, k, true)
}

// sharedRefreshTimeout bounds a refresh made on the way of a request.
const sharedRefreshTimeout = 5 * time.Second

// follow reads the keys again when they are older than minAge; a failure
// keeps the keys already read (the database will answer later).
func (k *Keyring) follow(minAge time.Duration) {
	if k.shared == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), sharedRefreshTimeout)
	defer cancel()
	_ = k.shared.refreshIfOlder(ctx, k, minAge, false)
}
