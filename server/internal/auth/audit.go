package auth

import (
	"context"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// AuditEntries lists the district's audit log for an administrator.
func (s *Service) AuditEntries(ctx context.Context, p Principal, f store.AuditFilter) ([]store.AuditEntry, error) {
	if err := p.RequireAdmin(); err != nil {
		return nil, err
	}
	f.DistrictID = p.DistrictID()
	return s.store.AuditEntries(ctx, f)
}

// District returns the caller's district.
func (s *Service) District(ctx context.Context, p Principal) (domain.District, error) {
	return s.store.District(ctx, p.DistrictID())
}
