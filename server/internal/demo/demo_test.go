package demo

import (
	"fmt"
	"hash/fnv"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// today is the day the counts and trends are checked on.
var today = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// todays are days across the calendar: the first week of a year (which
// reaches back a year), a Monday morning, winter break, spring and summer.
var todays = []time.Time{
	today,
	time.Date(2026, 8, 20, 12, 0, 0, 0, time.UTC),
	time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
	time.Date(2027, 1, 1, 18, 0, 0, 0, time.UTC),
	time.Date(2027, 3, 10, 14, 30, 0, 0, time.UTC),
	time.Date(2027, 7, 4, 9, 0, 0, 0, time.UTC),
}

func mustBuild(tb testing.TB, day time.Time) Plan {
	tb.Helper()
	return Build(day, domain.BuiltinFramework())
}

func TestBuildIsDeterministic(t *testing.T) {
	a, b := mustBuild(t, today), mustBuild(t, today)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two Builds with the same day differ")
	}
	if ca, cb := checksum(a), checksum(b); ca != cb {
		t.Fatalf("score checksums differ: %x and %x", ca, cb)
	}
	// The instant within the same local day may move the window's end but
	// the same instant never changes anything.
	c := mustBuild(t, today.AddDate(0, 0, 7))
	if checksum(c) == checksum(a) {
		t.Error("a week later gave the same scores")
	}
}

func TestBuildLeavesTheFrameworkAlone(t *testing.T) {
	f := domain.BuiltinFramework()
	p := Build(today, f)
	p.RubricVersion.Levels[0].Label = "changed"
	p.RubricVersion.Dimensions[0].Indicators[0].Descriptors[0].Text = "changed"
	if !reflect.DeepEqual(f, domain.BuiltinFramework()) {
		t.Error("the Plan's rubric shares memory with the framework passed in")
	}
	if f.ID != "" || f.Status != domain.RubricDraft {
		t.Error("Build changed the framework passed in")
	}
}

func TestBuildCounts(t *testing.T) {
	p := mustBuild(t, today)
	inRange := func(what string, n, lo, hi int) {
		t.Helper()
		if n < lo || n > hi {
			t.Errorf("%d %s, want %d to %d", n, what, lo, hi)
		}
	}
	inRange("schools", len(p.Schools), 5, 8)
	inRange("teachers", len(p.Teachers), 55, 65)
	inRange("users", len(p.Users), 12, 40)
	inRange("cycles", len(p.Cycles), 3, 8)
	inRange("next steps", len(p.NextSteps), 5, 25)

	var submitted, drafts int
	for _, o := range p.Observations {
		if o.Status == domain.ObservationSubmitted {
			submitted++
		} else {
			drafts++
		}
	}
	inRange("submitted observations", submitted, 1500, 2500)
	inRange("draft observations", drafts, 3, 15)

	bands := map[string]bool{}
	for _, s := range p.Schools {
		bands[s.GradeBand] = true
	}
	for _, b := range []string{"elementary", "middle", "high"} {
		if !bands[b] {
			t.Errorf("no %s school", b)
		}
	}

	kinds := map[domain.WalkthroughKind]int{}
	for _, w := range p.Walkthroughs {
		kinds[w.Kind]++
	}
	for _, k := range domain.WalkthroughKinds {
		if kinds[k] == 0 {
			t.Errorf("no %s walkthrough", k)
		}
	}

	statuses := map[domain.CycleStatus]int{}
	for _, c := range p.Cycles {
		statuses[c.Status]++
	}
	if statuses[domain.CycleActive] == 0 || statuses[domain.CycleCompleted] == 0 {
		t.Errorf("cycles by status %v, want active and completed ones", statuses)
	}
	var team bool
	for _, c := range p.Cycles {
		team = team || len(c.TeacherIDs) > 1
	}
	if !team {
		t.Error("no cycle supports a team of teachers")
	}

	activityKinds := map[domain.ActivityKind]bool{}
	for _, a := range p.Activities {
		activityKinds[a.Kind] = true
	}
	for _, k := range []domain.ActivityKind{domain.ActivityPLSession, domain.ActivityPLCMeeting, domain.ActivityOneOnOne, domain.ActivityCoTeaching, domain.ActivityModeling, domain.ActivityOther} {
		if !activityKinds[k] {
			t.Errorf("no %s activity", k)
		}
	}

	var done, scheduled int
	for _, f := range p.FollowUps {
		switch f.Status {
		case domain.FollowUpDone:
			done++
		case domain.FollowUpScheduled:
			scheduled++
		}
	}
	if done < 2 || scheduled < 2 {
		t.Errorf("%d follow-ups done and %d scheduled, want some of each", done, scheduled)
	}

	var stepsDone int
	for _, n := range p.NextSteps {
		if n.Done {
			stepsDone++
		}
	}
	if stepsDone == 0 || stepsDone == len(p.NextSteps) {
		t.Errorf("%d of %d next steps done, want some but not all", stepsDone, len(p.NextSteps))
	}
}

func TestBuildCountsAcrossTheYear(t *testing.T) {
	for _, day := range todays {
		t.Run(day.Format(time.RFC3339), func(t *testing.T) {
			p := mustBuild(t, day)
			var submitted, drafts int
			for _, o := range p.Observations {
				if o.Status == domain.ObservationSubmitted {
					submitted++
				} else {
					drafts++
				}
			}
			if submitted < 1500 || submitted > 2500 {
				t.Errorf("%d submitted observations, want 1500 to 2500", submitted)
			}
			if drafts == 0 {
				t.Error("no draft observations")
			}
			var scheduled int
			for _, f := range p.FollowUps {
				if f.Status == domain.FollowUpScheduled {
					scheduled++
				}
			}
			if scheduled == 0 {
				t.Error("no follow-up booked for the coming two weeks")
			}
		})
	}
}

func TestBuildSignIns(t *testing.T) {
	p := mustBuild(t, today)
	want := []struct {
		email   string
		role    domain.Role
		schools int
	}{
		{emailAdmin, domain.RoleDistrictAdmin, 0},
		{emailSupervisor, domain.RoleSupervisor, 3},
		{emailPrincipal, domain.RolePrincipal, 1},
		{emailCoach, domain.RoleCoach, 2},
		{emailObserver, domain.RoleObserver, 1},
		{emailTeacher, domain.RoleTeacher, 1},
	}
	for _, w := range want {
		i := slices.IndexFunc(p.Users, func(u DemoUser) bool { return u.Email == w.email })
		if i < 0 {
			t.Errorf("no user %s", w.email)
			continue
		}
		u := p.Users[i]
		if u.Password == "" {
			t.Errorf("%s has no password", w.email)
		}
		if len(u.Grants) == 0 {
			t.Errorf("%s has no grants", w.email)
			continue
		}
		var schools int
		for _, g := range u.Grants {
			if g.Role != w.role {
				t.Errorf("%s holds %s, want only %s", w.email, g.Role, w.role)
			}
			if g.SchoolID != "" {
				schools++
			}
		}
		if schools != w.schools {
			t.Errorf("%s is granted over %d schools, want %d", w.email, schools, w.schools)
		}
	}

	// The teacher's login and her roster entry match by email and school.
	ti := slices.IndexFunc(p.Teachers, func(t domain.Teacher) bool { return t.Email == emailTeacher })
	ui := slices.IndexFunc(p.Users, func(u DemoUser) bool { return u.Email == emailTeacher })
	if ti < 0 || ui < 0 {
		t.Fatal("the teacher sign-in is not on the roster")
	}
	if p.Teachers[ti].SchoolID != p.Users[ui].Grants[0].SchoolID {
		t.Error("the teacher sign-in's grant is not at her roster school")
	}

	// Every school has a principal and someone else to walk with.
	for _, s := range p.Schools {
		if principalOf(p, s.ID) == "" {
			t.Errorf("%s has no principal", s.Name)
		}
		var observers int
		for _, u := range p.Users {
			if mayObserve(u.User, s.ID) && !u.HasRole(domain.RoleDistrictAdmin) {
				observers++
			}
		}
		if observers < 3 {
			t.Errorf("%s has %d people who may observe, want a team", s.Name, observers)
		}
	}
}

func TestBuildIsConsistent(t *testing.T) {
	for _, day := range todays {
		t.Run(day.Format(time.RFC3339), func(t *testing.T) {
			checkPlan(t, mustBuild(t, day), day)
		})
	}
}

func TestBuildIDs(t *testing.T) {
	p := mustBuild(t, today)
	seen := map[string]string{}
	check := func(what, id string) {
		t.Helper()
		u, err := uuid.Parse(id)
		if err != nil || !domain.ValidID(id) {
			t.Errorf("%s id %q is not a UUID", what, id)
			return
		}
		if u.Version() != 7 || u.Variant() != uuid.RFC4122 {
			t.Errorf("%s id %s is version %d variant %v, want a UUIDv7", what, id, u.Version(), u.Variant())
		}
		if other, ok := seen[id]; ok {
			t.Errorf("%s id %s is also the id of a %s", what, id, other)
		}
		seen[id] = what
	}
	check("district", p.District.ID)
	check("rubric", p.Rubric.ID)
	check("rubric version", p.RubricVersion.ID)
	for _, s := range p.Schools {
		check("school", s.ID)
	}
	for _, x := range p.Teachers {
		check("teacher", x.ID)
	}
	for _, u := range p.Users {
		check("user", u.ID)
		check("device", u.DeviceID)
	}
	for _, w := range p.Walkthroughs {
		check("walkthrough", w.ID)
	}
	for _, o := range p.Observations {
		check("observation", o.ID)
	}
	for _, c := range p.Cycles {
		check("cycle", c.ID)
	}
	for _, a := range p.Activities {
		check("activity", a.ID)
	}
	for _, f := range p.FollowUps {
		check("follow-up", f.ID)
	}
	for _, n := range p.NextSteps {
		check("next step", n.ID)
	}

	// Ids are time-ordered: an observation's id carries its start.
	for _, o := range p.Observations[:10] {
		u := uuid.MustParse(o.ID)
		sec, nsec := u.Time().UnixTime()
		if got := time.Unix(sec, nsec); !got.Equal(o.StartedAt.Truncate(time.Millisecond)) {
			t.Errorf("observation id time %v, want its start %v", got, o.StartedAt)
		}
	}
}

func TestBuildTrend(t *testing.T) {
	p := mustBuild(t, today)
	// Cedar Hollow improves strongly on student engagement and Harbor View
	// on access to content; Willow Creek stays flat.
	for _, c := range []struct {
		school, dimension string
	}{
		{"Cedar Hollow Elementary", "student_engagement"},
		{"Harbor View Middle School", "access_to_content"},
	} {
		first, last := firstAndLastWeeks(t, p, c.school, c.dimension)
		t.Logf("%s %s: %.2f in the first 8 weeks, %.2f in the last 8", c.school, c.dimension, first, last)
		if last-first < 0.4 {
			t.Errorf("%s on %s moved %.2f, want at least 0.4", c.school, c.dimension, last-first)
		}
	}
	for _, d := range append(slices.Clone(dimensionKeys[:]), "") {
		first, last := firstAndLastWeeks(t, p, "Willow Creek Elementary", d)
		if diff := last - first; diff <= -0.3 || diff >= 0.3 {
			t.Errorf("Willow Creek on %q moved %.2f, want less than 0.3", d, diff)
		}
	}
}

func TestBuildWithADistrictsOwnRubric(t *testing.T) {
	own := domain.RubricVersion{
		Name:    "Three-level look-fors",
		Version: 2,
		Status:  domain.RubricDraft,
		Levels:  []domain.Level{{Value: 0, Label: "Not yet"}, {Value: 1, Label: "Partly"}, {Value: 2, Label: "Yes"}},
		Dimensions: []domain.Dimension{
			{Key: "talk", Name: "Talk", Indicators: []domain.Indicator{
				{Key: "students_explain", Name: "Students explain", Descriptors: []domain.Descriptor{{Level: 0, Text: "a"}, {Level: 1, Text: "b"}, {Level: 2, Text: "c"}}},
			}},
			{Key: "tasks", Name: "Tasks", Indicators: []domain.Indicator{
				{Key: "grade_level_task", Name: "Grade-level task", Descriptors: []domain.Descriptor{{Level: 0, Text: "a"}, {Level: 1, Text: "b"}, {Level: 2, Text: "c"}}},
			}},
		},
	}
	if err := own.Validate(); err != nil {
		t.Fatal(err)
	}
	p := Build(today, own)
	if len(p.Observations) < 1500 {
		t.Errorf("%d observations", len(p.Observations))
	}
	checkPlan(t, p, today)
}

func BenchmarkBuild(b *testing.B) {
	f := domain.BuiltinFramework()
	for b.Loop() {
		Build(today, f)
	}
}

// checkPlan checks every record of the plan against the rules a loader and
// the product rely on.
func checkPlan(t *testing.T, p Plan, now time.Time) {
	t.Helper()
	loc := p.District.Location()
	localToday := localDate(now, loc)
	rv := p.RubricVersion
	districtID := p.District.ID

	if err := p.District.Validate(); err != nil {
		t.Errorf("district: %v", err)
	}
	if p.District.TimeZone != "America/Chicago" || p.District.Settings != domain.DefaultDistrictSettings() {
		t.Errorf("district time zone %q settings %+v", p.District.TimeZone, p.District.Settings)
	}
	if err := rv.Validate(); err != nil {
		t.Errorf("rubric version: %v", err)
	}
	if rv.Status != domain.RubricPublished || rv.PublishedAt == nil || rv.DistrictID != districtID || rv.RubricID != p.Rubric.ID {
		t.Errorf("rubric version is not published in the district: %+v", rv)
	}
	if len(p.Rubric.Versions) != 1 || p.Rubric.Versions[0].ID != rv.ID || p.Rubric.DistrictID != districtID {
		t.Errorf("rubric does not name its version: %+v", p.Rubric)
	}
	if rv.PublishedAt != nil && rv.PublishedAt.After(now) {
		t.Error("rubric published in the future")
	}

	schools := map[string]domain.School{}
	for _, s := range p.Schools {
		if err := s.Validate(); err != nil || s.DistrictID != districtID || s.ExternalID == "" || !s.Active || s.Rev != 1 {
			t.Errorf("school %+v: %v", s, err)
		}
		schools[s.ID] = s
	}
	teachers := map[string]domain.Teacher{}
	emails := map[string]bool{}
	for _, x := range p.Teachers {
		if err := x.Validate(); err != nil || x.DistrictID != districtID || x.Rev != 1 || len(x.Subjects) == 0 || len(x.Grades) == 0 {
			t.Errorf("teacher %+v: %v", x, err)
		}
		s, ok := schools[x.SchoolID]
		if !ok {
			t.Errorf("teacher %s is at no school", x.DisplayName())
		}
		for _, gr := range x.Grades {
			if !gradeFits(gr, s.GradeBand) {
				t.Errorf("teacher %s teaches grade %s at %s school %s", x.DisplayName(), gr, s.GradeBand, s.Name)
			}
		}
		if emails[x.Email] {
			t.Errorf("teacher email %s twice", x.Email)
		}
		emails[x.Email] = true
		teachers[x.ID] = x
	}
	users := map[string]DemoUser{}
	emails = map[string]bool{}
	for _, u := range p.Users {
		if err := u.Validate(); err != nil || u.DistrictID != districtID || !u.Active || u.Password == "" || u.PasswordHash != "" {
			t.Errorf("user %s: %v", u.Email, err)
		}
		if emails[u.Email] {
			t.Errorf("user email %s twice", u.Email)
		}
		emails[u.Email] = true
		for _, g := range u.Grants {
			if _, ok := schools[g.SchoolID]; g.SchoolID != "" && !ok {
				t.Errorf("user %s has a grant at no school", u.Email)
			}
		}
		users[u.ID] = u
	}
	observes := func(userID, schoolID string) bool {
		u, ok := users[userID]
		return ok && mayObserve(u.User, schoolID)
	}

	walkthroughs := map[string]domain.Walkthrough{}
	for _, w := range p.Walkthroughs {
		if err := w.Validate(); err != nil {
			t.Errorf("walkthrough %s: %v", w.ID, err)
		}
		if w.DistrictID != districtID || w.RubricVersionID != rv.ID || w.Rev != 1 || w.Deleted {
			t.Errorf("walkthrough %s: district, rubric version or rev is off", w.ID)
		}
		if _, ok := schools[w.SchoolID]; !ok {
			t.Errorf("walkthrough %s is at no school", w.ID)
		}
		if !slices.Contains(w.Team, w.LeadID) {
			t.Errorf("walkthrough %s: the lead is not on the team", w.ID)
		}
		for _, m := range w.Team {
			if !observes(m, w.SchoolID) {
				t.Errorf("walkthrough %s: team member %s may not observe at the school", w.ID, users[m].Email)
			}
		}
		if w.DeviceID != users[w.LeadID].DeviceID {
			t.Errorf("walkthrough %s: device is not the lead's", w.ID)
		}
		for _, k := range w.Focus {
			if _, _, ok := rv.Indicator(k); !ok {
				t.Errorf("walkthrough %s: focus %q is not an indicator", w.ID, k)
			}
		}
		if !w.Date.Equal(localDate(w.Date, time.UTC)) || weekend(w.Date) || !w.Date.Before(localToday) {
			t.Errorf("walkthrough %s: date %v is not a past school day", w.ID, w.Date)
		}
		if w.CreatedAt.After(w.UpdatedAt) || w.UpdatedAt.After(now) {
			t.Errorf("walkthrough %s: created %v updated %v", w.ID, w.CreatedAt, w.UpdatedAt)
		}
		if w.Kind == domain.KindLeadership && w.DebriefNotes == "" {
			t.Errorf("leadership walkthrough %s has no debrief notes", w.ID)
		}
		walkthroughs[w.ID] = w
	}

	followUps := map[string]domain.FollowUp{}
	for _, f := range p.FollowUps {
		followUps[f.ID] = f
	}

	keys := rv.IndicatorKeys()
	observed := map[string]int{}
	var notObserved, scored int
	byObserver := map[string][]domain.Observation{}
	byTeacher := map[string][]domain.Observation{}
	for _, o := range p.Observations {
		id := o.ID
		if err := o.Validate(); err != nil {
			t.Errorf("observation %s: %v", id, err)
		}
		if err := o.ValidateAgainst(rv); err != nil {
			t.Errorf("observation %s against its rubric: %v", id, err)
		}
		if o.DistrictID != districtID || o.RubricVersionID != rv.ID || o.Rev != 1 || o.Deleted || o.ClockSkewed {
			t.Errorf("observation %s: district, rubric version, rev or flags are off", id)
		}
		x, ok := teachers[o.TeacherID]
		if !ok || x.SchoolID != o.SchoolID {
			t.Errorf("observation %s: the school is not the teacher's", id)
		}
		if !slices.Contains(x.Grades, o.Grade) || !slices.Contains(x.Subjects, o.Subject) {
			t.Errorf("observation %s: grade %s subject %s do not fit the teacher's %v %v", id, o.Grade, o.Subject, x.Grades, x.Subjects)
		}
		if !observes(o.ObserverID, o.SchoolID) {
			t.Errorf("observation %s: observer may not observe at the school", id)
		}
		if o.DeviceID != users[o.ObserverID].DeviceID {
			t.Errorf("observation %s: device is not the observer's", id)
		}
		if o.WalkthroughID != "" {
			w, ok := walkthroughs[o.WalkthroughID]
			switch {
			case !ok:
				t.Errorf("observation %s names no walkthrough", id)
			case w.SchoolID != o.SchoolID:
				t.Errorf("observation %s: the walkthrough is at another school", id)
			case !slices.Contains(w.Team, o.ObserverID):
				t.Errorf("observation %s: the observer is not on the walkthrough's team", id)
			case w.Kind != o.Kind:
				t.Errorf("observation %s: kind %s, walkthrough kind %s", id, o.Kind, w.Kind)
			case !w.Date.Equal(localDate(o.StartedAt, loc)):
				t.Errorf("observation %s: on another day than its walkthrough", id)
			}
			observed[o.WalkthroughID]++
		} else if o.Kind != domain.KindInformal {
			t.Errorf("observation %s: a %s visit without a walkthrough", id, o.Kind)
		}
		if o.FollowUpID != "" {
			f, ok := followUps[o.FollowUpID]
			if !ok || f.ObservationID != id || f.TeacherID != o.TeacherID || f.SchoolID != o.SchoolID || !slices.Contains(f.ObserverIDs, o.ObserverID) || o.Kind != domain.KindFollowUp {
				t.Errorf("observation %s does not match its follow-up", id)
			}
		} else if o.Kind == domain.KindFollowUp {
			t.Errorf("observation %s: a follow-up visit without a follow-up", id)
		}

		// Times: a school day, 8:00 to 15:00 local, stored as UTC, in the past.
		start := o.StartedAt.In(loc)
		end := start
		if o.EndedAt != nil {
			end = o.EndedAt.In(loc)
		}
		if o.StartedAt.Location() != time.UTC || start.Weekday() == time.Saturday || start.Weekday() == time.Sunday {
			t.Errorf("observation %s: started %v", id, o.StartedAt)
		}
		if start.Hour() < 8 || end.Hour()*60+end.Minute() > 15*60 || end.YearDay() != start.YearDay() {
			t.Errorf("observation %s: %v to %v is outside the school day", id, start, end)
		}
		if !localDate(o.StartedAt, loc).Before(localToday) || o.ReceivedAt.After(now) || o.UpdatedAt.After(now) {
			t.Errorf("observation %s is in the future: started %v received %v", id, o.StartedAt, o.ReceivedAt)
		}
		if !o.ReceivedAt.After(end) || o.ReceivedAt.Sub(end) > 4*time.Hour {
			t.Errorf("observation %s: received %v, ended %v", id, o.ReceivedAt, end)
		}
		if !o.CreatedAt.Equal(o.StartedAt) || !o.UpdatedAt.Equal(o.ReceivedAt) {
			t.Errorf("observation %s: created %v updated %v", id, o.CreatedAt, o.UpdatedAt)
		}
		switch o.Status {
		case domain.ObservationSubmitted:
			if o.SubmittedAt == nil || o.EndedAt == nil || o.SubmittedAt.Before(*o.EndedAt) || o.SubmittedAt.After(o.ReceivedAt) {
				t.Errorf("observation %s: submitted %v", id, o.SubmittedAt)
			}
			if len(o.Scores) != len(keys) {
				t.Errorf("observation %s scores %d indicators, want all %d", id, len(o.Scores), len(keys))
			}
			if o.Evidence == "" {
				t.Errorf("observation %s has no evidence", id)
			}
			for _, s := range o.Scores {
				scored++
				if s.Level == nil {
					notObserved++
				}
			}
		case domain.ObservationDraft:
			if o.SubmittedAt != nil {
				t.Errorf("draft %s has a submission time", id)
			}
		}
		byObserver[o.ObserverID] = append(byObserver[o.ObserverID], o)
		byTeacher[o.TeacherID] = append(byTeacher[o.TeacherID], o)
	}
	if scored > 0 {
		if share := float64(notObserved) / float64(scored); share == 0 || share > 0.15 {
			t.Errorf("%.1f%% of scores are \"not observed\", want a few", 100*share)
		}
	}
	for _, w := range p.Walkthroughs {
		if observed[w.ID] == 0 {
			t.Errorf("walkthrough %s has no observations", w.ID)
		}
	}
	// Nobody is in two classrooms at once; a classroom has two visits at once
	// only when a leadership team walks in together.
	for _, obs := range byObserver {
		for i := 1; i < len(obs); i++ {
			if obs[i].StartedAt.Before(endOf(obs[i-1])) {
				t.Errorf("observer %s is in two classrooms at %v", users[obs[i].ObserverID].Email, obs[i].StartedAt)
			}
		}
	}
	for _, obs := range byTeacher {
		for i := 1; i < len(obs); i++ {
			if obs[i].StartedAt.Before(endOf(obs[i-1])) && (obs[i].WalkthroughID != obs[i-1].WalkthroughID || obs[i].WalkthroughID == "") {
				t.Errorf("teacher %s has two visits at %v", teachers[obs[i].TeacherID].DisplayName(), obs[i].StartedAt)
			}
		}
	}

	cycles := map[string]domain.Cycle{}
	for _, c := range p.Cycles {
		if err := c.Validate(); err != nil || c.DistrictID != districtID || c.Rev != 1 {
			t.Errorf("cycle %s: %v", c.ID, err)
		}
		coach := users[c.CoachID]
		if !slices.Contains(coach.Grants, domain.RoleGrant{Role: domain.RoleCoach, SchoolID: c.SchoolID}) {
			t.Errorf("cycle %s: the coach is not a coach at the school", c.ID)
		}
		for _, id := range c.TeacherIDs {
			if teachers[id].SchoolID != c.SchoolID {
				t.Errorf("cycle %s: a teacher is at another school", c.ID)
			}
		}
		if _, _, ok := rv.Indicator(c.FocusIndicatorKey); !ok || c.FocusShift == "" {
			t.Errorf("cycle %s: focus %q %q", c.ID, c.FocusIndicatorKey, c.FocusShift)
		}
		if c.StartedOn == nil || !c.StartedOn.Before(localToday) {
			t.Errorf("cycle %s: started %v", c.ID, c.StartedOn)
		}
		switch c.Status {
		case domain.CycleCompleted:
			if c.EndedOn == nil || c.EndedOn.Before(*c.StartedOn) || !c.EndedOn.Before(localToday) || c.Outcome == domain.OutcomeNone || c.OutcomeEvidence == "" {
				t.Errorf("completed cycle %s: ended %v outcome %q", c.ID, c.EndedOn, c.Outcome)
			}
		case domain.CycleActive:
			if c.EndedOn != nil || c.Outcome != domain.OutcomeNone {
				t.Errorf("active cycle %s has an end or an outcome", c.ID)
			}
		}
		if c.UpdatedAt.After(now) || c.UpdatedAt.Before(c.CreatedAt) {
			t.Errorf("cycle %s: updated %v", c.ID, c.UpdatedAt)
		}
		cycles[c.ID] = c
	}
	for _, a := range p.Activities {
		c, ok := cycles[a.CycleID]
		if err := a.Validate(); err != nil || !ok || a.DistrictID != districtID || a.AuthorID != c.CoachID || a.DeviceID != users[a.AuthorID].DeviceID || a.Notes == "" {
			t.Errorf("activity %s: %v", a.ID, err)
			continue
		}
		if a.OccurredOn.Before(*c.StartedOn) || (c.EndedOn != nil && a.OccurredOn.After(*c.EndedOn)) || !a.OccurredOn.Before(localToday) || a.CreatedAt.After(now) {
			t.Errorf("activity %s on %v is outside its cycle or in the future", a.ID, a.OccurredOn)
		}
	}
	var scheduled []domain.FollowUp
	for _, f := range p.FollowUps {
		c, ok := cycles[f.CycleID]
		if err := f.Validate(); err != nil || !ok || f.DistrictID != districtID || f.SchoolID != c.SchoolID || !slices.Contains(c.TeacherIDs, f.TeacherID) {
			t.Errorf("follow-up %s: %v", f.ID, err)
			continue
		}
		if !slices.Contains(f.ObserverIDs, c.CoachID) {
			t.Errorf("follow-up %s: the coach is not invited", f.ID)
		}
		for _, u := range f.ObserverIDs {
			if !observes(u, f.SchoolID) {
				t.Errorf("follow-up %s: observer %s may not observe at the school", f.ID, users[u].Email)
			}
		}
		if f.CreatedAt.After(now) || f.UpdatedAt.After(now) {
			t.Errorf("follow-up %s was created or updated in the future", f.ID)
		}
		switch f.Status {
		case domain.FollowUpDone:
			i := slices.IndexFunc(p.Observations, func(o domain.Observation) bool { return o.ID == f.ObservationID })
			if i < 0 || p.Observations[i].FollowUpID != f.ID || f.StartsAt.After(now) {
				t.Errorf("done follow-up %s does not name its observation", f.ID)
			}
		case domain.FollowUpScheduled:
			if !f.StartsAt.After(now) || f.StartsAt.After(now.AddDate(0, 0, 15)) || f.ObservationID != "" {
				t.Errorf("scheduled follow-up %s starts %v, want within two weeks of %v", f.ID, f.StartsAt, now)
			}
			if !slices.Contains(f.ObserverIDs, principalOf(p, f.SchoolID)) {
				t.Errorf("scheduled follow-up %s does not invite the principal", f.ID)
			}
			start := f.StartsAt.In(loc)
			if start.Weekday() == time.Saturday || start.Weekday() == time.Sunday || start.Hour() < 8 || f.EndsAt.In(loc).Hour() >= 15 {
				t.Errorf("scheduled follow-up %s at %v is outside the school day", f.ID, start)
			}
			scheduled = append(scheduled, f)
		}
	}
	for i, a := range scheduled {
		for _, b := range scheduled[i+1:] {
			if a.StartsAt.Before(b.EndsAt) && b.StartsAt.Before(a.EndsAt) {
				if a.TeacherID == b.TeacherID {
					t.Errorf("teacher double-booked by follow-ups %s and %s", a.ID, b.ID)
				}
				for _, u := range a.ObserverIDs {
					if slices.Contains(b.ObserverIDs, u) {
						t.Errorf("observer %s double-booked by follow-ups %s and %s", users[u].Email, a.ID, b.ID)
					}
				}
			}
		}
	}
	for _, n := range p.NextSteps {
		w, ok := walkthroughs[n.WalkthroughID]
		if err := n.Validate(); err != nil || !ok || w.Kind != domain.KindLeadership || n.SchoolID != w.SchoolID || n.DistrictID != districtID || n.Rev != 1 {
			t.Errorf("next step %s: %v", n.ID, err)
			continue
		}
		if !observes(n.OwnerID, n.SchoolID) {
			t.Errorf("next step %s: the owner does not work at the school", n.ID)
		}
		if n.DueOn == nil || !n.DueOn.After(w.Date) {
			t.Errorf("next step %s: due %v", n.ID, n.DueOn)
		}
		if n.Done != (n.DoneAt != nil) || (n.DoneAt != nil && (n.DoneAt.After(now) || n.DoneAt.Before(n.CreatedAt))) {
			t.Errorf("next step %s: done %v at %v", n.ID, n.Done, n.DoneAt)
		}
		if n.CreatedAt.After(now) {
			t.Errorf("next step %s created in the future", n.ID)
		}
		if _, _, ok := rv.Indicator(n.IndicatorKey); n.IndicatorKey != "" && !ok {
			t.Errorf("next step %s: indicator %q", n.ID, n.IndicatorKey)
		}
	}
}

// firstAndLastWeeks returns a school's mean submitted level on a dimension
// ("" for all) over the first and the last 8 weeks with observations.
func firstAndLastWeeks(t *testing.T, p Plan, school, dimension string) (float64, float64) {
	t.Helper()
	loc := p.District.Location()
	i := slices.IndexFunc(p.Schools, func(s domain.School) bool { return s.Name == school })
	if i < 0 {
		t.Fatalf("no school %s", school)
	}
	schoolID := p.Schools[i].ID
	var weeks []time.Time
	for _, o := range p.Observations {
		if w := domain.WeekStart(o.StartedAt, loc); !slices.ContainsFunc(weeks, w.Equal) {
			weeks = append(weeks, w)
		}
	}
	slices.SortFunc(weeks, time.Time.Compare)
	// Mid-November there are 14 weeks, so the two spans share a week or two.
	if len(weeks) < 10 {
		t.Fatalf("only %d weeks of observations", len(weeks))
	}
	firstEnd, lastStart := weeks[7], weeks[len(weeks)-8]
	var sumA, sumB, nA, nB float64
	for _, o := range p.Observations {
		if o.SchoolID != schoolID || o.Status != domain.ObservationSubmitted {
			continue
		}
		w := domain.WeekStart(o.StartedAt, loc)
		for _, s := range o.Scores {
			if _, d, _ := p.RubricVersion.Indicator(s.IndicatorKey); s.Level == nil || (dimension != "" && d != dimension) {
				continue
			}
			if !w.After(firstEnd) {
				sumA += float64(*s.Level)
				nA++
			}
			if !w.Before(lastStart) {
				sumB += float64(*s.Level)
				nB++
			}
		}
	}
	if nA < 50 || nB < 50 {
		t.Fatalf("%s on %q: %v and %v scores, too few to compare", school, dimension, nA, nB)
	}
	return sumA / nA, sumB / nB
}

// checksum hashes every score of every observation.
func checksum(p Plan) uint64 {
	h := fnv.New64a()
	for _, o := range p.Observations {
		for _, s := range o.Scores {
			level := -1
			if s.Level != nil {
				level = *s.Level
			}
			fmt.Fprintf(h, "%s/%s/%d;", o.ID, s.IndicatorKey, level)
		}
	}
	return h.Sum64()
}

func principalOf(p Plan, schoolID string) string {
	for _, u := range p.Users {
		if slices.Contains(u.Grants, domain.RoleGrant{Role: domain.RolePrincipal, SchoolID: schoolID}) {
			return u.ID
		}
	}
	return ""
}

func gradeFits(grade, band string) bool {
	n, ok := domain.ParseGrade(grade)
	switch band {
	case "elementary":
		return ok && n >= 0 && n <= 5
	case "middle":
		return ok && n >= 6 && n <= 8
	case "high":
		return ok && n >= 9 && n <= 12
	}
	return false
}

func endOf(o domain.Observation) time.Time {
	if o.EndedAt != nil {
		return *o.EndedAt
	}
	return o.StartedAt
}

// mayObserve reports whether user u may score classrooms at school s: a
// district administrator anywhere, a supervisor, principal, coach or observer
// at the schools they are granted.
func mayObserve(u domain.User, schoolID string) bool {
	for _, gr := range u.Grants {
		switch gr.Role {
		case domain.RoleDistrictAdmin:
			return true
		case domain.RoleSupervisor, domain.RolePrincipal, domain.RoleCoach, domain.RoleObserver:
			if gr.SchoolID == schoolID {
				return true
			}
		}
	}
	return false
}
