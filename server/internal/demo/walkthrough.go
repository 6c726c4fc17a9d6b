package demo

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// targetObservations is about how many submitted observations the window
// holds, whatever its length.
const targetObservations = 2000

// Walkthrough shapes.
const (
	leadershipEvery = 4    // weeks between a school's leadership walkthroughs
	roomsPerMember  = 5    // the most classrooms one team member visits in a walkthrough
	classroomChance = 0.88 // chance a school runs a team walkthrough in a week
	standaloneVisit = 0.1  // chance an informal visit has no walkthrough
)

// debriefRooms are where leadership teams sit down afterwards.
var debriefRooms = []string{"the library", "the principal's office", "the conference room", "the staff room"}

// slotKey and span record when a user is busy on a day.
type slotKey struct {
	user, day int
}

type span struct {
	from, to time.Time
}

// visitKey records that a teacher was visited on a day.
type visitKey struct {
	teacher, day int
}

// visit is one classroom visit about to become an observation.
type visit struct {
	school, teacher, observer int
	walkthrough               *domain.Walkthrough // nil for a stand-alone informal visit
	kind                      domain.WalkthroughKind
	followUp                  string
	start                     time.Time
	length                    time.Duration
	focus                     []string
	draft                     bool
	room                      *room // what the classroom showed, when a team scores it together
}

// room is what one classroom showed during a visit, shared by everyone who
// scored it: the lesson's good or bad day and each indicator's draw.
type room struct {
	lesson float64
	noise  []float64 // by indicator, in rubric order
}

// newRoom draws what a classroom shows.
func (g *gen) newRoom() *room {
	r := &room{lesson: g.rng.NormFloat64()}
	for range g.plan.RubricVersion.IndicatorKeys() {
		r.noise = append(r.noise, g.rng.NormFloat64())
	}
	return r
}

// schoolWeek plans one school's walkthroughs for one week: a leadership
// walkthrough every few weeks, usually a team walkthrough, and informal
// visits for the rest.
func (g *gen) schoolWeek(wi int, w week, s int, rate float64) {
	info := g.schoolInfo[s]
	n := int(math.Round(rate * float64(len(w.days)) * info.spec.activity * math.Exp(0.2*g.rng.NormFloat64())))
	if info.supervisor >= 0 && info.principal >= 0 && (wi+s)%leadershipEvery == 0 {
		n -= g.leadership(s, pick(g, w.days), n)
	}
	if n > 0 && g.chance(classroomChance) {
		c := max(n*7/10, 3)
		g.classroom(s, w.days, c)
		n -= c
	}
	g.informal(s, w.days, n)
}

// leadership runs a supervisor's walkthrough with the school's leaders: the
// team visits the same classrooms together, each scoring on their own
// tablet, then debriefs. It returns how many observations it planned.
func (g *gen) leadership(s int, day time.Time, budget int) int {
	info := g.schoolInfo[s]
	team := []int{info.supervisor, info.principal}
	if len(info.coaches) > 0 {
		team = append(team, info.coaches[0])
	}
	var others []int
	for _, u := range info.staff {
		if !slices.Contains(team, u) {
			others = append(others, u)
		}
	}
	if len(others) > 0 {
		team = append(team, pick(g, others))
	}
	rooms := min(max(int(math.Round(0.45*float64(budget)/float64(len(team)))), 2), roomsPerMember)

	wt := g.walkthrough(s, domain.KindLeadership, day, team, g.focus(s, 2))
	first := len(g.plan.Observations)
	cursor := g.at(day, 8*60+30+5*g.between(0, 9))
	for range rooms {
		length := time.Duration(g.between(12, 20)) * time.Minute
		start, ok := g.slot(team, day, cursor, length)
		if !ok {
			break
		}
		t := g.pickTeacher(s, day)
		if t < 0 {
			break
		}
		g.reserve(team, day, start, length)
		seen := g.newRoom()
		for _, u := range team {
			late := time.Duration(g.between(0, 2)) * time.Minute
			early := time.Duration(g.between(0, 1)) * time.Minute
			g.observe(visit{
				school: s, teacher: t, observer: u, walkthrough: &wt, kind: wt.Kind,
				start: start.Add(late), length: length - late - early, focus: wt.Focus, room: seen,
			})
		}
		cursor = start.Add(length + time.Duration(g.between(4, 8))*time.Minute)
	}
	g.finishWalkthrough(wt, first, 1)
	return rooms * len(team)
}

// classroom runs team walkthroughs: the team splits up and each member
// visits a few classrooms.
func (g *gen) classroom(s int, days []time.Time, budget int) {
	info := g.schoolInfo[s]
	for tries := 0; budget > 0 && tries < 10; tries++ {
		day := pick(g, days)
		free := g.freeTeachers(s, day)
		if free < 3 {
			continue
		}
		lead := info.principal
		if lead < 0 || !g.chance(0.7) {
			lead = pick(g, info.staff)
		}
		team := []int{lead}
		size := g.between(2, 3)
		for _, u := range g.shuffled(info.staff) {
			if len(team) < size && u != lead {
				team = append(team, u)
			}
		}
		if info.supervisor >= 0 && g.chance(0.15) {
			team = append(team, info.supervisor)
		}
		rooms := min(budget, roomsPerMember*len(team), free)
		budget -= rooms

		wt := g.walkthrough(s, domain.KindClassroom, day, team, g.focus(s, 2))
		first := len(g.plan.Observations)
		start := g.at(day, 8*60+10+5*g.between(0, 20))
		for k, u := range team {
			share := rooms / len(team)
			if k < rooms%len(team) {
				share++
			}
			cursor := start.Add(time.Duration(2*k) * time.Minute)
			for range share {
				length := time.Duration(g.between(10, 20)) * time.Minute
				at, ok := g.slot([]int{u}, day, cursor, length)
				if !ok {
					break
				}
				t := g.pickTeacher(s, day)
				if t < 0 {
					break
				}
				g.reserve([]int{u}, day, at, length)
				g.observe(visit{
					school: s, teacher: t, observer: u, walkthrough: &wt, kind: wt.Kind,
					start: at, length: length, focus: wt.Focus,
				})
				cursor = at.Add(length + time.Duration(g.between(2, 8))*time.Minute)
			}
		}
		g.finishWalkthrough(wt, first, 0.4)
	}
}

// informal runs short drop-in visits by one person, most inside an informal
// walkthrough, a few on their own.
func (g *gen) informal(s int, days []time.Time, budget int) {
	info := g.schoolInfo[s]
	for tries := 0; budget > 0 && tries < 20; tries++ {
		day := pick(g, days)
		free := g.freeTeachers(s, day)
		if free == 0 {
			continue
		}
		k := min(budget, g.between(1, 4), free)
		budget -= k
		u := pick(g, info.staff)
		cursor := g.at(day, dayOpens+5*g.between(0, 60))
		var wt *domain.Walkthrough
		var focus []string
		first := len(g.plan.Observations)
		if !g.chance(standaloneVisit) {
			if g.chance(0.5) {
				focus = g.focus(s, 1)
			}
			w := g.walkthrough(s, domain.KindInformal, day, []int{u}, focus)
			wt = &w
		} else {
			k = 1
		}
		for range k {
			length := time.Duration(g.between(8, 15)) * time.Minute
			at, ok := g.slot([]int{u}, day, cursor, length)
			if !ok {
				break
			}
			t := g.pickTeacher(s, day)
			if t < 0 {
				break
			}
			g.reserve([]int{u}, day, at, length)
			g.observe(visit{
				school: s, teacher: t, observer: u, walkthrough: wt, kind: domain.KindInformal,
				start: at, length: length, focus: focus,
			})
			cursor = at.Add(length + time.Duration(g.between(3, 30))*time.Minute)
		}
		if wt != nil {
			g.finishWalkthrough(*wt, first, 0)
		}
	}
}

// walkthrough starts a walkthrough; team[0] leads it. It is added to the
// plan by finishWalkthrough once it has observations.
func (g *gen) walkthrough(s int, kind domain.WalkthroughKind, day time.Time, team []int, focus []string) domain.Walkthrough {
	created := g.at(day, 7*60+g.between(0, 45)).AddDate(0, 0, -g.between(0, 3))
	w := domain.Walkthrough{
		ID:              g.id(created),
		DistrictID:      g.plan.District.ID,
		SchoolID:        g.plan.Schools[s].ID,
		RubricVersionID: g.plan.RubricVersion.ID,
		Kind:            kind,
		Date:            day,
		LeadID:          g.plan.Users[team[0]].ID,
		Focus:           focus,
		DeviceID:        g.plan.Users[team[0]].DeviceID,
		Rev:             1,
		CreatedAt:       created,
		UpdatedAt:       created,
	}
	for _, u := range team {
		w.Team = append(w.Team, g.plan.Users[u].ID)
	}
	return w
}

// finishWalkthrough adds w to the plan if it has observations (those from
// index first on), with debrief notes at the given chance.
func (g *gen) finishWalkthrough(w domain.Walkthrough, first int, debriefChance float64) {
	mine := g.plan.Observations[first:]
	if len(mine) == 0 {
		return
	}
	var lastEnd time.Time
	for _, o := range mine {
		if o.ReceivedAt.After(w.UpdatedAt) {
			w.UpdatedAt = o.ReceivedAt
		}
		if o.EndedAt != nil && o.EndedAt.After(lastEnd) {
			lastEnd = *o.EndedAt
		}
	}
	if g.chance(debriefChance) {
		w.DebriefNotes = g.debrief(w, mine)
		if done := lastEnd.Add(time.Duration(g.between(20, 60)) * time.Minute); done.After(w.UpdatedAt) {
			w.UpdatedAt = done
		}
	}
	g.plan.Walkthroughs = append(g.plan.Walkthroughs, w)
}

// observe turns a visit into an observation and adds it to the plan.
func (g *gen) observe(v visit) domain.Observation {
	t := g.plan.Teachers[v.teacher]
	u := g.plan.Users[v.observer]
	ended := v.start.Add(v.length)
	o := domain.Observation{
		ID:              g.id(v.start),
		DistrictID:      g.plan.District.ID,
		SchoolID:        g.plan.Schools[v.school].ID,
		FollowUpID:      v.followUp,
		TeacherID:       t.ID,
		ObserverID:      u.ID,
		RubricVersionID: g.plan.RubricVersion.ID,
		Kind:            v.kind,
		Grade:           pick(g, t.Grades),
		Subject:         pick(g, t.Subjects),
		StartedAt:       v.start,
		EndedAt:         &ended,
		Status:          domain.ObservationSubmitted,
		DeviceID:        u.DeviceID,
		Rev:             1,
		CreatedAt:       v.start,
	}
	if v.walkthrough != nil {
		o.WalkthroughID = v.walkthrough.ID
	}
	scores, mean := g.scores(v, localDate(v.start, g.loc))
	o.Scores = scores
	o.Evidence = g.overallEvidence(o.Subject, mean)
	o.Tags = g.tags(g.plan.Schools[v.school].GradeBand)

	// Most tablets sync within minutes; some wait for the office Wi-Fi.
	delay := time.Duration(g.between(2, 40)) * time.Minute
	if g.chance(0.1) {
		delay = time.Duration(g.between(60, 180)) * time.Minute
	}
	if v.draft {
		o.Status = domain.ObservationDraft
		o.Scores = o.Scores[:g.between(len(o.Scores)/3, len(o.Scores)*4/5)]
		o.ReceivedAt = ended.Add(delay)
		if g.chance(0.5) {
			o.EndedAt = nil
			o.Evidence = ""
		}
	} else {
		submitted := ended.Add(time.Duration(g.between(0, 180)) * time.Second)
		o.SubmittedAt = &submitted
		o.ReceivedAt = submitted.Add(delay)
	}
	o.UpdatedAt = o.ReceivedAt
	g.plan.Observations = append(g.plan.Observations, o)
	return o
}

// draftVisits are the drop-in visits left as drafts on the last school
// days: indexes into userSpecs and schoolSpecs, and school days ago.
var draftVisits = []struct{ user, school, ago int }{
	{2, 0, 1}, {4, 0, 1}, {3, 3, 1}, {9, 3, 2}, {12, 1, 1}, {18, 5, 2},
}

// drafts adds a handful of draft observations: informal visits on the last
// school days that their observers have not submitted yet.
func (g *gen) drafts() {
	for _, d := range draftVisits {
		u, s := d.user, d.school
		length := time.Duration(g.between(8, 15)) * time.Minute
		var day, at time.Time
		ok := false
		// The afternoon of that day, else of an earlier one with room left.
		for ago := d.ago; !ok && ago < d.ago+5; ago++ {
			day = g.daysAgo(ago)
			at, ok = g.slot([]int{u}, day, g.at(day, 13*60+5*g.between(0, 12)), length)
			ok = ok && g.freeTeachers(s, day) > 0
		}
		if !ok {
			continue
		}
		t := g.pickTeacher(s, day)
		g.reserve([]int{u}, day, at, length)
		w := g.walkthrough(s, domain.KindInformal, day, []int{u}, nil)
		first := len(g.plan.Observations)
		g.observe(visit{
			school: s, teacher: t, observer: u, walkthrough: &w, kind: domain.KindInformal,
			start: at, length: length, draft: true,
		})
		g.finishWalkthrough(w, first, 0)
	}
}

// focus picks n indicators for a walkthrough to look for, most often from
// the school's focus dimension.
func (g *gen) focus(s int, n int) []string {
	dims := g.plan.RubricVersion.Dimensions
	d := g.rng.IntN(len(dims))
	if g.chance(0.65) {
		for i := range dims {
			if g.dims[i].model == g.schoolInfo[s].spec.focus {
				d = i
			}
		}
	}
	var keys []string
	for _, i := range g.rng.Perm(len(dims[d].Indicators)) {
		if len(keys) < n {
			keys = append(keys, dims[d].Indicators[i].Key)
		}
	}
	if n > 1 && len(keys) < n {
		// A dimension with one indicator: look for something else too.
		other := dims[g.rng.IntN(len(dims))]
		if k := other.Indicators[g.rng.IntN(len(other.Indicators))].Key; !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// pickTeacher picks a teacher of school s not yet visited on day, favouring
// rooms that walkthroughs often find their way to, and marks the visit. It
// returns -1 when every teacher was visited.
func (g *gen) pickTeacher(s int, day time.Time) int {
	dn := dayNumber(day)
	var free []int
	var total float64
	for _, t := range g.schoolInfo[s].teachers {
		if !g.visited[visitKey{t, dn}] {
			free = append(free, t)
			total += g.teacherInfo[t].weight
		}
	}
	if len(free) == 0 {
		return -1
	}
	r := g.rng.Float64() * total
	chosen := free[len(free)-1]
	for _, t := range free {
		r -= g.teacherInfo[t].weight
		if r < 0 {
			chosen = t
			break
		}
	}
	g.visited[visitKey{chosen, dn}] = true
	return chosen
}

// freeTeachers counts the teachers of school s not yet visited on day.
func (g *gen) freeTeachers(s int, day time.Time) int {
	dn := dayNumber(day)
	n := 0
	for _, t := range g.schoolInfo[s].teachers {
		if !g.visited[visitKey{t, dn}] {
			n++
		}
	}
	return n
}

// slot finds the earliest start at or after from when every user is free for
// length, and reports whether it ends by the close of the school day.
func (g *gen) slot(users []int, day time.Time, from time.Time, length time.Duration) (time.Time, bool) {
	const gap = 3 * time.Minute
	dn := dayNumber(day)
	start := from
	for moved := true; moved; {
		moved = false
		for _, u := range users {
			for _, b := range g.busy[slotKey{u, dn}] {
				if start.Before(b.to.Add(gap)) && b.from.Before(start.Add(length+gap)) {
					start = b.to.Add(gap)
					moved = true
				}
			}
		}
	}
	return start, !start.Add(length).After(g.at(day, dayCloses))
}

// reserve marks the users busy.
func (g *gen) reserve(users []int, day time.Time, start time.Time, length time.Duration) {
	dn := dayNumber(day)
	for _, u := range users {
		k := slotKey{u, dn}
		g.busy[k] = append(g.busy[k], span{start, start.Add(length)})
	}
}

// shuffled returns a shuffled copy of xs.
func (g *gen) shuffled(xs []int) []int {
	out := slices.Clone(xs)
	g.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// debrief writes the notes of a walkthrough's debrief from what its
// observations saw.
func (g *gen) debrief(w domain.Walkthrough, obs []domain.Observation) string {
	rooms := map[string]bool{}
	var roomCount int
	for _, o := range obs {
		if !rooms[o.TeacherID] {
			rooms[o.TeacherID] = true
			roomCount++
		}
	}
	var b strings.Builder
	switch w.Kind {
	case domain.KindLeadership:
		fmt.Fprintf(&b, "Visited %d classrooms together, then debriefed in %s.", roomCount, pick(g, debriefRooms))
	case domain.KindFollowUp:
		b.WriteString("Debriefed with the teacher after the visit.")
	default:
		fmt.Fprintf(&b, "The team saw %d classrooms.", roomCount)
	}
	for _, key := range w.Focus {
		mean, n := g.meanOf(obs, key)
		if n == 0 {
			continue
		}
		r := int(math.Round(mean))
		fmt.Fprintf(&b, " %s averaged %.1f; for example: %s", g.indicatorName(key), mean, g.scoreEvidence(key, r))
	}
	if w.Kind == domain.KindLeadership && len(w.Focus) > 0 {
		split := g.splitRooms(obs, w.Focus[0])
		if split > 0 {
			fmt.Fprintf(&b, " Our scores on %s differed in %d of %d rooms, so we re-read the descriptors together.", strings.ToLower(g.indicatorName(w.Focus[0])), split, roomCount)
		} else {
			fmt.Fprintf(&b, " Our scores on %s agreed in every room.", strings.ToLower(g.indicatorName(w.Focus[0])))
		}
		b.WriteString(" Next steps agreed below.")
	}
	return b.String()
}

// meanOf averages the submitted scores of key on the 1-to-4 scale.
func (g *gen) meanOf(obs []domain.Observation, key string) (float64, int) {
	var sum float64
	var n int
	for _, o := range obs {
		if o.Status != domain.ObservationSubmitted {
			continue
		}
		for _, s := range o.Scores {
			if s.IndicatorKey == key && s.Level != nil {
				sum += g.fourPoint(*s.Level)
				n++
			}
		}
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), n
}

// splitRooms counts the rooms where the team's levels on key differed.
func (g *gen) splitRooms(obs []domain.Observation, key string) int {
	type seen struct {
		teacher string
		low     int
		high    int
	}
	var rooms []seen
	for _, o := range obs {
		for _, s := range o.Scores {
			if s.IndicatorKey != key || s.Level == nil {
				continue
			}
			i := slices.IndexFunc(rooms, func(r seen) bool { return r.teacher == o.TeacherID })
			if i < 0 {
				rooms = append(rooms, seen{o.TeacherID, *s.Level, *s.Level})
				continue
			}
			rooms[i].low = min(rooms[i].low, *s.Level)
			rooms[i].high = max(rooms[i].high, *s.Level)
		}
	}
	var split int
	for _, r := range rooms {
		if r.low != r.high {
			split++
		}
	}
	return split
}

// indicatorName returns the rubric's name for key.
func (g *gen) indicatorName(key string) string {
	if ind, _, ok := g.plan.RubricVersion.Indicator(key); ok {
		return ind.Name
	}
	return key
}

// nextSteps records the actions agreed in the most recent leadership
// debriefs, with owners and due dates; the older ones are mostly done.
func (g *gen) nextSteps() {
	const debriefs = 6
	var leads []domain.Walkthrough
	for _, w := range slices.Backward(g.plan.Walkthroughs) {
		if w.Kind == domain.KindLeadership && len(leads) < debriefs {
			leads = append(leads, w)
		}
	}
	slices.Reverse(leads)
	today := localDate(g.today, g.loc)
	lastDay := g.days[len(g.days)-1]
	for _, w := range leads {
		s := slices.IndexFunc(g.plan.Schools, func(sc domain.School) bool { return sc.ID == w.SchoolID })
		info := g.schoolInfo[s]
		owners := []int{info.principal}
		if len(info.coaches) > 0 {
			owners = append(owners, info.coaches[0])
		} else if others := slices.DeleteFunc(slices.Clone(info.staff), func(u int) bool { return u == info.principal }); len(others) > 0 {
			owners = append(owners, pick(g, others))
		}
		if g.chance(0.4) {
			owners = append(owners, info.supervisor)
		}
		var used []string
		for i, owner := range owners {
			key := ""
			if len(w.Focus) > 0 {
				key = w.Focus[i%len(w.Focus)]
			}
			action := g.action(key, used)
			used = append(used, action)
			created := w.UpdatedAt.Add(time.Duration(i) * time.Minute)
			due := w.Date.AddDate(0, 0, 7*g.between(1, 3))
			n := domain.NextStep{
				ID:            g.id(created),
				DistrictID:    g.plan.District.ID,
				WalkthroughID: w.ID,
				SchoolID:      w.SchoolID,
				OwnerID:       g.plan.Users[owner].ID,
				Action:        action,
				DueOn:         &due,
				IndicatorKey:  key,
				DeviceID:      g.plan.Users[info.supervisor].DeviceID,
				Rev:           1,
				CreatedAt:     created,
				UpdatedAt:     created,
			}
			doneChance := 0.25
			if due.Before(today) {
				doneChance = 0.8
			}
			if g.chance(doneChance) {
				day := w.Date.AddDate(0, 0, g.between(2, 12))
				if day.After(due) {
					day = due
				}
				if !day.Before(today) {
					day = lastDay
				}
				doneAt := g.at(day, 16*60+g.between(0, 90))
				if doneAt.After(created) {
					n.Done = true
					n.DoneAt = &doneAt
					n.UpdatedAt = doneAt
				}
			}
			g.plan.NextSteps = append(g.plan.NextSteps, n)
		}
	}
}

// action picks an action for the dimension of key, one not yet used.
func (g *gen) action(key string, used []string) string {
	bank := genericActions
	if _, dim, ok := g.plan.RubricVersion.Indicator(key); ok {
		if b, ok := nextStepActions[dim]; ok {
			bank = b
		}
	}
	var fresh []string
	for _, a := range bank {
		if !slices.Contains(used, a) {
			fresh = append(fresh, a)
		}
	}
	if len(fresh) == 0 {
		fresh = genericActions
	}
	return pick(g, fresh)
}
