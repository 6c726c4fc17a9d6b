package auth

import (
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

func TestScopeFingerprintFollowsTheGrants(t *testing.T) {
	of := func(id string, grants ...domain.RoleGrant) string {
		return Principal{User: domain.User{ID: id, DistrictID: "d", Grants: grants}}.ScopeFingerprint()
	}
	a := domain.RoleGrant{Role: domain.RoleCoach, SchoolID: "a"}
	b := domain.RoleGrant{Role: domain.RoleCoach, SchoolID: "b"}
	if of("u", a, b) != of("u", b, a) {
		t.Error("the order of the grants changed the fingerprint")
	}
	distinct := map[string]string{}
	for name, fp := range map[string]string{
		"a":             of("u", a),
		"a and b":       of("u", a, b),
		"b":             of("u", b),
		"none":          of("u"),
		"observer at a": of("u", domain.RoleGrant{Role: domain.RoleObserver, SchoolID: "a"}),
		"another user":  of("v", a),
	} {
		if other, dup := distinct[fp]; dup {
			t.Errorf("%s and %s have one fingerprint", name, other)
		}
		distinct[fp] = name
	}
}
