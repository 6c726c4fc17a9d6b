// Package cycles holds cycles of support: coaches open them, log support
// activities and schedule follow-ups with invited observers; the due list,
// coaches' workload, the calendar feed, and the evidence of whether the
// focus indicator moved.
package cycles

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// Service answers for cycles of support on behalf of a caller. Writes of
// activities and follow-ups go through the sync service, the same code path
// as a device's push.
type Service struct {
	store *store.Store
	sync  *sync.Service
	now   func() time.Time
}

// NewService builds the cycles service; now is time.Now when nil.
func NewService(s *store.Store, sy *sync.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, sync: sy, now: now}
}

var errNoCycle = domain.Errorf(domain.ENotFound, "cycle of support not found")

// cycle loads a live cycle the caller may see.
func (s *Service) cycle(ctx context.Context, p auth.Principal, id string) (domain.Cycle, error) {
	if !domain.ValidID(id) {
		return domain.Cycle{}, errNoCycle
	}
	var c domain.Cycle
	err := s.store.ReadTx(ctx, func(tx *store.Tx) error {
		cs, err := tx.Cycles(ctx, p.DistrictID(), []string{id})
		if err != nil {
			return err
		}
		if len(cs) == 0 || cs[0].Deleted {
			return errNoCycle
		}
		c = cs[0]
		return nil
	})
	if err != nil {
		return c, err
	}
	if !p.SeesCycle(c) {
		return domain.Cycle{}, errNoCycle
	}
	return c, nil
}

// Query narrows a cycle listing.
type Query struct {
	SchoolIDs []string
	Status    string
	Mine      bool         // only the caller's own cycles
	Page      store.Keyset // after the key [id]
}

// Cycles lists the cycles the caller may see, newest first, a page at a
// time.
func (s *Service) Cycles(ctx context.Context, p auth.Principal, q Query) ([]domain.Cycle, error) {
	if q.Status != "" && !validStatus(domain.CycleStatus(q.Status)) {
		return nil, domain.Invalid("the filters are not valid", domain.FieldError{Field: "status", Message: "must be planned, active, completed or abandoned"})
	}
	return s.store.CyclesList(ctx, store.CycleFilter{Visible: p.ReadScope(), CoachID: p.User.ID, SchoolIDs: q.SchoolIDs,
		Status: q.Status, Mine: q.Mine, Page: q.Page})
}

func validStatus(st domain.CycleStatus) bool {
	switch st {
	case domain.CyclePlanned, domain.CycleActive, domain.CycleCompleted, domain.CycleAbandoned:
		return true
	}
	return false
}

// Detail is a cycle with its activities and follow-ups.
type Detail struct {
	Cycle      domain.Cycle
	Activities []domain.Activity
	FollowUps  []FollowUp
}

// FollowUp is a follow-up as the API shows it: with whether it is overdue
// and where it was before it was moved.
type FollowUp struct {
	domain.FollowUp
	Overdue     bool
	Reschedules []domain.Reschedule
}

// Cycle returns one cycle with its activities and follow-ups.
func (s *Service) Cycle(ctx context.Context, p auth.Principal, id string) (Detail, error) {
	c, err := s.cycle(ctx, p, id)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Cycle: c}
	var fs []domain.FollowUp
	err = s.store.ReadTx(ctx, func(tx *store.Tx) error {
		if d.Activities, err = tx.CycleActivities(ctx, p.DistrictID(), []string{c.ID}); err != nil {
			return err
		}
		fs, err = tx.CycleFollowUps(ctx, p.DistrictID(), []string{c.ID})
		return err
	})
	if err != nil {
		return Detail{}, err
	}
	d.FollowUps, err = s.decorate(ctx, p.DistrictID(), fs)
	for i := range d.FollowUps {
		hideObservation(p, c, &d.FollowUps[i])
	}
	return d, err
}

// hideObservation leaves out which observation a follow-up became for a
// caller who may not see the cycle's teachers (auth.SeesCycleTeachers) and
// did not observe it: a follow-up names its teacher, and its observation
// would link that teacher to the scores a supervisor reads without names.
func hideObservation(p auth.Principal, c domain.Cycle, f *FollowUp) {
	if !p.SeesFollowUpObservation(c, f.FollowUp) {
		f.ObservationID = ""
	}
}

// decorate adds overdue and the reschedule history to follow-ups.
func (s *Service) decorate(ctx context.Context, districtID string, fs []domain.FollowUp) ([]FollowUp, error) {
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	hist, err := s.store.Reschedules(ctx, districtID, ids)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]FollowUp, len(fs))
	for i, f := range fs {
		out[i] = FollowUp{FollowUp: f, Overdue: f.Overdue(now), Reschedules: hist[f.ID]}
	}
	return out, nil
}

// NewCycle is what opening a cycle takes.
type NewCycle struct {
	SchoolID          string
	CoachID           string // the caller when empty
	TeacherIDs        []string
	FocusIndicatorKey string
	FocusShift        string
	Status            domain.CycleStatus // planned when empty
	StartedOn         *time.Time
	// SupportRequestID names the support request the cycle answers, if
	// any: its assigned coach (or whoever assigns coaches) opens it, at the
	// request's school, once.
	SupportRequestID string
}

// Open opens a cycle of support at a school.
func (s *Service) Open(ctx context.Context, p auth.Principal, n NewCycle) (domain.Cycle, error) {
	if n.CoachID == "" {
		n.CoachID = p.User.ID
	}
	if n.Status == "" {
		n.Status = domain.CyclePlanned
	}
	c := domain.Cycle{ID: domain.NewID(), DistrictID: p.DistrictID(), SchoolID: n.SchoolID, CoachID: n.CoachID,
		TeacherIDs: sortedUnique(n.TeacherIDs), FocusIndicatorKey: n.FocusIndicatorKey, FocusShift: strings.TrimSpace(n.FocusShift),
		Status: n.Status, StartedOn: n.StartedOn, Rev: 1}
	if c.Status == domain.CycleActive && c.StartedOn == nil {
		today := s.today(ctx, p.DistrictID())
		c.StartedOn = &today
	}
	if c.Status == domain.CycleCompleted || c.Status == domain.CycleAbandoned {
		return domain.Cycle{}, domain.Invalid("the cycle is not valid", domain.FieldError{Field: "status", Message: "a new cycle is planned or active"})
	}
	if err := c.Validate(); err != nil {
		return domain.Cycle{}, err
	}
	if !p.ReadScope().HasSchool(c.SchoolID) {
		return domain.Cycle{}, domain.Errorf(domain.EForbidden, "only the school's coaches and leaders may open a cycle of support there")
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := sync.CheckCycleRefs(ctx, tx, c); err != nil {
			return err
		}
		if err := tx.PutCycle(ctx, c); err != nil {
			return err
		}
		if n.SupportRequestID != "" {
			return answerRequest(ctx, tx, p, c, n.SupportRequestID)
		}
		return nil
	})
	return c, err
}

// answerRequest notes on the support request that the cycle c answers it.
func answerRequest(ctx context.Context, tx *store.Tx, p auth.Principal, c domain.Cycle, requestID string) error {
	var rs []domain.SupportRequest
	var err error
	if domain.ValidID(requestID) {
		if rs, err = tx.SupportRequests(ctx, p.DistrictID(), []string{requestID}); err != nil {
			return err
		}
	}
	if len(rs) == 0 || rs[0].Deleted || !p.SeesSupportRequest(rs[0]) {
		return domain.Invalid("the cycle is not valid", domain.FieldError{Field: "support_request_id", Message: "no such support request"})
	}
	r := rs[0]
	switch {
	case !p.OpensCycleFrom(r):
		return domain.Errorf(domain.EForbidden, "only the request's assigned coach, or whoever assigns coaches, opens a cycle from it")
	case r.CycleID != "":
		return domain.Errorf(domain.EConflict, "a cycle of support is already open from this request")
	case r.SchoolID != c.SchoolID:
		return domain.Invalid("the cycle is not valid", domain.FieldError{Field: "school_id", Message: "must be the request's school"})
	}
	r.CycleID, r.Rev = c.ID, r.Rev+1
	return tx.PutSupportRequest(ctx, r)
}

// CycleChange is a partial update of a cycle; nil fields stay as they are.
type CycleChange struct {
	TeacherIDs      []string
	FocusShift      *string
	Status          *domain.CycleStatus
	Outcome         *domain.CycleOutcome
	OutcomeEvidence *string
	// Rev, when set, is the revision the change was made on.
	Rev *int64
}

// Update changes a cycle: its teachers, shift, status and outcome. A cycle
// is completed with an outcome. The change goes through the sync service,
// the same code path as a device's push of the cycle.
func (s *Service) Update(ctx context.Context, p auth.Principal, id string, ch CycleChange) (domain.Cycle, error) {
	c, err := s.cycle(ctx, p, id)
	if err != nil {
		return c, err
	}
	if !p.RunsCycle(c) {
		return domain.Cycle{}, domain.Errorf(domain.EForbidden, "only the cycle's coach or the school's leaders may change it")
	}
	base := c.Rev
	if ch.Rev != nil {
		if *ch.Rev != c.Rev {
			return domain.Cycle{}, domain.Stale("the cycle", *ch.Rev, c.Rev)
		}
		base = *ch.Rev
	}
	d := sync.CycleDataOf(c)
	if ch.TeacherIDs != nil {
		d.TeacherIDs = ch.TeacherIDs
	}
	if ch.FocusShift != nil {
		d.FocusShift = *ch.FocusShift
	}
	if ch.Status != nil {
		d.Status = string(*ch.Status)
	}
	if ch.Outcome != nil {
		d.Outcome = string(*ch.Outcome)
	}
	if ch.OutcomeEvidence != nil {
		d.OutcomeEvidence = *ch.OutcomeEvidence
	}
	d.EndedOn = nil // the server dates the end of a cycle changed through the API
	if err := s.apply(ctx, p, "", sync.EntityCycle, c.ID, base, d); err != nil {
		return domain.Cycle{}, err
	}
	return s.cycle(ctx, p, id)
}

// NewActivity is what logging a support activity takes.
type NewActivity struct {
	ID         string // made by the server when empty; a retry with the same id is applied once
	DeviceID   string
	Kind       domain.ActivityKind
	OccurredOn time.Time
	Notes      string
}

// LogActivity logs a support activity in a cycle, through the sync path.
func (s *Service) LogActivity(ctx context.Context, p auth.Principal, cycleID string, n NewActivity) (domain.Activity, error) {
	c, err := s.cycle(ctx, p, cycleID)
	if err != nil {
		return domain.Activity{}, err
	}
	if !p.RunsCycle(c) {
		return domain.Activity{}, domain.Errorf(domain.EForbidden, "only the cycle's coach or the school's leaders may log its activities")
	}
	if n.ID == "" {
		n.ID = domain.NewID()
	}
	data := sync.ActivityData{CycleID: c.ID, Kind: string(n.Kind), OccurredOn: sync.Date{Time: n.OccurredOn}, Notes: n.Notes}
	if err := s.apply(ctx, p, n.DeviceID, sync.EntityCycleActivity, n.ID, 0, data); err != nil {
		return domain.Activity{}, err
	}
	var a domain.Activity
	err = s.store.ReadTx(ctx, func(tx *store.Tx) error {
		as, err := tx.Activities(ctx, p.DistrictID(), []string{n.ID})
		if err == nil && len(as) == 1 {
			a = as[0]
		}
		return err
	})
	return a, err
}

// NewFollowUp is what scheduling a follow-up takes.
type NewFollowUp struct {
	ID          string // made by the server when empty
	DeviceID    string
	TeacherID   string
	StartsAt    time.Time
	EndsAt      time.Time
	ObserverIDs []string // the coach, and the school's principals when the district says so, when empty
	Notes       string
}

// Schedule books a follow-up in a cycle, through the sync path: the same
// checks, clash detection included, as a follow-up pushed by a device.
func (s *Service) Schedule(ctx context.Context, p auth.Principal, cycleID string, n NewFollowUp) (FollowUp, error) {
	c, err := s.cycle(ctx, p, cycleID)
	if err != nil {
		return FollowUp{}, err
	}
	if !p.RunsCycle(c) {
		return FollowUp{}, domain.Errorf(domain.EForbidden, "only the cycle's coach or the school's leaders may schedule its follow-ups")
	}
	if n.ID == "" {
		n.ID = domain.NewID()
	}
	if len(n.ObserverIDs) == 0 {
		if n.ObserverIDs, err = s.defaultObservers(ctx, c); err != nil {
			return FollowUp{}, err
		}
	}
	data := sync.FollowUpData{CycleID: c.ID, TeacherID: n.TeacherID, StartsAt: n.StartsAt.UTC(), EndsAt: n.EndsAt.UTC(),
		ObserverIDs: sortedUnique(n.ObserverIDs), Status: string(domain.FollowUpScheduled), Notes: n.Notes}
	if err := s.apply(ctx, p, n.DeviceID, sync.EntityFollowUp, n.ID, 0, data); err != nil {
		return FollowUp{}, err
	}
	return s.followUp(ctx, p.DistrictID(), n.ID)
}

// defaultObservers are the cycle's coach and, when the district invites
// principals to follow-ups, the school's principals.
func (s *Service) defaultObservers(ctx context.Context, c domain.Cycle) ([]string, error) {
	out := []string{c.CoachID}
	d, err := s.store.District(ctx, c.DistrictID)
	if err != nil {
		return nil, err
	}
	if !d.Settings.InvitePrincipalToFollowUps {
		return out, nil
	}
	users, err := s.store.Users(ctx, c.DistrictID)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.Active && slices.ContainsFunc(u.Grants, func(g domain.RoleGrant) bool { return g.Role == domain.RolePrincipal && g.SchoolID == c.SchoolID }) {
			out = append(out, u.ID)
		}
	}
	return sortedUnique(out), nil
}

// FollowUpChange is a partial update of a follow-up; nil fields stay.
type FollowUpChange struct {
	DeviceID    string
	StartsAt    *time.Time
	EndsAt      *time.Time
	ObserverIDs []string
	Notes       *string
	Status      *domain.FollowUpStatus
	Rev         *int64
}

var errNoFollowUp = domain.Errorf(domain.ENotFound, "follow-up not found")

// UpdateFollowUp reschedules, re-invites, annotates or cancels a
// follow-up, through the sync path. A move keeps where it was before.
func (s *Service) UpdateFollowUp(ctx context.Context, p auth.Principal, id string, ch FollowUpChange) (FollowUp, error) {
	if !domain.ValidID(id) {
		return FollowUp{}, errNoFollowUp
	}
	cur, err := s.followUp(ctx, p.DistrictID(), id)
	if err != nil {
		return FollowUp{}, err
	}
	c, err := s.cycle(ctx, p, cur.CycleID)
	if err != nil && !slices.Contains(cur.ObserverIDs, p.User.ID) {
		return FollowUp{}, errNoFollowUp
	}
	data := sync.FollowUpDataOf(cur.FollowUp)
	data.SchoolID = ""
	if ch.StartsAt != nil {
		length := data.EndsAt.Sub(data.StartsAt)
		data.StartsAt = ch.StartsAt.UTC()
		if ch.EndsAt == nil {
			data.EndsAt = data.StartsAt.Add(length)
		}
	}
	if ch.EndsAt != nil {
		data.EndsAt = ch.EndsAt.UTC()
	}
	if ch.ObserverIDs != nil {
		data.ObserverIDs = sortedUnique(ch.ObserverIDs)
	}
	if ch.Notes != nil {
		data.Notes = *ch.Notes
	}
	if ch.Status != nil {
		if *ch.Status == domain.FollowUpDone && cur.ObservationID == "" {
			return FollowUp{}, domain.Invalid("the follow-up is not valid", domain.FieldError{Field: "status",
				Message: "a follow-up is done when an observation made from it is submitted"})
		}
		data.Status = string(*ch.Status)
	}
	base := cur.Rev
	if ch.Rev != nil {
		base = *ch.Rev
	}
	if err := s.apply(ctx, p, ch.DeviceID, sync.EntityFollowUp, id, base, data); err != nil {
		return FollowUp{}, err
	}
	f, err := s.followUp(ctx, p.DistrictID(), id)
	hideObservation(p, c, &f)
	return f, err
}

func (s *Service) followUp(ctx context.Context, districtID, id string) (FollowUp, error) {
	var fs []domain.FollowUp
	err := s.store.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		fs, err = tx.FollowUps(ctx, districtID, []string{id})
		return err
	})
	if err != nil {
		return FollowUp{}, err
	}
	if len(fs) == 0 || fs[0].Deleted {
		return FollowUp{}, errNoFollowUp
	}
	out, err := s.decorate(ctx, districtID, fs)
	if err != nil {
		return FollowUp{}, err
	}
	return out[0], nil
}

// apply sends one change through the sync service and turns a refusal into
// the domain error the API answers with.
func (s *Service) apply(ctx context.Context, p auth.Principal, deviceID, entity, id string, baseRev int64, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	if deviceID == "" {
		deviceID = domain.NewID()
	}
	res, err := s.sync.Push(ctx, p, sync.PushRequest{DeviceID: deviceID, Changes: []sync.Change{{
		ChangeID: domain.NewID(), Entity: entity, Op: sync.OpUpsert, ID: id, BaseRev: baseRev, Data: raw}}})
	if err != nil {
		return err
	}
	return resultError(res.Results[0])
}

// resultError is the error a change's result answers with, its fields
// named as the route's body names them (without the change's "data."); a
// record deleted meanwhile is not found, as it would be had it gone first.
func resultError(r sync.Result) error {
	if r.Status == sync.StatusGone {
		msg := "the record is gone"
		if r.Error != nil && r.Error.Message != "" {
			msg = r.Error.Message
		}
		return domain.Errorf(domain.ENotFound, "%s", msg)
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

func sortedUnique(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

func itoa(i int) string { return strconv.Itoa(i) }

// today is the district's calendar day now, as a date at 00:00 UTC.
func (s *Service) today(ctx context.Context, districtID string) time.Time {
	d, err := s.store.District(ctx, districtID)
	loc := time.UTC
	if err == nil {
		loc = d.Location()
	}
	return dateIn(s.now(), loc)
}

func districtLoc(ctx context.Context, tx *store.Tx, districtID string) *time.Location {
	d, err := tx.District(ctx, districtID)
	if err != nil {
		return time.UTC
	}
	return d.Location()
}

// dateIn is t's calendar day in loc, as a date at 00:00 UTC.
func dateIn(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}
