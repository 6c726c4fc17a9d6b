package auth_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// replicaClock is one clock every replica of a test reads.
type replicaClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *replicaClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *replicaClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func mustSecret(t *testing.T) []byte {
	t.Helper()
	b := make([]byte, auth.KeyEncryptionKeySize)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// replica is one server's keyring and tokens over the shared database.
func replica(t *testing.T, s *store.Store, secret []byte, clock *replicaClock) (*auth.Keyring, *auth.Tokens) {
	t.Helper()
	k, err := auth.LoadOrCreateSharedKeyring(context.Background(), s, secret, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return k, auth.NewTokens(k, "walkthrough", "walkthrough-api", auth.AccessTTL, clock.Now)
}

func mustIssue(t *testing.T, tok *auth.Tokens) string {
	t.Helper()
	s, _, err := tok.Issue("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustVerify(t *testing.T, tok *auth.Tokens, token, what string) {
	t.Helper()
	if _, err := tok.Verify(token); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestSharedKeysVerifyAcrossReplicasBeforeAndAfterRotation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		secret := mustSecret(t)
		clock := &replicaClock{t: time.Now().UTC()}
		keysA, a := replica(t, s, secret, clock)
		keysB, b := replica(t, s, secret, clock)
		if keysA.SigningKID() != keysB.SigningKID() {
			t.Fatalf("the second replica made its own key (%s) instead of using the first's (%s)", keysB.SigningKID(), keysA.SigningKID())
		}
		before := mustIssue(t, a)
		mustVerify(t, b, before, "a token of replica A on replica B")
		mustVerify(t, a, mustIssue(t, b), "a token of replica B on replica A")

		old := keysA.SigningKID()
		kid, err := keysA.Rotate()
		if err != nil {
			t.Fatal(err)
		}
		if kid <= old || keysA.SigningKID() != kid {
			t.Fatalf("rotation made %s after %s; A signs with %s", kid, old, keysA.SigningKID())
		}
		after := mustIssue(t, a)
		mustVerify(t, b, after, "a token of the new key on a replica that has not read it yet")
		mustVerify(t, b, before, "a token of the old key on B after the rotation")
		mustVerify(t, a, before, "a token of the old key on A after the rotation")

		// Within a minute every replica signs with the newest key.
		clock.Advance(61 * time.Second)
		if got := keysB.SigningKID(); got != kid {
			// SigningKID reports; signing follows the database.
			mustIssue(t, b)
			if got = keysB.SigningKID(); got != kid {
				t.Fatalf("replica B still signs with %s a minute after the rotation to %s", got, kid)
			}
		}

		// A third replica started later knows both keys.
		_, c := replica(t, s, secret, clock)
		mustVerify(t, c, before, "the old key on a replica started after the rotation")
		mustVerify(t, c, after, "the new key on a replica started after the rotation")

		// Keys superseded more than a day ago go at the next rotation; the
		// key that signed until then still verifies for that day.
		clock.Advance(25 * time.Hour)
		if _, err := keysA.Rotate(); err != nil {
			t.Fatal(err)
		}
		rows, err := s.SigningKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var kids []string
		for _, r := range rows {
			kids = append(kids, r.KID)
		}
		if len(kids) != 2 || kids[0] != kid {
			t.Fatalf("after a day and a rotation the keys are %v; want %s and the new one", kids, kid)
		}
		if _, err := a.Verify(before); err == nil {
			t.Fatal("a token of a retired key still verifies")
		}
	})
}

func TestSharedKeysAreSealedAndNeedTheSameSecret(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		secret := mustSecret(t)
		clock := &replicaClock{t: time.Now().UTC()}
		keys, _ := replica(t, s, secret, clock)
		rows, err := s.SigningKeys(ctx)
		if err != nil || len(rows) != 1 || rows[0].KID != keys.SigningKID() {
			t.Fatalf("the database must hold the one key: %v %v", rows, err)
		}
		if _, err := x509.ParsePKCS8PrivateKey(rows[0].Sealed); err == nil || bytes.Contains(rows[0].Sealed, []byte("PRIVATE KEY")) {
			t.Fatal("the database holds the private key in the clear")
		}
		_, err = auth.LoadOrCreateSharedKeyring(ctx, s, mustSecret(t), clock.Now)
		if err == nil || !strings.Contains(err.Error(), "WALKTHROUGH_KEY_ENCRYPTION_KEY") {
			t.Fatalf("another secret must be refused with a clear reason, got %v", err)
		}
		if _, err := auth.LoadOrCreateSharedKeyring(ctx, s, secret[:16], clock.Now); err == nil {
			t.Fatal("a short secret must be refused")
		}
		if rows2, _ := s.SigningKeys(ctx); len(rows2) != 1 {
			t.Fatalf("a refused start made keys: %d", len(rows2))
		}
	})
}
