package auth

import (
	"sort"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// Principal is the signed-in caller of one request, with the grants read
// from the database for that request.
type Principal struct {
	User      domain.User
	SessionID string
}

// DistrictID is the caller's tenant.
func (p Principal) DistrictID() string { return p.User.DistrictID }

// IsAdmin reports whether the caller administers the district.
func (p Principal) IsAdmin() bool { return p.User.HasRole(domain.RoleDistrictAdmin) }

// SchoolsWith lists the schools over which the caller holds any of roles.
func (p Principal) SchoolsWith(roles ...domain.Role) []string {
	set := map[string]bool{}
	for _, g := range p.User.Grants {
		for _, r := range roles {
			if g.Role == r && g.SchoolID != "" {
				set[g.SchoolID] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Scope is every school the caller may see anything of: the whole district
// for a district administrator, else the schools of the caller's grants.
func (p Principal) Scope() domain.Scope {
	if p.IsAdmin() {
		return domain.DistrictScope(p.DistrictID())
	}
	return domain.Scope{DistrictID: p.DistrictID(), SchoolIDs: p.SchoolsWith(domain.Roles...)}
}

// RequireAdmin refuses a caller who does not administer the district.
func (p Principal) RequireAdmin() error {
	if !p.IsAdmin() {
		return domain.Errorf(domain.EForbidden, "only a district administrator may do this")
	}
	return nil
}

// ScopeWith is the schools over which the caller holds one of roles, or the
// whole district for an administrator.
func (p Principal) ScopeWith(roles ...domain.Role) domain.Scope {
	if p.IsAdmin() {
		return domain.DistrictScope(p.DistrictID())
	}
	return domain.Scope{DistrictID: p.DistrictID(), SchoolIDs: p.SchoolsWith(roles...)}
}

// SystemPrincipal acts for the command line: a district administrator with
// no user behind it, recorded in the audit log with no actor.
func SystemPrincipal(districtID string) Principal {
	return Principal{User: domain.User{DistrictID: districtID, Active: true, Grants: []domain.RoleGrant{{Role: domain.RoleDistrictAdmin}}}}
}
