package domain

import (
	"slices"
	"sort"
	"time"
)

// Framework is a rubric seen from where it applies. The district's main
// framework applies at every school and kind; any other applies where an
// assignment of its time covers the school and kind. A retired framework
// takes no new observations; what was scored with it stays.
type Framework struct {
	ID          string
	DistrictID  string
	Name        string // the newest version's name
	Main        bool
	RetiredAt   *time.Time
	Rev         int64 // moves on with each assignment, roll-back and retirement
	Versions    []RubricVersionSummary
	Assignments []Assignment // rolled-back ones included, oldest first
}

// Assignment says that a framework applies at some schools for some kinds
// of walkthrough, from StartsAt until it is rolled back (EndedAt).
type Assignment struct {
	ID        string
	RubricID  string
	SchoolIDs []string          // empty: every school
	Kinds     []WalkthroughKind // empty: every kind
	StartsAt  time.Time
	EndedAt   *time.Time
	CreatedBy string
}

// Validate checks the assignment's shape.
func (a Assignment) Validate() error {
	var p Problems
	for i, id := range a.SchoolIDs {
		if !ValidID(id) {
			p.Add("school_ids["+itoa(i)+"]", "must be a UUID")
		}
	}
	for i, k := range a.Kinds {
		if !k.Valid() {
			p.Add("kinds["+itoa(i)+"]", "%q is not a kind of walkthrough", string(k))
		}
	}
	return p.Err("the assignment is not valid")
}

// ActiveAt reports whether the assignment held at t.
func (a Assignment) ActiveAt(t time.Time) bool {
	return !t.Before(a.StartsAt) && (a.EndedAt == nil || t.Before(*a.EndedAt))
}

// Covers reports whether the assignment names the school and the kind.
func (a Assignment) Covers(schoolID string, kind WalkthroughKind) bool {
	return (len(a.SchoolIDs) == 0 || slices.Contains(a.SchoolIDs, schoolID)) &&
		(len(a.Kinds) == 0 || slices.Contains(a.Kinds, kind))
}

// Published reports whether the framework has a published version.
func (f Framework) Published() bool {
	return slices.ContainsFunc(f.Versions, func(v RubricVersionSummary) bool { return v.Status == RubricPublished })
}

// RetiredBy reports whether the framework was retired at t.
func (f Framework) RetiredBy(t time.Time) bool {
	return f.RetiredAt != nil && !t.Before(*f.RetiredAt)
}

// AssignedAt is the assignment that makes the framework apply at the school
// and kind at t, the newest first; ok is false when none does. The main
// framework needs none.
func (f Framework) AssignedAt(schoolID string, kind WalkthroughKind, t time.Time) (Assignment, bool) {
	for i := len(f.Assignments) - 1; i >= 0; i-- {
		if a := f.Assignments[i]; a.ActiveAt(t) && a.Covers(schoolID, kind) {
			return a, true
		}
	}
	return Assignment{}, false
}

// AppliesAt reports whether observers may score with the framework at the
// school, for the kind, at t.
func (f Framework) AppliesAt(schoolID string, kind WalkthroughKind, t time.Time) bool {
	if f.RetiredBy(t) {
		return false
	}
	if f.Main {
		return true
	}
	_, ok := f.AssignedAt(schoolID, kind, t)
	return ok
}

// Applicable lists the frameworks that apply at the school and kind at t,
// in the order a tablet offers them: those assigned there first, the most
// recently assigned first, and the main framework last.
func Applicable(fs []Framework, schoolID string, kind WalkthroughKind, t time.Time) []Framework {
	type pick struct {
		f     Framework
		since time.Time
	}
	var picks []pick
	for _, f := range fs {
		if !f.Published() || !f.AppliesAt(schoolID, kind, t) {
			continue
		}
		p := pick{f: f}
		if a, ok := f.AssignedAt(schoolID, kind, t); ok {
			p.since = a.StartsAt
		}
		picks = append(picks, p)
	}
	sort.SliceStable(picks, func(i, j int) bool {
		if picks[i].f.Main != picks[j].f.Main {
			return !picks[i].f.Main
		}
		return picks[i].since.After(picks[j].since)
	})
	out := make([]Framework, len(picks))
	for i, p := range picks {
		out[i] = p.f
	}
	return out
}
