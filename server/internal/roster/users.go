// Package roster keeps a district's people and places: schools, teachers
// and users with their role grants.
package roster

import (
	"context"
	"strconv"
	"strings"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Service changes and lists the roster on behalf of a signed-in caller.
type Service struct {
	store *store.Store
}

// NewService builds the roster service.
func NewService(s *store.Store) *Service { return &Service{store: s} }

// NewUser is what an administrator gives to create a user.
type NewUser struct {
	Email    string
	Name     string
	Password string
	Grants   []domain.RoleGrant
}

// Users lists the district's users, a page at a time; only administrators
// may.
func (s *Service) Users(ctx context.Context, p auth.Principal, ks store.Keyset) ([]domain.User, error) {
	if err := p.RequireAdmin(); err != nil {
		return nil, err
	}
	return s.store.UsersPage(ctx, p.DistrictID(), ks)
}

// User returns one user of the district; administrators see anyone, others
// only themselves.
func (s *Service) User(ctx context.Context, p auth.Principal, id string) (domain.User, error) {
	if !p.IsAdmin() && id != p.User.ID {
		return domain.User{}, domain.Errorf(domain.ENotFound, "user not found")
	}
	return s.store.User(ctx, p.DistrictID(), id)
}

// CreateUser adds a user with a password and role grants.
func (s *Service) CreateUser(ctx context.Context, p auth.Principal, in NewUser, c auth.Client) (domain.User, error) {
	if err := p.RequireAdmin(); err != nil {
		return domain.User{}, err
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return domain.User{}, err
	}
	u := domain.User{ID: domain.NewID(), DistrictID: p.DistrictID(), Email: domain.NormalizeEmail(in.Email),
		Name: strings.TrimSpace(in.Name), PasswordHash: hash, Active: true, Grants: in.Grants}
	if err := u.Validate(); err != nil {
		return domain.User{}, err
	}
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := checkGrantSchools(ctx, tx, p.DistrictID(), in.Grants); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: "user.create",
			Entity: "user", EntityID: u.ID, IP: c.IP, UserAgent: c.UserAgent, Detail: map[string]any{"email": u.Email}}); err != nil {
			return err
		}
		for _, g := range in.Grants {
			if err := auditGrant(ctx, tx, p, u.ID, "role.grant", g, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return domain.User{}, err
	}
	return s.store.User(ctx, p.DistrictID(), u.ID)
}

// UserChange is a partial update: nil fields stay as they are.
type UserChange struct {
	Name     *string
	Active   *bool
	Password *string
	Grant    []domain.RoleGrant
	Revoke   []domain.RoleGrant
	// Rev, when set, is the revision the change was made on.
	Rev *int64
}

// UpdateUser renames, deactivates or reactivates a user, resets a password
// and grants or revokes roles, all in one audited transaction. Deactivating
// or resetting a password signs the user out everywhere.
func (s *Service) UpdateUser(ctx context.Context, p auth.Principal, id string, ch UserChange, c auth.Client) (domain.User, error) {
	if err := p.RequireAdmin(); err != nil {
		return domain.User{}, err
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.User(ctx, p.DistrictID(), id)
		if err != nil {
			return err
		}
		if ch.Rev != nil && *ch.Rev != u.Rev {
			return domain.Stale("the user", *ch.Rev, u.Rev)
		}
		var actions []string
		if ch.Name != nil {
			u.Name = strings.TrimSpace(*ch.Name)
			actions = append(actions, "name")
		}
		signOut := false
		if ch.Active != nil && *ch.Active != u.Active {
			if !*ch.Active && u.ID == p.User.ID {
				return domain.Invalid("you cannot deactivate yourself", domain.FieldError{Field: "active", Message: "another administrator must do this"})
			}
			u.Active = *ch.Active
			signOut = signOut || !u.Active
			if u.Active {
				actions = append(actions, "activate")
			} else {
				actions = append(actions, "deactivate")
			}
		}
		u.PasswordHash = ""
		if ch.Password != nil {
			if u.PasswordHash, err = auth.HashPassword(*ch.Password); err != nil {
				return err
			}
			signOut = true
			actions = append(actions, "password_reset")
		}
		if err := u.Validate(); err != nil {
			return err
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if signOut {
			if _, err := tx.RevokeUserRefreshTokens(ctx, u.ID, ""); err != nil {
				return err
			}
		}
		if len(actions) > 0 {
			if err := tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: "user.update",
				Entity: "user", EntityID: u.ID, IP: c.IP, UserAgent: c.UserAgent, Detail: map[string]any{"changes": actions}}); err != nil {
				return err
			}
		}
		if err := checkGrantSchools(ctx, tx, p.DistrictID(), ch.Grant); err != nil {
			return err
		}
		for i, g := range ch.Grant {
			if err := g.Validate(); err != nil {
				return prefixFields(err, "grant", i)
			}
			if err := tx.GrantRole(ctx, p.DistrictID(), u.ID, g); err != nil {
				return err
			}
			if err := auditGrant(ctx, tx, p, u.ID, "role.grant", g, c); err != nil {
				return err
			}
		}
		for i, g := range ch.Revoke {
			if err := g.Validate(); err != nil {
				return prefixFields(err, "revoke", i)
			}
			if g.Role == domain.RoleDistrictAdmin && u.ID == p.User.ID {
				return domain.Invalid("you cannot remove your own administration", domain.FieldError{Field: "revoke", Message: "another administrator must do this"})
			}
			removed, err := tx.RevokeRole(ctx, p.DistrictID(), u.ID, g)
			if err != nil {
				return err
			}
			if removed {
				if err := auditGrant(ctx, tx, p, u.ID, "role.revoke", g, c); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return domain.User{}, err
	}
	return s.store.User(ctx, p.DistrictID(), id)
}

func checkGrantSchools(ctx context.Context, tx *store.Tx, districtID string, grants []domain.RoleGrant) error {
	var ids []string
	for _, g := range grants {
		if g.SchoolID != "" {
			ids = append(ids, g.SchoolID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	found, err := tx.SchoolsExist(ctx, districtID, ids)
	if err != nil {
		return err
	}
	for i, g := range grants {
		if g.SchoolID != "" && !found[g.SchoolID] {
			return domain.Invalid("a grant names a school that is not in this district",
				domain.FieldError{Field: "grants[" + itoa(i) + "].school_id", Message: "no such school"})
		}
	}
	return nil
}

func auditGrant(ctx context.Context, tx *store.Tx, p auth.Principal, userID, action string, g domain.RoleGrant, c auth.Client) error {
	return tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: action, Entity: "user",
		EntityID: userID, IP: c.IP, UserAgent: c.UserAgent, Detail: map[string]any{"role": string(g.Role), "school_id": g.SchoolID}})
}

func prefixFields(err error, list string, i int) error {
	fields := domain.ErrorFields(err)
	for j := range fields {
		fields[j].Field = list + "[" + itoa(i) + "]." + fields[j].Field
	}
	return domain.Invalid(domain.ErrorMessage(err), fields...)
}

func itoa(i int) string { return strconv.Itoa(i) }

// Colleague is a user someone may invite to a walkthrough team.
type Colleague struct {
	ID     string
	Name   string
	Grants []domain.RoleGrant
}

// Directory lists the active users a caller may put on a walkthrough team:
// the district's administrators and everyone with a role at one of the
// caller's schools, teachers left out. Names and roles only.
func (s *Service) Directory(ctx context.Context, p auth.Principal) ([]Colleague, error) {
	users, err := s.store.Users(ctx, p.DistrictID())
	if err != nil {
		return nil, err
	}
	sc := p.Scope()
	var out []Colleague
	for _, u := range users {
		if !u.Active {
			continue
		}
		var shown []domain.RoleGrant
		for _, g := range u.Grants {
			if g.Role == domain.RoleTeacher {
				continue
			}
			if g.Role.DistrictWide() || sc.HasSchool(g.SchoolID) {
				shown = append(shown, g)
			}
		}
		if len(shown) > 0 {
			out = append(out, Colleague{ID: u.ID, Name: u.Name, Grants: shown})
		}
	}
	return out, nil
}
