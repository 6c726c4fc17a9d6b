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
	ImportUndoDays             *int
	// SchoolDays are the days of the week reminders go out on, digits
	// from 0 (Sunday) to 6 (Saturday) in any order.
	SchoolDays *string
	// FeedbackSharing sets the sharing of the kinds it names (by kind).
	FeedbackSharing map[domain.WalkthroughKind]domain.Sharing
	// Rev, when set, is the revision the change was made on.
	Rev *int64
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
		if ch.Rev != nil && *ch.Rev != d.Rev {
			return domain.Stale("the district", *ch.Rev, d.Rev)
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
			{"import_undo_days", ch.ImportUndoDays, &st.ImportUndoDays},
		} {
			if f.in != nil && *f.in != *f.dst {
				*f.dst = *f.in
				changed[f.name] = *f.in
			}
		}
		if ch.SchoolDays != nil {
			days, err := schoolDays(*ch.SchoolDays)
			if err != nil {
				return err
			}
			if days != st.SchoolDays {
				st.SchoolDays = days
				changed["school_days"] = days
			}
		}
		if ch.InvitePrincipalToFollowUps != nil && *ch.InvitePrincipalToFollowUps != st.InvitePrincipalToFollowUps {
			st.InvitePrincipalToFollowUps = *ch.InvitePrincipalToFollowUps
			changed["invite_principal_to_follow_ups"] = st.InvitePrincipalToFollowUps
		}
		for _, f := range []struct {
			kind domain.WalkthroughKind
			dst  *domain.Sharing
		}{
			{domain.KindClassroom, &st.FeedbackSharing.Classroom}, {domain.KindLeadership, &st.FeedbackSharing.Leadership},
			{domain.KindFollowUp, &st.FeedbackSharing.FollowUp}, {domain.KindInformal, &st.FeedbackSharing.Informal},
		} {
			if v, ok := ch.FeedbackSharing[f.kind]; ok && v != *f.dst {
				*f.dst = v
				changed["feedback_sharing."+string(f.kind)] = string(v)
			}
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
		d.Rev++
		return tx.Audit(ctx, store.AuditEntry{DistrictID: d.ID, ActorID: p.User.ID, Action: "district.update",
			Entity: "district", EntityID: d.ID, IP: c.IP, UserAgent: c.UserAgent, Detail: changed})
	})
	return d, err
}

// schoolDays puts a choice of school days in order, Sunday first: at least
// one day, each once.
func schoolDays(in string) (string, error) {
	bad := func(msg string) error {
		return domain.Invalid("the district is not valid", domain.FieldError{Field: "settings.school_days", Message: msg})
	}
	if in == "" {
		return "", bad("must name at least one day")
	}
	var seen [7]bool
	for _, r := range in {
		if r < '0' || r > '6' {
			return "", bad("days are 0 (Sunday) to 6 (Saturday)")
		}
		if seen[r-'0'] {
			return "", bad("names a day twice")
		}
		seen[r-'0'] = true
	}
	var out []byte
	for i, on := range seen {
		if on {
			out = append(out, byte('0'+i))
		}
	}
	return string(out), nil
}

// NewDistrict is what provisioning a district takes: the district and its
// first administrator.
type NewDistrict struct {
	Name          string
	TimeZone      string // IANA name, such as America/Chicago
	AdminEmail    string
	AdminName     string // "District administrator" when empty
	AdminPassword string
}

// AddDistrict provisions a district with its first district administrator,
// who then administers that district and no other. It is the operator's
// act, run from the command line: no signed-in caller of any district may
// make another district, so it takes no principal and no route calls it.
//
// The district, the administrator, their grant and the audit entries are
// written in one transaction: a taken name or email, an unknown time zone
// or a password that breaks the rules writes nothing.
func (s *Service) AddDistrict(ctx context.Context, in NewDistrict, c auth.Client) (domain.District, domain.User, error) {
	d := domain.District{ID: domain.NewID(), Name: strings.TrimSpace(in.Name), TimeZone: strings.TrimSpace(in.TimeZone),
		Settings: domain.DefaultDistrictSettings()}
	if err := d.Validate(); err != nil {
		return domain.District{}, domain.User{}, err
	}
	name := strings.TrimSpace(in.AdminName)
	if name == "" {
		name = "District administrator"
	}
	u := domain.User{ID: domain.NewID(), DistrictID: d.ID, Email: domain.NormalizeEmail(in.AdminEmail), Name: name,
		Active: true, Grants: []domain.RoleGrant{{Role: domain.RoleDistrictAdmin}}}
	if err := u.Validate(); err != nil {
		return domain.District{}, domain.User{}, err
	}
	var err error
	if u.PasswordHash, err = auth.HashPassword(in.AdminPassword); err != nil {
		return domain.District{}, domain.User{}, err
	}
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.LockDistrictName(ctx, d.Name); err != nil {
			return err
		}
		other, err := tx.DistrictByName(ctx, d.Name)
		if err == nil {
			return domain.Errorf(domain.EConflict, "a district named %q already exists (%s)", other.Name, other.ID)
		}
		if domain.ErrorCode(err) != domain.ENotFound {
			return err
		}
		_, err = tx.UserByEmail(ctx, u.Email)
		if err == nil {
			return domain.Errorf(domain.EConflict, "the email %s is already used by a user; each email signs in to one district", u.Email)
		}
		if domain.ErrorCode(err) != domain.ENotFound {
			return err
		}
		if err := tx.CreateDistrict(ctx, d); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		for _, e := range []store.AuditEntry{
			{Action: "district.create", Entity: "district", EntityID: d.ID,
				Detail: map[string]any{"name": d.Name, "time_zone": d.TimeZone, "admin_email": u.Email}},
			{Action: "user.create", Entity: "user", EntityID: u.ID, Detail: map[string]any{"email": u.Email}},
			{Action: "role.grant", Entity: "user", EntityID: u.ID, Detail: map[string]any{"role": string(domain.RoleDistrictAdmin), "school_id": ""}},
		} {
			e.DistrictID, e.IP, e.UserAgent = d.ID, c.IP, c.UserAgent
			if err := tx.Audit(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return domain.District{}, domain.User{}, err
	}
	return d, u, nil
}

// Districts lists every district with the size of its roster, for the
// operator at the command line; like AddDistrict it is no caller's view.
func (s *Service) Districts(ctx context.Context) ([]store.DistrictSummary, error) {
	return s.store.DistrictSummaries(ctx)
}
