package domain

import (
	"strings"
	"time"

	"github.com/google/uuid"
)

// Feedback is an observation shared with the teacher observed: which of
// its indicators (and whether its overall evidence) the teacher sees, a
// short written feedback (a strength and a next move), next steps the
// teacher owns, and the teacher's side: read, a reply, steps done. Private
// notes are the observer's and coach's own and never reach the teacher.
type Feedback struct {
	ID            string
	DistrictID    string
	SchoolID      string
	ObservationID string
	TeacherID     string // the roster teacher observed
	SharedBy      string // the user who last wrote the sharing side
	Shared        bool   // false: unshared, the teacher no longer sees it
	IndicatorKeys []string
	ShareEvidence bool // the observation's overall evidence
	Strength      string
	NextMove      string
	PrivateNotes  string
	NextSteps     []FeedbackStep
	SharedAt      *time.Time
	ReadAt        *time.Time
	Reply         string
	RepliedAt     *time.Time
	DeviceID      string
	Rev           int64
	Deleted       bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// FeedbackStep is a next step the teacher owns.
type FeedbackStep struct {
	ID     string     `json:"id"`
	Text   string     `json:"text"`
	Done   bool       `json:"done"`
	DoneAt *time.Time `json:"done_at,omitempty"`
}

// Validate checks the feedback's fields.
func (f Feedback) Validate() error {
	var p Problems
	if !ValidID(f.ID) {
		p.Add("id", "must be a UUID")
	}
	if !ValidID(f.ObservationID) {
		p.Add("observation_id", "must name an observation")
	}
	if len(f.Strength) > 2000 {
		p.Add("strength", "must be at most 2000 characters")
	}
	if len(f.NextMove) > 2000 {
		p.Add("next_move", "must be at most 2000 characters")
	}
	if len(f.PrivateNotes) > 20000 {
		p.Add("private_notes", "must be at most 20000 characters")
	}
	if len(f.Reply) > 5000 {
		p.Add("reply", "must be at most 5000 characters")
	}
	if len(f.NextSteps) > 20 {
		p.Add("next_steps", "at most 20 next steps")
	}
	for i, s := range f.NextSteps {
		if !ValidID(s.ID) {
			p.Add("next_steps["+itoa(i)+"].id", "must be a UUID")
		}
		if t := strings.TrimSpace(s.Text); t == "" || len(t) > 500 {
			p.Add("next_steps["+itoa(i)+"].text", "must be 1 to 500 characters")
		}
	}
	if f.Shared && strings.TrimSpace(f.Strength) == "" && strings.TrimSpace(f.NextMove) == "" && len(f.IndicatorKeys) == 0 {
		p.Add("strength", "share at least one indicator, a strength or a next move")
	}
	return p.Err("the feedback is not valid")
}

// feedbackNamespace names the ids of feedback made for an observation.
var feedbackNamespace = uuid.MustParse("6f1f6a43-5d0e-4c8e-9a52-0b7e3c1d2f10")

// FeedbackIDOf is the id a new feedback of the observation takes: a
// name-based UUID (version 5) of the observation's id, so that the server,
// sharing an observation by itself on submission, and the observer's
// device, writing feedback offline, name the same record.
func FeedbackIDOf(observationID string) string {
	return uuid.NewSHA1(feedbackNamespace, []byte(strings.ToLower(observationID))).String()
}
