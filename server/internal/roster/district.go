package roster

import (
	"context"
	"strings"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// District returns the caller's district with its settings; only
// administrators read it here (everyone gets the settings they need in /me).
func (s *Service) District(ctx context.Context, p auth.Principal) (domain.District, error) {
	if err := p.RequireAdmin(); err != nil {
		return domain.District{}, err
	}
	return s.store.District(ctx, p.DistrictID())
}

// DistrictChange is a partial update: nil fields stay as they are.
type DistrictChange struct {
	Name                       *string
	TimeZone                   *string
	SchoolYearStartMonth       *int
	SchoolYearStartDay         *int
	MinCellSize                *int
	InvitePrincipalToFollowUps *bool
}

// UpdateDistrict changes the district's name, time zone and settings in one
// audited transaction. The time zone decides which day and week each
// observation counts in, so it cannot change once observations exist: their
// rollups would no longer match.
func (s *Service) UpdateDistrict(ctx context.Context, p auth.Principal, ch DistrictChange, c auth.Client) (domain.District, error) {
	if err := p.RequireAdmin(); err != nil {
		return domain.District{}, err
	}
	var d domain.District
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if d, err = tx.District(ctx, p.DistrictID()); err != nil {
			return err
		}
		changed := map[string]any{}
		if ch.Name != nil && strings.TrimSpace(*ch.Name) != d.Name {
			d.Name = strings.TrimSpace(*ch.Name)
			changed["name"] = d.Name
		}
		if ch.TimeZone != nil && *ch.TimeZone != d.TimeZone {
			has, err := tx.HasObservations(ctx, d.ID)
			if err != nil {
				return err
			}
			if has {
				return domain.Invalid("the time zone cannot change once observations are recorded",
					domain.FieldError{Field: "time_zone", Message: "observations are already counted by day and week in " + d.TimeZone})
			}
			d.TimeZone = *ch.TimeZone
			changed["time_zone"] = d.TimeZone
		}
		st := &d.Settings
		for _, f := range []struct {
			name string
			in   *int
			dst  *int
		}{
			{"school_year_start_month", ch.SchoolYearStartMonth, &st.SchoolYearStartMonth},
			{"school_year_start_day", ch.SchoolYearStartDay, &st.SchoolYearStartDay},
			{"min_cell_size", ch.MinCellSize, &st.MinCellSize},
		} {
			if f.in != nil && *f.in != *f.dst {
				*f.dst = *f.in
				changed[f.name] = *f.in
			}
		}
		if ch.InvitePrincipalToFollowUps != nil && *ch.InvitePrincipalToFollowUps != st.InvitePrincipalToFollowUps {
			st.InvitePrincipalToFollowUps = *ch.InvitePrincipalToFollowUps
			changed["invite_principal_to_follow_ups"] = st.InvitePrincipalToFollowUps
		}
		if err := d.Validate(); err != nil {
			return err
		}
		if len(changed) == 0 {
			return nil
		}
		if err := tx.UpdateDistrict(ctx, d); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: d.ID, ActorID: p.User.ID, Action: "district.update",
			Entity: "district", EntityID: d.ID, IP: c.IP, UserAgent: c.UserAgent, Detail: changed})
	})
	return d, err
}
