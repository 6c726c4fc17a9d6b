package sync

import (
	"context"
	"slices"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Pull page sizes.
const (
	DefaultPullLimit = 500
	MaxPullLimit     = 2000
)

// Pull answers what changed after the cursor that the caller may see, in
// commit order: the caller's schools and their teachers, published rubric
// versions, the walkthroughs, follow-ups, cycles and next steps that are
// theirs, their own observations and others' submitted observations of
// the teachers of the open cycles they run and whose teachers they see
// (auth.KeepsCycleObservations), tombstones included. An empty cursor
// starts a new device's snapshot (see snapshot). A cursor this database
// cannot vouch for (see cursor) is answered with an EGone error.
func (s *Service) Pull(ctx context.Context, p auth.Principal, raw string, limit int) (PullResponse, error) {
	c, err := decodeCursor(raw)
	if err != nil {
		return PullResponse{}, err
	}
	if limit <= 0 {
		limit = DefaultPullLimit
	}
	if limit > MaxPullLimit {
		limit = MaxPullLimit
	}
	database, err := s.databaseID(ctx)
	if err != nil {
		return PullResponse{}, err
	}
	if raw != "" {
		if err := s.checkOrigin(p, c, database); err != nil {
			return PullResponse{}, err
		}
	}
	if raw == "" || c.key.Entity != "" {
		return s.snapshot(ctx, p, c, raw == "", database, limit)
	}
	// The next cursor names the horizon as it was before the page was read,
	// so that a compaction while the page is read is never taken for one
	// the page already reflects. From the start it is read first; after a
	// position it is read with the position once the page is read, and a
	// compaction that removed tombstones after the cursor in between has
	// moved it by then.
	//
	// A cursor with a window but no key was given by a server that read a
	// snapshot from the change log: its pages go on filtering by the window.
	next := cursor{version: 2, database: database, scope: p.ScopeFingerprint(), seq: c.seq, record: c.record, window: c.window}
	if c.seq == 0 {
		if next.horizon, err = s.store.ChangeHorizon(ctx, p.DistrictID()); err != nil {
			return PullResponse{}, err
		}
	}
	changes, err := s.store.ChangesAfter(ctx, p.Scope(), c.seq, limit)
	if err != nil {
		return PullResponse{}, err
	}
	if c.seq > 0 {
		if next.horizon, err = s.checkPosition(ctx, p, c); err != nil {
			return PullResponse{}, err
		}
	}
	if len(changes) > 0 {
		next.seq, next.record = changes[len(changes)-1].Seq, changes[len(changes)-1].RecordID
	}
	more := len(changes) == limit
	win := next.window
	if !more {
		// The snapshot is complete: later pulls deliver every change the
		// caller may see, whatever its age.
		next.window = time.Time{}
	}
	out := PullResponse{Changes: []Record{}, Cursor: next.encode(), More: more}
	if len(changes) == 0 {
		return out, nil
	}

	// The newest entry of each record in the page decides; older ones in the
	// same page are superseded.
	last := map[string]int{}
	for i, c := range changes {
		last[c.RecordID] = i
	}
	ids := map[string][]string{}
	for i, c := range changes {
		if last[c.RecordID] == i {
			ids[c.Entity] = append(ids[c.Entity], c.RecordID)
		}
	}
	records := map[string]Record{}
	var brought []Record
	err = s.store.ReadTx(ctx, func(tx *store.Tx) error {
		var d domain.District
		if !win.IsZero() || len(ids[EntityCycle]) > 0 {
			var err error
			if d, err = tx.District(ctx, p.DistrictID()); err != nil {
				return err
			}
		}
		w := window{}
		if !win.IsZero() {
			w = windowFor(win, d)
		}
		if err := s.load(ctx, tx, p, ids, w, records); err != nil {
			return err
		}
		if len(ids[EntityCycle]) == 0 {
			return nil
		}
		var err error
		brought, err = cycleBrings(ctx, tx, p, ids[EntityCycle], records, d.SchoolYearStart(s.now()))
		return err
	})
	if err != nil {
		return PullResponse{}, err
	}
	for i, c := range changes {
		if last[c.RecordID] != i {
			continue
		}
		if r, ok := records[c.RecordID]; ok {
			out.Changes = append(out.Changes, r)
		}
	}
	out.Changes = append(out.Changes, brought...)
	return out, nil
}

// cycleBrings answers, for the cycles of a page after the snapshot, the
// observations a device keeps because of them that the page does not
// already hold: a cycle opened, or given another teacher, brings the
// teachers' submitted observations by others since the school year began
// (since), as a snapshot would have held them. A cycle changed again
// brings them again, at their current revisions.
func cycleBrings(ctx context.Context, tx *store.Tx, p auth.Principal, cycleIDs []string, page map[string]Record, since time.Time) ([]Record, error) {
	var live []string
	for _, id := range cycleIDs {
		if r, ok := page[id]; ok && !r.Deleted {
			live = append(live, id)
		}
	}
	if len(live) == 0 {
		return nil, nil
	}
	cs, err := tx.Cycles(ctx, p.DistrictID(), live)
	if err != nil {
		return nil, err
	}
	var teachers []string
	for _, c := range cs {
		if p.KeepsCycleObservations(c) {
			teachers = append(teachers, c.TeacherIDs...)
		}
	}
	ids, err := tx.SubmittedObservationIDsOfTeachers(ctx, p.TeacherScope(), teachers, p.User.ID, since)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { _, ok := page[id]; return ok })
	os, err := tx.Observations(ctx, p.DistrictID(), ids)
	if err != nil {
		return nil, err
	}
	kept, err := cycleTeachersKept(ctx, tx, p, os)
	if err != nil {
		return nil, err
	}
	var out []Record
	for _, o := range os {
		if kept(o) && !o.Deleted {
			out = append(out, Record{Entity: EntityObservation, ID: o.ID, Rev: o.Rev, Data: observationData(o)})
		}
	}
	return out, nil
}

// load reads the records of a page and keeps those the caller may see.
// A snapshot's pages keep only what is inside its window.
func (s *Service) load(ctx context.Context, tx *store.Tx, p auth.Principal, ids map[string][]string, win window, out map[string]Record) error {
	d := p.DistrictID()
	lead := p.LeadScope()
	put := func(entity, id string, rev int64, deleted bool, data any) {
		r := Record{Entity: entity, ID: id, Rev: rev, Deleted: deleted}
		if !deleted {
			r.Data = data
		}
		out[id] = r
	}
	if len(ids[EntitySchool]) > 0 {
		schools, err := tx.SchoolsByID(ctx, d, ids[EntitySchool])
		if err != nil {
			return err
		}
		for _, sc := range schools {
			if p.Scope().HasSchool(sc.ID) {
				put(EntitySchool, sc.ID, sc.Rev, false, SchoolData{Name: sc.Name, ExternalID: sc.ExternalID, GradeBand: sc.GradeBand, Active: sc.Active})
			}
		}
	}
	if len(ids[EntityTeacher]) > 0 {
		teachers, err := tx.TeachersByID(ctx, d, ids[EntityTeacher])
		if err != nil {
			return err
		}
		sc := p.ObserveScope()
		for _, t := range teachers {
			if sc.HasSchool(t.SchoolID) {
				put(EntityTeacher, t.ID, t.Rev, false, TeacherData{SchoolID: t.SchoolID, GivenName: t.GivenName, FamilyName: t.FamilyName,
					Grades: orEmpty(t.Grades), Subjects: orEmpty(t.Subjects), Active: t.Active})
			}
		}
	}
	for _, id := range ids[EntityRubricVersion] {
		v, err := tx.RubricVersion(ctx, d, id)
		if domain.ErrorCode(err) == domain.ENotFound {
			continue
		}
		if err != nil {
			return err
		}
		if v.Status == domain.RubricPublished {
			put(EntityRubricVersion, v.ID, 1, false, RubricVersionData{RubricID: v.RubricID, Version: v.Version, Name: v.Name,
				Description: v.Description, PublishedAt: v.PublishedAt, Levels: v.Levels, Dimensions: v.Dimensions})
		}
	}
	if len(ids[EntityFramework]) > 0 {
		fs, err := tx.Frameworks(ctx, d, false)
		if err != nil {
			return err
		}
		for _, f := range fs {
			if slices.Contains(ids[EntityFramework], f.ID) {
				put(EntityFramework, f.ID, f.Rev, false, frameworkData(f, p.ObserveScope(), tx.Now()))
			}
		}
	}
	if len(ids[EntityWalkthrough]) > 0 {
		ws, err := tx.Walkthroughs(ctx, d, ids[EntityWalkthrough])
		if err != nil {
			return err
		}
		// A walkthrough before the window still goes with a draft of the
		// user's that it holds: the draft is open work.
		var older []string
		for _, w := range ws {
			if !win.walkthrough(w) {
				older = append(older, w.ID)
			}
		}
		drafts := map[string]bool{}
		if len(older) > 0 {
			if drafts, err = tx.WalkthroughsWithDrafts(ctx, d, p.User.ID, older); err != nil {
				return err
			}
		}
		for _, w := range ws {
			if (slices.Contains(w.Team, p.User.ID) || lead.HasSchool(w.SchoolID)) && (win.walkthrough(w) || drafts[w.ID]) {
				put(EntityWalkthrough, w.ID, w.Rev, w.Deleted, walkthroughData(w))
			}
		}
	}
	if len(ids[EntityObservation]) > 0 {
		os, err := tx.Observations(ctx, d, ids[EntityObservation])
		if err != nil {
			return err
		}
		kept, err := cycleTeachersKept(ctx, tx, p, os)
		if err != nil {
			return err
		}
		for _, o := range os {
			if (o.ObserverID == p.User.ID || kept(o)) && win.observation(o) {
				put(EntityObservation, o.ID, o.Rev, o.Deleted, observationData(o))
			}
		}
	}
	cycleIDs := slices.Clone(ids[EntityCycle])
	var follows []domain.FollowUp
	var acts []domain.Activity
	if len(ids[EntityFollowUp]) > 0 {
		var err error
		if follows, err = tx.FollowUps(ctx, d, ids[EntityFollowUp]); err != nil {
			return err
		}
		for _, f := range follows {
			cycleIDs = append(cycleIDs, f.CycleID)
		}
	}
	if len(ids[EntityCycleActivity]) > 0 {
		var err error
		if acts, err = tx.Activities(ctx, d, ids[EntityCycleActivity]); err != nil {
			return err
		}
		for _, a := range acts {
			cycleIDs = append(cycleIDs, a.CycleID)
		}
	}
	cycles := map[string]domain.Cycle{}
	if len(cycleIDs) > 0 {
		cs, err := tx.Cycles(ctx, d, cycleIDs)
		if err != nil {
			return err
		}
		for _, c := range cs {
			cycles[c.ID] = c
		}
	}
	runs := func(cycleID string) bool {
		c, ok := cycles[cycleID]
		return ok && p.RunsCycle(c)
	}
	for _, id := range ids[EntityCycle] {
		if c, ok := cycles[id]; ok && runs(id) && win.cycle(c) {
			put(EntityCycle, c.ID, c.Rev, c.Deleted, CycleDataOf(c))
		}
	}
	for _, f := range follows {
		if (runs(f.CycleID) || slices.Contains(f.ObserverIDs, p.User.ID)) && win.followUp(f, cycles[f.CycleID]) {
			if c, ok := cycles[f.CycleID]; !ok || !p.SeesFollowUpObservation(c, f) {
				f.ObservationID = ""
			}
			put(EntityFollowUp, f.ID, f.Rev, f.Deleted, followUpData(f))
		}
	}
	for _, a := range acts {
		if runs(a.CycleID) && win.cycle(cycles[a.CycleID]) {
			put(EntityCycleActivity, a.ID, a.Rev, a.Deleted, activityData(a))
		}
	}
	if len(ids[EntityNextStep]) > 0 {
		ns, err := tx.NextSteps(ctx, d, ids[EntityNextStep])
		if err != nil {
			return err
		}
		for _, n := range ns {
			if !win.nextStep(n) {
				continue
			}
			if n.OwnerID == p.User.ID || lead.HasSchool(n.SchoolID) || s.leads(ctx, tx, p, n.WalkthroughID) {
				put(EntityNextStep, n.ID, n.Rev, n.Deleted, nextStepData(n))
			}
		}
	}
	if len(ids[EntityFeedback]) > 0 {
		if err := loadFeedback(ctx, tx, p, ids[EntityFeedback], win, put); err != nil {
			return err
		}
	}
	if len(ids[EntitySupportRequest]) > 0 {
		rs, err := tx.SupportRequests(ctx, d, ids[EntitySupportRequest])
		if err != nil {
			return err
		}
		for _, r := range rs {
			if p.SeesSupportRequest(r) {
				put(EntitySupportRequest, r.ID, r.Rev, r.Deleted, SupportRequestDataFor(p, r))
			}
		}
	}
	return nil
}

// cycleTeachersKept answers which of the observations by others the
// caller's device keeps: submitted ones (or their tombstones) of a teacher
// of a cycle whose teachers' observations the caller keeps
// (auth.KeepsCycleObservations), at a school whose teachers the caller sees.
func cycleTeachersKept(ctx context.Context, tx *store.Tx, p auth.Principal, os []domain.Observation) (func(domain.Observation) bool, error) {
	sees := p.TeacherScope()
	var teachers []string
	for _, o := range os {
		if o.ObserverID != p.User.ID && o.Status == domain.ObservationSubmitted && sees.HasSchool(o.SchoolID) && !slices.Contains(teachers, o.TeacherID) {
			teachers = append(teachers, o.TeacherID)
		}
	}
	cs, err := tx.OpenCyclesOfTeachers(ctx, p.DistrictID(), teachers)
	if err != nil {
		return nil, err
	}
	keeps := map[string]bool{}
	for _, c := range cs {
		if p.KeepsCycleObservations(c) {
			for _, t := range c.TeacherIDs {
				keeps[t] = true
			}
		}
	}
	return func(o domain.Observation) bool {
		return o.ObserverID != p.User.ID && o.Status == domain.ObservationSubmitted && sees.HasSchool(o.SchoolID) && keeps[o.TeacherID]
	}, nil
}

// SchoolData is a school as devices receive it.
type SchoolData struct {
	Name       string `json:"name"`
	ExternalID string `json:"external_id,omitempty"`
	GradeBand  string `json:"grade_band,omitempty"`
	Active     bool   `json:"active"`
}

// TeacherData is a teacher as devices receive it.
type TeacherData struct {
	SchoolID   string   `json:"school_id"`
	GivenName  string   `json:"given_name"`
	FamilyName string   `json:"family_name"`
	Grades     []string `json:"grades"`
	Subjects   []string `json:"subjects"`
	Active     bool     `json:"active"`
}

// RubricVersionData is a published rubric version as devices receive it.
type RubricVersionData struct {
	RubricID    string             `json:"rubric_id"`
	Version     int                `json:"version"`
	Name        string             `json:"name"`
	Description string             `json:"description,omitempty"`
	PublishedAt *time.Time         `json:"published_at,omitempty"`
	Levels      []domain.Level     `json:"levels"`
	Dimensions  []domain.Dimension `json:"dimensions"`
}

// CycleData is a cycle of support as devices receive it.
type CycleData struct {
	SchoolID          string   `json:"school_id"`
	CoachID           string   `json:"coach_id"`
	TeacherIDs        []string `json:"teacher_ids"`
	FocusIndicatorKey string   `json:"focus_indicator_key"`
	FocusShift        string   `json:"focus_shift,omitempty"`
	Status            string   `json:"status"`
	Outcome           string   `json:"outcome,omitempty"`
	OutcomeEvidence   string   `json:"outcome_evidence,omitempty"`
	StartedOn         *Date    `json:"started_on,omitempty"`
	EndedOn           *Date    `json:"ended_on,omitempty"`
}

// FrameworkData is a framework on the wire: whether it is the district's
// main one, whether it is retired, and the assignments in force that reach
// the caller's schools, each naming only schools the caller observes at.
type FrameworkData struct {
	Name        string           `json:"name"`
	Main        bool             `json:"main"`
	RetiredAt   *time.Time       `json:"retired_at,omitempty"`
	Assignments []AssignmentData `json:"assignments"`
}

// AssignmentData is one assignment in force: empty lists mean every school
// or every kind.
type AssignmentData struct {
	ID        string    `json:"id"`
	SchoolIDs []string  `json:"school_ids"`
	Kinds     []string  `json:"kinds"`
	StartsAt  time.Time `json:"starts_at"`
}

func frameworkData(f domain.Framework, sc domain.Scope, now time.Time) FrameworkData {
	d := FrameworkData{Name: f.Name, Main: f.Main, RetiredAt: f.RetiredAt, Assignments: []AssignmentData{}}
	for _, a := range f.Assignments {
		if a.EndedAt != nil && !now.Before(*a.EndedAt) {
			continue
		}
		schools := []string{}
		for _, id := range a.SchoolIDs {
			if sc.HasSchool(id) {
				schools = append(schools, id)
			}
		}
		if len(a.SchoolIDs) > 0 && len(schools) == 0 {
			continue
		}
		kinds := []string{}
		for _, k := range a.Kinds {
			kinds = append(kinds, string(k))
		}
		d.Assignments = append(d.Assignments, AssignmentData{ID: a.ID, SchoolIDs: schools, Kinds: kinds, StartsAt: a.StartsAt})
	}
	return d
}
