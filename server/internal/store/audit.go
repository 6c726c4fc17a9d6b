package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// AuditEntry records who did what, when and from where.
type AuditEntry struct {
	ID         string
	DistrictID string
	At         time.Time
	ActorID    string
	Action     string // e.g. "auth.login", "role.grant", "rubric.publish"
	Entity     string
	EntityID   string
	Detail     map[string]any
	IP         string
	UserAgent  string
}

type auditRow struct {
	ID         string
	DistrictID string
	At         time.Time
	ActorID    *string
	Action     string
	Entity     string
	EntityID   string
	Detail     string
	IP         string
	UserAgent  string
}

func (auditRow) TableName() string { return "audit_log" }

// Audit writes an audit entry in the transaction of the change it records.
func (tx *Tx) Audit(ctx context.Context, e AuditEntry) error {
	detail := "{}"
	if len(e.Detail) > 0 {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return err
		}
		detail = string(b)
	}
	if e.ID == "" {
		e.ID = domain.NewID()
	}
	row := auditRow{ID: e.ID, DistrictID: e.DistrictID, At: tx.now, ActorID: nullable(e.ActorID), Action: e.Action,
		Entity: e.Entity, EntityID: e.EntityID, Detail: detail, IP: e.IP, UserAgent: e.UserAgent}
	return translate(tx.db.Create(&row).Error, "audit entry")
}

// AuditFilter narrows an audit listing.
type AuditFilter struct {
	DistrictID string
	ActorIDs   []string
	Action     string // exact, or a prefix ending in "." such as "auth."
	From, To   *time.Time
	Before     string // id of the last entry of the previous page
	Limit      int
}

// AuditEntries lists audit entries newest first, a page at a time.
func (s *Store) AuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	q := s.db.WithContext(ctx).Where("district_id = ?", f.DistrictID)
	if len(f.ActorIDs) > 0 {
		q = q.Where("actor_id IN ?", f.ActorIDs)
	}
	if f.Action != "" {
		if len(f.Action) > 1 && f.Action[len(f.Action)-1] == '.' {
			q = q.Where("action LIKE ?", f.Action+"%")
		} else {
			q = q.Where("action = ?", f.Action)
		}
	}
	if f.From != nil {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("at < ?", f.To.UTC())
	}
	if f.Before != "" {
		q = q.Where("id < ?", f.Before)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	var rows []auditRow
	if err := q.Order("id DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "audit entry")
	}
	out := make([]AuditEntry, len(rows))
	for i, r := range rows {
		e := AuditEntry{ID: r.ID, DistrictID: r.DistrictID, At: r.At.UTC(), ActorID: deref(r.ActorID), Action: r.Action,
			Entity: r.Entity, EntityID: r.EntityID, IP: r.IP, UserAgent: r.UserAgent}
		_ = json.Unmarshal([]byte(r.Detail), &e.Detail)
		out[i] = e
	}
	return out, nil
}
