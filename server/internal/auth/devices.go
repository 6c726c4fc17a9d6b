package auth

import (
	"context"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Devices lists the tablets and browsers a user of the district signed in
// on; only administrators may.
func (s *Service) Devices(ctx context.Context, p Principal, userID string) ([]store.DeviceSession, error) {
	if err := p.RequireAdmin(); err != nil {
		return nil, err
	}
	if !domain.ValidID(userID) {
		return nil, domain.Errorf(domain.ENotFound, "user not found")
	}
	if _, err := s.store.User(ctx, p.DistrictID(), userID); err != nil {
		return nil, err
	}
	return s.store.DeviceSessions(ctx, p.DistrictID(), userID)
}

// SignOutDevice revokes every refresh token a user holds on one device, so
// the device must sign in again: its access token stops working on the next
// request. It answers how many tokens it revoked.
func (s *Service) SignOutDevice(ctx context.Context, p Principal, userID, deviceID string, c Client) (int64, error) {
	if err := p.RequireAdmin(); err != nil {
		return 0, err
	}
	if !domain.ValidID(userID) || !domain.ValidID(deviceID) {
		return 0, domain.Errorf(domain.ENotFound, "device not found")
	}
	var n int64
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.User(ctx, p.DistrictID(), userID); err != nil {
			return err
		}
		if _, err := tx.Device(ctx, p.DistrictID(), userID, deviceID); err != nil {
			return err
		}
		var err error
		if n, err = tx.RevokeUserRefreshTokens(ctx, userID, deviceID); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: "device.sign_out",
			Entity: "user", EntityID: userID, IP: c.IP, UserAgent: c.UserAgent,
			Detail: map[string]any{"device_id": deviceID, "revoked": n}})
	})
	return n, err
}
