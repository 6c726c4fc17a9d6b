package domain

import "testing"

// The id of a feedback made for an observation is the one the PWA derives
// too (pwa/src/db/uuid.test.ts holds the same value).
func TestFeedbackIDOf(t *testing.T) {
	const obs, want = "01938a6e-7c2b-7d4e-9f00-0123456789ab", "827e5c12-39e1-548c-b904-2bbdb9605d78"
	if got := FeedbackIDOf(obs); got != want {
		t.Errorf("FeedbackIDOf(%s) = %s, want %s", obs, got, want)
	}
	if got := FeedbackIDOf("01938A6E-7C2B-7D4E-9F00-0123456789AB"); got != want || !ValidID(got) {
		t.Errorf("upper case: %s", got)
	}
}
