package trends

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// CoverageQuery asks which teachers were not visited from the day From to
// the day To (dates at 00:00 UTC read in the district's time zone, To
// exclusive; no end when zero), at the schools SchoolIDs (all the caller's
// when empty).
type CoverageQuery struct {
	From, To  time.Time
	SchoolIDs []string
}

// Coverage lists the teachers of the caller's schools not visited in the
// days asked: is attention spread fairly. Naming teachers is for the roles
// that see teachers (and administrators).
func (s *Service) Coverage(ctx context.Context, p auth.Principal, q CoverageQuery) ([]store.TeacherCoverage, error) {
	sc := p.ReadScope()
	if !p.IsAdmin() && len(sc.SchoolIDs) == 0 {
		return nil, domain.Errorf(domain.EForbidden, "coverage is for district administrators, supervisors, principals and coaches")
	}
	sc, err := s.store.NarrowScope(ctx, sc, q.SchoolIDs)
	if err != nil {
		return nil, err
	}
	d, err := s.store.District(ctx, p.DistrictID())
	if err != nil {
		return nil, err
	}
	return s.store.Coverage(ctx, sc, domain.DayStart(q.From, d.Location()), domain.DayStart(q.To, d.Location()))
}
