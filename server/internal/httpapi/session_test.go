package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

func (w *world) refreshWith(token string) response {
	w.t.Helper()
	return w.do(anonymous, "POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": token})
}

// eachWorldWithStoreClock runs fn on a fresh world on each database whose
// store clock runs with real time plus what advance adds, so that a refresh
// token's grace period can pass without waiting for it.
func eachWorldWithStoreClock(t *testing.T, fn func(t *testing.T, w *world, advance func(time.Duration))) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			var skew atomic.Int64
			s := testdb.OpenAt(t, d, func() time.Time { return time.Now().Add(time.Duration(skew.Load())) })
			fn(t, newWorld(t, s), func(d time.Duration) { skew.Add(int64(d)) })
		})
	}
}

func TestRefreshRotatesAndReuseRevokesTheFamily(t *testing.T) {
	eachWorldWithStoreClock(t, func(t *testing.T, w *world, advance func(time.Duration)) {
		first := w.refresh[coach]
		r := w.refreshWith(first)
		if r.Code != 200 {
			t.Fatalf("refresh: %d %s", r.Code, r.Body)
		}
		var next sessionResponse
		r.decode(t, &next)
		if next.RefreshToken == first || next.AccessToken == "" {
			t.Fatal("refresh did not rotate the token")
		}
		w.access[coach] = next.AccessToken
		if r := w.do(coach, "GET", "/api/v1/me", nil); r.Code != 200 {
			t.Fatalf("the new access token does not work: %d", r.Code)
		}

		// A retry at once (the answer was lost) gets the same successor.
		r = w.refreshWith(first)
		var again sessionResponse
		if r.Code != 200 {
			t.Fatalf("a retry within the grace period: %d %s", r.Code, r.Body)
		}
		r.decode(t, &again)
		if again.RefreshToken != next.RefreshToken || again.AccessToken == "" {
			t.Fatal("a retry within the grace period got another successor")
		}

		// Past the grace period the spent token coming back means someone
		// copied it. The whole family ends, the newest token and its access
		// token too.
		advance(auth.RefreshGrace + time.Second)
		if r := w.refreshWith(first); r.Code != 401 {
			t.Fatalf("a reused refresh token was accepted: %d", r.Code)
		}
		if r := w.refreshWith(next.RefreshToken); r.Code != 401 {
			t.Fatalf("the newest token of a revoked family still works: %d", r.Code)
		}
		if r := w.do(coach, "GET", "/api/v1/me", nil); r.Code != 401 {
			t.Fatalf("an access token of a revoked family still works: %d", r.Code)
		}
		r = w.do(admin, "GET", "/api/v1/audit?action=auth.refresh_reuse", nil)
		var l listResponse[auditResponse]
		r.decode(t, &l)
		if len(l.Items) != 1 || l.Items[0].ActorID != w.users[coach].ID {
			t.Fatalf("reuse was not audited: %s", r.Body)
		}
	})
}

func TestConcurrentRefreshesShareOneSuccessor(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		token := w.refresh[observer]
		const n = 8
		codes := make([]int, n)
		sessions := make([]sessionResponse, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := httptest.NewRequest("POST", "/api/v1/auth/refresh", strings.NewReader(`{"refresh_token":"`+token+`"}`))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				w.handler.ServeHTTP(rec, req)
				codes[i] = rec.Code
				_ = json.Unmarshal(rec.Body.Bytes(), &sessions[i])
			}()
		}
		wg.Wait()
		for i, c := range codes {
			if c != 200 {
				t.Fatalf("of %d concurrent refreshes of one token, not all succeeded: %v", n, codes)
			}
			if sessions[i].RefreshToken != sessions[0].RefreshToken || sessions[i].RefreshToken == token {
				t.Fatalf("concurrent refreshes of one token got different successors")
			}
			w.access[observer] = sessions[i].AccessToken
			if r := w.do(observer, "GET", "/api/v1/me", nil); r.Code != 200 {
				t.Fatalf("access token %d does not work: %d", i+1, r.Code)
			}
		}
		if r := w.refreshWith(sessions[0].RefreshToken); r.Code != 200 {
			t.Fatalf("the shared successor does not refresh: %d %s", r.Code, r.Body)
		}
	})
}

func TestLogoutEndsTheSession(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		if r := w.do(principalA, "POST", "/api/v1/auth/logout", nil); r.Code != 204 {
			t.Fatalf("logout: %d", r.Code)
		}
		if r := w.do(principalA, "GET", "/api/v1/me", nil); r.Code != 401 {
			t.Fatalf("access token works after logout: %d", r.Code)
		}
		if r := w.refreshWith(w.refresh[principalA]); r.Code != 401 {
			t.Fatalf("refresh token works after logout: %d", r.Code)
		}
	})
}

func TestDeactivationAndRevokedGrantsTakeEffectOnTheNextRequest(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		if r := w.do(coach, "GET", "/api/v1/teachers?school_id="+w.schoolA1, nil); r.Code != 200 {
			t.Fatalf("coach cannot list their school: %d", r.Code)
		}
		revoke := map[string]any{"revoke": []map[string]string{{"role": "coach", "school_id": w.schoolA1}}}
		if r := w.do(admin, "PATCH", "/api/v1/users/"+w.users[coach].ID, revoke); r.Code != 200 {
			t.Fatalf("revoke: %d %s", r.Code, r.Body)
		}
		if r := w.do(coach, "GET", "/api/v1/teachers?school_id="+w.schoolA1, nil); r.Code != 404 {
			t.Fatalf("a revoked grant still opens the school: %d", r.Code)
		}

		if r := w.do(admin, "PATCH", "/api/v1/users/"+w.users[observer].ID, map[string]any{"active": false}); r.Code != 200 {
			t.Fatalf("deactivate: %d %s", r.Code, r.Body)
		}
		if r := w.do(observer, "GET", "/api/v1/me", nil); r.Code != 401 {
			t.Fatalf("a deactivated user's access token still works: %d", r.Code)
		}
		if r := w.refreshWith(w.refresh[observer]); r.Code != 401 {
			t.Fatalf("a deactivated user can refresh: %d", r.Code)
		}
		r := w.do(anonymous, "POST", "/api/v1/auth/login", map[string]string{"email": w.users[observer].Email, "password": password})
		if r.Code != 401 {
			t.Fatalf("a deactivated user can sign in: %d", r.Code)
		}
		if r := w.do(admin, "PATCH", "/api/v1/users/"+w.users[admin].ID, map[string]any{"active": false}); r.Code != 422 {
			t.Fatalf("an administrator deactivated themself: %d", r.Code)
		}
	})
}

func TestLoginAnswersAlikeForUnknownEmailAndWrongPassword(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		// The fastest of three tries each, so that a busy machine's pauses
		// do not decide.
		timed := func(email string) (r response, fastest time.Duration) {
			for i := range 3 {
				start := time.Now()
				r = w.do(anonymous, "POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "not the password"})
				if took := time.Since(start); i == 0 || took < fastest {
					fastest = took
				}
			}
			return r, fastest
		}
		unknown, tu := timed("nobody@example.org")
		wrong, tw := timed(w.users[supervisor].Email)
		if unknown.Code != 401 || wrong.Code != 401 {
			t.Fatalf("statuses %d and %d", unknown.Code, wrong.Code)
		}
		var a, b Problem
		unknown.decode(t, &a)
		wrong.decode(t, &b)
		if a.Detail != b.Detail || a.Code != b.Code {
			t.Fatalf("the answers differ: %+v vs %+v", a, b)
		}
		// Both run one argon2id hash; neither should be several times the other.
		if tu > 5*tw || tw > 5*tu {
			t.Errorf("timings differ too much: unknown %s, wrong %s", tu, tw)
		}
	})
}

func TestThrottleIgnoresForwardedForFromUntrustedPeers(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		attempt := func(i int, email string) int {
			req := httptest.NewRequest("POST", "/api/v1/auth/login",
				strings.NewReader(`{"email":"`+email+`","password":"wrong password!"}`))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = "198.51.100.7:5000"
			// A client that is not a trusted proxy names a new address each time.
			req.Header.Set("X-Forwarded-For", "203.0.113."+itoa(i))
			rec := httptest.NewRecorder()
			w.handler.ServeHTTP(rec, req)
			if rec.Code == http.StatusTooManyRequests && rec.Header().Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			return rec.Code
		}
		var codes []int
		for i := range 30 {
			codes = append(codes, attempt(i, "guess"+itoa(i)+"@example.org"))
		}
		if codes[len(codes)-1] != http.StatusTooManyRequests {
			t.Fatalf("30 failures from one address over many accounts were never throttled: %v", codes)
		}
		// Per account: a few failures, then a wait.
		var acc []int
		for i := range 8 {
			acc = append(acc, attempt(100+i, w.users[teacher].Email))
		}
		if acc[len(acc)-1] != http.StatusTooManyRequests {
			t.Fatalf("repeated failures on one account were never throttled: %v", acc)
		}
		// The block is temporary: once it has passed, the right password works.
		w.clock.now = w.clock.now.Add(20 * time.Minute)
		r := w.do(anonymous, "POST", "/api/v1/auth/login", map[string]string{"email": w.users[principalA].Email, "password": password})
		if r.Code != 200 {
			t.Fatalf("sign-in from another client refused: %d %s", r.Code, r.Body)
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }
