package auth

import (
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// The rules of who may see and do what, role by role, at the school of a
// grant and at another school of the district.
func TestPolicyByRole(t *testing.T) {
	const school, other = "school-a", "school-b"
	type rules struct{ observe, read, lead, teachers, request bool }
	for role, want := range map[domain.Role]rules{
		domain.RoleSupervisor: {observe: true, read: true, lead: true, request: true},
		domain.RolePrincipal:  {observe: true, read: true, lead: true, teachers: true, request: true},
		domain.RoleCoach:      {observe: true, read: true, teachers: true},
		domain.RoleObserver:   {observe: true},
		domain.RoleTeacher:    {},
	} {
		p := Principal{User: domain.User{ID: "u", DistrictID: "d", Grants: []domain.RoleGrant{{Role: role, SchoolID: school}}}}
		got := rules{p.ObserveScope().HasSchool(school), p.ReadScope().HasSchool(school), p.LeadScope().HasSchool(school), p.TeacherScope().HasSchool(school),
			p.RequestScope().HasSchool(school)}
		if got != want {
			t.Errorf("%s at their school: %+v, want %+v", role, got, want)
		}
		if p.ObserveScope().HasSchool(other) || p.ReadScope().HasSchool(other) || p.LeadScope().HasSchool(other) || p.TeacherScope().HasSchool(other) {
			t.Errorf("%s reaches a school they hold no grant at", role)
		}
		c := domain.Cycle{SchoolID: school, CoachID: "someone else"}
		if p.RunsCycle(c) != want.lead || p.SeesCycle(c) != want.read || p.SeesCycleTeachers(c) != want.teachers {
			t.Errorf("%s and another coach's cycle: runs %v, sees %v, sees teachers %v", role, p.RunsCycle(c), p.SeesCycle(c), p.SeesCycleTeachers(c))
		}
		if own := (domain.Cycle{SchoolID: other, CoachID: "u"}); !p.RunsCycle(own) || !p.SeesCycle(own) || !p.SeesCycleTeachers(own) {
			t.Errorf("%s does not run their own cycle", role)
		}
		if p.RequestScope().HasSchool(other) || p.AssignsCoaches() {
			t.Errorf("%s asks for support at another school or assigns coaches", role)
		}
		req := domain.SupportRequest{SchoolID: school, RequesterID: "someone else", Status: domain.SupportAssigned, CoachID: "another coach"}
		if p.SeesSupportRequest(req) != want.request || p.SeesSupportRequestTeachers(req) != want.teachers || p.OpensCycleFrom(req) {
			t.Errorf("%s and a request at their school: sees %v, sees teachers %v, opens a cycle %v", role,
				p.SeesSupportRequest(req), p.SeesSupportRequestTeachers(req), p.OpensCycleFrom(req))
		}
		mine := domain.SupportRequest{SchoolID: other, RequesterID: "x", Status: domain.SupportAssigned, CoachID: "u"}
		if !p.SeesSupportRequest(mine) || !p.SeesSupportRequestTeachers(mine) || !p.OpensCycleFrom(mine) {
			t.Errorf("%s as the request's coach: sees %v, sees teachers %v, opens a cycle %v", role,
				p.SeesSupportRequest(mine), p.SeesSupportRequestTeachers(mine), p.OpensCycleFrom(mine))
		}
		if asked := (domain.SupportRequest{SchoolID: other, RequesterID: "u", Status: domain.SupportOpen}); !p.SeesSupportRequest(asked) || p.OpensCycleFrom(asked) {
			t.Errorf("%s as the requester at another school", role)
		}
		w := domain.Walkthrough{SchoolID: school, LeadID: "someone else"}
		if p.ChangesWalkthrough(w) != want.lead || p.ReadsWalkthrough(w) != want.read {
			t.Errorf("%s and a walkthrough at their school: changes %v, reads %v", role, p.ChangesWalkthrough(w), p.ReadsWalkthrough(w))
		}
		if team := (domain.Walkthrough{SchoolID: other, LeadID: "x", Team: []string{"u"}}); !p.ReadsWalkthrough(team) || p.ChangesWalkthrough(team) {
			t.Errorf("%s on a team: reads %v, changes %v", role, p.ReadsWalkthrough(team), p.ChangesWalkthrough(team))
		}
	}
	admin := Principal{User: domain.User{ID: "a", DistrictID: "d", Grants: []domain.RoleGrant{{Role: domain.RoleDistrictAdmin}}}}
	if !admin.LeadScope().HasSchool(other) || !admin.TeacherScope().HasSchool(other) || admin.ReadScope().Empty() {
		t.Error("a district administrator does not reach every school")
	}
	req := domain.SupportRequest{SchoolID: other, RequesterID: "x", Status: domain.SupportAssigned, CoachID: "c"}
	if !admin.AssignsCoaches() || !admin.SeesSupportRequest(req) || !admin.SeesSupportRequestTeachers(req) || !admin.OpensCycleFrom(req) {
		t.Error("a district administrator does not assign coaches to every request")
	}
}
