// Package rubrics keeps a district's instructional frameworks: drafts that
// administrators edit, published versions that never change, and the
// built-in five-dimension template.
package rubrics

import (
	"context"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Service reads and changes rubrics on behalf of a caller.
type Service struct {
	store *store.Store
}

// NewService builds the rubric service.
func NewService(s *store.Store) *Service { return &Service{store: s} }

// List returns the district's rubrics: every version for an administrator,
// the published ones for everyone else.
func (s *Service) List(ctx context.Context, p auth.Principal) ([]domain.Rubric, error) {
	return s.store.Rubrics(ctx, p.DistrictID(), p.IsAdmin())
}

// Version returns one version with its content. A draft is visible only to
// administrators; to others it does not exist.
func (s *Service) Version(ctx context.Context, p auth.Principal, id string) (domain.RubricVersion, error) {
	if !domain.ValidID(id) {
		return domain.RubricVersion{}, domain.Errorf(domain.ENotFound, "rubric version not found")
	}
	v, err := s.store.RubricVersion(ctx, p.DistrictID(), id)
	if err != nil {
		return v, err
	}
	if v.Status != domain.RubricPublished && !p.IsAdmin() {
		return domain.RubricVersion{}, domain.Errorf(domain.ENotFound, "rubric version not found")
	}
	return v, nil
}

// Template is the built-in framework, for a district to copy and adapt.
func (s *Service) Template() domain.RubricVersion { return domain.BuiltinFramework() }

// CreateDraft stores v as a new draft: version 1 of a new rubric, or the next
// version of rubricID when it is set.
func (s *Service) CreateDraft(ctx context.Context, p auth.Principal, v domain.RubricVersion, rubricID string, c auth.Client) (domain.RubricVersion, error) {
	if err := p.RequireAdmin(); err != nil {
		return v, err
	}
	v.ID, v.DistrictID, v.Status, v.PublishedAt = domain.NewID(), p.DistrictID(), domain.RubricDraft, nil
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if rubricID == "" {
			v.RubricID, v.Version = domain.NewID(), 1
		} else {
			if !domain.ValidID(rubricID) {
				return domain.Errorf(domain.ENotFound, "rubric not found")
			}
			n, err := tx.NextRubricVersion(ctx, p.DistrictID(), rubricID)
			if err != nil {
				return err
			}
			v.RubricID, v.Version = rubricID, n
		}
		if err := tx.CreateRubricVersion(ctx, v); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: "rubric.draft",
			Entity: "rubric_version", EntityID: v.ID, IP: c.IP, UserAgent: c.UserAgent,
			Detail: map[string]any{"rubric_id": v.RubricID, "version": v.Version, "name": v.Name}})
	})
	if err != nil {
		return v, err
	}
	return s.store.RubricVersion(ctx, p.DistrictID(), v.ID)
}

// UpdateDraft replaces a draft's content; a published version refuses, and
// so does a draft that moved on from rev when rev is given.
func (s *Service) UpdateDraft(ctx context.Context, p auth.Principal, id string, v domain.RubricVersion, rev *int64, c auth.Client) (domain.RubricVersion, error) {
	if err := p.RequireAdmin(); err != nil {
		return v, err
	}
	if !domain.ValidID(id) {
		return v, domain.Errorf(domain.ENotFound, "rubric version not found")
	}
	v.ID, v.DistrictID = id, p.DistrictID()
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ReplaceDraft(ctx, v, rev); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: "rubric.edit",
			Entity: "rubric_version", EntityID: id, IP: c.IP, UserAgent: c.UserAgent})
	})
	if err != nil {
		return v, err
	}
	return s.store.RubricVersion(ctx, p.DistrictID(), id)
}

// Publish makes a draft the version observers score against, for good.
func (s *Service) Publish(ctx context.Context, p auth.Principal, id string, c auth.Client) (domain.RubricVersion, error) {
	if err := p.RequireAdmin(); err != nil {
		return domain.RubricVersion{}, err
	}
	if !domain.ValidID(id) {
		return domain.RubricVersion{}, domain.Errorf(domain.ENotFound, "rubric version not found")
	}
	var v domain.RubricVersion
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if v, err = tx.PublishRubricVersion(ctx, p.DistrictID(), id); err != nil {
			return err
		}
		f, err := tx.Framework(ctx, p.DistrictID(), v.RubricID)
		if err != nil {
			return err
		}
		detail := map[string]any{"rubric_id": v.RubricID, "version": v.Version, "name": v.Name}
		// Where the version applies from now: the audit log names it.
		every, schools := f.Main, []string{}
		for _, a := range f.Assignments {
			if a.EndedAt == nil {
				every = every || len(a.SchoolIDs) == 0
				schools = append(schools, a.SchoolIDs...)
			}
		}
		detail["every_school"], detail["school_ids"] = every, schools
		return tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: "rubric.publish",
			Entity: "rubric_version", EntityID: id, IP: c.IP, UserAgent: c.UserAgent, Detail: detail})
	})
	return v, err
}
