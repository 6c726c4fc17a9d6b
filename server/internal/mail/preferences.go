package mail

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Kinds of message a person may turn off, besides the follow-up reminders.
const (
	NextStepDue     = "next_step_due"
	NextStepOverdue = "next_step_overdue"
	CycleIdle       = "cycle_idle"
	FeedbackShared  = "feedback_shared"
	WeeklyDigest    = "weekly_digest"
)

// Choice is one kind of message a person may turn off, in their words.
type Choice struct {
	Kind  string
	Label string
	Who   string // who gets it
}

// Choices are the kinds of message each person chooses to get or not, in
// the order the preferences screen shows them. Messages of other kinds
// (a password reset the person asked for) are always sent.
var choices = []Choice{
	{FollowUpDayBefore, "A follow-up you are invited to, the day before", "observers invited to a follow-up"},
	{FollowUpMorningOf, "A follow-up you are invited to, the morning of", "observers invited to a follow-up"},
	{NextStepDue, "A next step of yours falls due", "owners of next steps"},
	{NextStepOverdue, "A next step of yours is overdue", "owners of next steps"},
	{CycleIdle, "A cycle of support of yours has had no activity for two weeks", "coaches"},
	{FeedbackShared, "Feedback is shared with you", "teachers"},
	{WeeklyDigest, "The Monday digest of your schools", "supervisors"},
}

// Choices lists the kinds of message a person may turn off.
func Choices() []Choice { return slices.Clone(choices) }

// ChoiceOf is the choice of a kind, false when the kind cannot be turned off.
func ChoiceOf(kind string) (Choice, bool) {
	for _, c := range choices {
		if c.Kind == kind {
			return c, true
		}
	}
	return Choice{}, false
}

// Preferences are what a person gets: the kinds on and off, at a revision.
type Preferences struct {
	Off []string
	Rev int64
}

// On reports whether kind is on.
func (p Preferences) On(kind string) bool { return !slices.Contains(p.Off, kind) }

// Preferences answers the caller's message preferences.
func (s *Service) Preferences(ctx context.Context, districtID, userID string) (Preferences, error) {
	p, err := s.store.MessagePreferences(ctx, districtID, userID)
	if err != nil {
		return Preferences{}, err
	}
	return Preferences{Off: p.Off, Rev: p.Rev}, nil
}

// SetPreferences turns kinds on and off for the caller at revision rev;
// kinds left out keep their setting.
func (s *Service) SetPreferences(ctx context.Context, districtID, userID string, rev int64, on map[string]bool) (Preferences, error) {
	var prob domain.Problems
	for k := range on {
		if _, ok := ChoiceOf(k); !ok {
			prob.Add("messages."+k, "is not a kind of message that can be turned off")
		}
	}
	if err := prob.Err("the preferences are not valid"); err != nil {
		return Preferences{}, err
	}
	cur, err := s.store.MessagePreferences(ctx, districtID, userID)
	if err != nil {
		return Preferences{}, err
	}
	var off []string
	for _, c := range choices {
		isOn, asked := on[c.Kind]
		if (asked && !isOn) || (!asked && slices.Contains(cur.Off, c.Kind)) {
			off = append(off, c.Kind)
		}
	}
	p, err := s.store.SetMessagePreferences(ctx, districtID, userID, rev, off)
	if err != nil {
		return Preferences{}, err
	}
	return Preferences{Off: p.Off, Rev: p.Rev}, nil
}

// unsubscribeToken signs (user, kind) with the user's own key.
func unsubscribeToken(p store.MessagePreferences, kind string) string {
	return p.UserID + "." + kind + "." + base64.RawURLEncoding.EncodeToString(tokenMAC(p.Key, p.UserID, kind))
}

func tokenMAC(key []byte, userID, kind string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(userID + "." + kind))
	return m.Sum(nil)[:18]
}

// errBadLink is the answer to an unsubscribe link that is not one of ours.
var errBadLink = domain.Errorf(domain.ENotFound, "this unsubscribe link is not valid")

// Unsubscribed says what a one-click unsubscribe turned off.
type Unsubscribed struct {
	Kind  string
	Label string
	Email string
}

// Unsubscribe turns off the one kind of message a link names, for the
// person it was sent to. It needs no sign-in (the link is signed with the
// person's key) and may be followed any number of times.
func (s *Service) Unsubscribe(ctx context.Context, token string) (Unsubscribed, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Unsubscribed{}, errBadLink
	}
	userID, kind := parts[0], parts[1]
	choice, ok := ChoiceOf(kind)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if !ok || err != nil || !domain.ValidID(userID) {
		return Unsubscribed{}, errBadLink
	}
	p, err := s.store.PreferencesOf(ctx, userID)
	if domain.ErrorCode(err) == domain.ENotFound {
		return Unsubscribed{}, errBadLink
	}
	if err != nil {
		return Unsubscribed{}, err
	}
	if !hmac.Equal(sig, tokenMAC(p.Key, userID, kind)) {
		return Unsubscribed{}, errBadLink
	}
	if _, err := s.store.TurnOffMessage(ctx, userID, kind); err != nil {
		return Unsubscribed{}, err
	}
	return Unsubscribed{Kind: kind, Label: choice.Label, Email: p.Email}, nil
}

// withPreferences applies the recipient's preferences to m: false when
// they turned its kind off; otherwise m carries one-click unsubscribe
// headers (RFC 8058) and a link at the end of its text.
func (s *Service) withPreferences(ctx context.Context, m *store.Message) (bool, error) {
	if _, ok := ChoiceOf(m.Kind); !ok {
		return true, nil
	}
	p, found, err := s.store.RecipientPreferences(ctx, m.Recipient)
	if err != nil {
		return false, err
	}
	if !found {
		return false, nil
	}
	if slices.Contains(p.Off, m.Kind) {
		return false, nil
	}
	q := url.Values{"token": {unsubscribeToken(p, m.Kind)}}.Encode()
	if m.Headers == nil {
		m.Headers = map[string]string{}
	}
	m.Headers["List-Unsubscribe"] = "<" + s.baseURL + "/api/v1/unsubscribe?" + q + ">"
	m.Headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
	m.Body += "\nStop messages like this one: " + s.baseURL + "/unsubscribe?" + q + "\nChoose which messages you get in the app, under Messages in your settings.\n"
	return true, nil
}
