package sync

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

func itoa(i int) string { return strconv.Itoa(i) }

// existing loads the record a change names, in the caller's district. When
// there is none there and the id is a record of another district, the
// change is refused before anything of that record is read: district
// first, then scope, then revision.
func existing[T any](ctx context.Context, tx *store.Tx, p auth.Principal, c Change,
	load func(ctx context.Context, districtID string, ids []string) ([]T, error)) (cur T, exists bool, _ error) {
	found, err := load(ctx, p.DistrictID(), []string{c.ID})
	if err != nil {
		return cur, false, err
	}
	if len(found) > 0 {
		return found[0], true, nil
	}
	foreign, err := tx.ForeignIDs(ctx, c.Entity, p.DistrictID(), []string{c.ID})
	if err != nil {
		return cur, false, err
	}
	if foreign[c.ID] {
		return cur, false, notYours()
	}
	return cur, false, nil
}

// notYours refuses a change to a record the caller may not change, and
// says nothing of it.
func notYours() error { return forbidden("this record is not one you may change") }

// WalkthroughData is a walkthrough on the wire.
type WalkthroughData struct {
	SchoolID        string   `json:"school_id"`
	RubricVersionID string   `json:"rubric_version_id"`
	Kind            string   `json:"kind"`
	Date            Date     `json:"date"`
	LeadID          string   `json:"lead_id,omitempty"`
	Team            []string `json:"team"`
	Focus           []string `json:"focus"`
	DebriefNotes    string   `json:"debrief_notes,omitempty"`
}

func walkthroughData(w domain.Walkthrough) WalkthroughData {
	return WalkthroughData{SchoolID: w.SchoolID, RubricVersionID: w.RubricVersionID, Kind: string(w.Kind), Date: Date{w.Date},
		LeadID: w.LeadID, Team: orEmpty(w.Team), Focus: orEmpty(w.Focus), DebriefNotes: w.DebriefNotes}
}

func orEmpty(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func (s *Service) applyWalkthrough(ctx context.Context, tx *store.Tx, p auth.Principal, deviceID string, c Change) (int64, error) {
	cur, exists, err := existing(ctx, tx, p, c, tx.Walkthroughs)
	if err != nil {
		return 0, err
	}
	if exists {
		if !p.ChangesWalkthrough(cur) {
			return 0, forbidden("only the walkthrough's lead may change it")
		}
	}
	if err := checkRev(c, exists, cur.Deleted, cur.Rev, func() *Record {
		return &Record{Entity: EntityWalkthrough, ID: cur.ID, Rev: cur.Rev, Deleted: cur.Deleted, Data: walkthroughData(cur)}
	}); err != nil {
		return 0, err
	}
	if c.Op == OpDelete {
		cur.Deleted, cur.Rev = true, cur.Rev+1
		return cur.Rev, tx.PutWalkthrough(ctx, cur)
	}
	var d WalkthroughData
	if err := decodeData(c.Data, &d); err != nil {
		return 0, err
	}
	if d.LeadID == "" {
		d.LeadID = p.User.ID
		if exists {
			d.LeadID = cur.LeadID
		}
	}
	if !exists && d.LeadID != p.User.ID && !p.IsAdmin() {
		return 0, rejected("data.lead_id", "a new walkthrough is led by the person who starts it")
	}
	w := domain.Walkthrough{ID: c.ID, DistrictID: p.DistrictID(), SchoolID: d.SchoolID, RubricVersionID: d.RubricVersionID,
		Kind: domain.WalkthroughKind(d.Kind), Date: d.Date.Time, LeadID: d.LeadID, Team: d.Team, Focus: d.Focus,
		DebriefNotes: d.DebriefNotes, DeviceID: deviceID, Rev: cur.Rev + 1}
	if err := w.Validate(); err != nil {
		return 0, err
	}
	if !p.ObserveScope().HasSchool(w.SchoolID) {
		return 0, refuse(StatusRejected, "out_of_scope", "data.school_id", "the school is not one you observe at")
	}
	v, err := tx.RubricVersion(ctx, p.DistrictID(), w.RubricVersionID)
	if domain.ErrorCode(err) == domain.ENotFound || (err == nil && v.Status != domain.RubricPublished) {
		return 0, refuse(StatusRejected, "unknown_rubric", "data.rubric_version_id", "no such published rubric version in this district")
	}
	if err != nil {
		return 0, err
	}
	for i, key := range w.Focus {
		if _, _, ok := v.Indicator(key); !ok {
			return 0, rejected("data.focus["+itoa(i)+"]", "%q is not an indicator of the rubric", key)
		}
	}
	for i, id := range append([]string{w.LeadID}, w.Team...) {
		u, err := tx.UserRecord(ctx, id)
		if domain.ErrorCode(err) == domain.ENotFound || (err == nil && u.DistrictID != p.DistrictID()) {
			field := "data.lead_id"
			if i > 0 {
				field = "data.team[" + itoa(i-1) + "]"
			}
			return 0, refuse(StatusRejected, "out_of_scope", field, "no such user in this district")
		}
		if err != nil {
			return 0, err
		}
	}
	return w.Rev, tx.PutWalkthrough(ctx, w)
}

// NextStepData is a next step on the wire.
type NextStepData struct {
	WalkthroughID string `json:"walkthrough_id,omitempty"`
	SchoolID      string `json:"school_id"`
	OwnerID       string `json:"owner_id"`
	Action        string `json:"action"`
	DueOn         *Date  `json:"due_on,omitempty"`
	IndicatorKey  string `json:"indicator_key,omitempty"`
	Done          bool   `json:"done"`
}

func nextStepData(n domain.NextStep) NextStepData {
	return NextStepData{WalkthroughID: n.WalkthroughID, SchoolID: n.SchoolID, OwnerID: n.OwnerID, Action: n.Action,
		DueOn: toDate(n.DueOn), IndicatorKey: n.IndicatorKey, Done: n.Done}
}

func (s *Service) applyNextStep(ctx context.Context, tx *store.Tx, p auth.Principal, deviceID string, c Change) (int64, error) {
	cur, exists, err := existing(ctx, tx, p, c, tx.NextSteps)
	if err != nil {
		return 0, err
	}
	if exists {
		if cur.OwnerID != p.User.ID && !p.LeadScope().HasSchool(cur.SchoolID) && !s.leads(ctx, tx, p, cur.WalkthroughID) {
			return 0, forbidden("only the owner, the walkthrough's lead or the school's leaders may change a next step")
		}
	}
	if err := checkRev(c, exists, cur.Deleted, cur.Rev, func() *Record {
		return &Record{Entity: EntityNextStep, ID: cur.ID, Rev: cur.Rev, Deleted: cur.Deleted, Data: nextStepData(cur)}
	}); err != nil {
		return 0, err
	}
	if c.Op == OpDelete {
		cur.Deleted, cur.Rev = true, cur.Rev+1
		return cur.Rev, tx.PutNextStep(ctx, cur)
	}
	var d NextStepData
	if err := decodeData(c.Data, &d); err != nil {
		return 0, err
	}
	n := domain.NextStep{ID: c.ID, DistrictID: p.DistrictID(), WalkthroughID: d.WalkthroughID, SchoolID: d.SchoolID, OwnerID: d.OwnerID,
		Action: d.Action, DueOn: datePtr(d.DueOn), IndicatorKey: d.IndicatorKey, Done: d.Done, DeviceID: deviceID, Rev: cur.Rev + 1}
	if exists && cur.Done && n.Done {
		n.DoneAt = cur.DoneAt
	}
	if err := n.Validate(); err != nil {
		return 0, err
	}
	if !p.ObserveScope().HasSchool(n.SchoolID) && !(exists && cur.OwnerID == p.User.ID && cur.SchoolID == n.SchoolID) {
		return 0, refuse(StatusRejected, "out_of_scope", "data.school_id", "the school is not one of yours")
	}
	owner, err := tx.UserRecord(ctx, n.OwnerID)
	if domain.ErrorCode(err) == domain.ENotFound || (err == nil && owner.DistrictID != p.DistrictID()) {
		return 0, refuse(StatusRejected, "out_of_scope", "data.owner_id", "no such user in this district")
	}
	if err != nil {
		return 0, err
	}
	if !worksAt(owner, n.SchoolID) {
		return 0, refuse(StatusRejected, "out_of_scope", "data.owner_id", "the owner does not work at this school, so their devices would never receive the next step")
	}
	if n.WalkthroughID != "" {
		w, err := tx.Walkthrough(ctx, p.DistrictID(), n.WalkthroughID)
		if domain.ErrorCode(err) == domain.ENotFound || (err == nil && w.SchoolID != n.SchoolID) {
			return 0, rejected("data.walkthrough_id", "no such walkthrough at this school")
		}
		if err != nil {
			return 0, err
		}
	}
	return n.Rev, tx.PutNextStep(ctx, n)
}

// worksAt reports whether u holds a role at the school (or over the whole
// district), so that their devices receive the school's records.
func worksAt(u domain.User, schoolID string) bool {
	for _, g := range u.Grants {
		if g.Role.DistrictWide() || g.SchoolID == schoolID {
			return true
		}
	}
	return false
}

func (s *Service) leads(ctx context.Context, tx *store.Tx, p auth.Principal, walkthroughID string) bool {
	if walkthroughID == "" {
		return false
	}
	w, err := tx.Walkthrough(ctx, p.DistrictID(), walkthroughID)
	return err == nil && w.LeadID == p.User.ID
}

// ActivityData is a support activity on the wire.
type ActivityData struct {
	CycleID    string `json:"cycle_id"`
	Kind       string `json:"kind"`
	OccurredOn Date   `json:"occurred_on"`
	Notes      string `json:"notes,omitempty"`
	AuthorID   string `json:"author_id,omitempty"`
}

func activityData(a domain.Activity) ActivityData {
	return ActivityData{CycleID: a.CycleID, Kind: string(a.Kind), OccurredOn: Date{a.OccurredOn}, Notes: a.Notes, AuthorID: a.AuthorID}
}

// cycleFor loads the cycle a change points at and says whether the caller
// runs it (its coach, a district administrator or the school's leaders).
func cycleFor(ctx context.Context, tx *store.Tx, p auth.Principal, cycleID, field string) (domain.Cycle, bool, error) {
	if !domain.ValidID(cycleID) {
		return domain.Cycle{}, false, rejected(field, "must name a cycle of support")
	}
	cs, err := tx.Cycles(ctx, p.DistrictID(), []string{cycleID})
	if err != nil {
		return domain.Cycle{}, false, err
	}
	if len(cs) == 0 || cs[0].Deleted {
		return domain.Cycle{}, false, refuse(StatusRejected, "out_of_scope", field, "no such cycle of support")
	}
	c := cs[0]
	runs := p.RunsCycle(c)
	return c, runs, nil
}

// cycleChange reads a change to a record that lives in a cycle of support
// (an activity or a follow-up). Scope comes before revision: for a record
// that exists, may (given the record's cycle and whether the caller runs
// it) says whether the caller may change it at all, and a caller who may
// not learns nothing of the record, its revision included. Then it checks
// the revision, decodes the data into data (whose cycle id is at cycleID),
// keeps the record in its cycle, and returns the cycle and whether the
// caller runs it.
func cycleChange(ctx context.Context, tx *store.Tx, p auth.Principal, c Change, exists, deleted bool, rev int64, curCycle string,
	may func(cy domain.Cycle, runs bool) bool, current func() *Record, data any, cycleID *string) (domain.Cycle, bool, error) {
	if exists {
		cy, runs, err := cycleFor(ctx, tx, p, curCycle, "data.cycle_id")
		if err != nil {
			return domain.Cycle{}, false, err
		}
		if !may(cy, runs) {
			return domain.Cycle{}, false, notYours()
		}
	}
	if err := checkRev(c, exists, deleted, rev, current); err != nil {
		return domain.Cycle{}, false, err
	}
	if c.Op == OpUpsert {
		if err := decodeData(c.Data, data); err != nil {
			return domain.Cycle{}, false, err
		}
	} else {
		*cycleID = curCycle
	}
	if exists && *cycleID != curCycle {
		return domain.Cycle{}, false, rejected("data.cycle_id", "a record stays in the cycle it was made in")
	}
	return cycleFor(ctx, tx, p, *cycleID, "data.cycle_id")
}

func (s *Service) applyActivity(ctx context.Context, tx *store.Tx, p auth.Principal, deviceID string, c Change) (int64, error) {
	cur, exists, err := existing(ctx, tx, p, c, tx.Activities)
	if err != nil {
		return 0, err
	}
	var d ActivityData
	cy, runs, err := cycleChange(ctx, tx, p, c, exists, cur.Deleted, cur.Rev, cur.CycleID, func(_ domain.Cycle, runs bool) bool { return runs },
		func() *Record {
			return &Record{Entity: EntityCycleActivity, ID: cur.ID, Rev: cur.Rev, Deleted: cur.Deleted, Data: activityData(cur)}
		}, &d, &d.CycleID)
	if err != nil {
		return 0, err
	}
	if !runs {
		return 0, forbidden("only the cycle's coach or the school's leaders may log its activities")
	}
	if c.Op == OpDelete {
		cur.Deleted, cur.Rev = true, cur.Rev+1
		return cur.Rev, tx.PutActivity(ctx, cur, cy.SchoolID)
	}
	a := domain.Activity{ID: c.ID, DistrictID: p.DistrictID(), CycleID: d.CycleID, Kind: domain.ActivityKind(d.Kind),
		OccurredOn: d.OccurredOn.Time, Notes: d.Notes, AuthorID: p.User.ID, DeviceID: deviceID, Rev: cur.Rev + 1}
	if exists {
		a.AuthorID = cur.AuthorID
	}
	if err := a.Validate(); err != nil {
		return 0, err
	}
	return a.Rev, tx.PutActivity(ctx, a, cy.SchoolID)
}

// FollowUpData is a follow-up on the wire.
type FollowUpData struct {
	CycleID       string    `json:"cycle_id"`
	TeacherID     string    `json:"teacher_id"`
	StartsAt      time.Time `json:"starts_at"`
	EndsAt        time.Time `json:"ends_at"`
	ObserverIDs   []string  `json:"observer_ids"`
	Status        string    `json:"status"`
	ObservationID string    `json:"observation_id,omitempty"`
	Notes         string    `json:"notes,omitempty"`
	SchoolID      string    `json:"school_id,omitempty"` // set by the server from the cycle
}

func followUpData(f domain.FollowUp) FollowUpData {
	return FollowUpData{CycleID: f.CycleID, TeacherID: f.TeacherID, StartsAt: f.StartsAt, EndsAt: f.EndsAt, ObserverIDs: orEmpty(f.ObserverIDs),
		Status: string(f.Status), ObservationID: f.ObservationID, Notes: f.Notes, SchoolID: f.SchoolID}
}

func (s *Service) applyFollowUp(ctx context.Context, tx *store.Tx, p auth.Principal, deviceID string, c Change) (int64, error) {
	cur, exists, err := existing(ctx, tx, p, c, tx.FollowUps)
	if err != nil {
		return 0, err
	}
	var d FollowUpData
	invited := exists && slices.Contains(cur.ObserverIDs, p.User.ID)
	cy, runs, err := cycleChange(ctx, tx, p, c, exists, cur.Deleted, cur.Rev, cur.CycleID,
		func(_ domain.Cycle, runs bool) bool { return runs || invited && c.Op == OpUpsert },
		func() *Record {
			shown := cur
			if cy, _, err := cycleFor(ctx, tx, p, cur.CycleID, "data.cycle_id"); err != nil || !p.SeesFollowUpObservation(cy, cur) {
				shown.ObservationID = ""
			}
			return &Record{Entity: EntityFollowUp, ID: cur.ID, Rev: cur.Rev, Deleted: cur.Deleted, Data: followUpData(shown)}
		}, &d, &d.CycleID)
	if err != nil {
		return 0, err
	}
	switch {
	case runs:
	case invited && c.Op == OpUpsert:
		// An invited observer records what happened, and nothing else.
		if !d.StartsAt.Equal(cur.StartsAt) || !d.EndsAt.Equal(cur.EndsAt) || d.TeacherID != cur.TeacherID || !slices.Equal(d.ObserverIDs, cur.ObserverIDs) {
			return 0, forbidden("an invited observer may record the visit but not reschedule it")
		}
	default:
		return 0, forbidden("only the cycle's coach or the school's leaders may schedule its follow-ups")
	}
	if c.Op == OpDelete {
		cur.Deleted, cur.Rev = true, cur.Rev+1
		return cur.Rev, tx.PutFollowUp(ctx, cur)
	}
	f := domain.FollowUp{ID: c.ID, DistrictID: p.DistrictID(), CycleID: d.CycleID, SchoolID: cy.SchoolID, TeacherID: d.TeacherID,
		StartsAt: d.StartsAt.UTC(), EndsAt: d.EndsAt.UTC(), ObserverIDs: d.ObserverIDs, Status: domain.FollowUpStatus(d.Status),
		ObservationID: d.ObservationID, Notes: d.Notes, Rev: cur.Rev + 1}
	if exists && f.ObservationID == "" && !p.SeesFollowUpObservation(cy, cur) {
		// The caller was never told the observation; their change keeps it.
		f.ObservationID = cur.ObservationID
	}
	if err := f.Validate(); err != nil {
		return 0, err
	}
	if !slices.Contains(cy.TeacherIDs, f.TeacherID) {
		return 0, refuse(StatusRejected, "out_of_scope", "data.teacher_id", "the teacher is not in this cycle")
	}
	for i, id := range f.ObserverIDs {
		u, err := tx.UserRecord(ctx, id)
		if domain.ErrorCode(err) == domain.ENotFound || (err == nil && u.DistrictID != p.DistrictID()) {
			return 0, refuse(StatusRejected, "out_of_scope", "data.observer_ids["+itoa(i)+"]", "no such user in this district")
		}
		if err != nil {
			return 0, err
		}
	}
	if err := checkClash(ctx, tx, f, cur, exists); err != nil {
		return 0, err
	}
	if exists && (!f.StartsAt.Equal(cur.StartsAt) || !f.EndsAt.Equal(cur.EndsAt)) {
		if err := tx.AddReschedule(ctx, f.DistrictID, f.ID, domain.Reschedule{FromStartsAt: cur.StartsAt, FromEndsAt: cur.EndsAt,
			ToStartsAt: f.StartsAt, ToEndsAt: f.EndsAt, ChangedBy: p.User.ID}); err != nil {
			return 0, err
		}
	}
	return f.Rev, tx.PutFollowUp(ctx, f)
}

// checkClash refuses a follow-up that would double-book its teacher or one
// of its observers. Only a follow-up that holds its time and is new, moved,
// or given another teacher or observers is checked, so that recording a
// visit never fails on a booking made before the rule. The teacher and the
// observers are locked first, so that two concurrent bookings of one person
// are checked one after the other.
func checkClash(ctx context.Context, tx *store.Tx, f, cur domain.FollowUp, exists bool) error {
	if !f.HoldsTime() {
		return nil
	}
	if exists && cur.HoldsTime() && f.StartsAt.Equal(cur.StartsAt) && f.EndsAt.Equal(cur.EndsAt) && f.TeacherID == cur.TeacherID &&
		slices.Equal(sorted(f.ObserverIDs), sorted(cur.ObserverIDs)) {
		return nil
	}
	for _, key := range sorted(append([]string{f.TeacherID}, f.ObserverIDs...)) {
		if err := tx.LockRecord(ctx, "booking:"+key); err != nil {
			return err
		}
	}
	holder, who, found, err := tx.FollowUpClash(ctx, f)
	if err != nil || !found {
		return err
	}
	d, err := tx.District(ctx, f.DistrictID)
	if err != nil {
		return err
	}
	field, name := "data.starts_at", "the teacher"
	if who != "teacher" {
		field, name = "data.observer_ids["+itoa(slices.Index(f.ObserverIDs, who))+"]", "an invited observer"
		if u, err := tx.UserRecord(ctx, who); err == nil && u.Name != "" {
			name = u.Name
		}
	} else if t, err := tx.Teacher(ctx, f.DistrictID, f.TeacherID); err == nil {
		name = t.DisplayName()
	}
	e := domain.Clash(field, holder, name, d.Location())
	return &outcome{Result{Status: StatusRejected, Error: &Problem{Code: domain.EClash, Field: field, Message: e.Message, ClashesWith: holder.ID}}}
}

func sorted(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}
