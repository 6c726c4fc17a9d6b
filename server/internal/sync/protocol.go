// Package sync is the protocol between devices and the district database:
// push applies each device-authored change exactly once, pull hands each
// device what changed that it may see, in commit order.
package sync

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Limits of one push.
const (
	MaxChanges   = 500
	MaxPushBytes = 5 << 20
)

// Entities a device writes.
const (
	EntityWalkthrough   = "walkthrough"
	EntityObservation   = "observation"
	EntityCycleActivity = "cycle_activity"
	EntityFollowUp      = "follow_up"
	EntityNextStep      = "next_step"
	// EntitySupportRequest is a request for coaching support; whoever
	// assigns coaches decides it through the same change.
	EntitySupportRequest = "support_request"
	// EntityCycle is a cycle of support. A coach's device opens one (one
	// that answers a support request is opened online, POST /cycles) and
	// changes it afterwards: complete it with its outcome, reopen it,
	// abandon it.
	EntityCycle = "cycle"
	// EntityFeedback is an observation shared with the teacher observed;
	// the teacher reads, replies and marks next steps done through the
	// same change.
	EntityFeedback = "feedback"
)

// Entities only the server writes; devices receive them through pull.
const (
	EntitySchool        = "school"
	EntityTeacher       = "teacher"
	EntityRubricVersion = "rubric_version"
	// EntityFramework is a rubric with where it applies now, so that a
	// device picks the framework of a visit offline.
	EntityFramework = store.EntityFramework
)

// Operations.
const (
	OpUpsert = "upsert"
	OpDelete = "delete"
)

// Statuses of a pushed change.
const (
	StatusApplied   = "applied"
	StatusDuplicate = "duplicate" // applied before: the stored result again
	StatusConflict  = "conflict"  // base_rev is behind: Current holds the server's record
	StatusGone      = "gone"      // the record was deleted on the server: nothing resurrected
	StatusRejected  = "rejected"  // the change breaks a rule: Error says which
	StatusForbidden = "forbidden" // the caller may not change this record
)

// CodeServerError is the code of a change rejected for a failure of the
// server's own that was confined to it: its step was undone, the rest of
// the push applied, and the error is logged with the change id.
const CodeServerError = "server_error"

// PushRequest is the body of POST /sync/push.
type PushRequest struct {
	DeviceID string `json:"device_id"`
	// DeviceTime is the device's clock when it sent the push, so that the
	// server can tell how far off it is; older clients leave it out.
	DeviceTime *time.Time `json:"device_time,omitempty"`
	Changes    []Change   `json:"changes"`
}

// Change is one device-authored change.
type Change struct {
	ChangeID string          `json:"change_id"`
	Entity   string          `json:"entity"`
	Op       string          `json:"op"`
	ID       string          `json:"id"`
	BaseRev  int64           `json:"base_rev"`
	Data     json.RawMessage `json:"data,omitempty"`
}

// Problem says why a change was refused.
type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// ClashesWith, with the clash code, is the follow-up that holds the time.
	ClashesWith string `json:"clashes_with,omitempty"`
}

// Result answers one change, in the order of the request.
type Result struct {
	ChangeID string   `json:"change_id"`
	Status   string   `json:"status"`
	Rev      int64    `json:"rev,omitempty"`
	Current  *Record  `json:"current,omitempty"`
	Error    *Problem `json:"error,omitempty"`
}

// PushResponse is the answer of POST /sync/push.
type PushResponse struct {
	Results    []Result  `json:"results"`
	ServerTime time.Time `json:"server_time"`
}

// Record is one record as pull hands it out (and as a conflict shows the
// server's version).
type Record struct {
	Entity  string `json:"entity"`
	ID      string `json:"id"`
	Rev     int64  `json:"rev"`
	Deleted bool   `json:"deleted"`
	Data    any    `json:"data,omitempty"`
}

// PullResponse is the answer of GET /sync/pull.
type PullResponse struct {
	Changes []Record `json:"changes"`
	Cursor  string   `json:"cursor"`
	More    bool     `json:"more"`
}

// Validate checks the envelope of a push: sizes, ids and names, not data.
func (r PushRequest) Validate() error {
	var p domain.Problems
	if !domain.ValidID(r.DeviceID) {
		p.Add("device_id", "must be the device's UUID")
	}
	if len(r.Changes) > MaxChanges {
		return domain.Errorf(domain.ETooLarge, "at most %d changes a push", MaxChanges)
	}
	return p.Err("the push is not valid")
}

// envelopeProblem checks one change's envelope.
func (c Change) envelopeProblem() *Problem {
	switch {
	case !domain.ValidID(c.ChangeID):
		return &Problem{Code: "invalid", Field: "change_id", Message: "must be a UUID"}
	case !domain.ValidID(c.ID):
		return &Problem{Code: "invalid", Field: "id", Message: "must be a UUID"}
	case c.Op != OpUpsert && c.Op != OpDelete:
		return &Problem{Code: "invalid", Field: "op", Message: "must be upsert or delete"}
	case c.BaseRev < 0:
		return &Problem{Code: "invalid", Field: "base_rev", Message: "must not be negative"}
	case c.Op == OpUpsert && len(bytes.TrimSpace(c.Data)) == 0:
		return &Problem{Code: "invalid", Field: "data", Message: "an upsert needs data"}
	}
	switch c.Entity {
	case EntityWalkthrough, EntityObservation, EntityCycle, EntityCycleActivity, EntityFollowUp, EntityNextStep, EntitySupportRequest, EntityFeedback:
		return nil
	}
	return &Problem{Code: "invalid", Field: "entity", Message: "must be walkthrough, observation, cycle, cycle_activity, follow_up, next_step, support_request or feedback"}
}

// payloadHash identifies a change's content, so that a reused change id
// with other content is told apart from a retry. White space in data does
// not count: data is hashed compacted, its strings and numbers as written.
// The hash is stored with every applied change and compared when a device
// sends the change again, so it must never change.
func (c Change) payloadHash() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00", c.Entity, c.Op, strings.ToLower(c.ID), c.BaseRev)
	h.Write(compact(c.Data))
	return hex.EncodeToString(h.Sum(nil))
}

// compact is JSON text without the white space between its tokens, as
// json.Compact writes it; text that is not JSON, which a decoded push
// never holds, is answered as it is.
func compact(data []byte) []byte {
	if isCompact(data) {
		return data // as a device's encoder writes it: nothing to take out
	}
	v := jsontext.Value(bytes.Clone(data)) // Compact works in place
	if v.Compact() != nil {
		return data
	}
	return v
}

// isCompact tells text with no white space outside its strings, which
// compacting leaves as it is (strings are kept as written). It jumps
// through strings from quote to quote, since evidence text is most of a
// push.
func isCompact(data []byte) bool {
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			return false
		case '"':
			for {
				j := bytes.IndexByte(data[i+1:], '"')
				if j < 0 {
					return true // not JSON: compact answers it as it is
				}
				i += 1 + j
				backslashes := 0
				for k := i - 1; k >= 0 && data[k] == '\\'; k-- {
					backslashes++
				}
				if backslashes%2 == 0 {
					break // the closing quote
				}
			}
		}
	}
	return true
}

// Date is a calendar day written as YYYY-MM-DD.
type Date struct{ time.Time }

// MarshalJSON writes the day.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.Format(time.DateOnly))
}

// UnmarshalJSON reads YYYY-MM-DD, or null, for encoding/json.
func (d *Date) UnmarshalJSON(b []byte) error {
	return d.UnmarshalJSONFrom(jsontext.NewDecoder(bytes.NewReader(b), jsontext.AllowInvalidUTF8(true)))
}

// UnmarshalJSONFrom reads YYYY-MM-DD, or null.
func (d *Date) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 'n':
		*d = Date{}
		return nil
	case '"':
		if t, err := time.Parse(time.DateOnly, tok.String()); err == nil {
			*d = Date{t}
			return nil
		}
	}
	return errors.New("must be a date such as 2026-09-01")
}

func datePtr(d *Date) *time.Time {
	if d == nil || d.IsZero() {
		return nil
	}
	t := d.Time
	return &t
}

func toDate(t *time.Time) *Date {
	if t == nil {
		return nil
	}
	return &Date{*t}
}

// ObservationDataOf is an observation as the API shows it.
func ObservationDataOf(o domain.Observation) ObservationData { return observationData(o) }

// WalkthroughDataOf is a walkthrough as the API shows it.
func WalkthroughDataOf(w domain.Walkthrough) WalkthroughData { return walkthroughData(w) }

// CycleDataOf is a cycle of support as the API shows it.
func CycleDataOf(c domain.Cycle) CycleData {
	return CycleData{SchoolID: c.SchoolID, CoachID: c.CoachID, TeacherIDs: orEmpty(c.TeacherIDs), FocusIndicatorKey: c.FocusIndicatorKey,
		FocusShift: c.FocusShift, Status: string(c.Status), Outcome: string(c.Outcome), OutcomeEvidence: c.OutcomeEvidence,
		StartedOn: toDate(c.StartedOn), EndedOn: toDate(c.EndedOn)}
}

// ActivityDataOf is a support activity as the API shows it.
func ActivityDataOf(a domain.Activity) ActivityData { return activityData(a) }

// FollowUpDataOf is a follow-up as the API shows it.
func FollowUpDataOf(f domain.FollowUp) FollowUpData { return followUpData(f) }
