package auth

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

const refreshPassword = "a long enough password"

// refreshWorld is a signed-in user of a fresh store whose clock runs with
// real time plus a skew the test can add to, so that a grace period can
// pass without waiting for it.
type refreshWorld struct {
	store *store.Store
	svc   *Service
	skew  *atomic.Int64
	user  domain.User
	first Session // the session of the sign-in
}

func (w *refreshWorld) advance(d time.Duration) { w.skew.Add(int64(d)) }

func eachRefreshWorld(t *testing.T, fn func(t *testing.T, w *refreshWorld)) {
	t.Helper()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			skew := &atomic.Int64{}
			now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
			s := testdb.OpenAt(t, dialect, now)
			u, err := CreateFirstAdmin(ctx, s, "", "ada@example.org", refreshPassword)
			if err != nil {
				t.Fatal(err)
			}
			keys, err := NewKeyring()
			if err != nil {
				t.Fatal(err)
			}
			svc := NewService(s, NewTokens(keys, "walkthrough", "walkthrough-api", AccessTTL, now), nil, now)
			first, err := svc.Login(ctx, u.Email, refreshPassword, Client{IP: "192.0.2.1", DeviceID: domain.NewID()})
			if err != nil {
				t.Fatal(err)
			}
			fn(t, &refreshWorld{store: s, svc: svc, skew: skew, user: u, first: first})
		})
	}
}

// mustWork fails the test unless the access token authenticates its user.
func (w *refreshWorld) mustWork(t *testing.T, sess Session) {
	t.Helper()
	p, err := w.svc.Authenticate(context.Background(), "Bearer "+sess.AccessToken)
	if err != nil || p.User.ID != w.user.ID {
		t.Fatalf("the access token does not work: %+v %v", p, err)
	}
}

func (w *refreshWorld) reuseAudits(t *testing.T) int {
	t.Helper()
	es, err := w.store.AuditEntries(context.Background(), store.AuditFilter{DistrictID: w.user.DistrictID, Action: "auth.refresh_reuse"})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func TestConcurrentRefreshesOfOneTokenShareTheSuccessor(t *testing.T) {
	eachRefreshWorld(t, func(t *testing.T, w *refreshWorld) {
		const n = 6
		sessions := make([]Session, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				sessions[i], errs[i] = w.svc.Refresh(context.Background(), w.first.RefreshToken, Client{IP: "192.0.2.1"})
			}()
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("refresh %d of %d failed: %v", i+1, n, errs[i])
			}
			if sessions[i].RefreshToken != sessions[0].RefreshToken {
				t.Fatalf("refreshes %d and 1 got different successors", i+1)
			}
			w.mustWork(t, sessions[i])
		}
		if sessions[0].RefreshToken == w.first.RefreshToken {
			t.Fatal("the token was not rotated")
		}
		if n := w.reuseAudits(t); n != 0 {
			t.Errorf("%d reuse entries for refreshes at once", n)
		}
		// The shared successor goes on rotating as any token does.
		next, err := w.svc.Refresh(context.Background(), sessions[0].RefreshToken, Client{})
		if err != nil || next.RefreshToken == sessions[0].RefreshToken {
			t.Fatalf("the successor does not refresh: %v", err)
		}
		w.mustWork(t, next)
	})
}

func TestRefreshRetryWithinGraceAnswersTheSameSuccessor(t *testing.T) {
	eachRefreshWorld(t, func(t *testing.T, w *refreshWorld) {
		ctx := context.Background()
		s1, err := w.svc.Refresh(ctx, w.first.RefreshToken, Client{})
		if err != nil {
			t.Fatal(err)
		}
		// The answer was lost; the client retries a little later.
		w.advance(RefreshGrace - 2*time.Second)
		again, err := w.svc.Refresh(ctx, w.first.RefreshToken, Client{})
		if err != nil {
			t.Fatalf("a retry within the grace period: %v", err)
		}
		if again.RefreshToken != s1.RefreshToken {
			t.Fatal("a retry within the grace period got another successor")
		}
		w.mustWork(t, s1)
		w.mustWork(t, again)
		if n := w.reuseAudits(t); n != 0 {
			t.Errorf("a retry was audited as reuse %d times", n)
		}
		s2, err := w.svc.Refresh(ctx, s1.RefreshToken, Client{})
		if err != nil {
			t.Fatalf("the successor after a retry: %v", err)
		}
		w.mustWork(t, s2)

		// Once the family is signed out, the grace hands nothing back.
		p, err := w.svc.Authenticate(ctx, "Bearer "+s2.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.svc.Logout(ctx, p, Client{}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Refresh(ctx, s1.RefreshToken, Client{}); domain.ErrorCode(err) != domain.EUnauthorized {
			t.Fatalf("a spent token of a signed-out family, within the grace: %v", err)
		}
	})
}

func TestRefreshReuseAfterGraceRevokesTheFamily(t *testing.T) {
	eachRefreshWorld(t, func(t *testing.T, w *refreshWorld) {
		ctx := context.Background()
		s1, err := w.svc.Refresh(ctx, w.first.RefreshToken, Client{})
		if err != nil {
			t.Fatal(err)
		}
		w.advance(RefreshGrace + time.Second)
		if _, err := w.svc.Refresh(ctx, w.first.RefreshToken, Client{IP: "203.0.113.9"}); domain.ErrorCode(err) != domain.EUnauthorized {
			t.Fatalf("reuse after the grace period: %v", err)
		}
		if _, err := w.svc.Refresh(ctx, s1.RefreshToken, Client{}); domain.ErrorCode(err) != domain.EUnauthorized {
			t.Fatalf("the successor of a reused token still refreshes: %v", err)
		}
		if _, err := w.svc.Authenticate(ctx, "Bearer "+s1.AccessToken); domain.ErrorCode(err) != domain.EUnauthorized {
			t.Fatalf("an access token of the revoked family still works: %v", err)
		}
		if n := w.reuseAudits(t); n != 1 {
			t.Errorf("%d reuse entries, want 1", n)
		}
	})
}

func TestRefreshOfADeactivatedUserFails(t *testing.T) {
	eachRefreshWorld(t, func(t *testing.T, w *refreshWorld) {
		ctx := context.Background()
		s1, err := w.svc.Refresh(ctx, w.first.RefreshToken, Client{})
		if err != nil {
			t.Fatal(err)
		}
		// Deactivated without the sign-out that deactivation brings, so
		// that the service's own check is what refuses.
		u := w.user
		u.Active, u.PasswordHash = false, ""
		if err := w.store.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateUser(ctx, u) }); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Refresh(ctx, w.first.RefreshToken, Client{}); domain.ErrorCode(err) != domain.EUnauthorized {
			t.Fatalf("a retry within the grace period for a deactivated user: %v", err)
		}
		if _, err := w.svc.Refresh(ctx, s1.RefreshToken, Client{}); domain.ErrorCode(err) != domain.EUnauthorized {
			t.Fatalf("a live token of a deactivated user: %v", err)
		}
	})
}

func TestSealedSuccessorOpensOnlyWithTheSpentToken(t *testing.T) {
	spent, err := newRefreshToken()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := newRefreshToken()
	successor, _ := newRefreshToken()
	id := domain.NewID()
	sealed, err := sealSuccessor(spent, id, successor)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := openSuccessor(spent, id, sealed); err != nil || got != successor {
		t.Fatalf("open: %q %v", got, err)
	}
	for name, open := range map[string]func() (string, error){
		"another token":     func() (string, error) { return openSuccessor(other, id, sealed) },
		"its hash":          func() (string, error) { return openSuccessor(hashRefresh(spent), id, sealed) },
		"another successor": func() (string, error) { return openSuccessor(spent, domain.NewID(), sealed) },
		"cut short":         func() (string, error) { return openSuccessor(spent, id, sealed[:20]) },
		"not base64":        func() (string, error) { return openSuccessor(spent, id, "!"+sealed[1:]) },
	} {
		if got, err := open(); err == nil || got != "" {
			t.Errorf("%s opened the seal: %q", name, got)
		}
	}
	again, _ := sealSuccessor(spent, id, successor)
	if again == sealed {
		t.Error("two seals of one successor are the same: the nonce is not fresh")
	}
}
