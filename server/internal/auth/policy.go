package auth

import (
	"slices"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// Who may see and do what. Every package asks these; none keeps a list of
// roles of its own. A scope is the schools of the caller's grants in the
// roles a rule names, or the whole district for a district administrator.

var (
	// observing roles score classrooms and read the roster of their schools.
	observing = []domain.Role{domain.RoleSupervisor, domain.RolePrincipal, domain.RoleCoach, domain.RoleObserver}
	// reading roles read their schools' figures, visits and cycles of support.
	reading = []domain.Role{domain.RoleSupervisor, domain.RolePrincipal, domain.RoleCoach}
	// leading roles change any walkthrough, next step and cycle of their
	// schools, see every next step there and read how alike teams score.
	leading = []domain.Role{domain.RoleSupervisor, domain.RolePrincipal}
	// teacherRoles see individual teachers at their schools; a supervisor
	// reads school-level figures and evidence without teachers.
	teacherRoles = []domain.Role{domain.RolePrincipal, domain.RoleCoach}
)

// ObserveScope is where the caller scores classrooms and reads the roster.
func (p Principal) ObserveScope() domain.Scope { return p.ScopeWith(observing...) }

// ReadScope is where the caller reads figures, visits and cycles of support,
// and opens cycles.
func (p Principal) ReadScope() domain.Scope { return p.ScopeWith(reading...) }

// LeadScope is where the caller leads: changes any walkthrough, next step
// or cycle, sees every next step and calibrates.
func (p Principal) LeadScope() domain.Scope { return p.ScopeWith(leading...) }

// TeacherScope is where the caller may see individual teachers; elsewhere
// figures are school-level and small cells are hidden.
func (p Principal) TeacherScope() domain.Scope { return p.ScopeWith(teacherRoles...) }

// SeesTeachersOf reports whether the caller sees the teachers of every one
// of the schools (and of at least one). Where they do not, figures come
// only from whole school periods of at least the district's minimum of
// observations (package trends), and nothing the caller reads links a
// teacher to an observation.
func (p Principal) SeesTeachersOf(schoolIDs []string) bool {
	if p.IsAdmin() {
		return true
	}
	sees := p.TeacherScope()
	for _, id := range schoolIDs {
		if !sees.HasSchool(id) {
			return false
		}
	}
	return len(schoolIDs) > 0
}

// SeesCycle reports whether the caller reads the cycle of support: its
// coach, or a reader of its school.
func (p Principal) SeesCycle(c domain.Cycle) bool {
	return c.CoachID == p.User.ID || p.ReadScope().HasSchool(c.SchoolID)
}

// RunsCycle reports whether the caller runs the cycle: logs its activities,
// schedules its follow-ups and changes it. Its coach, or a leader of its
// school.
func (p Principal) RunsCycle(c domain.Cycle) bool {
	return c.CoachID == p.User.ID || p.LeadScope().HasSchool(c.SchoolID)
}

// SeesCycleTeachers reports whether the caller sees the teacher-level
// evidence of the cycle.
func (p Principal) SeesCycleTeachers(c domain.Cycle) bool {
	return c.CoachID == p.User.ID || p.TeacherScope().HasSchool(c.SchoolID)
}

// KeepsCycleObservations reports whether the caller's device keeps the
// submitted observations of the cycle's teachers by other observers, the
// recent observations a cycle's work needs offline: while the cycle is
// planned or active, for whoever runs it and sees its teachers (its coach,
// a principal of its school). A supervisor, who runs cycles without seeing
// their teachers, keeps none. Each observation must also be at a school
// whose teachers the caller sees (TeacherScope), which package sync asks.
func (p Principal) KeepsCycleObservations(c domain.Cycle) bool {
	open := c.Status == domain.CyclePlanned || c.Status == domain.CycleActive
	return open && !c.Deleted && p.RunsCycle(c) && p.SeesCycleTeachers(c)
}

// SeesFollowUpObservation reports whether the caller may know which
// observation a follow-up of the cycle became: whoever sees the cycle's
// teachers, and an observer invited to the follow-up. Anyone else (a
// supervisor running the cycle) knows the follow-up's teacher and time,
// and the observation would link that teacher to scores they read
// without names.
func (p Principal) SeesFollowUpObservation(c domain.Cycle, f domain.FollowUp) bool {
	return p.SeesCycleTeachers(c) || slices.Contains(f.ObserverIDs, p.User.ID)
}

// ChangesWalkthrough reports whether the caller may change the walkthrough:
// its lead, or a leader of its school.
func (p Principal) ChangesWalkthrough(w domain.Walkthrough) bool {
	return w.LeadID == p.User.ID || p.LeadScope().HasSchool(w.SchoolID)
}

// ReadsWalkthrough reports whether the caller reads the walkthrough and its
// debrief: its lead and team, and the readers of its school.
func (p Principal) ReadsWalkthrough(w domain.Walkthrough) bool {
	return w.LeadID == p.User.ID || slices.Contains(w.Team, p.User.ID) || p.ReadScope().HasSchool(w.SchoolID)
}

// RequestScope is where the caller asks for coaching support: the schools
// they lead (principals and supervisors), every school for a district
// administrator.
func (p Principal) RequestScope() domain.Scope { return p.ScopeWith(leading...) }

// AssignsCoaches reports whether the caller assigns coaches to support
// requests, or declines them: the district administrator.
func (p Principal) AssignsCoaches() bool { return p.IsAdmin() }

// SeesSupportRequest reports whether the caller reads the support request:
// its requester, its coach, whoever assigns coaches, and the leaders of its
// school.
func (p Principal) SeesSupportRequest(r domain.SupportRequest) bool {
	return r.RequesterID == p.User.ID || (r.CoachID != "" && r.CoachID == p.User.ID) || p.AssignsCoaches() || p.RequestScope().HasSchool(r.SchoolID)
}

// SeesSupportRequestTeachers reports whether the caller sees which teachers
// a support request names: its coach, or whoever sees the school's
// teachers. Others read it as a request for the school.
func (p Principal) SeesSupportRequestTeachers(r domain.SupportRequest) bool {
	return (r.CoachID != "" && r.CoachID == p.User.ID) || p.SeesTeachersOf([]string{r.SchoolID})
}

// OpensCycleFrom reports whether the caller may open a cycle of support
// from the request: its assigned coach, or whoever assigns coaches.
func (p Principal) OpensCycleFrom(r domain.SupportRequest) bool {
	return r.Status == domain.SupportAssigned && (r.CoachID == p.User.ID || p.AssignsCoaches())
}

// SharesFeedbackOn reports whether the caller shares the observation with
// the teacher observed and reads its private notes: its observer, or a
// coach of its school.
func (p Principal) SharesFeedbackOn(o domain.Observation) bool {
	return o.ObserverID == p.User.ID || p.User.HasRoleAt(domain.RoleCoach, o.SchoolID)
}

// IsTeacher reports whether the caller is the roster teacher t: a teacher
// of t's school signed in with t's e-mail. Only then does the caller read
// what was shared with t, and never private notes.
func (p Principal) IsTeacher(t domain.Teacher) bool {
	return t.Email != "" && p.User.HasRoleAt(domain.RoleTeacher, t.SchoolID) && domain.NormalizeEmail(t.Email) == p.User.Email
}

// Observes reports whether the user scores classrooms at the school through
// a grant there (an administrator's reach over the district is not counted:
// administrators do not go on walkthroughs by virtue of their role).
func Observes(u domain.User, schoolID string) bool {
	return u.Active && slices.Contains(Principal{User: u}.SchoolsWith(observing...), schoolID)
}
