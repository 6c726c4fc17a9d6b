// Package visits answers what walkthroughs and observations a caller may
// read, and what came of them: school leaders and coaches see their schools'
// visits, everyone sees their own; a walkthrough's team reads its debrief
// and next steps, and leaders read how alike their teams score.
package visits

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Service reads visits on behalf of a caller.
type Service struct {
	store *store.Store
}

// NewService builds the visits service.
func NewService(s *store.Store) *Service { return &Service{store: s} }

// ObservationQuery is what a caller asks for.
type ObservationQuery struct {
	SchoolIDs, TeacherIDs, WalkthroughIDs []string
	Status                                string
	// Kind, GradeBand and Subject narrow as the trends' filters do, so a
	// trend's cell can be opened on the observations behind it.
	Kind, GradeBand, Subject string
	// From and To are days (dates at 00:00 UTC, To exclusive, zero for
	// none) read in the district's time zone.
	From, To time.Time
	Cursor   string // the id of the last observation of the previous page
	Limit    int
}

// redact hides the teacher from callers who may see school-level evidence
// but not individual teachers.
func redact(p auth.Principal, o domain.Observation) domain.Observation {
	if p.IsAdmin() || o.ObserverID == p.User.ID || p.TeacherScope().HasSchool(o.SchoolID) {
		return o
	}
	o.TeacherID, o.FollowUpID = "", ""
	return o
}

// Observations lists the observations the caller may read, newest first.
// Filtering by teacher needs the right to see that teacher's school's
// teachers.
func (s *Service) Observations(ctx context.Context, p auth.Principal, q ObservationQuery) ([]domain.Observation, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	for _, id := range q.TeacherIDs {
		if p.IsAdmin() {
			break
		}
		t, err := s.store.Teacher(ctx, p.DistrictID(), id)
		if err != nil || !p.TeacherScope().HasSchool(t.SchoolID) {
			return nil, domain.Errorf(domain.ENotFound, "teacher not found")
		}
	}
	f := store.ObservationFilter{Visible: p.ReadScope(), ObserverID: p.User.ID,
		SchoolIDs: q.SchoolIDs, TeacherIDs: q.TeacherIDs, WalkthroughIDs: q.WalkthroughIDs, Status: q.Status, Kind: q.Kind, GradeBand: q.GradeBand, Subject: q.Subject,
		Before: q.Cursor, Limit: q.Limit}
	if !q.From.IsZero() || !q.To.IsZero() {
		d, err := s.store.District(ctx, p.DistrictID())
		if err != nil {
			return nil, err
		}
		if !q.From.IsZero() {
			from := domain.DayStart(q.From, d.Location())
			f.From = &from
		}
		if !q.To.IsZero() {
			to := domain.DayStart(q.To, d.Location())
			f.To = &to
		}
	}
	var out []domain.Observation
	for {
		page, err := s.store.ObservationsPage(ctx, f)
		if err != nil {
			return nil, err
		}
		if len(page) < f.Limit {
			f.Limit = 0 // the last page
		} else {
			f.Before = page[len(page)-1].ID
		}
		kept, err := s.keptForCaller(ctx, p, page)
		if err != nil {
			return nil, err
		}
		for _, o := range kept {
			out = append(out, redact(p, o))
		}
		if f.Limit == 0 || len(out) >= q.Limit {
			break
		}
		f.Limit = q.Limit - len(out)
	}
	return out, nil
}

// keptForCaller leaves out, for a caller who may not see a school's
// teachers, the observations of that school's periods that trends leave
// out (fewer than the district's minimum of observations): the drill-down
// behind a cell lists no more than the cell counts.
func (s *Service) keptForCaller(ctx context.Context, p auth.Principal, os []domain.Observation) ([]domain.Observation, error) {
	var hidden []domain.Observation
	for _, o := range os {
		if !p.IsAdmin() && o.ObserverID != p.User.ID && !p.TeacherScope().HasSchool(o.SchoolID) {
			hidden = append(hidden, o)
		}
	}
	if len(hidden) == 0 {
		return os, nil
	}
	d, err := s.store.District(ctx, p.DistrictID())
	if err != nil {
		return nil, err
	}
	out, err := s.store.LeftOutOfTrends(ctx, p.DistrictID(), hidden, int64(d.Settings.MinCellSize))
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(os, func(o domain.Observation) bool { return out[o.ID] }), nil
}

var errNoObservation = domain.Errorf(domain.ENotFound, "observation not found")

// Observation returns one observation the caller may read.
func (s *Service) Observation(ctx context.Context, p auth.Principal, id string) (domain.Observation, error) {
	if !domain.ValidID(id) {
		return domain.Observation{}, errNoObservation
	}
	var o domain.Observation
	err := s.store.ReadTx(ctx, func(tx *store.Tx) error {
		os, err := tx.Observations(ctx, p.DistrictID(), []string{id})
		if err != nil {
			return err
		}
		if len(os) == 0 || os[0].Deleted {
			return errNoObservation
		}
		o = os[0]
		return nil
	})
	if err != nil {
		return o, err
	}
	if o.ObserverID != p.User.ID && !p.ReadScope().HasSchool(o.SchoolID) {
		return domain.Observation{}, errNoObservation
	}
	if kept, err := s.keptForCaller(ctx, p, []domain.Observation{o}); err != nil || len(kept) == 0 {
		return domain.Observation{}, cmp.Or[error](err, errNoObservation)
	}
	return redact(p, o), nil
}

// WalkthroughQuery is what a caller asks for.
type WalkthroughQuery struct {
	SchoolIDs    []string
	Kind, Cursor string
	Limit        int
}

// Walkthroughs lists the walkthroughs the caller may read, newest first.
func (s *Service) Walkthroughs(ctx context.Context, p auth.Principal, q WalkthroughQuery) ([]domain.Walkthrough, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	return s.store.WalkthroughsPage(ctx, store.WalkthroughFilter{Visible: p.ReadScope(), MemberID: p.User.ID,
		SchoolIDs: q.SchoolIDs, Kind: q.Kind, Before: q.Cursor, Limit: q.Limit})
}

var errNoWalkthrough = domain.Errorf(domain.ENotFound, "walkthrough not found")

// Walkthrough returns one walkthrough the caller is on or may read.
func (s *Service) Walkthrough(ctx context.Context, p auth.Principal, id string) (domain.Walkthrough, error) {
	if !domain.ValidID(id) {
		return domain.Walkthrough{}, errNoWalkthrough
	}
	var w domain.Walkthrough
	err := s.store.ReadTx(ctx, func(tx *store.Tx) error {
		ws, err := tx.Walkthroughs(ctx, p.DistrictID(), []string{id})
		if err != nil {
			return err
		}
		if len(ws) == 0 || ws[0].Deleted {
			return errNoWalkthrough
		}
		w = ws[0]
		return nil
	})
	if err != nil {
		return w, err
	}
	if !slices.Contains(w.Team, p.User.ID) && !p.ReadScope().HasSchool(w.SchoolID) {
		return domain.Walkthrough{}, errNoWalkthrough
	}
	return w, nil
}
