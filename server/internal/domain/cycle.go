package domain

import "time"

// CycleStatus is where a cycle of support stands.
type CycleStatus string

// Cycle statuses.
const (
	CyclePlanned   CycleStatus = "planned"
	CycleActive    CycleStatus = "active"
	CycleCompleted CycleStatus = "completed"
	CycleAbandoned CycleStatus = "abandoned"
)

// CycleOutcome says whether the shift showed up.
type CycleOutcome string

// Outcomes of a completed cycle.
const (
	OutcomeNone   CycleOutcome = ""
	OutcomeSeen   CycleOutcome = "seen"
	OutcomePartly CycleOutcome = "partly"
	OutcomeNotYet CycleOutcome = "not_yet"
)

// Cycle is a cycle of support: a coach works with one teacher or a team on
// one shift in practice, then comes back to see whether it shows up.
type Cycle struct {
	ID                string
	DistrictID        string
	SchoolID          string
	CoachID           string
	TeacherIDs        []string
	FocusIndicatorKey string
	FocusShift        string // the instructional shift, in words
	Status            CycleStatus
	Outcome           CycleOutcome
	OutcomeEvidence   string
	StartedOn         *time.Time
	EndedOn           *time.Time
	Rev               int64
	Deleted           bool
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Validate checks the cycle's fields.
func (c Cycle) Validate() error {
	var p Problems
	if !ValidID(c.ID) {
		p.Add("id", "must be a UUID")
	}
	if !ValidID(c.SchoolID) {
		p.Add("school_id", "must name a school")
	}
	if !ValidID(c.CoachID) {
		p.Add("coach_id", "must name a user")
	}
	if len(c.TeacherIDs) == 0 {
		p.Add("teacher_ids", "a cycle supports at least one teacher")
	}
	if !ValidKey(c.FocusIndicatorKey) {
		p.Add("focus_indicator_key", "must name an indicator")
	}
	switch c.Status {
	case CyclePlanned, CycleActive, CycleCompleted, CycleAbandoned:
	default:
		p.Add("status", "must be planned, active, completed or abandoned")
	}
	switch c.Outcome {
	case OutcomeNone, OutcomeSeen, OutcomePartly, OutcomeNotYet:
	default:
		p.Add("outcome", "must be seen, partly or not_yet")
	}
	return p.Err("the cycle is not valid")
}

// ActivityKind is the sort of support given.
type ActivityKind string

// Kinds of support activity.
const (
	ActivityPLSession  ActivityKind = "pl_session"
	ActivityPLCMeeting ActivityKind = "plc_meeting"
	ActivityOneOnOne   ActivityKind = "one_on_one"
	ActivityCoTeaching ActivityKind = "co_teaching"
	ActivityModeling   ActivityKind = "modeling"
	ActivityOther      ActivityKind = "other"
)

// Activity is one dated piece of support inside a cycle.
type Activity struct {
	ID         string
	DistrictID string
	CycleID    string
	Kind       ActivityKind
	OccurredOn time.Time
	Notes      string
	AuthorID   string
	DeviceID   string
	Rev        int64
	Deleted    bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Validate checks the activity's fields.
func (a Activity) Validate() error {
	var p Problems
	if !ValidID(a.ID) {
		p.Add("id", "must be a UUID")
	}
	switch a.Kind {
	case ActivityPLSession, ActivityPLCMeeting, ActivityOneOnOne, ActivityCoTeaching, ActivityModeling, ActivityOther:
	default:
		p.Add("kind", "must be pl_session, plc_meeting, one_on_one, co_teaching, modeling or other")
	}
	if a.OccurredOn.IsZero() {
		p.Add("occurred_on", "must be a date")
	}
	return p.Err("the activity is not valid")
}

// FollowUpStatus is where a follow-up stands.
type FollowUpStatus string

// Follow-up statuses. Overdue is derived from the date, never stored.
const (
	FollowUpScheduled FollowUpStatus = "scheduled"
	FollowUpDone      FollowUpStatus = "done"
	FollowUpCancelled FollowUpStatus = "cancelled"
)

// FollowUp is a scheduled observation inside a cycle of support.
type FollowUp struct {
	ID            string
	DistrictID    string
	CycleID       string
	SchoolID      string
	TeacherID     string
	StartsAt      time.Time
	EndsAt        time.Time
	ObserverIDs   []string
	Status        FollowUpStatus
	ObservationID string
	Notes         string
	Rev           int64
	Deleted       bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Validate checks the follow-up's fields.
func (f FollowUp) Validate() error {
	var p Problems
	if !ValidID(f.ID) {
		p.Add("id", "must be a UUID")
	}
	if !ValidID(f.TeacherID) {
		p.Add("teacher_id", "must name a teacher")
	}
	if f.StartsAt.IsZero() {
		p.Add("starts_at", "must be a time")
	}
	if !f.EndsAt.After(f.StartsAt) {
		p.Add("ends_at", "must be after starts_at")
	}
	if len(f.ObserverIDs) == 0 {
		p.Add("observer_ids", "a follow-up needs at least one observer")
	}
	switch f.Status {
	case FollowUpScheduled, FollowUpDone, FollowUpCancelled:
	default:
		p.Add("status", "must be scheduled, done or cancelled")
	}
	if len(f.Notes) > 5000 {
		p.Add("notes", "must be at most 5000 characters")
	}
	return p.Err("the follow-up is not valid")
}

// Overdue reports whether a scheduled follow-up's time has passed.
func (f FollowUp) Overdue(now time.Time) bool {
	return f.Status == FollowUpScheduled && now.After(f.EndsAt)
}
