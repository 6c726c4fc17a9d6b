package trends

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Coverage lists the teachers of the caller's schools not visited since the
// given time: is attention spread fairly. Naming teachers is for the roles
// that see teachers (and administrators).
func (s *Service) Coverage(ctx context.Context, p auth.Principal, since time.Time, schoolID string) ([]store.TeacherCoverage, error) {
	sc := p.ReadScope()
	if !p.IsAdmin() && len(sc.SchoolIDs) == 0 {
		return nil, domain.Errorf(domain.EForbidden, "coverage is for district administrators, supervisors, principals and coaches")
	}
	if schoolID != "" {
		if !domain.ValidID(schoolID) || !sc.HasSchool(schoolID) {
			return nil, domain.Errorf(domain.ENotFound, "school not found")
		}
		if ok, err := s.store.SchoolExists(ctx, p.DistrictID(), schoolID); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			return nil, domain.Errorf(domain.ENotFound, "school not found")
		}
		sc = domain.Scope{DistrictID: p.DistrictID(), SchoolIDs: []string{schoolID}}
	}
	return s.store.Coverage(ctx, sc, since)
}
