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
