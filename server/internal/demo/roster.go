package demo

import (
	"fmt"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// dimensionKeys are the built-in framework's dimensions, in the order of the
// trend tables below.
var dimensionKeys = [5]string{"classroom_culture", "lesson_content", "student_engagement", "access_to_content", "monitoring_student_progress"}

// teacherSlot is one classroom of a school's roster.
type teacherSlot struct {
	grades   []string
	subjects []string
}

// schoolSpec describes one demo school and how its scores move over the
// year. base and drift are indexed like dimensionKeys: a classroom's score
// on a dimension starts near base and moves by drift over the window.
type schoolSpec struct {
	name       string
	externalID string
	gradeBand  string
	activity   float64 // how many walkthroughs it runs, against the district's mean
	focus      int     // the dimension its walkthroughs most often look for
	base       [5]float64
	drift      [5]float64
	slots      []teacherSlot
}

func slot(subject string, grades ...string) teacherSlot {
	return teacherSlot{grades: grades, subjects: []string{subject}}
}

// The demo schools. Cedar Hollow improves strongly on student engagement and
// Harbor View on access to content; Willow Creek stays flat.
var schoolSpecs = []schoolSpec{
	{
		name: "Cedar Hollow Elementary", externalID: "RUSD-E101", gradeBand: "elementary", activity: 1.2, focus: 2,
		base:  [5]float64{2.7, 2.4, 1.9, 2.3, 2.2},
		drift: [5]float64{0.2, 0.2, 1.4, 0.3, 0.2},
		slots: []teacherSlot{
			slot("General", "K"), slot("General", "K"), slot("General", "1"), slot("General", "1"),
			slot("General", "2"), slot("General", "2"), slot("General", "3"), slot("General", "3"),
			slot("General", "3"), slot("Mathematics", "4"), slot("ELA", "4"), slot("General", "5"),
		},
	},
	{
		name: "Willow Creek Elementary", externalID: "RUSD-E102", gradeBand: "elementary", activity: 1.0, focus: 4,
		base:  [5]float64{2.8, 2.5, 2.4, 2.3, 2.3},
		drift: [5]float64{0, 0, 0, 0, 0},
		slots: []teacherSlot{
			slot("General", "K"), slot("General", "1"), slot("General", "1"), slot("General", "2"),
			slot("General", "3"), slot("General", "3"), slot("General", "4"), slot("General", "4"),
			slot("General", "5"), slot("Mathematics", "5"),
		},
	},
	{
		name: "Maple Crest Elementary", externalID: "RUSD-E103", gradeBand: "elementary", activity: 0.9, focus: 0,
		base:  [5]float64{2.3, 2.5, 2.4, 2.5, 2.3},
		drift: [5]float64{0.6, 0.1, 0.2, 0.1, 0.1},
		slots: []teacherSlot{
			slot("General", "K"), slot("General", "K"), slot("General", "1"), slot("General", "2"),
			slot("General", "2"), slot("General", "3"), slot("General", "4"), slot("General", "5"),
			slot("Mathematics", "4", "5"), slot("ELA", "4", "5"),
		},
	},
	{
		name: "Harbor View Middle School", externalID: "RUSD-M201", gradeBand: "middle", activity: 1.1, focus: 3,
		base:  [5]float64{2.5, 2.4, 2.3, 1.8, 2.2},
		drift: [5]float64{0.1, 0.2, 0.3, 1.2, 0.2},
		slots: []teacherSlot{
			slot("Mathematics", "6"), slot("Mathematics", "7"), slot("Mathematics", "8"),
			slot("ELA", "6"), slot("ELA", "7", "8"), slot("Science", "6"), slot("Science", "7", "8"),
			slot("Social Studies", "6", "7"), slot("Social Studies", "8"),
		},
	},
	{
		name: "Riverbend Middle School", externalID: "RUSD-M202", gradeBand: "middle", activity: 0.9, focus: 4,
		base:  [5]float64{2.3, 2.3, 2.1, 2.2, 1.9},
		drift: [5]float64{0.1, 0.1, 0.2, 0.1, 0.6},
		slots: []teacherSlot{
			slot("Mathematics", "6", "7"), slot("Mathematics", "8"), slot("ELA", "6"), slot("ELA", "7"),
			slot("ELA", "8"), slot("Science", "6", "7"), slot("Science", "8"), slot("Social Studies", "6"),
			slot("Social Studies", "7", "8"),
		},
	},
	{
		name: "Riverbend High School", externalID: "RUSD-H301", gradeBand: "high", activity: 0.9, focus: 1,
		base:  [5]float64{2.4, 2.6, 2.0, 2.1, 2.0},
		drift: [5]float64{0, 0.4, -0.1, 0.1, 0.1},
		slots: []teacherSlot{
			slot("Mathematics", "9", "10"), slot("Mathematics", "11", "12"), slot("Mathematics", "9"),
			slot("ELA", "9", "10"), slot("ELA", "11", "12"), slot("Science", "9"), slot("Science", "10", "11"),
			slot("Science", "11", "12"), slot("Social Studies", "9", "10"), slot("Social Studies", "11", "12"),
		},
	},
}

// The demo sign-ins, one per role.
const (
	emailAdmin      = "admin@demo.walkthrough.test"
	emailSupervisor = "supervisor@demo.walkthrough.test"
	emailPrincipal  = "principal@demo.walkthrough.test"
	emailCoach      = "coach@demo.walkthrough.test"
	emailObserver   = "observer@demo.walkthrough.test"
	emailTeacher    = "teacher@demo.walkthrough.test"

	// teamPassword signs in every other demo user.
	teamPassword = "walkthrough-team"
)

// userSpec describes one demo user. schools are indexes into schoolSpecs.
type userSpec struct {
	email    string
	name     string
	title    string
	password string
	role     domain.Role
	schools  []int
	bias     float64 // how much higher than the mean this person tends to score
}

// The demo users. The first six are the sign-ins for each role; the rest
// give every school a principal and walkthrough teams.
var userSpecs = []userSpec{
	{emailAdmin, "Dana Whitfield", "District administrator", "walkthrough-admin", domain.RoleDistrictAdmin, nil, 0},
	{emailSupervisor, "Marcus Bell", "Principal supervisor", "walkthrough-supervisor", domain.RoleSupervisor, []int{0, 1, 3}, -0.15},
	{emailPrincipal, "Angela Ortiz", "Principal, Cedar Hollow Elementary", "walkthrough-principal", domain.RolePrincipal, []int{0}, 0.1},
	{emailCoach, "Priya Raman", "Instructional coach", "walkthrough-coach", domain.RoleCoach, []int{0, 3}, -0.05},
	{emailObserver, "Samuel Greer", "Assistant principal, Cedar Hollow Elementary", "walkthrough-observer", domain.RoleObserver, []int{0}, 0},
	{emailTeacher, "Elena Rivera", "Grade 3 teacher, Cedar Hollow Elementary", "walkthrough-teacher", domain.RoleTeacher, []int{0}, 0},
	{"denise.carter@demo.walkthrough.test", "Denise Carter", "Principal supervisor", teamPassword, domain.RoleSupervisor, []int{2, 4, 5}, -0.1},
	{"thomas.nguyen@demo.walkthrough.test", "Thomas Nguyen", "Principal, Willow Creek Elementary", teamPassword, domain.RolePrincipal, []int{1}, 0.15},
	{"robert.lindqvist@demo.walkthrough.test", "Robert Lindqvist", "Principal, Maple Crest Elementary", teamPassword, domain.RolePrincipal, []int{2}, 0.05},
	{"keisha.brooks@demo.walkthrough.test", "Keisha Brooks", "Principal, Harbor View Middle School", teamPassword, domain.RolePrincipal, []int{3}, 0.05},
	{"hannah.moss@demo.walkthrough.test", "Hannah Moss", "Principal, Riverbend Middle School", teamPassword, domain.RolePrincipal, []int{4}, 0.1},
	{"victor.salazar@demo.walkthrough.test", "Victor Salazar", "Principal, Riverbend High School", teamPassword, domain.RolePrincipal, []int{5}, 0.1},
	{"laura.kim@demo.walkthrough.test", "Laura Kim", "Assistant principal, Willow Creek Elementary", teamPassword, domain.RoleObserver, []int{1}, 0},
	{"olivia.park@demo.walkthrough.test", "Olivia Park", "Assistant principal, Maple Crest Elementary", teamPassword, domain.RoleObserver, []int{2}, 0.05},
	{"jamal.wright@demo.walkthrough.test", "Jamal Wright", "Assistant principal, Harbor View Middle School", teamPassword, domain.RoleObserver, []int{3}, -0.05},
	{"sarah.feldman@demo.walkthrough.test", "Sarah Feldman", "Mathematics department head, Harbor View Middle School", teamPassword, domain.RoleObserver, []int{3}, -0.1},
	{"greg.olsen@demo.walkthrough.test", "Greg Olsen", "Assistant principal, Riverbend Middle School", teamPassword, domain.RoleObserver, []int{4}, 0.05},
	{"ben.adler@demo.walkthrough.test", "Ben Adler", "ELA department head, Riverbend Middle School", teamPassword, domain.RoleObserver, []int{4}, 0},
	{"tanya.reed@demo.walkthrough.test", "Tanya Reed", "Assistant principal, Riverbend High School", teamPassword, domain.RoleObserver, []int{5}, 0},
	{"miguel.flores@demo.walkthrough.test", "Miguel Flores", "Assistant principal, Riverbend High School", teamPassword, domain.RoleObserver, []int{5}, 0.1},
	{"nora.castillo@demo.walkthrough.test", "Nora Castillo", "Science department head, Riverbend High School", teamPassword, domain.RoleObserver, []int{5}, -0.05},
	{"ian.whitaker@demo.walkthrough.test", "Ian Whitaker", "Mathematics department head, Riverbend High School", teamPassword, domain.RoleObserver, []int{5}, -0.1},
	{"carmen.diaz@demo.walkthrough.test", "Carmen Diaz", "Instructional coach", teamPassword, domain.RoleCoach, []int{4, 5}, -0.05},
}

// The teacher sign-in's roster entry.
const (
	teacherGiven  = "Elena"
	teacherFamily = "Rivera"
	teacherSchool = schoolCedar
	teacherGrade  = "3"
	demoEmailHost = "demo.walkthrough.test"
)

// Names for the rest of the roster, paired at random.
var (
	givenNames = []string{
		"Aaliyah", "Adrian", "Alicia", "Amir", "Ana", "Andre", "Beatriz", "Brandon", "Caleb", "Camila",
		"Chloe", "Daniel", "Darius", "Destiny", "Diego", "Emily", "Ethan", "Fatima", "Gabriel", "Grace",
		"Hector", "Imani", "Isaac", "Isabel", "Jada", "James", "Jasmine", "Javier", "Jenna", "Jonah",
		"Julia", "Kayla", "Kevin", "Lauren", "Leah", "Lucas", "Malik", "Maria", "Mateo", "Megan",
		"Nadia", "Nathan", "Noah", "Owen", "Paige", "Rachel", "Rafael", "Rosa", "Ryan", "Sofia",
		"Stephanie", "Tariq", "Teresa", "Tyler", "Valeria", "Vanessa", "Wesley", "Xavier", "Yasmin", "Zoe",
	}
	familyNames = []string{
		"Abernathy", "Alvarez", "Bautista", "Becker", "Bishop", "Calloway", "Chen", "Coleman", "Delgado", "Donovan",
		"Ellison", "Espinoza", "Fischer", "Fontaine", "Garrison", "Gutierrez", "Hale", "Hargrove", "Ibarra", "Jansen",
		"Jefferson", "Kaplan", "Kowalski", "Landry", "Le", "Mahoney", "Medina", "Mercer", "Nakamura", "Novak",
		"Oduya", "Pacheco", "Pruitt", "Quintero", "Ramsey", "Reyes", "Sandoval", "Schultz", "Sloane", "Tran",
		"Underwood", "Vasquez", "Voss", "Waller", "Whitman", "Yang", "Yoder", "Zamora", "Barnes", "Cruz",
		"Dalton", "Everett", "Ferrer", "Gallagher", "Holt", "Iverson", "Lowry", "Maddox", "Navarro", "Okoro",
	}
)

// schoolInfo is what the generator knows about one school's people.
type schoolInfo struct {
	spec       *schoolSpec
	principal  int   // user index
	supervisor int   // user index, -1 when none
	coaches    []int // user indexes
	staff      []int // principal, observers and coaches: who walks its classrooms
	teachers   []int // teacher indexes
}

// userInfo is what the generator knows about one user.
type userInfo struct {
	bias float64
}

// teacherInfo is what the generator knows about one teacher.
type teacherInfo struct {
	school int
	effect float64 // how this teacher's scores sit against the school's
	weight float64 // how often walkthroughs find their way to this room
}

// schools builds the schools.
func (g *gen) schools() {
	for i := range schoolSpecs {
		spec := &schoolSpecs[i]
		created := g.setup.Add(time.Duration(i) * time.Second)
		g.plan.Schools = append(g.plan.Schools, domain.School{
			ID:         g.id(created),
			DistrictID: g.plan.District.ID,
			ExternalID: spec.externalID,
			Name:       spec.name,
			GradeBand:  spec.gradeBand,
			Active:     true,
			Rev:        1,
			UpdatedAt:  created,
		})
		g.schoolInfo = append(g.schoolInfo, schoolInfo{spec: spec, principal: -1, supervisor: -1})
	}
}

// users builds the users, their grants and their demo tablets.
func (g *gen) users() {
	for i, spec := range userSpecs {
		created := g.setup.Add(time.Hour + time.Duration(i)*time.Second)
		u := domain.User{
			ID:         g.id(created),
			DistrictID: g.plan.District.ID,
			ExternalID: fmt.Sprintf("EMP-%04d", 2001+i),
			Email:      spec.email,
			Name:       spec.name,
			Active:     true,
			CreatedAt:  created,
			UpdatedAt:  created,
		}
		if spec.role.DistrictWide() {
			u.Grants = []domain.RoleGrant{{Role: spec.role}}
		}
		for _, s := range spec.schools {
			u.Grants = append(u.Grants, domain.RoleGrant{Role: spec.role, SchoolID: g.plan.Schools[s].ID})
			info := &g.schoolInfo[s]
			switch spec.role {
			case domain.RoleSupervisor:
				info.supervisor = i
			case domain.RolePrincipal:
				info.principal = i
				info.staff = append(info.staff, i)
			case domain.RoleCoach:
				info.coaches = append(info.coaches, i)
				info.staff = append(info.staff, i)
			case domain.RoleObserver:
				info.staff = append(info.staff, i)
			}
		}
		g.plan.Users = append(g.plan.Users, DemoUser{
			User:     u,
			Password: spec.password,
			DeviceID: g.id(created),
			Title:    spec.title,
		})
		g.userInfo = append(g.userInfo, userInfo{bias: spec.bias + 0.05*g.rng.NormFloat64()})
	}
}

// teachers builds the roster. The teacher sign-in is on it, with the same
// email, so her login and her roster entry can be matched.
func (g *gen) teachers() {
	given := g.rng.Perm(len(givenNames))
	family := g.rng.Perm(len(familyNames))
	next := 0
	for s, spec := range schoolSpecs {
		for _, sl := range spec.slots {
			i := len(g.plan.Teachers)
			var first, last, email string
			if s == teacherSchool && sl.grades[0] == teacherGrade && !g.rosterHas(emailTeacher) {
				first, last, email = teacherGiven, teacherFamily, emailTeacher
			} else {
				first, last = givenNames[given[next]], familyNames[family[next]]
				next++
				email = strings.ToLower(first + "." + last + "@" + demoEmailHost)
			}
			created := g.setup.Add(90*time.Minute + time.Duration(i)*time.Second)
			g.plan.Teachers = append(g.plan.Teachers, domain.Teacher{
				ID:         g.id(created),
				DistrictID: g.plan.District.ID,
				SchoolID:   g.plan.Schools[s].ID,
				ExternalID: fmt.Sprintf("T-%d", 1001+i),
				GivenName:  first,
				FamilyName: last,
				Email:      email,
				Grades:     append([]string(nil), sl.grades...),
				Subjects:   append([]string(nil), sl.subjects...),
				Active:     true,
				Rev:        1,
				UpdatedAt:  created,
			})
			g.teacherInfo = append(g.teacherInfo, teacherInfo{
				school: s,
				effect: 0.3 * g.rng.NormFloat64(),
				weight: 0.3 + 1.2*g.rng.Float64(),
			})
			g.schoolInfo[s].teachers = append(g.schoolInfo[s].teachers, i)
		}
	}
}

func (g *gen) rosterHas(email string) bool {
	for _, t := range g.plan.Teachers {
		if t.Email == email {
			return true
		}
	}
	return false
}
