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
// days asked: is attention spread fairly. It names teachers with the time
// of their last visit, which picks out an observation, so it covers only
// the schools whose teachers the caller sees (auth.TeacherScope): a
// supervisor asking for it is refused, and so is a principal or coach
// asking for a school where they are something else.
func (s *Service) Coverage(ctx context.Context, p auth.Principal, q CoverageQuery) ([]store.TeacherCoverage, error) {
	sc := p.TeacherScope()
	if !p.IsAdmin() && len(sc.SchoolIDs) == 0 {
		return nil, domain.Errorf(domain.EForbidden, "coverage names teachers: it is for district administrators, principals and coaches, at the schools whose teachers they see")
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
