package auth

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// outbox keeps the messages the service queues.
type outbox struct {
	mu  sync.Mutex
	got []store.Message
}

func (o *outbox) Queue(_ context.Context, m store.Message) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, m)
	return true, nil
}

func (o *outbox) messages() []store.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]store.Message(nil), o.got...)
}

var resetLink = regexp.MustCompile(`https://walkthrough\.example/reset-password#token=(wtp_[A-Za-z0-9_-]+)`)

func lastResetToken(t *testing.T, o *outbox) string {
	t.Helper()
	ms := o.messages()
	if len(ms) == 0 {
		t.Fatal("no reset message was sent")
	}
	m := resetLink.FindStringSubmatch(ms[len(ms)-1].Body)
	if m == nil {
		t.Fatalf("the reset message has no link:\n%s", ms[len(ms)-1].Body)
	}
	return m[1]
}

// TestForgotPasswordSingleUseLinkExpiresAndSameAnswer: an unknown address
// gets the same answer and no message; a known one gets a link that sets
// a new password once, signs out the old sessions, and no longer works
// after 30 minutes.
func TestForgotPasswordSingleUseLinkExpiresAndSameAnswer(t *testing.T) {
	eachRefreshWorld(t, func(t *testing.T, w *refreshWorld) {
		ctx := context.Background()
		o := &outbox{}
		w.svc.SetMailer(o, "https://walkthrough.example")
		c := Client{IP: "192.0.2.7", UserAgent: "test"}
		if err := w.svc.ForgotPassword(ctx, "nobody@example.org", c); err != nil {
			t.Fatalf("an unknown address is answered %v, want the same answer as a known one (nil)", err)
		}
		if n := len(o.messages()); n != 0 {
			t.Fatalf("an unknown address was sent %d messages", n)
		}
		if err := w.svc.ForgotPassword(ctx, "  ADA@example.org ", c); err != nil {
			t.Fatal(err)
		}
		ms := o.messages()
		if len(ms) != 1 || ms[0].Recipient != w.user.Email || ms[0].Kind != "password_reset" {
			t.Fatalf("messages after a known address: %+v", ms)
		}
		token := lastResetToken(t, o)
		const newPassword = "a brand new password"
		if err := w.svc.ResetPassword(ctx, token, newPassword, c); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Login(ctx, w.user.Email, newPassword, c); err != nil {
			t.Fatalf("sign-in with the new password: %v", err)
		}
		if _, err := w.svc.Login(ctx, w.user.Email, refreshPassword, c); err == nil {
			t.Fatal("the old password still signs in")
		}
		if _, err := w.svc.Refresh(ctx, w.first.RefreshToken, c); err == nil {
			t.Fatal("a session from before the reset still refreshes")
		}
		if err := w.svc.ResetPassword(ctx, token, "yet another password", c); domain.ErrorCode(err) != domain.EInvalid {
			t.Fatalf("a used link is answered %v, want invalid", err)
		}

		if err := w.svc.ForgotPassword(ctx, w.user.Email, c); err != nil {
			t.Fatal(err)
		}
		late := lastResetToken(t, o)
		w.advance(ResetTTL + time.Minute)
		if err := w.svc.ResetPassword(ctx, late, "yet another password", c); domain.ErrorCode(err) != domain.EInvalid {
			t.Fatalf("a link 31 minutes old is answered %v, want invalid", err)
		}
		if err := w.svc.ResetPassword(ctx, "wtp_made-up", "yet another password", c); domain.ErrorCode(err) != domain.EInvalid {
			t.Fatalf("a made-up link is answered %v, want invalid", err)
		}
	})
}

// TestForgotPasswordIsThrottled: asking again and again for one address,
// known or not, is refused after a few requests, for a while.
func TestForgotPasswordIsThrottled(t *testing.T) {
	eachRefreshWorld(t, func(t *testing.T, w *refreshWorld) {
		ctx := context.Background()
		o := &outbox{}
		w.svc.SetMailer(o, "https://walkthrough.example")
		for _, email := range []string{w.user.Email, "nobody@example.org"} {
			limited := 0
			for i := range 8 {
				err := w.svc.ForgotPassword(ctx, email, Client{IP: fmt.Sprintf("192.0.2.%d", 10+i)})
				if domain.ErrorCode(err) == domain.ERateLimited {
					limited = i + 1
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if limited == 0 || limited > 7 {
				t.Fatalf("%s: eight requests in a row were all accepted", email)
			}
		}
		if n := len(o.messages()); n > 6 {
			t.Errorf("%d reset messages were sent for one address in a row", n)
		}
		w.advance(time.Hour)
		if err := w.svc.ForgotPassword(ctx, w.user.Email, Client{IP: "192.0.2.99"}); err != nil {
			t.Fatalf("an hour later the address is still refused: %v", err)
		}
	})
}
