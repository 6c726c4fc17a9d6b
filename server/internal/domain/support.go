package domain

import (
	"strings"
	"time"
)

// SupportStatus is where a support request stands.
type SupportStatus string

// Support request statuses.
const (
	SupportOpen      SupportStatus = "open"      // waiting for whoever assigns coaches
	SupportAssigned  SupportStatus = "assigned"  // a coach is assigned
	SupportDeclined  SupportStatus = "declined"  // declined, with a reason
	SupportWithdrawn SupportStatus = "withdrawn" // the requester took it back
)

// Support request sources: where the requester saw the need.
var SupportSources = []string{"", "teacher_view", "trend", "heat_map", "debrief", "next_step"}

// SupportRequest is a principal's or supervisor's request for coaching
// support at a school: for some of its teachers (none: the school as a
// whole), on some indicators, why and by when. Whoever assigns coaches
// assigns a coach or declines it with a reason; a cycle of support may then
// open from it.
type SupportRequest struct {
	ID            string
	DistrictID    string
	SchoolID      string
	RequesterID   string
	TeacherIDs    []string
	IndicatorKeys []string
	Reason        string
	NeededBy      *time.Time
	Source        string
	Status        SupportStatus
	CoachID       string
	DeclineReason string
	DecidedBy     string
	DecidedAt     *time.Time
	CycleID       string // the cycle of support opened from it
	DeviceID      string
	Rev           int64
	Deleted       bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Validate checks the request's fields.
func (r SupportRequest) Validate() error {
	var p Problems
	if !ValidID(r.ID) {
		p.Add("id", "must be a UUID")
	}
	if !ValidID(r.SchoolID) {
		p.Add("school_id", "must name a school")
	}
	if !ValidID(r.RequesterID) {
		p.Add("requester_id", "must name a user")
	}
	for _, id := range r.TeacherIDs {
		if !ValidID(id) {
			p.Add("teacher_ids", "must name teachers")
			break
		}
	}
	if len(r.IndicatorKeys) == 0 {
		p.Add("indicator_keys", "name at least one indicator the support is for")
	}
	for _, k := range r.IndicatorKeys {
		if !ValidKey(k) {
			p.Add("indicator_keys", "must name indicators")
			break
		}
	}
	if strings.TrimSpace(r.Reason) == "" {
		p.Add("reason", "say why the support is needed")
	}
	valid := false
	for _, s := range SupportSources {
		valid = valid || s == r.Source
	}
	if !valid {
		p.Add("source", "must be teacher_view, trend, heat_map, debrief or next_step")
	}
	switch r.Status {
	case SupportOpen, SupportWithdrawn:
		if r.CoachID != "" {
			p.Add("coach_id", "only an assigned request names a coach")
		}
	case SupportAssigned:
		if !ValidID(r.CoachID) {
			p.Add("coach_id", "an assigned request names its coach")
		}
	case SupportDeclined:
		if strings.TrimSpace(r.DeclineReason) == "" {
			p.Add("decline_reason", "say why the request is declined")
		}
		if r.CoachID != "" {
			p.Add("coach_id", "a declined request names no coach")
		}
	default:
		p.Add("status", "must be open, assigned, declined or withdrawn")
	}
	return p.Err("the support request is not valid")
}
