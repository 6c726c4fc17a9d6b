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

// maxAuditExport bounds one CSV export of the audit log.
const maxAuditExport = 100_000

// ExportAudit records that an administrator exported the audit log, then
// hands each page of the filtered entries, newest first, to each, with the
// district's users by id to name the actors. At most 100,000 entries go out.
func (s *Service) ExportAudit(ctx context.Context, p Principal, f store.AuditFilter, c Client, each func(page []store.AuditEntry, users map[string]domain.User) error) error {
	if err := p.RequireAdmin(); err != nil {
		return err
	}
	f.DistrictID = p.DistrictID()
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		return tx.Audit(ctx, store.AuditEntry{DistrictID: f.DistrictID, ActorID: p.User.ID, Action: "audit.export", Entity: "audit_log",
			IP: c.IP, UserAgent: c.UserAgent, Detail: map[string]any{"actor": f.ActorID, "action": f.Action}})
	})
	if err != nil {
		return err
	}
	us, err := s.store.Users(ctx, f.DistrictID)
	if err != nil {
		return err
	}
	users := make(map[string]domain.User, len(us))
	for _, u := range us {
		users[u.ID] = u
	}
	f.Limit = 500
	for sent := 0; sent < maxAuditExport; {
		page, err := s.store.AuditEntries(ctx, f)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		if err := each(page, users); err != nil {
			return err
		}
		sent += len(page)
		if len(page) < f.Limit {
			return nil
		}
		f.Before = page[len(page)-1].ID
	}
	return nil
}
