package rubrics

import (
	"context"
	"slices"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Frameworks lists the district's frameworks with where each applies, for
// an administrator.
func (s *Service) Frameworks(ctx context.Context, p auth.Principal) ([]domain.Framework, error) {
	if err := p.RequireAdmin(); err != nil {
		return nil, err
	}
	return s.store.Frameworks(ctx, p.DistrictID(), true)
}

// Reach is who would score with a framework, and from when: what an
// administrator reads before publishing a version or assigning it.
type Reach struct {
	Framework   domain.Framework
	From        time.Time
	EverySchool bool            // every school of the district
	Schools     []domain.School // when not every school
	EveryKind   bool
	Kinds       []domain.WalkthroughKind
	Observers   int // people who score classrooms at those schools
	// Others are the other frameworks that apply at some of those schools
	// and kinds too; observers there choose.
	Others []domain.Framework
}

// Reach answers who scores with the framework now (proposed false), or who
// would once it is also assigned to the schools and kinds given (empty: all).
func (s *Service) Reach(ctx context.Context, p auth.Principal, id string, proposed bool, schoolIDs []string, kinds []domain.WalkthroughKind) (Reach, error) {
	if err := p.RequireAdmin(); err != nil {
		return Reach{}, err
	}
	if !domain.ValidID(id) {
		return Reach{}, domain.Errorf(domain.ENotFound, "framework not found")
	}
	var r Reach
	err := s.store.ReadTx(ctx, func(tx *store.Tx) error {
		fs, err := tx.Frameworks(ctx, p.DistrictID(), true)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(fs, func(f domain.Framework) bool { return f.ID == id })
		if i < 0 {
			return domain.Errorf(domain.ENotFound, "framework not found")
		}
		f := fs[i]
		now := tx.Now()
		if proposed {
			a := domain.Assignment{RubricID: f.ID, SchoolIDs: schoolIDs, Kinds: kinds, StartsAt: now}
			if err := a.Validate(); err != nil {
				return err
			}
			f.Assignments = append(f.Assignments, a)
		}
		r = Reach{Framework: fs[i], From: now}
		if f.RetiredBy(now) {
			return nil
		}
		schools, err := tx.AllSchools(ctx, p.DistrictID())
		if err != nil {
			return err
		}
		everyKind := map[domain.WalkthroughKind]bool{}
		for _, sc := range schools {
			if !sc.Active {
				continue
			}
			covered := false
			for _, k := range domain.WalkthroughKinds {
				if f.AppliesAt(sc.ID, k, now) {
					covered, everyKind[k] = true, true
					for _, o := range domain.Applicable(fs, sc.ID, k, now) {
						if o.ID != f.ID && !slices.ContainsFunc(r.Others, func(x domain.Framework) bool { return x.ID == o.ID }) {
							r.Others = append(r.Others, o)
						}
					}
				}
			}
			if covered {
				r.Schools = append(r.Schools, sc)
			}
		}
		active := 0
		for _, sc := range schools {
			if sc.Active {
				active++
			}
		}
		r.EverySchool = active > 0 && len(r.Schools) == active
		for _, k := range domain.WalkthroughKinds {
			if everyKind[k] {
				r.Kinds = append(r.Kinds, k)
			}
		}
		r.EveryKind = len(r.Kinds) == len(domain.WalkthroughKinds)
		users, err := tx.AllUsers(ctx, p.DistrictID(), nil)
		if err != nil {
			return err
		}
		for _, u := range users {
			if slices.ContainsFunc(r.Schools, func(sc domain.School) bool { return auth.Observes(u, sc.ID) }) {
				r.Observers++
			}
		}
		return nil
	})
	return r, err
}

// Assign makes a framework apply at the schools and kinds of a (empty: all)
// from now on.
func (s *Service) Assign(ctx context.Context, p auth.Principal, id string, a domain.Assignment, rev *int64, c auth.Client) (domain.Framework, error) {
	if err := p.RequireAdmin(); err != nil {
		return domain.Framework{}, err
	}
	if !domain.ValidID(id) {
		return domain.Framework{}, domain.Errorf(domain.ENotFound, "framework not found")
	}
	a.RubricID, a.CreatedBy, a.StartsAt = id, p.User.ID, time.Time{}
	return s.frameworkWrite(ctx, p, id, func(tx *store.Tx) (store.AuditEntry, error) {
		a, err := tx.AddAssignment(ctx, p.DistrictID(), a, rev)
		return store.AuditEntry{Action: "framework.assign", Detail: map[string]any{"assignment_id": a.ID, "school_ids": a.SchoolIDs, "kinds": a.Kinds}}, err
	}, c)
}

// Rollback ends an assignment from now on.
func (s *Service) Rollback(ctx context.Context, p auth.Principal, id, assignmentID string, rev *int64, c auth.Client) (domain.Framework, error) {
	if err := p.RequireAdmin(); err != nil {
		return domain.Framework{}, err
	}
	if !domain.ValidID(id) || !domain.ValidID(assignmentID) {
		return domain.Framework{}, domain.Errorf(domain.ENotFound, "framework assignment not found")
	}
	return s.frameworkWrite(ctx, p, id, func(tx *store.Tx) (store.AuditEntry, error) {
		a, err := tx.EndAssignment(ctx, p.DistrictID(), id, assignmentID, p.User.ID, rev)
		return store.AuditEntry{Action: "framework.rollback", Detail: map[string]any{"assignment_id": a.ID, "school_ids": a.SchoolIDs, "kinds": a.Kinds}}, err
	}, c)
}

// Retire stops a framework taking new observations from now on.
func (s *Service) Retire(ctx context.Context, p auth.Principal, id string, rev *int64, c auth.Client) (domain.Framework, error) {
	if err := p.RequireAdmin(); err != nil {
		return domain.Framework{}, err
	}
	if !domain.ValidID(id) {
		return domain.Framework{}, domain.Errorf(domain.ENotFound, "framework not found")
	}
	return s.frameworkWrite(ctx, p, id, func(tx *store.Tx) (store.AuditEntry, error) {
		return store.AuditEntry{Action: "framework.retire", Detail: map[string]any{}}, tx.RetireFramework(ctx, p.DistrictID(), id, rev)
	}, c)
}

// MakeMain makes a framework the district's main one from now on: the
// default of trends, the dashboard, exports, debriefs, calibration and cycle
// evidence, applying at every school and kind. keepPrevious keeps the
// former main framework on offer at every school and kind.
func (s *Service) MakeMain(ctx context.Context, p auth.Principal, id string, rev *int64, keepPrevious bool, c auth.Client) (domain.Framework, error) {
	if err := p.RequireAdmin(); err != nil {
		return domain.Framework{}, err
	}
	if !domain.ValidID(id) {
		return domain.Framework{}, domain.Errorf(domain.ENotFound, "framework not found")
	}
	return s.frameworkWrite(ctx, p, id, func(tx *store.Tx) (store.AuditEntry, error) {
		prev, err := tx.MakeMain(ctx, p.DistrictID(), id, p.User.ID, rev, keepPrevious)
		if err != nil {
			return store.AuditEntry{}, err
		}
		detail := map[string]any{"previous_id": prev, "kept_previous": keepPrevious}
		if prev != "" {
			if pf, err := tx.Framework(ctx, p.DistrictID(), prev); err == nil {
				detail["previous_name"] = pf.Name
			}
		}
		return store.AuditEntry{Action: "framework.main", Detail: detail}, nil
	}, c)
}

// frameworkWrite runs one write of a framework with its audit entry and
// answers the framework as it is afterwards.
func (s *Service) frameworkWrite(ctx context.Context, p auth.Principal, id string, write func(tx *store.Tx) (store.AuditEntry, error), c auth.Client) (domain.Framework, error) {
	var f domain.Framework
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		e, err := write(tx)
		if err != nil {
			return err
		}
		if f, err = tx.Framework(ctx, p.DistrictID(), id); err != nil {
			return err
		}
		e.DistrictID, e.ActorID, e.Entity, e.EntityID, e.IP, e.UserAgent = p.DistrictID(), p.User.ID, "framework", id, c.IP, c.UserAgent
		e.Detail["name"] = f.Name
		return tx.Audit(ctx, e)
	})
	return f, err
}
