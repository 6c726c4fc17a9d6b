// Package support turns the data into decisions about coaching support:
// the teacher view for those who may see teachers, support requests from
// principals and supervisors, and their assignment to coaches. A request is
// written through the sync service, the same path as a device's push, so
// that a request made offline is applied exactly once.
package support

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// Service answers for support requests and the teacher view on behalf of
// a caller.
type Service struct {
	store *store.Store
	sync  *sync.Service
	now   func() time.Time
}

// NewService builds the support service; now is time.Now when nil.
func NewService(s *store.Store, sy *sync.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, sync: sy, now: now}
}

var errNoRequest = domain.Errorf(domain.ENotFound, "support request not found")

// Request is a support request as its reader may see it: without its
// teachers for a reader who may not see them, and, for whoever assigns
// coaches, with the coaches of its school and what each has on hand.
type Request struct {
	domain.SupportRequest
	Coaches []Coach
}

// Coach is a coach who may be assigned to a request, with their load.
type Coach struct {
	ID, Name string
	store.CoachLoad
}

// Query narrows a listing of support requests.
type Query struct {
	SchoolIDs []string
	Statuses  []string
	Mine      bool         // only those the caller asked for or coaches
	Page      store.Keyset // after the key [id]
}

// Statuses are the values of a request's status.
var Statuses = []string{string(domain.SupportOpen), string(domain.SupportAssigned), string(domain.SupportDeclined), string(domain.SupportWithdrawn)}

// Requests lists the support requests the caller may see, newest first.
func (s *Service) Requests(ctx context.Context, p auth.Principal, q Query) ([]Request, error) {
	visible := p.RequestScope()
	rs, err := s.store.SupportRequestsList(ctx, store.SupportFilter{Visible: visible, UserID: p.User.ID, SchoolIDs: q.SchoolIDs,
		Statuses: q.Statuses, Mine: q.Mine, Page: q.Page})
	if err != nil {
		return nil, err
	}
	return s.decorate(ctx, p, rs)
}

// Request returns one support request the caller may see.
func (s *Service) Request(ctx context.Context, p auth.Principal, id string) (Request, error) {
	r, err := s.request(ctx, p, id)
	if err != nil {
		return Request{}, err
	}
	out, err := s.decorate(ctx, p, []domain.SupportRequest{r})
	if err != nil {
		return Request{}, err
	}
	return out[0], nil
}

func (s *Service) request(ctx context.Context, p auth.Principal, id string) (domain.SupportRequest, error) {
	if !domain.ValidID(id) {
		return domain.SupportRequest{}, errNoRequest
	}
	var r domain.SupportRequest
	err := s.store.ReadTx(ctx, func(tx *store.Tx) error {
		rs, err := tx.SupportRequests(ctx, p.DistrictID(), []string{id})
		if err != nil {
			return err
		}
		if len(rs) == 0 || rs[0].Deleted {
			return errNoRequest
		}
		r = rs[0]
		return nil
	})
	if err != nil {
		return r, err
	}
	if !p.SeesSupportRequest(r) {
		return domain.SupportRequest{}, errNoRequest
	}
	return r, nil
}

// decorate hides teachers from readers who may not see them and adds the
// candidate coaches for whoever assigns them.
func (s *Service) decorate(ctx context.Context, p auth.Principal, rs []domain.SupportRequest) ([]Request, error) {
	out := make([]Request, len(rs))
	for i, r := range rs {
		if !p.SeesSupportRequestTeachers(r) {
			r.TeacherIDs = nil
		}
		out[i] = Request{SupportRequest: r}
	}
	if !p.AssignsCoaches() || len(rs) == 0 {
		return out, nil
	}
	users, err := s.store.Users(ctx, p.DistrictID())
	if err != nil {
		return nil, err
	}
	loads, err := s.store.CoachLoads(ctx, p.DistrictID(), s.now())
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Coaches = []Coach{}
		for _, u := range users {
			if u.Active && u.HasRoleAt(domain.RoleCoach, out[i].SchoolID) {
				out[i].Coaches = append(out[i].Coaches, Coach{ID: u.ID, Name: u.Name, CoachLoad: loads[u.ID]})
			}
		}
	}
	return out, nil
}

// NewRequest is what asking for support takes.
type NewRequest struct {
	ID            string // made by the server when empty; a retry with the same id is applied once
	DeviceID      string
	SchoolID      string
	TeacherIDs    []string
	IndicatorKeys []string
	Reason        string
	NeededBy      *time.Time
	Source        string
}

// Ask asks for coaching support at a school.
func (s *Service) Ask(ctx context.Context, p auth.Principal, n NewRequest) (Request, error) {
	if n.ID == "" {
		n.ID = domain.NewID()
	}
	n.ID = strings.ToLower(n.ID)
	d := sync.SupportRequestData{SchoolID: n.SchoolID, TeacherIDs: n.TeacherIDs, IndicatorKeys: n.IndicatorKeys, Reason: n.Reason,
		Source: n.Source, Status: string(domain.SupportOpen)}
	if n.NeededBy != nil {
		d.NeededBy = &sync.Date{Time: *n.NeededBy}
	}
	if d.TeacherIDs == nil {
		d.TeacherIDs = []string{}
	}
	if err := s.apply(ctx, p, n.DeviceID, n.ID, 0, d); err != nil {
		return Request{}, err
	}
	return s.Request(ctx, p, n.ID)
}

// Decision is a change of a request's status: whoever assigns coaches
// assigns one (CoachID), declines it (with DeclineReason) or opens it
// again; the requester withdraws it while it is open.
type Decision struct {
	Status        domain.SupportStatus
	CoachID       string
	DeclineReason string
	Rev           *int64 // required: the revision the decision was made on
}

// Decide changes the status of a request.
func (s *Service) Decide(ctx context.Context, p auth.Principal, id string, dc Decision) (Request, error) {
	if dc.Rev == nil {
		return Request{}, domain.Invalid("the decision is not valid", domain.FieldError{Field: "rev", Message: "send the revision you decided on"})
	}
	r, err := s.request(ctx, p, id)
	if err != nil {
		return Request{}, err
	}
	d := sync.SupportRequestDataFor(p, r)
	d.Status, d.CoachID, d.DeclineReason = string(dc.Status), dc.CoachID, dc.DeclineReason
	d.RequesterID, d.DecidedBy, d.DecidedAt, d.CycleID = "", "", nil, ""
	if err := s.apply(ctx, p, "", r.ID, *dc.Rev, d); err != nil {
		return Request{}, err
	}
	return s.Request(ctx, p, id)
}

// apply sends one change through the sync service and turns a refusal into
// the domain error the API answers with.
func (s *Service) apply(ctx context.Context, p auth.Principal, deviceID, id string, baseRev int64, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	if deviceID == "" {
		deviceID = domain.NewID()
	}
	res, err := s.sync.Push(ctx, p, sync.PushRequest{DeviceID: deviceID, Changes: []sync.Change{{
		ChangeID: domain.NewID(), Entity: sync.EntitySupportRequest, Op: sync.OpUpsert, ID: id, BaseRev: baseRev, Data: raw}}})
	if err != nil {
		return err
	}
	return resultError(res.Results[0])
}

// resultError is the error a change's result answers with, its fields
// named as the route's body names them.
func resultError(r sync.Result) error {
	if r.Status == sync.StatusGone {
		return errNoRequest
	}
	err := r.Err()
	var e *domain.Error
	if errors.As(err, &e) {
		for i := range e.Fields {
			e.Fields[i].Field = strings.TrimPrefix(e.Fields[i].Field, "data.")
		}
	}
	return err
}
