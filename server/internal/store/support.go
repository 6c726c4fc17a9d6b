package store

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

type supportRequestRow struct {
	ID            string
	DistrictID    string
	SchoolID      string
	RequesterID   string
	TeacherIDs    string
	IndicatorKeys string
	Reason        string
	NeededBy      *time.Time
	Source        string
	Status        string
	CoachID       *string
	DeclineReason string
	DecidedBy     *string
	DecidedAt     *time.Time
	CycleID       *string
	DeviceID      *string
	Rev           int64
	DeletedAt     *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (supportRequestRow) TableName() string { return "support_requests" }

func (r supportRequestRow) toDomain() domain.SupportRequest {
	return domain.SupportRequest{ID: r.ID, DistrictID: r.DistrictID, SchoolID: r.SchoolID, RequesterID: r.RequesterID,
		TeacherIDs: decodeList(r.TeacherIDs), IndicatorKeys: decodeList(r.IndicatorKeys), Reason: r.Reason, NeededBy: utcPtr(r.NeededBy),
		Source: r.Source, Status: domain.SupportStatus(r.Status), CoachID: deref(r.CoachID), DeclineReason: r.DeclineReason,
		DecidedBy: deref(r.DecidedBy), DecidedAt: utcPtr(r.DecidedAt), CycleID: deref(r.CycleID), DeviceID: deref(r.DeviceID),
		Rev: r.Rev, Deleted: r.DeletedAt != nil, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// PutSupportRequest inserts or replaces a support request and logs the
// change for the devices that pull it.
func (tx *Tx) PutSupportRequest(ctx context.Context, r domain.SupportRequest) error {
	if err := r.Validate(); err != nil {
		return err
	}
	row := supportRequestRow{ID: r.ID, DistrictID: r.DistrictID, SchoolID: r.SchoolID, RequesterID: r.RequesterID,
		TeacherIDs: encodeList(r.TeacherIDs), IndicatorKeys: encodeList(r.IndicatorKeys), Reason: r.Reason, NeededBy: datePtr(r.NeededBy),
		Source: r.Source, Status: string(r.Status), CoachID: nullable(r.CoachID), DeclineReason: r.DeclineReason,
		DecidedBy: nullable(r.DecidedBy), DecidedAt: utcPtr(r.DecidedAt), CycleID: nullable(r.CycleID), DeviceID: nullable(r.DeviceID),
		Rev: r.Rev, DeletedAt: tx.deletedAt(r.Deleted), CreatedAt: tx.now, UpdatedAt: tx.now}
	if err := tx.upsert(&row, "support_requests", "support request", "teacher_ids", "indicator_keys", "reason", "needed_by", "source",
		"status", "coach_id", "decline_reason", "decided_by", "decided_at", "cycle_id", "rev", "deleted_at", "updated_at"); err != nil {
		return err
	}
	return tx.AppendChange(ctx, Change{DistrictID: r.DistrictID, Entity: "support_request", RecordID: r.ID, SchoolID: r.SchoolID, Rev: r.Rev, Deleted: r.Deleted})
}

// SupportRequests loads support requests of the district by id, in id
// order.
func (tx *Tx) SupportRequests(ctx context.Context, districtID string, ids []string) ([]domain.SupportRequest, error) {
	var rows []supportRequestRow
	if err := tx.db.Where("district_id = ? AND id IN ?", districtID, ids).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "support request")
	}
	out := make([]domain.SupportRequest, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// SupportRequestsOfCycles maps cycles to the support request each was
// opened from.
func (s *Store) SupportRequestsOfCycles(ctx context.Context, districtID string, cycleIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(cycleIDs) == 0 {
		return out, nil
	}
	var rows []supportRequestRow
	if err := s.read(ctx).db.Where("district_id = ? AND cycle_id IN ? AND deleted_at IS NULL", districtID, cycleIDs).Find(&rows).Error; err != nil {
		return nil, translate(err, "support request")
	}
	for _, r := range rows {
		out[deref(r.CycleID)] = r.ID
	}
	return out, nil
}

// SupportFilter narrows a listing of support requests. Visible is who may
// be listed: requests at the scope's schools, plus those UserID asked for
// or coaches.
type SupportFilter struct {
	Visible   domain.Scope
	UserID    string
	SchoolIDs []string
	Statuses  []string
	Mine      bool   // only those UserID asked for or coaches
	Page      Keyset // after the key [id]
}

// SupportRequestsList lists support requests, newest first, a page at a
// time, tombstones left out.
func (s *Store) SupportRequestsList(ctx context.Context, f SupportFilter) ([]domain.SupportRequest, error) {
	tx := s.read(ctx)
	q := tx.db.Model(&supportRequestRow{}).Where("district_id = ? AND deleted_at IS NULL", f.Visible.DistrictID)
	switch {
	case f.Mine:
		q = q.Where("(requester_id = ? OR coach_id = ?)", f.UserID, f.UserID)
	case f.Visible.AllSchools:
	case len(f.Visible.SchoolIDs) > 0:
		q = q.Where("(school_id IN ? OR requester_id = ? OR coach_id = ?)", f.Visible.SchoolIDs, f.UserID, f.UserID)
	default:
		q = q.Where("(requester_id = ? OR coach_id = ?)", f.UserID, f.UserID)
	}
	if len(f.SchoolIDs) > 0 {
		q = q.Where("school_id IN ?", f.SchoolIDs)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	var ids []string
	if err := f.Page.apply(q, "id DESC").Pluck("id", &ids).Error; err != nil {
		return nil, translate(err, "support request")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rs, err := tx.SupportRequests(ctx, f.Visible.DistrictID, ids)
	if err != nil {
		return nil, err
	}
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return rs, nil
}
