package demo

import (
	"slices"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// cycleSpec describes one cycle of support. Days are counted in school days
// back from today ("ago") or forward into the coming two weeks ("ahead").
type cycleSpec struct {
	school  int
	coach   int    // user index
	grade   string // the cycle supports this grade's teachers at the school...
	subject string // ...or this subject's
	size    int    // at most this many teachers
	focus   string
	shift   string
	status  domain.CycleStatus
	outcome domain.CycleOutcome
	// evidence is the outcome's evidence, for completed cycles.
	evidence   string
	start, end int     // school days ago; end is 0 while the cycle is active
	effect     float64 // how far the focus indicator moves once the support takes hold
	activities []activitySpec
	followUps  []followUpSpec
}

// activitySpec is one support activity; "{teacher}" in notes names the
// cycle's first teacher.
type activitySpec struct {
	kind  domain.ActivityKind
	ago   int
	notes string
}

// followUpSpec is one follow-up: done ago school days back, or booked ahead
// school days from now, at minute minutes after local midnight. teacher
// indexes the cycle's teachers.
type followUpSpec struct {
	teacher int
	ago     int
	ahead   int
	minute  int
	notes   string
}

// The demo's cycles of support.
var cycleSpecs = []cycleSpec{
	{
		school: schoolCedar, coach: userCoach, grade: "3", size: 3,
		focus:  "eliciting_student_thinking",
		shift:  "Ask \"How do you know?\" and wait for a second strategy before confirming an answer, so students explain their reasoning instead of only giving answers.",
		status: domain.CycleActive, start: 22, effect: 0.7,
		activities: []activitySpec{
			{domain.ActivityPLCMeeting, 22, "Grade 3 PLC sorted student work from the array task by strategy and agreed to press for reasoning with \"How do you know?\""},
			{domain.ActivityPLSession, 19, "Half-day session on questioning: funnelling versus focusing questions. The team rewrote three questions from next week's lessons."},
			{domain.ActivityModeling, 15, "Modeled a number talk in {teacher}'s room; the team tallied how often students explained their thinking."},
			{domain.ActivityCoTeaching, 10, "Co-taught the fractions launch; paused twice to ask students to compare two strategies."},
			{domain.ActivityOneOnOne, 5, "Debriefed the first follow-up with {teacher}: wait time is longer; next, ask a second student to restate."},
		},
		followUps: []followUpSpec{
			{teacher: 0, ago: 7, minute: 9*60 + 10, notes: "Look for students explaining how they know and for a second strategy."},
			{teacher: 1, ago: 6, minute: 10*60 + 5, notes: "Look for \"How do you know?\" and wait time after it."},
			{teacher: 2, ahead: 1, minute: 9*60 + 30, notes: "First follow-up: number talk at the start of math."},
			{teacher: 0, ahead: 4, minute: 13*60 + 15, notes: "Second follow-up: does a second student restate the strategy?"},
			{teacher: 1, ahead: 6, minute: 10*60 + 45, notes: "Second follow-up during the fractions lesson."},
		},
	},
	{
		school: schoolCedar, coach: userCoach, grade: "1", size: 1,
		focus:   "academic_discourse",
		shift:   "Move from turn-and-talk that trades answers to partner talk where each student explains and the partner adds on or asks a question.",
		status:  domain.CycleCompleted,
		outcome: domain.OutcomeSeen,
		evidence: "In both follow-ups partners used \"I agree because...\" and \"Can you say more?\" without reminders, and 4 of 5 pairs listened to explained their reasoning. " +
			"Student-to-student talk moved from Developing to Proficient.",
		start: 50, end: 26, effect: 0.9,
		activities: []activitySpec{
			{domain.ActivityOneOnOne, 50, "Planned two lessons with talk moves built in; chose \"add on\" and \"say more\" to practise first."},
			{domain.ActivityModeling, 46, "Modeled partner talk with a fishbowl pair; students named what good partners did."},
			{domain.ActivityCoTeaching, 41, "Co-taught the story retell; listened in on pairs and coached two partnerships."},
			{domain.ActivityOther, 37, "Recorded ten minutes of partner talk; {teacher} and the coach watched it together and counted turns."},
		},
		followUps: []followUpSpec{
			{teacher: 0, ago: 34, minute: 9 * 60, notes: "Look for partners adding on to each other during the retell."},
			{teacher: 0, ago: 28, minute: 9*60 + 20, notes: "Second look: do pairs ask each other to say more?"},
		},
	},
	{
		school: schoolHarbor, coach: userCoach, subject: "Mathematics", size: 3,
		focus:   "multiple_entry_points",
		shift:   "Launch tasks with a visual or a table so every student can start, then connect at least two student strategies in the closing discussion.",
		status:  domain.CycleCompleted,
		outcome: domain.OutcomeSeen,
		evidence: "Follow-ups in all three math rooms showed tasks launched with a visual and two student strategies connected in the closing. " +
			"Multiple entry points averaged Proficient, up from Developing at the start of the cycle.",
		start: 46, end: 16, effect: 0.9,
		activities: []activitySpec{
			{domain.ActivityPLSession, 46, "Department session on low-floor, high-ceiling tasks; each teacher adapted one task from the next unit."},
			{domain.ActivityPLCMeeting, 42, "Math PLC compared student work from the ratio table task and listed the ways students got started."},
			{domain.ActivityPLCMeeting, 36, "PLC planned the closing discussion: which two strategies to show, and in what order."},
			{domain.ActivityCoTeaching, 31, "Co-taught the proportional relationships launch in {teacher}'s room."},
			{domain.ActivityModeling, 27, "Modeled choosing and ordering student strategies for the closing discussion."},
		},
		followUps: []followUpSpec{
			{teacher: 0, ago: 23, minute: 10*60 + 30, notes: "Look for the visual launch and how many students start on their own."},
			{teacher: 1, ago: 21, minute: 13 * 60, notes: "Look for two strategies connected in the closing."},
			{teacher: 2, ago: 18, minute: 9*60 + 45, notes: "Look for tables and tape diagrams side by side."},
		},
	},
	{
		school: schoolHarbor, coach: userCoach, subject: "ELA", size: 1,
		focus:  "checking_for_understanding",
		shift:  "Use a quick check of every student (whiteboards or a hinge question) midway through the lesson and act on what it shows before moving on.",
		status: domain.CycleActive, start: 12, effect: 0.5,
		activities: []activitySpec{
			{domain.ActivityOneOnOne, 12, "Looked at last week's exit tickets with {teacher}; wrote two hinge questions for the argument-writing unit."},
			{domain.ActivityCoTeaching, 8, "Co-taught the claim-and-evidence lesson; the coach ran the whiteboard check while {teacher} regrouped students."},
		},
		followUps: []followUpSpec{
			{teacher: 0, ahead: 2, minute: 10*60 + 20, notes: "Look for the hinge question and what happens right after it."},
		},
	},
	{
		school: schoolCedar, coach: userCoach, grade: "5", size: 1,
		focus:   "routines_and_transitions",
		shift:   "Teach and practise the routines for getting materials and moving into groups so that transitions take under a minute.",
		status:  domain.CycleCompleted,
		outcome: domain.OutcomePartly,
		evidence: "Moving into groups now takes about 90 seconds, down from 4 minutes, but the teacher still hands out materials. " +
			"Partly seen; worth a short second cycle on the materials routine.",
		start: 40, end: 20, effect: 0.45,
		activities: []activitySpec{
			{domain.ActivityOneOnOne, 40, "Mapped every transition of a typical morning with {teacher} and picked the two that lose the most time."},
			{domain.ActivityModeling, 36, "Modeled teaching the group routine: practise it, time it, talk about it with the class."},
			{domain.ActivityPLCMeeting, 31, "Shared the timed transitions at the upper-grades PLC; two colleagues will try the same routine."},
		},
		followUps: []followUpSpec{
			{teacher: 0, ago: 29, minute: 13*60 + 30, notes: "Time the move into groups and the handing out of materials."},
			{teacher: 0, ago: 22, minute: 8*60 + 40, notes: "Time the morning routines again."},
		},
	},
	{
		school: schoolHigh, coach: userCoachHigh, subject: "Science", size: 2,
		focus:  "language_support",
		shift:  "Give students a word bank and a claim-evidence-reasoning frame, and have partners rehearse aloud before they write.",
		status: domain.CycleActive, start: 15, effect: 0.5,
		activities: []activitySpec{
			{domain.ActivityPLCMeeting, 15, "Science PLC read lab conclusions together and listed the words students avoided."},
			{domain.ActivityPLSession, 11, "After-school session on claim-evidence-reasoning frames for English learners."},
			{domain.ActivityModeling, 7, "Modeled partner rehearsal before writing in {teacher}'s lab."},
		},
		followUps: []followUpSpec{
			{teacher: 0, ago: 4, minute: 11 * 60, notes: "Listen for the word bank in partner talk during the lab."},
			{teacher: 1, ahead: 3, minute: 12*60 + 40, notes: "First follow-up: lab conclusion writing."},
		},
	},
}

// Indexes into schoolSpecs and userSpecs that the cycles name.
const (
	schoolCedar   = 0
	schoolHarbor  = 3
	schoolHigh    = 5
	userCoach     = 3
	userCoachHigh = 22
)

// cycleInfo is what the score model knows of a cycle.
type cycleInfo struct {
	teachers []int
	focus    string
	start    time.Time
	effect   float64
}

// cycles builds the cycles of support with their activities and
// follow-ups. Done follow-ups become follow-up walkthroughs with one
// observation each; they are booked before any other walkthrough, so the
// rest of the year works around them.
func (g *gen) cycles() {
	for _, spec := range cycleSpecs {
		teachers := g.cycleTeachers(spec)
		if len(teachers) == 0 {
			continue
		}
		info := g.schoolInfo[spec.school]
		focus := g.indicatorOr(spec.focus)
		startDay := g.daysAgo(spec.start)
		created := g.at(startDay, 7*60+30)
		c := domain.Cycle{
			ID:                g.id(created),
			DistrictID:        g.plan.District.ID,
			SchoolID:          g.plan.Schools[spec.school].ID,
			CoachID:           g.plan.Users[spec.coach].ID,
			FocusIndicatorKey: focus,
			FocusShift:        spec.shift,
			Status:            spec.status,
			StartedOn:         &startDay,
			Rev:               1,
			CreatedAt:         created,
			UpdatedAt:         created,
		}
		for _, t := range teachers {
			c.TeacherIDs = append(c.TeacherIDs, g.plan.Teachers[t].ID)
		}
		if spec.status == domain.CycleCompleted {
			endDay := g.daysAgo(spec.end)
			c.EndedOn = &endDay
			c.Outcome = spec.outcome
			c.OutcomeEvidence = spec.evidence
			c.UpdatedAt = g.at(endDay, 16*60+30)
		}
		g.cycleInfo = append(g.cycleInfo, cycleInfo{teachers: teachers, focus: focus, start: startDay, effect: spec.effect})

		first := g.plan.Teachers[teachers[0]].DisplayName()
		for _, a := range spec.activities {
			day := g.daysAgo(a.ago)
			at := g.at(day, 15*60+45)
			g.plan.Activities = append(g.plan.Activities, domain.Activity{
				ID:         g.id(at),
				DistrictID: g.plan.District.ID,
				CycleID:    c.ID,
				Kind:       a.kind,
				OccurredOn: day,
				Notes:      strings.ReplaceAll(a.notes, "{teacher}", first),
				AuthorID:   c.CoachID,
				DeviceID:   g.plan.Users[spec.coach].DeviceID,
				Rev:        1,
				CreatedAt:  at,
				UpdatedAt:  at,
			})
			if spec.status != domain.CycleCompleted && at.After(c.UpdatedAt) {
				c.UpdatedAt = at
			}
		}
		g.plan.Cycles = append(g.plan.Cycles, c)

		observers := []int{spec.coach}
		if info.principal >= 0 && g.plan.District.Settings.InvitePrincipalToFollowUps {
			observers = append(observers, info.principal)
		}
		for _, f := range spec.followUps {
			g.followUp(c, spec, teachers[f.teacher%len(teachers)], observers, f)
		}
	}
}

// followUp books one follow-up; a done one gets its walkthrough and
// observation.
func (g *gen) followUp(c domain.Cycle, spec cycleSpec, teacher int, observers []int, f followUpSpec) {
	const booked = 30 * time.Minute
	var day time.Time
	if f.ahead > 0 {
		// Never double-book a teacher: move to the next free day.
		i := min(f.ahead, len(g.future)) - 1
		for i < len(g.future)-1 && g.visited[visitKey{teacher, dayNumber(g.future[i])}] {
			i++
		}
		day = g.future[i]
	} else {
		day = g.daysAgo(f.ago)
	}
	start, _ := g.slot(observers, day, g.at(day, f.minute), booked)
	g.reserve(observers, day, start, booked)
	g.visited[visitKey{teacher, dayNumber(day)}] = true

	// Follow-ups are booked a week ahead, or at the last school day for
	// the ones still to come.
	created := start.AddDate(0, 0, -7)
	if f.ahead > 0 {
		created = g.at(g.days[len(g.days)-1], 15*60+40)
	}
	if created.Before(c.CreatedAt) {
		created = c.CreatedAt.Add(time.Hour)
	}
	fu := domain.FollowUp{
		ID:         g.id(created),
		DistrictID: g.plan.District.ID,
		CycleID:    c.ID,
		SchoolID:   c.SchoolID,
		TeacherID:  g.plan.Teachers[teacher].ID,
		StartsAt:   start,
		EndsAt:     start.Add(booked),
		Status:     domain.FollowUpScheduled,
		Notes:      f.notes,
		Rev:        1,
		CreatedAt:  created,
		UpdatedAt:  created,
	}
	for _, u := range observers {
		fu.ObserverIDs = append(fu.ObserverIDs, g.plan.Users[u].ID)
	}
	if f.ahead == 0 {
		w := g.walkthrough(spec.school, domain.KindFollowUp, day, observers, []string{c.FocusIndicatorKey})
		first := len(g.plan.Observations)
		o := g.observe(visit{
			school: spec.school, teacher: teacher, observer: spec.coach, walkthrough: &w, kind: domain.KindFollowUp,
			followUp: fu.ID, start: start.Add(time.Duration(g.between(0, 3)) * time.Minute),
			length: time.Duration(g.between(15, 22)) * time.Minute, focus: w.Focus,
		})
		g.finishWalkthrough(w, first, 0.6)
		fu.Status = domain.FollowUpDone
		fu.ObservationID = o.ID
		fu.UpdatedAt = o.ReceivedAt
	}
	g.plan.FollowUps = append(g.plan.FollowUps, fu)
}

// cycleTeachers finds the teachers a cycle supports.
func (g *gen) cycleTeachers(spec cycleSpec) []int {
	var out []int
	for _, t := range g.schoolInfo[spec.school].teachers {
		tt := g.plan.Teachers[t]
		if len(out) < spec.size &&
			(spec.grade == "" || slices.Contains(tt.Grades, spec.grade)) &&
			(spec.subject == "" || slices.Contains(tt.Subjects, spec.subject)) {
			out = append(out, t)
		}
	}
	return out
}

// indicatorOr returns key if the rubric has it, else the rubric's first
// indicator, so a district's own rubric still gets cycles.
func (g *gen) indicatorOr(key string) string {
	if _, _, ok := g.plan.RubricVersion.Indicator(key); ok {
		return key
	}
	return g.plan.RubricVersion.IndicatorKeys()[0]
}

// daysAgo returns the school day n school days before today (1 is the last
// one).
func (g *gen) daysAgo(n int) time.Time {
	n = min(max(n, 1), len(g.days))
	return g.days[len(g.days)-n]
}
