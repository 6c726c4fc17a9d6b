package sync

import (
	"context"
	"slices"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
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
	CountedAt   *time.Time `json:"counted_at,omitempty"` // the time that puts it in a day, week and month
	ClockSkewed bool       `json:"clock_skewed"`         // counted_at is not started_at: the device's clock was off
}

func observationData(o domain.Observation) ObservationData {
	rec, counted := o.ReceivedAt, o.CountedAt
	return ObservationData{SchoolID: o.SchoolID, TeacherID: o.TeacherID, ObserverID: o.ObserverID, WalkthroughID: o.WalkthroughID,
		FollowUpID: o.FollowUpID, RubricVersionID: o.RubricVersionID, Kind: string(o.Kind), Grade: o.Grade, Subject: o.Subject,
		StartedAt: o.StartedAt, EndedAt: o.EndedAt, Status: string(o.Status), Scores: orEmptyScores(o.Scores), Evidence: o.Evidence,
		Tags: o.Tags, AttachmentIDs: o.AttachmentIDs, SubmittedAt: o.SubmittedAt, ReceivedAt: &rec, CountedAt: &counted,
		ClockSkewed: o.ClockSkewed}
}

func orEmptyScores(s []domain.Score) []domain.Score {
	if s == nil {
		return []domain.Score{}
	}
	return s
}

func (s *Service) applyObservation(ctx context.Context, tx *store.Tx, p auth.Principal, deviceID string, clock deviceClock, c Change) (int64, error) {
	cur, exists, err := existing(ctx, tx, p, c, tx.Observations)
	if err != nil {
		return 0, err
	}
	o, d, err := s.nextObservation(ctx, newLookups(tx, nil), p, deviceID, clock, c, nil, cur, exists)
	if err != nil {
		return 0, err
	}
	old := map[string]domain.Observation{}
	if exists {
		old[cur.ID] = cur
	}
	if err := tx.PutObservations(ctx, []domain.Observation{o}, old); err != nil {
		return 0, err
	}
	if err := followObservations(ctx, tx, p, []domain.Observation{o}, old); err != nil {
		return 0, err
	}
	if c.Op == OpDelete {
		return o.Rev, nil
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

// nextObservation checks an observation change against the record as it
// stands (cur, if it exists) and the rules, and answers the observation to
// write and, for an upsert, the data it was made from. decoded is the
// change's data when it was read already, else nil; clock is what the push
// told of the device's clock.
func (s *Service) nextObservation(ctx context.Context, look *lookups, p auth.Principal, deviceID string, clock deviceClock, c Change,
	decoded *ObservationData, cur domain.Observation, exists bool) (domain.Observation, ObservationData, error) {
	var d ObservationData
	if exists && cur.ObserverID != p.User.ID && !(c.Op == OpDelete && p.IsAdmin()) {
		return cur, d, forbidden("only the observer who made an observation may change it")
	}
	if err := checkRev(c, exists, cur.Deleted, cur.Rev, func() *Record {
		return &Record{Entity: EntityObservation, ID: cur.ID, Rev: cur.Rev, Deleted: cur.Deleted, Data: observationData(cur)}
	}); err != nil {
		return cur, d, err
	}
	if c.Op == OpDelete {
		cur.Deleted, cur.Rev, cur.DeviceID = true, cur.Rev+1, deviceID
		return cur, d, nil
	}
	if decoded != nil {
		d = *decoded
	} else if err := decodeData(c.Data, &d); err != nil {
		return cur, d, err
	}
	if d.ObserverID == "" {
		d.ObserverID = p.User.ID
	}
	if d.ObserverID != p.User.ID {
		return cur, d, rejected("data.observer_id", "an observation is recorded by the observer who made it")
	}
	now := look.tx.Now()
	o := domain.Observation{ID: c.ID, DistrictID: p.DistrictID(), SchoolID: d.SchoolID, WalkthroughID: d.WalkthroughID,
		FollowUpID: d.FollowUpID, TeacherID: d.TeacherID, ObserverID: d.ObserverID, RubricVersionID: d.RubricVersionID,
		Kind: domain.WalkthroughKind(d.Kind), Grade: d.Grade, Subject: d.Subject, StartedAt: d.StartedAt.UTC(), EndedAt: d.EndedAt,
		Status: domain.ObservationStatus(d.Status), Scores: d.Scores, Evidence: d.Evidence, Tags: d.Tags, DeviceID: deviceID,
		Rev: cur.Rev + 1, ReceivedAt: now}
	// When it counts is settled when the server first receives a start time,
	// and kept while the start stays the same: an amend from a device whose
	// clock has been put right since takes nothing from another week.
	o.CountedAt, o.ClockSkewed = countedAt(o.StartedAt, now, clock)
	if exists {
		o.ReceivedAt = cur.ReceivedAt
		if cur.StartedAt.Equal(o.StartedAt) {
			o.CountedAt, o.ClockSkewed = cur.CountedAt, cur.ClockSkewed
		}
	}
	if o.Status == domain.ObservationSubmitted {
		o.SubmittedAt = &now
		if exists && cur.SubmittedAt != nil {
			o.SubmittedAt = cur.SubmittedAt
		}
	}
	if err := o.Validate(); err != nil {
		return cur, d, err
	}
	// An observation keeps the framework version it was scored with: an
	// amend that keeps it is not judged again by where the framework
	// applies, since assignments only govern what new observations start
	// with.
	keeps := exists && !cur.Deleted && cur.RubricVersionID == o.RubricVersionID
	if err := checkObservationRefs(ctx, look, p, o, keeps); err != nil {
		return cur, d, err
	}
	for i, id := range d.AttachmentIDs {
		if !domain.ValidID(id) {
			return cur, d, rejected("data.attachment_ids["+itoa(i)+"]", "must be a UUID")
		}
	}
	return o, d, nil
}

// lookups reads the records observations point at, each once a step.
type lookups struct {
	tx           *store.Tx
	teachers     map[string]domain.Teacher // nil entries: not in the district
	walkthroughs map[string]*domain.Walkthrough
	frameworks   []domain.Framework // read once a step, when first needed
	framesRead   bool
}

// framework is the district's framework id, with where it applies.
func (l *lookups) framework(ctx context.Context, districtID, id string) (domain.Framework, bool, error) {
	if !l.framesRead {
		fs, err := l.tx.Frameworks(ctx, districtID, false)
		if err != nil {
			return domain.Framework{}, false, err
		}
		l.frameworks, l.framesRead = fs, true
	}
	for _, f := range l.frameworks {
		if f.ID == id {
			return f, true, nil
		}
	}
	return domain.Framework{}, false, nil
}

// newLookups starts the lookups of a step with the teachers already read.
func newLookups(tx *store.Tx, teachers []domain.Teacher) *lookups {
	l := &lookups{tx: tx, teachers: map[string]domain.Teacher{}, walkthroughs: map[string]*domain.Walkthrough{}}
	for _, t := range teachers {
		l.teachers[t.ID] = t
	}
	return l
}

func (l *lookups) teacher(ctx context.Context, districtID, id string) (domain.Teacher, error) {
	if t, ok := l.teachers[id]; ok {
		return t, nil
	}
	t, err := l.tx.Teacher(ctx, districtID, id)
	if err == nil {
		l.teachers[id] = t
	}
	return t, err
}

func (l *lookups) walkthrough(ctx context.Context, districtID, id string) (*domain.Walkthrough, error) {
	if w, ok := l.walkthroughs[id]; ok {
		return w, nil
	}
	ws, err := l.tx.Walkthroughs(ctx, districtID, []string{id})
	if err != nil {
		return nil, err
	}
	var w *domain.Walkthrough
	if len(ws) > 0 {
		w = &ws[0]
	}
	l.walkthroughs[id] = w
	return w, nil
}

// checkObservationRefs checks what an observation points at: a school the
// caller observes at, a teacher of that school, a published rubric version
// of the district, and a walkthrough or follow-up the caller is part of.
// keepsVersion says the observation was scored with this version already:
// then the framework need not apply at the school and kind any more.
func checkObservationRefs(ctx context.Context, look *lookups, p auth.Principal, o domain.Observation, keepsVersion bool) error {
	if !p.ObserveScope().HasSchool(o.SchoolID) {
		return refuse(StatusRejected, "out_of_scope", "data.school_id", "the school is not one you observe at")
	}
	t, err := look.teacher(ctx, p.DistrictID(), o.TeacherID)
	if domain.ErrorCode(err) == domain.ENotFound || (err == nil && t.SchoolID != o.SchoolID) {
		return refuse(StatusRejected, "out_of_scope", "data.teacher_id", "no such teacher at this school")
	}
	if err != nil {
		return err
	}
	v, err := look.tx.RubricVersion(ctx, p.DistrictID(), o.RubricVersionID)
	if domain.ErrorCode(err) == domain.ENotFound {
		return refuse(StatusRejected, "unknown_rubric", "data.rubric_version_id", "no such rubric version in this district")
	}
	if err != nil {
		return err
	}
	if err := o.ValidateAgainst(v); err != nil {
		return err
	}
	// A framework newly given to an observation must apply at the school
	// and kind when the observation counts: the main one everywhere,
	// another where it was assigned then, none once retired.
	f, ok, err := look.framework(ctx, p.DistrictID(), v.RubricID)
	if err != nil {
		return err
	}
	if !keepsVersion && (!ok || !f.AppliesAt(o.SchoolID, o.Kind, o.CountedAt)) {
		return refuse(StatusRejected, "framework_not_assigned", "data.rubric_version_id",
			"this framework is not assigned to this school and kind of walkthrough at the time of the observation")
	}
	if o.WalkthroughID != "" {
		w, err := look.walkthrough(ctx, p.DistrictID(), o.WalkthroughID)
		if err != nil {
			return err
		}
		if w == nil || w.Deleted || w.SchoolID != o.SchoolID {
			return rejected("data.walkthrough_id", "no such walkthrough at this school")
		}
		if !slices.Contains(w.Team, p.User.ID) && !p.IsAdmin() {
			return refuse(StatusRejected, "out_of_scope", "data.walkthrough_id", "you are not on this walkthrough's team")
		}
	}
	if o.FollowUpID != "" {
		fs, err := look.tx.FollowUps(ctx, p.DistrictID(), []string{o.FollowUpID})
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
