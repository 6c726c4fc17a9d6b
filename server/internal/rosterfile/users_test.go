package rosterfile_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rosterfile"
)

func TestParseUsers(t *testing.T) {
	in := "\ufeffExternal_ID,Email,Name,Role,School_External_IDs,Title\r\n" +
		"U-1, Admin@Riverside.example ,Dana Admin,district_admin,,Director\r\n" +
		"U-2,rivera@riverside.example,Maria Rivera,Principal,S-1; S-2 ;S-1;,\r\n" +
		"U-3,chen@riverside.example,\"Chen, James\",coach,S-3,\"Math\r\ncoach\"\r\n" +
		"U-4,kim@riverside.example,Grace Kim,supervisor,S-1;S-2;S-3,\r\n" +
		"U-5,okafor@riverside.example,Daniel Okafor,observer,S-2,\r\n" +
		"U-6,patel@riverside.example,Priya Patel,teacher,S-3,\r\n"
	b := rosterfile.ParseUsers(strings.NewReader(in))
	mustNoProblems(t, b)
	role := func(r domain.Role, schools ...string) []rosterfile.RoleAt {
		return []rosterfile.RoleAt{{Role: r, SchoolExternalIDs: schools}}
	}
	want := []rosterfile.User{
		{Line: 2, ExternalID: "U-1", Email: "admin@riverside.example", Name: "Dana Admin", Roles: role(domain.RoleDistrictAdmin)},
		{Line: 3, ExternalID: "U-2", Email: "rivera@riverside.example", Name: "Maria Rivera", Roles: role(domain.RolePrincipal, "S-1", "S-2")},
		{Line: 4, ExternalID: "U-3", Email: "chen@riverside.example", Name: "Chen, James", Roles: role(domain.RoleCoach, "S-3")},
		{Line: 6, ExternalID: "U-4", Email: "kim@riverside.example", Name: "Grace Kim", Roles: role(domain.RoleSupervisor, "S-1", "S-2", "S-3")},
		{Line: 7, ExternalID: "U-5", Email: "okafor@riverside.example", Name: "Daniel Okafor", Roles: role(domain.RoleObserver, "S-2")},
		{Line: 8, ExternalID: "U-6", Email: "patel@riverside.example", Name: "Priya Patel", Roles: role(domain.RoleTeacher, "S-3")},
	}
	if !reflect.DeepEqual(b.Users, want) {
		t.Errorf("users:\n%+v\nwant:\n%+v", b.Users, want)
	}
	// Every user must make a valid domain user once its schools are resolved.
	for _, u := range b.Users {
		d := domain.User{Email: u.Email, Name: u.Name}
		for _, r := range u.Roles {
			if len(r.SchoolExternalIDs) == 0 {
				d.Grants = append(d.Grants, domain.RoleGrant{Role: r.Role})
			}
			for range r.SchoolExternalIDs {
				d.Grants = append(d.Grants, domain.RoleGrant{Role: r.Role, SchoolID: domain.NewID()})
			}
		}
		if err := d.Validate(); err != nil {
			t.Errorf("line %d: %v", u.Line, err)
		}
	}
}

func TestParseUsersEveryBadRow(t *testing.T) {
	in := "external_id,email,name,role,school_external_ids\n" +
		"U-1,rivera@riverside.example,Maria Rivera,principal,S-1\n" + // 2: fine
		"U-2,,James Chen,coach,S-1\n" + // 3: no email
		"U-3,Maria <m@x.example>,Maria,coach,S-1\n" + // 4: not a bare address
		"U-4,RIVERA@riverside.example,Other Rivera,coach,S-2\n" + // 5: email of line 2
		"U-1,kim@riverside.example,Grace Kim,coach,S-2\n" + // 6: id of line 2
		"U-6,okafor@riverside.example,,coach,S-2\n" + // 7: no name
		"U-7,patel@riverside.example,Priya Patel,,S-2\n" + // 8: no role
		"U-8,lee@riverside.example,Mei Lee,superintendent,S-2\n" + // 9: unknown role
		"U-9,diaz@riverside.example,Ana Diaz,district_admin,S-1\n" + // 10: district_admin with schools
		"U-10,hall@riverside.example,Sam Hall,principal, ; \n" + // 11: principal without schools
		"U-11,young@riverside.example,Ava Young\n" + // 12: too few fields
		",,,,\n" + // 13: blank, skipped
		"U-13,scott@riverside.example,Lee Scott,teacher,S-3\n" // 14: fine
	b := rosterfile.ParseUsers(strings.NewReader(in))
	mustProblemsAt(t, b,
		problemAt{3, "email", "is required"},
		problemAt{4, "email", `"Maria <m@x.example>" is not an email address`},
		problemAt{5, "email", `"rivera@riverside.example" is already used on line 2`},
		problemAt{6, "external_id", `"U-1" is already used on line 2`},
		problemAt{7, "name", "is required"},
		problemAt{8, "role", "is required (one of district_admin, supervisor, principal, coach, observer, teacher)"},
		problemAt{9, "role", `"superintendent" is not a role`},
		problemAt{10, "school_external_ids", "must be empty for district_admin"},
		problemAt{11, "school_external_ids", "is required for principal"},
		problemAt{12, "", "has 3 fields where the header has 5 columns"},
	)
	var ids []string
	for _, u := range b.Users {
		ids = append(ids, u.ExternalID)
	}
	if got := strings.Join(ids, " "); got != "U-1 U-13" {
		t.Errorf("users = %s, want U-1 U-13", got)
	}
}

func TestParseUsersMissingColumns(t *testing.T) {
	b := rosterfile.ParseUsers(strings.NewReader("email,name,role\na@x.example,A,coach\n"))
	mustProblems(t, b, rosterfile.Problem{Line: 1,
		Message: "the header lacks the required columns external_id, school_external_ids (it has email, name, role)"})
}
