package sync

import (
	"context"
	"slices"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// observers may score classrooms at the schools of these grants.
var observers = []domain.Role{domain.RoleSupervisor, domain.RolePrincipal, domain.RoleCoach, domain.RoleObserver}

// A device's clock is kept but never trusted: an observation dated further
// than this from when the server received it is flagged.
const (
	maxAhead  = 24 * time.Hour
	maxBehind = 180 * 24 * time.Hour
)

// ObservationData is an observation on the wire.
type ObservationData struct {
	SchoolID        string         `json:"school_id"`
	TeacherID       string         `json:"teacher_id"`
	ObserverID      string         `json:"observer_id,omitempty"`
	WalkthroughID   string         `json:"walkthrough_id,omitempty"`
	FollowUpID      string         `json:"follow_up_id,omitempty"`
	RubricVersionID string         `json:"rubric_version_id"`
	Kind            string         `json:"kind"`
	Grade           string         `json:"grade,omitempty"`
	Subject         string         `json:"subject,omitempty"`
	StartedAt       time.Time      `json:"started_at"`
	EndedAt         *time.Time     `json:"ended_at,omitempty"`
	Status          string         `json:"status"`
	Scores          []domain.Score `json:"scores"`
	Evidence        string         `json:"evidence,omitempty"`
	Tags            []string       `json:"tags,omitempty"`
	AttachmentIDs   []string       `json:"attachment_ids,omitempty"`
	// Set by the server; ignored when pushed.
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	ReceivedAt  *time.Time `json:"received_at,omitempty"`
	ClockSkewed bool       `json:"clock_skewed,omitempty"`
}

func observationData(o domain.Observation) ObservationData {
	rec := o.ReceivedAt
	return ObservationData{SchoolID: o.SchoolID, TeacherID: o.TeacherID, ObserverID: o.ObserverID, WalkthroughID: o.WalkthroughID,
		FollowUpID: o.FollowUpID, RubricVersionID: o.RubricVersionID, Kind: string(o.Kind), Grade: o.Grade, Subject: o.Subject,
		StartedAt: o.StartedAt, EndedAt: o.EndedAt, Status: string(o.Status), Scores: orEmptyScores(o.Scores), Evidence: o.Evidence,
		Tags: o.Tags, AttachmentIDs: o.AttachmentIDs, SubmittedAt: o.SubmittedAt, ReceivedAt: &rec, ClockSkewed: o.ClockSkewed}
}

func orEmptyScores(s []domain.Score) []domain.Score {
	if s == nil {
		return []domain.Score{}
	}
	return s
}

func (s *Service) applyObservation(ctx context.Context, tx *store.Tx, p auth.Principal, deviceID string, c Change) (int64, error) {
	cur, exists, err := one(tx.Observations(ctx, p.DistrictID(), []string{c.ID}))
	if err != nil {
		return 0, err
	}
	if exists && cur.ObserverID != p.User.ID && !(c.Op == OpDelete && p.IsAdmin()) {
		return 0, forbidden("only the observer who made an observation may change it")
	}
	if err := checkRev(c, exists, cur.Deleted, cur.Rev, func() *Record {
		return &Record{Entity: EntityObservation, ID: cur.ID, Rev: cur.Rev, Deleted: cur.Deleted, Data: observationData(cur)}
	}); err != nil {
		return 0, err
	}
	if c.Op == OpDelete {
		cur.Deleted, cur.Rev, cur.DeviceID = true, cur.Rev+1, deviceID
		return cur.Rev, tx.PutObservation(ctx, cur)
	}
	var d ObservationData
	if err := decodeData(c.Data, &d); err != nil {
		return 0, err
	}
	if d.ObserverID == "" {
		d.ObserverID = p.User.ID
	}
	if d.ObserverID != p.User.ID {
		return 0, rejected("data.observer_id", "an observation is recorded by the observer who made it")
	}
	now := tx.Now()
	o := domain.Observation{ID: c.ID, DistrictID: p.DistrictID(), SchoolID: d.SchoolID, WalkthroughID: d.WalkthroughID,
		FollowUpID: d.FollowUpID, TeacherID: d.TeacherID, ObserverID: d.ObserverID, RubricVersionID: d.RubricVersionID,
		Kind: domain.WalkthroughKind(d.Kind), Grade: d.Grade, Subject: d.Subject, StartedAt: d.StartedAt.UTC(), EndedAt: d.EndedAt,
		Status: domain.ObservationStatus(d.Status), Scores: d.Scores, Evidence: d.Evidence, Tags: d.Tags, DeviceID: deviceID,
		Rev: cur.Rev + 1, ReceivedAt: now}
	if exists {
		o.ReceivedAt = cur.ReceivedAt
	}
	o.ClockSkewed = o.StartedAt.After(now.Add(maxAhead)) || o.StartedAt.Before(now.Add(-maxBehind))
	if o.Status == domain.ObservationSubmitted {
		o.SubmittedAt = &now
		if exists && cur.SubmittedAt != nil {
			o.SubmittedAt = cur.SubmittedAt
		}
	}
	if err := o.Validate(); err != nil {
		return 0, err
	}
	if err := s.checkObservationRefs(ctx, tx, p, o); err != nil {
		return 0, err
	}
	for i, id := range d.AttachmentIDs {
		if !domain.ValidID(id) {
			return 0, rejected("data.attachment_ids["+itoa(i)+"]", "must be a UUID")
		}
	}
	if err := tx.PutObservation(ctx, o); err != nil {
		return 0, err
	}
	// A new observation without photos has no attachment rows to set.
	if exists || len(d.AttachmentIDs) > 0 {
		if err := tx.SetObservationAttachments(ctx, p.DistrictID(), o.ID, d.AttachmentIDs); err != nil {
			return 0, err
		}
	}
	if o.FollowUpID != "" && o.Status == domain.ObservationSubmitted {
		if err := markFollowUpDone(ctx, tx, p, o); err != nil {
			return 0, err
		}
	}
	return o.Rev, nil
}

// checkObservationRefs checks what an observation points at: a school the
// caller observes at, a teacher of that school, a published rubric version
// of the district, and a walkthrough or follow-up the caller is part of.
func (s *Service) checkObservationRefs(ctx context.Context, tx *store.Tx, p auth.Principal, o domain.Observation) error {
	if !p.ScopeWith(observers...).HasSchool(o.SchoolID) {
		return refuse(StatusRejected, "out_of_scope", "data.school_id", "the school is not one you observe at")
	}
	t, err := tx.Teacher(ctx, p.DistrictID(), o.TeacherID)
	if domain.ErrorCode(err) == domain.ENotFound || (err == nil && t.SchoolID != o.SchoolID) {
		return refuse(StatusRejected, "out_of_scope", "data.teacher_id", "no such teacher at this school")
	}
	if err != nil {
		return err
	}
	v, err := tx.RubricVersion(ctx, p.DistrictID(), o.RubricVersionID)
	if domain.ErrorCode(err) == domain.ENotFound {
		return refuse(StatusRejected, "unknown_rubric", "data.rubric_version_id", "no such rubric version in this district")
	}
	if err != nil {
		return err
	}
	if err := o.ValidateAgainst(v); err != nil {
		return err
	}
	if o.WalkthroughID != "" {
		w, err := tx.Walkthrough(ctx, p.DistrictID(), o.WalkthroughID)
		if domain.ErrorCode(err) == domain.ENotFound || (err == nil && (w.Deleted || w.SchoolID != o.SchoolID)) {
			return rejected("data.walkthrough_id", "no such walkthrough at this school")
		}
		if err != nil {
			return err
		}
		if !slices.Contains(w.Team, p.User.ID) && !p.IsAdmin() {
			return refuse(StatusRejected, "out_of_scope", "data.walkthrough_id", "you are not on this walkthrough's team")
		}
	}
	if o.FollowUpID != "" {
		fs, err := tx.FollowUps(ctx, p.DistrictID(), []string{o.FollowUpID})
		if err != nil {
			return err
		}
		if len(fs) == 0 || fs[0].Deleted || fs[0].TeacherID != o.TeacherID {
			return rejected("data.follow_up_id", "no such follow-up for this teacher")
		}
	}
	return nil
}

// markFollowUpDone links a submitted observation to the follow-up it was
// made for, and marks the follow-up done, in the same transaction.
func markFollowUpDone(ctx context.Context, tx *store.Tx, p auth.Principal, o domain.Observation) error {
	fs, err := tx.FollowUps(ctx, p.DistrictID(), []string{o.FollowUpID})
	if err != nil || len(fs) == 0 {
		return err
	}
	f := fs[0]
	if f.Status == domain.FollowUpDone && f.ObservationID == o.ID {
		return nil
	}
	if f.Status == domain.FollowUpCancelled {
		return nil
	}
	f.Status, f.ObservationID, f.Rev = domain.FollowUpDone, o.ID, f.Rev+1
	return tx.PutFollowUp(ctx, f)
}
