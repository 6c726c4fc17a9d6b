package visits

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// Debrief is one walkthrough's submitted observations put together: who
// has synced, and per indicator and per classroom how far apart the team's
// levels were, with the evidence side by side and the focus first.
type Debrief struct {
	WalkthroughID string    `json:"walkthrough_id"`
	Rev           int64     `json:"rev"`
	SchoolID      string    `json:"school_id"`
	SchoolName    string    `json:"school_name"`
	Date          string    `json:"date"`
	Kind          string    `json:"kind"`
	LeadID        string    `json:"lead_id"`
	Focus         []string  `json:"focus"`
	DebriefNotes  string    `json:"debrief_notes"`
	GeneratedAt   time.Time `json:"generated_at"`
	// RubricID is the framework whose scores the figures read: one at a
	// time. Frameworks are those the visit's submitted observations were
	// scored with; where more than one, the caller may ask for another.
	RubricID   string                 `json:"rubric_id"`
	Frameworks []CalibrationFramework `json:"frameworks"`
	Levels     []domain.Level         `json:"levels"`
	// TeachersShown is false when the caller may read the school's evidence
	// but not which teacher it is about: classrooms are then numbered.
	TeachersShown bool               `json:"teachers_shown"`
	Observations  int                `json:"observations"`
	Waiting       int                `json:"waiting"`
	Members       []DebriefMember    `json:"members"`
	Indicators    []DebriefIndicator `json:"indicators"`
	Classrooms    []DebriefClassroom `json:"classrooms"`
	NextSteps     []NextStepItem     `json:"next_steps"`
}

// Member statuses in a debrief.
const (
	MemberSubmitted  = "submitted"   // at least one submitted observation is in
	MemberDraftsOnly = "drafts_only" // drafts synced, nothing submitted yet
	MemberNotSynced  = "not_synced"  // nothing of this walkthrough has reached the server
)

// DebriefMember is one person on the team and what of theirs has arrived.
type DebriefMember struct {
	UserID       string     `json:"user_id"`
	Name         string     `json:"name"`
	Lead         bool       `json:"lead"`
	Submitted    int        `json:"submitted"`
	Drafts       int        `json:"drafts"`
	Status       string     `json:"status"`
	LastSyncedAt *time.Time `json:"last_synced_at"`
	// SyncedSinceVisit says whether any of the member's devices synced on or
	// after the day of the visit.
	SyncedSinceVisit bool `json:"synced_since_visit"`
}

// DebriefIndicator is one indicator over the whole visit: the pooled
// agreement, the widest spread in any classroom and how many classrooms
// scored it.
type DebriefIndicator struct {
	Key        string `json:"key"`
	Name       string `json:"name"`
	Dimension  string `json:"dimension"`
	Focus      bool   `json:"focus"`
	Classrooms int    `json:"classrooms"`
	Agreement
}

// DebriefClassroom is one classroom visit: every submitted observation of
// the same teacher in this walkthrough.
type DebriefClassroom struct {
	Key          string                `json:"key"`
	TeacherID    string                `json:"teacher_id,omitempty"`
	Label        string                `json:"label"`
	Grade        string                `json:"grade,omitempty"`
	Subject      string                `json:"subject,omitempty"`
	MaxSpread    *int                  `json:"max_spread"`
	Observations []DebriefObservation  `json:"observations"`
	Indicators   []ClassroomIndicator  `json:"indicators"`
	levels       map[string]*indLevels `json:"-"`
}

// DebriefObservation is one member's observation of a classroom.
type DebriefObservation struct {
	ID           string     `json:"id"`
	Rev          int64      `json:"rev"`
	ObserverID   string     `json:"observer_id"`
	ObserverName string     `json:"observer_name"`
	StartedAt    time.Time  `json:"started_at"`
	SubmittedAt  *time.Time `json:"submitted_at"`
	Evidence     string     `json:"evidence"`
}

// ClassroomIndicator is one indicator in one classroom: each observer's
// level and evidence side by side, and how far apart they were.
type ClassroomIndicator struct {
	Key   string          `json:"key"`
	Name  string          `json:"name"`
	Focus bool            `json:"focus"`
	Marks []ObserverLevel `json:"marks"`
	Agreement
}

// ObserverLevel is one observer's level ("not observed" when null) and
// evidence for an indicator.
type ObserverLevel struct {
	ObservationID string `json:"observation_id"`
	ObserverID    string `json:"observer_id"`
	ObserverName  string `json:"observer_name"`
	Level         *int   `json:"level"`
	Evidence      string `json:"evidence"`
}

type indLevels struct {
	levels      []int
	notObserved int
	marks       []ObserverLevel
}

var errNoDebrief = domain.Errorf(domain.ENotFound, "walkthrough not found")

// Debrief puts together the submitted observations of one walkthrough for
// its team and the leaders of its school. It reads the database afresh on
// every call, so observations that sync late appear the next time it is
// asked.
func (s *Service) Debrief(ctx context.Context, p auth.Principal, id, rubricID string) (Debrief, error) {
	if !domain.ValidID(id) {
		return Debrief{}, errNoDebrief
	}
	if rubricID != "" && !domain.ValidID(rubricID) {
		return Debrief{}, domain.Invalid("the debrief query is not valid", domain.FieldError{Field: "rubric_id", Message: "must be an id"})
	}
	rec, err := s.store.Debrief(ctx, p.DistrictID(), id)
	if domain.ErrorCode(err) == domain.ENotFound {
		return Debrief{}, errNoDebrief
	}
	if err != nil {
		return Debrief{}, err
	}
	w := rec.Walkthrough
	if !p.ReadsWalkthrough(w) {
		return Debrief{}, errNoDebrief
	}
	d, err := s.store.District(ctx, p.DistrictID())
	if err != nil {
		return Debrief{}, err
	}
	now := s.store.Now()
	onTeam := w.LeadID == p.User.ID || slices.Contains(w.Team, p.User.ID)
	out := Debrief{WalkthroughID: w.ID, Rev: w.Rev, SchoolID: w.SchoolID, SchoolName: rec.School.Name, Date: w.Date.Format(time.DateOnly),
		Kind: string(w.Kind), LeadID: w.LeadID, Focus: orEmpty(w.Focus), DebriefNotes: w.DebriefNotes, GeneratedAt: now,
		Levels: rec.Rubric.Levels, TeachersShown: onTeam || p.TeacherScope().HasSchool(w.SchoolID),
		Members: []DebriefMember{}, Indicators: []DebriefIndicator{}, Classrooms: []DebriefClassroom{}, NextSteps: []NextStepItem{}}
	name := func(userID string) string {
		if u, ok := rec.Users[userID]; ok {
			return u.Name
		}
		return "Former user"
	}

	// Who has synced what.
	visitStart := time.Date(w.Date.Year(), w.Date.Month(), w.Date.Day(), 0, 0, 0, 0, d.Location())
	team := []string{w.LeadID}
	for _, m := range w.Team {
		if !slices.Contains(team, m) {
			team = append(team, m)
		}
	}
	for _, m := range team {
		mem := DebriefMember{UserID: m, Name: name(m), Lead: m == w.LeadID}
		for _, o := range rec.Observations {
			if o.ObserverID != m {
				continue
			}
			if o.Status == domain.ObservationSubmitted {
				mem.Submitted++
			} else {
				mem.Drafts++
			}
		}
		if t, ok := rec.LastSynced[m]; ok {
			mem.LastSyncedAt = &t
			mem.SyncedSinceVisit = !t.Before(visitStart)
		}
		switch {
		case mem.Submitted > 0:
			mem.Status = MemberSubmitted
		case mem.Drafts > 0:
			mem.Status = MemberDraftsOnly
		default:
			mem.Status = MemberNotSynced
		}
		if mem.Status != MemberSubmitted {
			out.Waiting++
		}
		out.Members = append(out.Members, mem)
	}

	// One framework at a time: the one asked; else the main framework
	// when the visit has scores with it, else the walkthrough's own.
	versions := map[string]domain.RubricVersion{rec.Rubric.ID: rec.Rubric}
	framesWithData := map[string]bool{}
	for _, o := range rec.Observations {
		if o.Status != domain.ObservationSubmitted {
			continue
		}
		v, ok := versions[o.RubricVersionID]
		if !ok {
			if v, err = s.store.RubricVersion(ctx, p.DistrictID(), o.RubricVersionID); err != nil {
				return Debrief{}, err
			}
			versions[v.ID] = v
		}
		framesWithData[v.RubricID] = true
	}
	fs, err := s.store.Frameworks(ctx, p.DistrictID(), false)
	if err != nil {
		return Debrief{}, err
	}
	out.Frameworks = []CalibrationFramework{}
	known := false
	for _, f := range fs {
		known = known || f.ID == rubricID
		if framesWithData[f.ID] {
			out.Frameworks = append(out.Frameworks, CalibrationFramework{ID: f.ID, Name: f.Name, Main: f.Main})
			if rubricID == "" && f.Main {
				out.RubricID = f.ID
			}
		}
	}
	if rubricID != "" && !known {
		return Debrief{}, domain.Errorf(domain.ENotFound, "framework not found")
	}
	switch {
	case rubricID != "":
		out.RubricID = rubricID
	case out.RubricID == "":
		out.RubricID = rec.Rubric.RubricID
	}
	// The framework's words and levels: the walkthrough's version when it is
	// of that framework, else the newest version its observations used.
	shape := rec.Rubric
	if shape.RubricID != out.RubricID {
		shape = domain.RubricVersion{}
		for _, v := range versions {
			if v.RubricID == out.RubricID && v.Version > shape.Version {
				shape = v
			}
		}
		out.Levels = shape.Levels
		if out.Levels == nil {
			out.Levels = []domain.Level{}
		}
	}

	// Classrooms: the submitted observations of each teacher scored with
	// the framework, in the order the team first walked in.
	var submitted []domain.Observation
	for _, o := range rec.Observations {
		if o.Status == domain.ObservationSubmitted && versions[o.RubricVersionID].RubricID == out.RubricID {
			submitted = append(submitted, o)
		}
	}
	sort.SliceStable(submitted, func(i, j int) bool {
		if !submitted[i].CountedAt.Equal(submitted[j].CountedAt) {
			return submitted[i].CountedAt.Before(submitted[j].CountedAt)
		}
		return submitted[i].ID < submitted[j].ID
	})
	out.Observations = len(submitted)
	order := indicatorOrder(shape, w.Focus)
	rooms := map[string]*DebriefClassroom{}
	var roomOrder []string
	for _, o := range submitted {
		room, ok := rooms[o.TeacherID]
		if !ok {
			room = &DebriefClassroom{Key: o.TeacherID, Grade: o.Grade, Subject: o.Subject, levels: map[string]*indLevels{},
				Observations: []DebriefObservation{}, Indicators: []ClassroomIndicator{}}
			rooms[o.TeacherID] = room
			roomOrder = append(roomOrder, o.TeacherID)
			room.Label = "Classroom " + strconv.Itoa(len(roomOrder))
			if out.TeachersShown {
				room.TeacherID = o.TeacherID
				if t, ok := rec.Teachers[o.TeacherID]; ok {
					room.Label = t.DisplayName()
				}
			} else {
				room.Key = "classroom-" + strconv.Itoa(len(roomOrder))
			}
		}
		room.Observations = append(room.Observations, DebriefObservation{ID: o.ID, Rev: o.Rev, ObserverID: o.ObserverID,
			ObserverName: name(o.ObserverID), StartedAt: o.StartedAt, SubmittedAt: o.SubmittedAt, Evidence: o.Evidence})
		for _, sc := range o.Scores {
			l := room.levels[sc.IndicatorKey]
			if l == nil {
				l = &indLevels{}
				room.levels[sc.IndicatorKey] = l
			}
			if sc.Level == nil {
				l.notObserved++
			} else {
				l.levels = append(l.levels, *sc.Level)
			}
			l.marks = append(l.marks, ObserverLevel{ObservationID: o.ID, ObserverID: o.ObserverID, ObserverName: name(o.ObserverID),
				Level: sc.Level, Evidence: sc.Evidence})
		}
	}
	byKey := map[string][]Agreement{}
	roomsScoring := map[string]int{}
	for _, key := range roomOrder {
		room := rooms[key]
		for _, ind := range order {
			l := room.levels[ind.key]
			if l == nil {
				continue
			}
			a := levelsAgreement(l.levels, l.notObserved)
			room.Indicators = append(room.Indicators, ClassroomIndicator{Key: ind.key, Name: ind.name, Focus: ind.focus, Marks: l.marks, Agreement: a})
			byKey[ind.key] = append(byKey[ind.key], a)
			if a.Scores > 0 {
				roomsScoring[ind.key]++
			}
			if a.Spread != nil && (room.MaxSpread == nil || *a.Spread > *room.MaxSpread) {
				sp := *a.Spread
				room.MaxSpread = &sp
			}
		}
		out.Classrooms = append(out.Classrooms, *room)
	}
	for _, ind := range order {
		parts, ok := byKey[ind.key]
		if !ok && !ind.focus {
			continue
		}
		out.Indicators = append(out.Indicators, DebriefIndicator{Key: ind.key, Name: ind.name, Dimension: ind.dimension, Focus: ind.focus,
			Classrooms: roomsScoring[ind.key], Agreement: pool(parts)})
	}

	today := localDay(now, d.Location())
	for _, n := range rec.NextSteps {
		out.NextSteps = append(out.NextSteps, nextStepItem(n, name(n.OwnerID), today))
	}
	return out, nil
}

type indicatorRef struct {
	key, name, dimension string
	focus                bool
}

// indicatorOrder is the rubric's indicators with the focus first, in the
// order the walkthrough names them.
func indicatorOrder(v domain.RubricVersion, focus []string) []indicatorRef {
	var out []indicatorRef
	for _, key := range focus {
		if ind, dim, ok := v.Indicator(key); ok {
			out = append(out, indicatorRef{key: key, name: ind.Name, dimension: dim, focus: true})
		}
	}
	for _, d := range v.Dimensions {
		for _, ind := range d.Indicators {
			if !slices.Contains(focus, ind.Key) {
				out = append(out, indicatorRef{key: ind.Key, name: ind.Name, dimension: d.Key})
			}
		}
	}
	return out
}

func orEmpty(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// localDay is the calendar day of t in loc, as midnight UTC (how dates are
// stored).
func localDay(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}
