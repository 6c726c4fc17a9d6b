package auth

import (
	"crypto/sha256"
	"encoding/hex"
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

// ScopeFingerprint is a short digest of who the caller is and of every role
// grant they hold, so it changes whenever what they may see may have
// changed: a school lost or gained, a role added or taken away. Pull cursors
// carry it; a cursor given under another fingerprint is answered 410 and the
// device takes a fresh snapshot of what the caller may see now.
func (p Principal) ScopeFingerprint() string {
	grants := make([]string, len(p.User.Grants))
	for i, g := range p.User.Grants {
		grants[i] = string(g.Role) + " " + g.SchoolID
	}
	sort.Strings(grants)
	h := sha256.New()
	h.Write([]byte(p.DistrictID() + "\n" + p.User.ID + "\n"))
	for _, g := range grants {
		h.Write([]byte(g + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
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
