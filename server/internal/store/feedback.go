package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

type feedbackRow struct {
	ID            string
	DistrictID    string
	SchoolID      string
	ObservationID string
	TeacherID     string
	SharedBy      string
	Shared        bool
	IndicatorKeys string
	ShareEvidence bool
	Strength      string
	NextMove      string
	PrivateNotes  string
	NextSteps     string
	SharedAt      *time.Time
	ReadAt        *time.Time
	Reply         string
	RepliedAt     *time.Time
	DeviceID      *string
	Rev           int64
	DeletedAt     *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (feedbackRow) TableName() string { return "feedback" }

func (r feedbackRow) toDomain() domain.Feedback {
	var steps []domain.FeedbackStep
	_ = json.Unmarshal([]byte(r.NextSteps), &steps) // written by PutFeedback only
	for i := range steps {
		steps[i].DoneAt = utcPtr(steps[i].DoneAt)
	}
	return domain.Feedback{ID: r.ID, DistrictID: r.DistrictID, SchoolID: r.SchoolID, ObservationID: r.ObservationID, TeacherID: r.TeacherID,
		SharedBy: r.SharedBy, Shared: r.Shared, IndicatorKeys: decodeList(r.IndicatorKeys), ShareEvidence: r.ShareEvidence,
		Strength: r.Strength, NextMove: r.NextMove, PrivateNotes: r.PrivateNotes, NextSteps: steps, SharedAt: utcPtr(r.SharedAt),
		ReadAt: utcPtr(r.ReadAt), Reply: r.Reply, RepliedAt: utcPtr(r.RepliedAt), DeviceID: deref(r.DeviceID), Rev: r.Rev,
		Deleted: r.DeletedAt != nil, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// PutFeedback inserts or replaces a feedback and logs the change for the
// devices that pull it (at the observation's school).
func (tx *Tx) PutFeedback(ctx context.Context, f domain.Feedback) error {
	if err := f.Validate(); err != nil {
		return err
	}
	steps := f.NextSteps
	if steps == nil {
		steps = []domain.FeedbackStep{}
	}
	stepsJSON, err := json.Marshal(steps)
	if err != nil {
		return err
	}
	row := feedbackRow{ID: f.ID, DistrictID: f.DistrictID, SchoolID: f.SchoolID, ObservationID: f.ObservationID, TeacherID: f.TeacherID,
		SharedBy: f.SharedBy, Shared: f.Shared, IndicatorKeys: encodeList(f.IndicatorKeys), ShareEvidence: f.ShareEvidence,
		Strength: f.Strength, NextMove: f.NextMove, PrivateNotes: f.PrivateNotes, NextSteps: string(stepsJSON), SharedAt: utcPtr(f.SharedAt),
		ReadAt: utcPtr(f.ReadAt), Reply: f.Reply, RepliedAt: utcPtr(f.RepliedAt), DeviceID: nullable(f.DeviceID), Rev: f.Rev,
		DeletedAt: tx.deletedAt(f.Deleted), CreatedAt: tx.now, UpdatedAt: tx.now}
	if err := tx.upsert(&row, "feedback", "feedback", "shared_by", "shared", "indicator_keys", "share_evidence", "strength", "next_move",
		"private_notes", "next_steps", "shared_at", "read_at", "reply", "replied_at", "rev", "deleted_at", "updated_at"); err != nil {
		return err
	}
	return tx.AppendChange(ctx, Change{DistrictID: f.DistrictID, Entity: "feedback", RecordID: f.ID, SchoolID: f.SchoolID, Rev: f.Rev, Deleted: f.Deleted})
}

// Feedbacks loads feedback of the district by id, in id order.
func (tx *Tx) Feedbacks(ctx context.Context, districtID string, ids []string) ([]domain.Feedback, error) {
	var rows []feedbackRow
	if err := tx.db.Where("district_id = ? AND id IN ?", districtID, ids).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "feedback")
	}
	out := make([]domain.Feedback, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// FeedbackOfObservation is the live feedback of an observation; found is
// false when it has none.
func (tx *Tx) FeedbackOfObservation(ctx context.Context, districtID, observationID string) (f domain.Feedback, found bool, _ error) {
	var rows []feedbackRow
	if err := tx.db.Where("district_id = ? AND observation_id = ? AND deleted_at IS NULL", districtID, observationID).Limit(1).Find(&rows).Error; err != nil {
		return f, false, translate(err, "feedback")
	}
	if len(rows) == 0 {
		return f, false, nil
	}
	return rows[0].toDomain(), true, nil
}

// Feedback loads one feedback of the district.
func (s *Store) Feedback(ctx context.Context, districtID, id string) (domain.Feedback, error) {
	fs, err := s.read(ctx).Feedbacks(ctx, districtID, []string{id})
	if err != nil {
		return domain.Feedback{}, err
	}
	if len(fs) == 0 {
		return domain.Feedback{}, domain.Errorf(domain.ENotFound, "no such feedback")
	}
	return fs[0], nil
}

// FeedbacksOfObservations loads the feedback of the observations, deleted
// ones included, in id order.
func (tx *Tx) FeedbacksOfObservations(ctx context.Context, districtID string, observationIDs []string) ([]domain.Feedback, error) {
	if len(observationIDs) == 0 {
		return nil, nil
	}
	var rows []feedbackRow
	if err := tx.db.Where("district_id = ? AND observation_id IN ?", districtID, observationIDs).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "feedback")
	}
	out := make([]domain.Feedback, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// RelogFeedback logs a feedback again at its revision, so that the devices
// that pull it read what it shows of its observation anew.
func (tx *Tx) RelogFeedback(ctx context.Context, f domain.Feedback) error {
	return tx.AppendChange(ctx, Change{DistrictID: f.DistrictID, Entity: "feedback", RecordID: f.ID, SchoolID: f.SchoolID, Rev: f.Rev, Deleted: f.Deleted})
}
