package roster

import (
	"context"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// Schools lists the schools the caller may see.
func (s *Service) Schools(ctx context.Context, p auth.Principal) ([]domain.School, error) {
	return s.store.Schools(ctx, p.Scope())
}

// rosterReaders may list a school's teachers; a teacher sees only what is
// shared with them.
var rosterReaders = []domain.Role{domain.RoleSupervisor, domain.RolePrincipal, domain.RoleCoach, domain.RoleObserver}

// Teachers lists the teachers of the schools the caller may see, of one
// school when schoolID is set. A school outside the caller's scope answers
// not found, the same as a school that does not exist.
func (s *Service) Teachers(ctx context.Context, p auth.Principal, schoolID string) ([]domain.Teacher, error) {
	sc := p.ScopeWith(rosterReaders...)
	if schoolID != "" {
		if !domain.ValidID(schoolID) || !sc.HasSchool(schoolID) {
			return nil, domain.Errorf(domain.ENotFound, "school not found")
		}
		ok, err := s.store.SchoolExists(ctx, p.DistrictID(), schoolID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, domain.Errorf(domain.ENotFound, "school not found")
		}
		sc = domain.Scope{DistrictID: sc.DistrictID, SchoolIDs: []string{schoolID}}
	}
	return s.store.Teachers(ctx, sc)
}
