package auth

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// AuditQuery is what an administrator asks of the audit log.
type AuditQuery struct {
	ActorIDs []string
	Action   string // exact, or a prefix ending in "." such as "auth."
	// From and To are days (dates at 00:00 UTC, To exclusive, zero for
	// none), read in the district's time zone.
	From, To time.Time
	Before   string // id of the last entry of the previous page
	Limit    int
}

// filter is q as the store reads it, the days turned into instants.
func (s *Service) filter(ctx context.Context, p Principal, q AuditQuery) (store.AuditFilter, error) {
	f := store.AuditFilter{DistrictID: p.DistrictID(), ActorIDs: q.ActorIDs, Action: q.Action, Before: q.Before, Limit: q.Limit}
	if q.From.IsZero() && q.To.IsZero() {
		return f, nil
	}
	d, err := s.store.District(ctx, p.DistrictID())
	if err != nil {
		return f, err
	}
	for _, b := range []struct {
		day time.Time
		dst **time.Time
	}{{q.From, &f.From}, {q.To, &f.To}} {
		if !b.day.IsZero() {
			at := domain.DayStart(b.day, d.Location())
			*b.dst = &at
		}
	}
	return f, nil
}

// AuditEntries lists the district's audit log for an administrator,
// newest first, a page at a time.
func (s *Service) AuditEntries(ctx context.Context, p Principal, q AuditQuery) ([]store.AuditEntry, error) {
	if err := p.RequireAdmin(); err != nil {
		return nil, err
	}
	f, err := s.filter(ctx, p, q)
	if err != nil {
		return nil, err
	}
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
func (s *Service) ExportAudit(ctx context.Context, p Principal, q AuditQuery, c Client, each func(page []store.AuditEntry, users map[string]domain.User) error) error {
	if err := p.RequireAdmin(); err != nil {
		return err
	}
	f, err := s.filter(ctx, p, q)
	if err != nil {
		return err
	}
	f.Before = ""
	detail := map[string]any{"action": f.Action}
	if len(f.ActorIDs) > 0 {
		detail["actor_ids"] = f.ActorIDs
	}
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		return tx.Audit(ctx, store.AuditEntry{DistrictID: f.DistrictID, ActorID: p.User.ID, Action: "audit.export", Entity: "audit_log",
			IP: c.IP, UserAgent: c.UserAgent, Detail: detail})
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
