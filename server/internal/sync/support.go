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

// SupportRequestData is a support request on the wire. A caller who may
// not see the school's teachers receives it without them.
type SupportRequestData struct {
	SchoolID      string     `json:"school_id"`
	RequesterID   string     `json:"requester_id,omitempty"`
	TeacherIDs    []string   `json:"teacher_ids"`
	IndicatorKeys []string   `json:"indicator_keys"`
	Reason        string     `json:"reason"`
	NeededBy      *Date      `json:"needed_by,omitempty"`
	Source        string     `json:"source,omitempty"`
	Status        string     `json:"status"`
	CoachID       string     `json:"coach_id,omitempty"`
	DeclineReason string     `json:"decline_reason,omitempty"`
	DecidedBy     string     `json:"decided_by,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	CycleID       string     `json:"cycle_id,omitempty"`
}

// SupportRequestDataFor is the request as the caller may read it.
func SupportRequestDataFor(p auth.Principal, r domain.SupportRequest) SupportRequestData {
	d := SupportRequestData{SchoolID: r.SchoolID, RequesterID: r.RequesterID, TeacherIDs: orEmpty(r.TeacherIDs),
		IndicatorKeys: orEmpty(r.IndicatorKeys), Reason: r.Reason, NeededBy: toDate(r.NeededBy), Source: r.Source, Status: string(r.Status),
		CoachID: r.CoachID, DeclineReason: r.DeclineReason, DecidedBy: r.DecidedBy, DecidedAt: r.DecidedAt, CycleID: r.CycleID}
	if !p.SeesSupportRequestTeachers(r) {
		d.TeacherIDs = []string{}
	}
	return d
}

// applySupportRequest applies a change to a support request. The requester
// asks (at a school they lead; naming teachers only where they see them),
// edits or withdraws it while it is open; whoever assigns coaches assigns
// one who works at the school, or declines with a reason, or opens it
// again. The cycle it led to is set by opening that cycle, never here.
func (s *Service) applySupportRequest(ctx context.Context, tx *store.Tx, p auth.Principal, deviceID string, c Change) (int64, error) {
	cur, exists, err := existing(ctx, tx, p, c, tx.SupportRequests)
	if err != nil {
		return 0, err
	}
	assigner := p.AssignsCoaches()
	if exists && !assigner && !(cur.RequesterID == p.User.ID && p.RequestScope().HasSchool(cur.SchoolID)) {
		return 0, notYours()
	}
	if err := checkRev(c, exists, cur.Deleted, cur.Rev, func() *Record {
		return &Record{Entity: EntitySupportRequest, ID: cur.ID, Rev: cur.Rev, Deleted: cur.Deleted, Data: SupportRequestDataFor(p, cur)}
	}); err != nil {
		return 0, err
	}
	if c.Op == OpDelete {
		if !assigner && cur.Status != domain.SupportOpen {
			return 0, forbidden("the request is decided; ask whoever assigns coaches to change it")
		}
		cur.Deleted, cur.Rev = true, cur.Rev+1
		return cur.Rev, tx.PutSupportRequest(ctx, cur)
	}
	var d SupportRequestData
	if err := decodeData(c.Data, &d); err != nil {
		return 0, err
	}
	r := domain.SupportRequest{ID: c.ID, DistrictID: p.DistrictID(), SchoolID: d.SchoolID, RequesterID: p.User.ID,
		TeacherIDs: sorted(d.TeacherIDs), IndicatorKeys: d.IndicatorKeys, Reason: strings.TrimSpace(d.Reason), NeededBy: datePtr(d.NeededBy),
		Source: d.Source, Status: domain.SupportStatus(d.Status), CoachID: d.CoachID, DeclineReason: strings.TrimSpace(d.DeclineReason),
		DeviceID: deviceID, Rev: cur.Rev + 1}
	if r.Status == "" {
		r.Status = domain.SupportOpen
	}
	if exists {
		r.RequesterID, r.CycleID, r.DecidedBy, r.DecidedAt = cur.RequesterID, cur.CycleID, cur.DecidedBy, cur.DecidedAt
		if !p.SeesSupportRequestTeachers(cur) && len(d.TeacherIDs) == 0 {
			r.TeacherIDs = cur.TeacherIDs // the caller never saw them
		}
	}
	if err := r.Validate(); err != nil {
		return 0, err
	}
	if exists && r.SchoolID != cur.SchoolID {
		return 0, rejected("data.school_id", "a request stays at its school; ask anew for another")
	}
	if !exists {
		found, err := tx.SchoolsExist(ctx, p.DistrictID(), []string{r.SchoolID})
		if err != nil {
			return 0, err
		}
		if !found[r.SchoolID] {
			return 0, refuse(StatusRejected, "out_of_scope", "data.school_id", "no such school in this district")
		}
		if !p.RequestScope().HasSchool(r.SchoolID) {
			return 0, forbidden("you may ask for support only at the schools you lead")
		}
	}
	if !exists && r.Status != domain.SupportOpen {
		return 0, rejected("data.status", "a new request is open")
	}
	if exists && !assigner {
		if cur.Status != domain.SupportOpen {
			return 0, forbidden("the request is decided; ask whoever assigns coaches to change it")
		}
		if (r.Status != domain.SupportOpen && r.Status != domain.SupportWithdrawn) || r.CoachID != "" || r.DeclineReason != "" {
			return 0, forbidden("only whoever assigns coaches decides a request; you may withdraw it while it is open")
		}
	}
	decided := r.Status != cur.Status || r.CoachID != cur.CoachID || r.DeclineReason != cur.DeclineReason
	if exists && decided && (r.Status == domain.SupportAssigned || r.Status == domain.SupportDeclined) {
		now := tx.Now()
		r.DecidedBy, r.DecidedAt = p.User.ID, &now
	}
	if r.Status == domain.SupportOpen || r.Status == domain.SupportWithdrawn {
		r.DecidedBy, r.DecidedAt = "", nil
	}
	if len(r.TeacherIDs) > 0 && !slices.Equal(r.TeacherIDs, cur.TeacherIDs) {
		if !p.SeesTeachersOf([]string{r.SchoolID}) {
			return 0, rejected("data.teacher_ids", "you ask for support for the school as a whole: naming teachers is for those who see them")
		}
		ts, err := tx.TeachersByID(ctx, p.DistrictID(), r.TeacherIDs)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, t := range ts {
			if t.SchoolID == r.SchoolID {
				n++
			}
		}
		if n != len(r.TeacherIDs) {
			return 0, rejected("data.teacher_ids", "name teachers of the school")
		}
	}
	for i, key := range r.IndicatorKeys {
		ok, err := tx.PublishedIndicator(ctx, p.DistrictID(), key)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, rejected("data.indicator_keys["+itoa(i)+"]", "%q is not an indicator of a published framework", key)
		}
	}
	if r.Status == domain.SupportAssigned && r.CoachID != cur.CoachID {
		u, err := tx.UserRecord(ctx, r.CoachID)
		if domain.ErrorCode(err) == domain.ENotFound || (err == nil && u.DistrictID != p.DistrictID()) {
			return 0, refuse(StatusRejected, "out_of_scope", "data.coach_id", "no such user in this district")
		}
		if err != nil {
			return 0, err
		}
		if !u.Active || !u.HasRoleAt(domain.RoleCoach, r.SchoolID) {
			return 0, rejected("data.coach_id", "the coach does not coach at this school")
		}
	}
	return r.Rev, tx.PutSupportRequest(ctx, r)
}
