package auth

import (
	"context"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// CreateFirstAdmin makes the first district administrator of an empty
// database. When districtID is empty a district is created for it (named
// "My district", in UTC, to be renamed in the settings); otherwise the
// administrator administers that district (the demo district, say).
func CreateFirstAdmin(ctx context.Context, s *store.Store, districtID, email, password string) (domain.User, error) {
	hash, err := HashPassword(password)
	if err != nil {
		return domain.User{}, err
	}
	u := domain.User{
		ID: domain.NewID(), Email: domain.NormalizeEmail(email), Name: "District administrator",
		PasswordHash: hash, Active: true, Grants: []domain.RoleGrant{{Role: domain.RoleDistrictAdmin}}, Rev: 1,
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		if districtID == "" {
			d := domain.District{ID: domain.NewID(), Name: "My district", TimeZone: "UTC", Settings: domain.DefaultDistrictSettings()}
			if err := tx.CreateDistrict(ctx, d); err != nil {
				return err
			}
			districtID = d.ID
		}
		u.DistrictID = districtID
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: districtID, ActorID: u.ID, Action: "user.create_first_admin",
			Entity: "user", EntityID: u.ID, Detail: map[string]any{"email": u.Email}})
	})
	return u, err
}
