package sync

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// FeedbackData is a feedback on the wire. The observer and the school's
// coaches receive it whole; the teacher observed receives it without the
// private notes, and only while it is shared.
type FeedbackData struct {
	ObservationID string                `json:"observation_id"`
	TeacherID     string                `json:"teacher_id,omitempty"`
	SchoolID      string                `json:"school_id,omitempty"`
	SharedBy      string                `json:"shared_by,omitempty"`
	Shared        bool                  `json:"shared"`
	IndicatorKeys []string              `json:"indicator_keys"`
	ShareEvidence bool                  `json:"share_evidence"`
	Strength      string                `json:"strength"`
	NextMove      string                `json:"next_move"`
	PrivateNotes  *string               `json:"private_notes,omitempty"`
	NextSteps     []domain.FeedbackStep `json:"next_steps"`
	SharedAt      *time.Time            `json:"shared_at,omitempty"`
	Read          bool                  `json:"read"`
	ReadAt        *time.Time            `json:"read_at,omitempty"`
	Reply         string                `json:"reply"`
	RepliedAt     *time.Time            `json:"replied_at,omitempty"`
	// View is what the teacher sees of the observation; the server writes
	// it and ignores it in a push.
	View *FeedbackView `json:"view,omitempty"`
}

// FeedbackView is the part of an observation a feedback shows the teacher:
// the indicators shared with their evidence, and the overall evidence when
// shared.
type FeedbackView struct {
	Kind            string         `json:"kind"`
	ObservedAt      time.Time      `json:"observed_at"`
	RubricVersionID string         `json:"rubric_version_id"`
	ObserverName    string         `json:"observer_name"`
	Grade           string         `json:"grade,omitempty"`
	Subject         string         `json:"subject,omitempty"`
	Scores          []domain.Score `json:"scores"`
	Evidence        string         `json:"evidence,omitempty"`
}

// FeedbackDataFor is the feedback as the caller may read it: whole for
// those who share it (sharer true), without private notes otherwise.
func FeedbackDataFor(f domain.Feedback, o domain.Observation, observerName string, sharer bool) FeedbackData {
	d := FeedbackData{ObservationID: f.ObservationID, TeacherID: f.TeacherID, SchoolID: f.SchoolID, SharedBy: f.SharedBy, Shared: f.Shared,
		IndicatorKeys: orEmpty(f.IndicatorKeys), ShareEvidence: f.ShareEvidence, Strength: f.Strength, NextMove: f.NextMove,
		NextSteps: f.NextSteps, SharedAt: f.SharedAt, Read: f.ReadAt != nil, ReadAt: f.ReadAt, Reply: f.Reply, RepliedAt: f.RepliedAt}
	if d.NextSteps == nil {
		d.NextSteps = []domain.FeedbackStep{}
	}
	if sharer {
		notes := f.PrivateNotes
		d.PrivateNotes = &notes
	}
	if o.ID != "" {
		v := &FeedbackView{Kind: string(o.Kind), ObservedAt: o.StartedAt, RubricVersionID: o.RubricVersionID, ObserverName: observerName,
			Grade: o.Grade, Subject: o.Subject, Scores: []domain.Score{}}
		for _, s := range o.Scores {
			if slices.Contains(f.IndicatorKeys, s.IndicatorKey) {
				v.Scores = append(v.Scores, s)
			}
		}
		if f.ShareEvidence {
			v.Evidence = o.Evidence
		}
		d.View = v
	}
	return d
}

// feedbackContext is what deciding on a feedback needs: its observation,
// the roster teacher observed and the observer's name.
type feedbackContext struct {
	obs          domain.Observation
	teacher      domain.Teacher
	observerName string
}

func loadFeedbackContext(ctx context.Context, tx *store.Tx, districtID, observationID string) (fc feedbackContext, found bool, _ error) {
	os, err := tx.Observations(ctx, districtID, []string{observationID})
	if err != nil || len(os) == 0 {
		return fc, false, err
	}
	fc.obs = os[0]
	ts, err := tx.TeachersByID(ctx, districtID, []string{fc.obs.TeacherID})
	if err != nil {
		return fc, false, err
	}
	if len(ts) > 0 {
		fc.teacher = ts[0]
	}
	if u, err := tx.UserRecord(ctx, fc.obs.ObserverID); err == nil {
		fc.observerName = u.Name
	}
	return fc, true, nil
}

// teacherSees reports whether the teacher observed may read the feedback now.
func teacherSees(f domain.Feedback, o domain.Observation) bool {
	return f.Shared && !f.Deleted && !o.Deleted && o.Status == domain.ObservationSubmitted
}

// applyFeedback applies a change to a feedback. Its observer or a coach of
// the school shares it (where the district's setting for the observation's
// kind allows), edits or unshares it; the teacher observed, while it is
// shared, marks it read, replies and marks next steps done, and changes
// nothing else. District, then scope, then revision.
func (s *Service) applyFeedback(ctx context.Context, tx *store.Tx, p auth.Principal, deviceID string, c Change) (int64, error) {
	cur, exists, err := existing(ctx, tx, p, c, tx.Feedbacks)
	if err != nil {
		return 0, err
	}
	var fc feedbackContext
	sharer, teacher := false, false
	if exists {
		if fc, _, err = loadFeedbackContext(ctx, tx, p.DistrictID(), cur.ObservationID); err != nil {
			return 0, err
		}
		sharer = p.SharesFeedbackOn(fc.obs)
		teacher = !sharer && p.IsTeacher(fc.teacher) && teacherSees(cur, fc.obs)
		if !sharer && !teacher {
			return 0, notYours()
		}
	}
	rc := c
	if exists && c.BaseRev == 0 && cur.Rev == 1 && cur.DeviceID == "" && sharer {
		// The server shared it when the observation was submitted, under the
		// id the observer's device gives it too: a first write from that
		// device builds on the automatic share, which holds nothing of anyone's.
		rc.BaseRev = cur.Rev
	}
	if err := checkRev(rc, exists, cur.Deleted, cur.Rev, func() *Record {
		return &Record{Entity: EntityFeedback, ID: cur.ID, Rev: cur.Rev, Deleted: cur.Deleted, Data: FeedbackDataFor(cur, fc.obs, fc.observerName, sharer)}
	}); err != nil {
		return 0, err
	}
	if c.Op == OpDelete {
		if !sharer {
			return 0, forbidden("only whoever shared it may withdraw feedback")
		}
		cur.Deleted, cur.Rev, cur.DeviceID = true, cur.Rev+1, deviceID
		return cur.Rev, tx.PutFeedback(ctx, cur)
	}
	var d FeedbackData
	if err := decodeData(c.Data, &d); err != nil {
		return 0, err
	}
	now := tx.Now()
	if teacher {
		n := cur
		n.Rev, n.DeviceID = cur.Rev+1, deviceID
		if d.Read && n.ReadAt == nil {
			n.ReadAt = &now
		}
		if reply := strings.TrimSpace(d.Reply); reply != cur.Reply {
			n.Reply, n.RepliedAt = reply, &now
			if n.ReadAt == nil {
				n.ReadAt = &now
			}
		}
		n.NextSteps = slices.Clone(cur.NextSteps)
		for i, st := range n.NextSteps {
			j := slices.IndexFunc(d.NextSteps, func(x domain.FeedbackStep) bool { return x.ID == st.ID })
			if j < 0 || d.NextSteps[j].Done == st.Done {
				continue
			}
			n.NextSteps[i].Done = d.NextSteps[j].Done
			if n.NextSteps[i].Done {
				n.NextSteps[i].DoneAt = &now
			} else {
				n.NextSteps[i].DoneAt = nil
			}
		}
		return n.Rev, tx.PutFeedback(ctx, n)
	}
	if !exists {
		var found bool
		if fc, found, err = loadFeedbackContext(ctx, tx, p.DistrictID(), d.ObservationID); err != nil {
			return 0, err
		}
		if !found || fc.obs.Deleted {
			return 0, refuse(StatusRejected, "out_of_scope", "data.observation_id", "no such observation in this district")
		}
		if !p.SharesFeedbackOn(fc.obs) {
			return 0, notYours()
		}
		if _, taken, err := tx.FeedbackOfObservation(ctx, p.DistrictID(), d.ObservationID); err != nil {
			return 0, err
		} else if taken {
			return 0, rejected("data.observation_id", "the observation already has feedback; edit it")
		}
	} else if d.ObservationID != cur.ObservationID {
		return 0, rejected("data.observation_id", "feedback stays with its observation")
	}
	dist, err := tx.District(ctx, p.DistrictID())
	if err != nil {
		return 0, err
	}
	if d.Shared && dist.Settings.FeedbackSharing.For(fc.obs.Kind) == domain.SharingNever {
		return 0, forbidden("the district does not share %s observations with teachers", strings.ReplaceAll(string(fc.obs.Kind), "_", "-"))
	}
	if d.Shared && fc.obs.Status != domain.ObservationSubmitted {
		return 0, rejected("data.shared", "an observation is shared once it is submitted")
	}
	for i, key := range d.IndicatorKeys {
		if !slices.ContainsFunc(fc.obs.Scores, func(s domain.Score) bool { return s.IndicatorKey == key }) {
			return 0, rejected("data.indicator_keys["+itoa(i)+"]", "%q is not scored in the observation", key)
		}
	}
	n := domain.Feedback{ID: c.ID, DistrictID: p.DistrictID(), SchoolID: fc.obs.SchoolID, ObservationID: fc.obs.ID, TeacherID: fc.obs.TeacherID,
		SharedBy: p.User.ID, Shared: d.Shared, IndicatorKeys: d.IndicatorKeys, ShareEvidence: d.ShareEvidence,
		Strength: strings.TrimSpace(d.Strength), NextMove: strings.TrimSpace(d.NextMove), DeviceID: deviceID, Rev: cur.Rev + 1,
		SharedAt: cur.SharedAt, ReadAt: cur.ReadAt, Reply: cur.Reply, RepliedAt: cur.RepliedAt}
	if d.PrivateNotes != nil {
		n.PrivateNotes = strings.TrimSpace(*d.PrivateNotes)
	} else {
		n.PrivateNotes = cur.PrivateNotes
	}
	for _, st := range d.NextSteps {
		step := domain.FeedbackStep{ID: st.ID, Text: strings.TrimSpace(st.Text)}
		if i := slices.IndexFunc(cur.NextSteps, func(x domain.FeedbackStep) bool { return x.ID == st.ID }); i >= 0 {
			step.Done, step.DoneAt = cur.NextSteps[i].Done, cur.NextSteps[i].DoneAt // the teacher's to mark
		}
		n.NextSteps = append(n.NextSteps, step)
	}
	if n.Shared && n.SharedAt == nil {
		n.SharedAt = &now // when it was first shared: shared again, the teacher is not told again
	}
	return n.Rev, tx.PutFeedback(ctx, n)
}

// loadFeedback puts the feedback of a pull page the caller may read: whole
// to those who share it, and to the teacher observed without private notes
// while it is shared (unshared, the teacher's device is told to drop it).
func loadFeedback(ctx context.Context, tx *store.Tx, p auth.Principal, ids []string, win window, put func(entity, id string, rev int64, deleted bool, data any)) error {
	fs, err := tx.Feedbacks(ctx, p.DistrictID(), ids)
	if err != nil {
		return err
	}
	for _, f := range fs {
		fc, found, err := loadFeedbackContext(ctx, tx, p.DistrictID(), f.ObservationID)
		if err != nil {
			return err
		}
		if !found || !win.feedback(fc.obs) {
			continue
		}
		switch {
		case p.SharesFeedbackOn(fc.obs):
			put(EntityFeedback, f.ID, f.Rev, f.Deleted, FeedbackDataFor(f, fc.obs, fc.observerName, true))
		case p.IsTeacher(fc.teacher):
			put(EntityFeedback, f.ID, f.Rev, !teacherSees(f, fc.obs), FeedbackDataFor(f, fc.obs, fc.observerName, false))
		}
	}
	return nil
}

// followObservations keeps feedback in step with the observations a push
// wrote (old holds them as they were before). Where the district shares
// every observation of a kind, one submitted now is shared with its teacher
// at once, with every indicator scored and the overall evidence, under the
// id derived from the observation's (which the observer's device also gives it), as
// long as it has no feedback yet; an unshared feedback written before the
// submission is shared. A feedback of an observation that changed is logged
// again, so that the teacher's next pull shows the amended scores and
// evidence, or drops it when the observation is deleted.
func followObservations(ctx context.Context, tx *store.Tx, p auth.Principal, obs []domain.Observation, old map[string]domain.Observation) error {
	if len(obs) == 0 {
		return nil
	}
	ids := make([]string, len(obs))
	for i, o := range obs {
		ids[i] = o.ID
	}
	fs, err := tx.FeedbacksOfObservations(ctx, p.DistrictID(), ids)
	if err != nil {
		return err
	}
	byObs := map[string][]domain.Feedback{}
	for _, f := range fs {
		byObs[f.ObservationID] = append(byObs[f.ObservationID], f)
	}
	var sharing *domain.FeedbackSharing
	for _, o := range obs {
		live := -1
		for i, f := range byObs[o.ID] {
			if !f.Deleted {
				live = i
			}
		}
		newlySubmitted := !o.Deleted && o.Status == domain.ObservationSubmitted && old[o.ID].Status != domain.ObservationSubmitted
		auto := false
		if newlySubmitted && (len(byObs[o.ID]) == 0 || live >= 0 && !byObs[o.ID][live].Shared) {
			if sharing == nil {
				d, err := tx.District(ctx, p.DistrictID())
				if err != nil {
					return err
				}
				sharing = &d.Settings.FeedbackSharing
			}
			auto = sharing.For(o.Kind) == domain.SharingAlways
		}
		now := tx.Now()
		switch {
		case auto && live < 0:
			keys := make([]string, 0, len(o.Scores))
			for _, s := range o.Scores {
				keys = append(keys, s.IndicatorKey)
			}
			f := domain.Feedback{ID: domain.FeedbackIDOf(o.ID), DistrictID: o.DistrictID, SchoolID: o.SchoolID, ObservationID: o.ID, TeacherID: o.TeacherID,
				SharedBy: o.ObserverID, Shared: true, IndicatorKeys: keys, ShareEvidence: true, SharedAt: &now, Rev: 1}
			if err := tx.PutFeedback(ctx, f); err != nil {
				return err
			}
		case auto:
			f := byObs[o.ID][live]
			f.Shared, f.Rev = true, f.Rev+1
			if f.SharedAt == nil {
				f.SharedAt = &now
			}
			if err := tx.PutFeedback(ctx, f); err != nil {
				return err
			}
		case live >= 0:
			if err := tx.RelogFeedback(ctx, byObs[o.ID][live]); err != nil {
				return err
			}
		}
	}
	return nil
}
