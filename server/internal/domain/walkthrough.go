package domain

import (
	"slices"
	"strings"
	"time"
)

// WalkthroughKind says what sort of visit it is.
type WalkthroughKind string

// The kinds of walkthrough.
const (
	KindClassroom  WalkthroughKind = "classroom"
	KindLeadership WalkthroughKind = "leadership"
	KindFollowUp   WalkthroughKind = "follow_up"
	KindInformal   WalkthroughKind = "informal"
)

// WalkthroughKinds lists every kind.
var WalkthroughKinds = []WalkthroughKind{KindClassroom, KindLeadership, KindFollowUp, KindInformal}

// Valid reports whether k is a known kind.
func (k WalkthroughKind) Valid() bool {
	for _, x := range WalkthroughKinds {
		if k == x {
			return true
		}
	}
	return false
}

// Walkthrough is one visit by a team to a school on a date.
type Walkthrough struct {
	ID              string
	DistrictID      string
	SchoolID        string
	RubricVersionID string
	Kind            WalkthroughKind
	Date            time.Time // the local day, at 00:00 UTC
	LeadID          string
	Team            []string // user ids, the lead included
	Focus           []string // indicator keys the team looks for today
	DebriefNotes    string
	DeviceID        string
	Rev             int64
	Deleted         bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Validate checks the walkthrough's fields.
func (w Walkthrough) Validate() error {
	var p Problems
	if !ValidID(w.ID) {
		p.Add("id", "must be a UUID")
	}
	if !ValidID(w.SchoolID) {
		p.Add("school_id", "must name a school")
	}
	if !ValidID(w.RubricVersionID) {
		p.Add("rubric_version_id", "must name a rubric version")
	}
	if !w.Kind.Valid() {
		p.Add("kind", "must be one of classroom, leadership, follow_up, informal")
	}
	if w.Date.IsZero() {
		p.Add("date", "must be a date")
	}
	if !ValidID(w.LeadID) {
		p.Add("lead_id", "must name a user")
	}
	for i, m := range w.Team {
		if !ValidID(m) {
			p.Add("team["+itoa(i)+"]", "must name a user")
		}
	}
	if len(w.DebriefNotes) > 20000 {
		p.Add("debrief_notes", "must be at most 20000 characters")
	}
	return p.Err("the walkthrough is not valid")
}

// ObservationStatus is draft until submitted; only submitted observations
// count in trends.
type ObservationStatus string

// Observation statuses.
const (
	ObservationDraft     ObservationStatus = "draft"
	ObservationSubmitted ObservationStatus = "submitted"
)

// Observation is one classroom visit inside a walkthrough.
type Observation struct {
	ID              string
	DistrictID      string
	SchoolID        string
	WalkthroughID   string // may be empty for an informal visit
	FollowUpID      string // set when the visit is a cycle's follow-up
	TeacherID       string
	ObserverID      string
	RubricVersionID string
	Kind            WalkthroughKind
	Grade           string
	Subject         string
	StartedAt       time.Time // by the device's clock, as it was pushed
	CountedAt       time.Time // puts it in a day, week and month: StartedAt unless the device's clock was off
	EndedAt         *time.Time
	Status          ObservationStatus
	Scores          []Score
	Evidence        string // overall evidence: scripted teacher questions, student responses
	Tags            []string
	AttachmentIDs   []string
	DeviceID        string
	Rev             int64
	Deleted         bool
	SubmittedAt     *time.Time
	ReceivedAt      time.Time
	ClockSkewed     bool // the device's clock was off: CountedAt is not StartedAt
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Score is one indicator's level, or "not observed" when Level is nil.
type Score struct {
	IndicatorKey string `json:"indicator_key"`
	Level        *int   `json:"level"`
	Evidence     string `json:"evidence,omitempty"`
}

// Validate checks the observation on its own; ValidateAgainst checks it
// against its rubric version.
func (o Observation) Validate() error {
	var p Problems
	if !ValidID(o.ID) {
		p.Add("id", "must be a UUID")
	}
	if !ValidID(o.SchoolID) {
		p.Add("school_id", "must name a school")
	}
	if !ValidID(o.TeacherID) {
		p.Add("teacher_id", "must name a teacher")
	}
	if !ValidID(o.ObserverID) {
		p.Add("observer_id", "must name a user")
	}
	if !ValidID(o.RubricVersionID) {
		p.Add("rubric_version_id", "must name a rubric version")
	}
	if o.WalkthroughID != "" && !ValidID(o.WalkthroughID) {
		p.Add("walkthrough_id", "must be a UUID")
	}
	if !o.Kind.Valid() {
		p.Add("kind", "must be one of classroom, leadership, follow_up, informal")
	}
	if o.Status != ObservationDraft && o.Status != ObservationSubmitted {
		p.Add("status", "must be draft or submitted")
	}
	if o.StartedAt.IsZero() {
		p.Add("started_at", "must be a time")
	}
	if o.EndedAt != nil && o.EndedAt.Before(o.StartedAt) {
		p.Add("ended_at", "must not be before started_at")
	}
	if o.Grade != "" {
		if _, ok := ParseGrade(o.Grade); !ok {
			p.Add("grade", "%q is not a grade (PK, K, 1 to 12)", o.Grade)
		}
	}
	if len(o.Evidence) > 50000 {
		p.Add("evidence", "must be at most 50000 characters")
	}
	// A rubric has a few dozen indicators at most, which are quicker to
	// compare than to hash; a longer list is refused all the same.
	var seen map[string]bool
	if len(o.Scores) > 64 {
		seen = make(map[string]bool, len(o.Scores))
	}
	for i, s := range o.Scores {
		twice := false
		if seen != nil {
			twice, seen[s.IndicatorKey] = seen[s.IndicatorKey], true
		} else {
			twice = slices.ContainsFunc(o.Scores[:i], func(e Score) bool { return e.IndicatorKey == s.IndicatorKey })
		}
		if twice {
			p.Add("scores["+itoa(i)+"].indicator_key", "%q is scored twice", s.IndicatorKey)
		}
		if len(s.Evidence) > 20000 {
			p.Add("scores["+itoa(i)+"].evidence", "must be at most 20000 characters")
		}
	}
	for i, t := range o.Tags {
		if strings.TrimSpace(t) == "" || len(t) > 64 {
			p.Add("tags["+itoa(i)+"]", "must be 1 to 64 characters")
		}
	}
	return p.Err("the observation is not valid")
}

// ValidateAgainst checks that every score names an indicator of v and a level
// on its scale.
func (o Observation) ValidateAgainst(v RubricVersion) error {
	var p Problems
	if v.Status != RubricPublished {
		p.Add("rubric_version_id", "must name a published rubric version")
	}
	for i, s := range o.Scores {
		f := "scores[" + itoa(i) + "]"
		if _, _, ok := v.Indicator(s.IndicatorKey); !ok {
			p.Add(f+".indicator_key", "%q is not an indicator of this rubric version", s.IndicatorKey)
			continue
		}
		if s.Level != nil && !v.HasLevel(*s.Level) {
			p.Add(f+".level", "%d is not a level of this rubric's scale", *s.Level)
		}
	}
	return p.Err("the observation does not fit its rubric")
}

// NextStep is an action agreed in a debrief, with an owner and a due date.
type NextStep struct {
	ID            string
	DistrictID    string
	WalkthroughID string
	SchoolID      string
	OwnerID       string
	Action        string
	DueOn         *time.Time
	IndicatorKey  string
	Done          bool
	DoneAt        *time.Time
	DeviceID      string
	Rev           int64
	Deleted       bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Validate checks the next step's fields.
func (n NextStep) Validate() error {
	var p Problems
	if !ValidID(n.ID) {
		p.Add("id", "must be a UUID")
	}
	if !ValidID(n.SchoolID) {
		p.Add("school_id", "must name a school")
	}
	if !ValidID(n.OwnerID) {
		p.Add("owner_id", "must name a user")
	}
	if strings.TrimSpace(n.Action) == "" {
		p.Add("action", "must not be empty")
	}
	return p.Err("the next step is not valid")
}
