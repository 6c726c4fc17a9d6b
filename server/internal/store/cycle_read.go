package store

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// CycleFilter narrows a cycle listing. Visible is who may be listed: cycles
// at the scope's schools, plus the ones CoachID runs.
type CycleFilter struct {
	Visible   domain.Scope
	CoachID   string
	SchoolIDs []string
	Status    string
	Mine      bool   // only the cycles CoachID runs
	Page      Keyset // after the key [id]; every cycle when empty
}

// CyclesList lists cycles of support, newest first, a page at a time,
// tombstones left out.
func (s *Store) CyclesList(ctx context.Context, f CycleFilter) ([]domain.Cycle, error) {
	tx := s.read(ctx)
	q := tx.db.Model(&cycleRow{}).Where("district_id = ? AND deleted_at IS NULL", f.Visible.DistrictID)
	switch {
	case f.Mine:
		q = q.Where("coach_id = ?", f.CoachID)
	case f.Visible.AllSchools:
	case len(f.Visible.SchoolIDs) > 0:
		q = q.Where("(school_id IN ? OR coach_id = ?)", f.Visible.SchoolIDs, f.CoachID)
	default:
		q = q.Where("coach_id = ?", f.CoachID)
	}
	if len(f.SchoolIDs) > 0 {
		q = q.Where("school_id IN ?", f.SchoolIDs)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	var ids []string
	if err := f.Page.apply(q, "id DESC").Pluck("id", &ids).Error; err != nil {
		return nil, translate(err, "cycle")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	cs, err := tx.Cycles(ctx, f.Visible.DistrictID, ids)
	if err != nil {
		return nil, err
	}
	// Cycles loads in id order; newest first is the reverse.
	for i, j := 0, len(cs)-1; i < j; i, j = i+1, j-1 {
		cs[i], cs[j] = cs[j], cs[i]
	}
	return cs, nil
}

// CycleActivities lists the live support activities of cycles, oldest first.
func (tx *Tx) CycleActivities(ctx context.Context, districtID string, cycleIDs []string) ([]domain.Activity, error) {
	var rows []activityRow
	if err := tx.db.Where("district_id = ? AND cycle_id IN ? AND deleted_at IS NULL", districtID, cycleIDs).
		Order("occurred_on, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "activity")
	}
	out := make([]domain.Activity, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// CycleFollowUps lists the live follow-ups of cycles, by start.
func (tx *Tx) CycleFollowUps(ctx context.Context, districtID string, cycleIDs []string) ([]domain.FollowUp, error) {
	var ids []string
	if err := tx.db.Model(&followUpRow{}).Where("district_id = ? AND cycle_id IN ? AND deleted_at IS NULL", districtID, cycleIDs).
		Order("starts_at, id").Pluck("id", &ids).Error; err != nil {
		return nil, translate(err, "follow-up")
	}
	return tx.followUpsInOrder(ctx, districtID, ids)
}

// followUpsInOrder loads follow-ups by id and keeps the order of ids.
func (tx *Tx) followUpsInOrder(ctx context.Context, districtID string, ids []string) ([]domain.FollowUp, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	fs, err := tx.FollowUps(ctx, districtID, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]domain.FollowUp, len(fs))
	for _, f := range fs {
		byID[f.ID] = f
	}
	out := make([]domain.FollowUp, 0, len(ids))
	for _, id := range ids {
		if f, ok := byID[id]; ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// FollowUpFilter narrows a follow-up listing to a window and to whose they
// are.
type FollowUpFilter struct {
	DistrictID string
	// StartsBefore and EndsAfter bound the window; zero means unbounded.
	StartsBefore, EndsAfter time.Time
	Statuses                []domain.FollowUpStatus
	// UserID, when set, keeps the follow-ups the user is invited to or
	// whose cycle the user coaches.
	UserID string
	// Visible, when UserID is empty, keeps the follow-ups at its schools.
	Visible domain.Scope
}

// FollowUpsWhere lists live follow-ups by start.
func (s *Store) FollowUpsWhere(ctx context.Context, f FollowUpFilter) ([]domain.FollowUp, error) {
	tx := s.read(ctx)
	q := tx.db.Model(&followUpRow{}).Where("district_id = ? AND deleted_at IS NULL", f.DistrictID)
	if f.UserID != "" {
		q = q.Where("(id IN (SELECT follow_up_id FROM follow_up_observers WHERE user_id = ?) OR cycle_id IN (SELECT id FROM cycles WHERE coach_id = ?))",
			f.UserID, f.UserID)
	} else if !f.Visible.AllSchools {
		if len(f.Visible.SchoolIDs) == 0 {
			return nil, nil
		}
		q = q.Where("school_id IN ?", f.Visible.SchoolIDs)
	}
	if !f.StartsBefore.IsZero() {
		q = q.Where("starts_at < ?", f.StartsBefore.UTC())
	}
	if !f.EndsAfter.IsZero() {
		q = q.Where("ends_at > ?", f.EndsAfter.UTC())
	}
	if len(f.Statuses) > 0 {
		st := make([]string, len(f.Statuses))
		for i, x := range f.Statuses {
			st[i] = string(x)
		}
		q = q.Where("status IN ?", st)
	}
	var ids []string
	if err := q.Order("starts_at, id").Pluck("id", &ids).Error; err != nil {
		return nil, translate(err, "follow-up")
	}
	return tx.followUpsInOrder(ctx, f.DistrictID, ids)
}

// FollowUpClash finds a live follow-up other than f whose window overlaps
// f's and that has f's teacher or one of f's observers; who says which
// ("teacher" or the observer's user id).
func (tx *Tx) FollowUpClash(ctx context.Context, f domain.FollowUp) (holder domain.FollowUp, who string, found bool, err error) {
	var rows []followUpRow
	q := tx.db.Where("district_id = ? AND id <> ? AND deleted_at IS NULL AND status <> ? AND starts_at < ? AND ends_at > ?",
		f.DistrictID, f.ID, string(domain.FollowUpCancelled), f.EndsAt.UTC(), f.StartsAt.UTC())
	if len(f.ObserverIDs) > 0 {
		q = q.Where("(teacher_id = ? OR id IN (SELECT follow_up_id FROM follow_up_observers WHERE user_id IN ?))", f.TeacherID, f.ObserverIDs)
	} else {
		q = q.Where("teacher_id = ?", f.TeacherID)
	}
	if err := q.Order("starts_at, id").Limit(1).Find(&rows).Error; err != nil {
		return holder, "", false, translate(err, "follow-up")
	}
	if len(rows) == 0 {
		return holder, "", false, nil
	}
	fs, err := tx.FollowUps(ctx, f.DistrictID, []string{rows[0].ID})
	if err != nil || len(fs) == 0 {
		return holder, "", false, err
	}
	holder = fs[0]
	if holder.TeacherID == f.TeacherID {
		return holder, "teacher", true, nil
	}
	for _, u := range f.ObserverIDs {
		for _, v := range holder.ObserverIDs {
			if u == v {
				return holder, u, true, nil
			}
		}
	}
	return holder, "teacher", true, nil
}

type rescheduleRow struct {
	ID           string
	DistrictID   string
	FollowUpID   string
	FromStartsAt time.Time
	FromEndsAt   time.Time
	ToStartsAt   time.Time
	ToEndsAt     time.Time
	ChangedBy    string
	ChangedAt    time.Time
}

func (rescheduleRow) TableName() string { return "follow_up_reschedules" }

// AddReschedule records that a follow-up moved.
func (tx *Tx) AddReschedule(ctx context.Context, districtID, followUpID string, r domain.Reschedule) error {
	row := rescheduleRow{ID: domain.NewID(), DistrictID: districtID, FollowUpID: followUpID, FromStartsAt: r.FromStartsAt.UTC(),
		FromEndsAt: r.FromEndsAt.UTC(), ToStartsAt: r.ToStartsAt.UTC(), ToEndsAt: r.ToEndsAt.UTC(), ChangedBy: r.ChangedBy, ChangedAt: tx.now}
	return translate(tx.db.Create(&row).Error, "follow-up reschedule")
}

// Reschedules returns the moves of follow-ups, oldest first, by follow-up.
func (s *Store) Reschedules(ctx context.Context, districtID string, followUpIDs []string) (map[string][]domain.Reschedule, error) {
	out := map[string][]domain.Reschedule{}
	if len(followUpIDs) == 0 {
		return out, nil
	}
	var rows []rescheduleRow
	if err := s.db.WithContext(ctx).Where("district_id = ? AND follow_up_id IN ?", districtID, followUpIDs).
		Order("changed_at, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "follow-up reschedule")
	}
	for _, r := range rows {
		out[r.FollowUpID] = append(out[r.FollowUpID], domain.Reschedule{FromStartsAt: r.FromStartsAt.UTC(), FromEndsAt: r.FromEndsAt.UTC(),
			ToStartsAt: r.ToStartsAt.UTC(), ToEndsAt: r.ToEndsAt.UTC(), ChangedBy: r.ChangedBy, ChangedAt: r.ChangedAt.UTC()})
	}
	return out, nil
}

// FocusScore is one submitted score of an indicator for a teacher.
type FocusScore struct {
	ObservationID string
	TeacherID     string
	FollowUpID    string
	ObserverID    string
	IndicatorKey  string
	RubricID      string    // the framework it was scored with
	ObservedAt    time.Time // the observation's counting time
	Level         int
}

// FocusScores lists the submitted, scored (not "not observed") scores of
// the indicators for the teachers, oldest first.
func (s *Store) FocusScores(ctx context.Context, districtID string, teacherIDs, indicatorKeys []string) ([]FocusScore, error) {
	if len(teacherIDs) == 0 || len(indicatorKeys) == 0 {
		return nil, nil
	}
	return s.focusScores(ctx, districtID, "o.teacher_id IN ?", teacherIDs, indicatorKeys)
}

// SchoolFocusScores lists the submitted, scored scores of the indicators
// given in observations at the schools, whoever the teacher, oldest
// first: the pool a cycle's comparison group is drawn from.
func (s *Store) SchoolFocusScores(ctx context.Context, districtID string, schoolIDs, indicatorKeys []string) ([]FocusScore, error) {
	if len(schoolIDs) == 0 || len(indicatorKeys) == 0 {
		return nil, nil
	}
	return s.focusScores(ctx, districtID, "o.school_id IN ?", schoolIDs, indicatorKeys)
}

func (s *Store) focusScores(ctx context.Context, districtID, which string, ids, indicatorKeys []string) ([]FocusScore, error) {
	var rows []struct {
		ObservationID string
		TeacherID     string
		FollowUpID    *string
		ObserverID    string
		IndicatorKey  string
		RubricID      string
		ObservedAt    time.Time
		Level         int
	}
	err := s.db.WithContext(ctx).Table("scores").
		Select("o.id AS observation_id, o.teacher_id, o.follow_up_id, o.observer_id, scores.indicator_key, rv.rubric_id, o.counted_at AS observed_at, scores.level").
		Joins("JOIN observations o ON o.id = scores.observation_id").
		Joins("JOIN rubric_versions rv ON rv.id = o.rubric_version_id").
		Where("o.district_id = ? AND o.deleted_at IS NULL AND o.status = ? AND "+which+" AND scores.indicator_key IN ? AND scores.level IS NOT NULL",
			districtID, string(domain.ObservationSubmitted), ids, indicatorKeys).
		Order("o.counted_at, o.id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "score")
	}
	out := make([]FocusScore, len(rows))
	for i, r := range rows {
		out[i] = FocusScore{ObservationID: r.ObservationID, TeacherID: r.TeacherID, FollowUpID: deref(r.FollowUpID), ObserverID: r.ObserverID, IndicatorKey: r.IndicatorKey,
			RubricID: r.RubricID, ObservedAt: r.ObservedAt.UTC(), Level: r.Level}
	}
	return out, nil
}

// NextStepFilter narrows a listing of next steps. Visible is who may be
// listed: the steps at the scope's schools, plus the caller's own and those
// of walkthroughs the caller leads.
type NextStepFilter struct {
	Visible  domain.Scope
	CallerID string
	// TeamOf are walkthroughs whose every step the caller sees, being on
	// their team.
	TeamOf         []string
	OwnerID        string
	WalkthroughIDs []string
	SchoolIDs      []string
	Open           bool       // not done
	Done           bool       // done
	DueBefore      *time.Time // due before this day (with Open: overdue)
	// Page is the page asked for, after the key [due day or "", id].
	Page Keyset
}

// NextStepsPage lists next steps by due date (undated last), a page at a
// time, tombstones left out.
func (s *Store) NextStepsPage(ctx context.Context, f NextStepFilter) ([]domain.NextStep, error) {
	q := s.db.WithContext(ctx).Model(&nextStepRow{}).Where("district_id = ? AND deleted_at IS NULL", f.Visible.DistrictID)
	led := s.db.Model(&walkthroughRow{}).Select("id").Where("district_id = ? AND lead_id = ?", f.Visible.DistrictID, f.CallerID)
	team := f.TeamOf
	if len(team) == 0 {
		team = []string{f.CallerID} // no walkthrough has that id: an IN list cannot be empty
	}
	switch {
	case f.Visible.AllSchools:
	case len(f.Visible.SchoolIDs) > 0:
		q = q.Where("(school_id IN ? OR owner_id = ? OR walkthrough_id IN (?) OR walkthrough_id IN ?)", f.Visible.SchoolIDs, f.CallerID, led, team)
	default:
		q = q.Where("(owner_id = ? OR walkthrough_id IN (?) OR walkthrough_id IN ?)", f.CallerID, led, team)
	}
	if f.OwnerID != "" {
		q = q.Where("owner_id = ?", f.OwnerID)
	}
	for col, vs := range map[string][]string{"walkthrough_id": f.WalkthroughIDs, "school_id": f.SchoolIDs} {
		if len(vs) > 0 {
			q = q.Where(col+" IN ?", vs)
		}
	}
	if len(f.Page.After) == 2 {
		due, id := f.Page.After[0], f.Page.After[1]
		if due == "" {
			q = q.Where("(due_on IS NULL AND id > ?)", id)
		} else {
			day, err := time.Parse(time.DateOnly, due)
			if err != nil {
				return nil, domain.Invalid("the cursor is not valid", domain.FieldError{Field: "cursor", Message: "is not a cursor of this list"})
			}
			q = q.Where("(due_on IS NULL OR due_on > ? OR (due_on = ? AND id > ?))", dateOnly(day), dateOnly(day), id)
		}
	}
	if f.Open {
		q = q.Where("done_at IS NULL")
	}
	if f.Done {
		q = q.Where("done_at IS NOT NULL")
	}
	if f.DueBefore != nil {
		q = q.Where("due_on < ?", dateOnly(*f.DueBefore))
	}
	var ids []string
	q = q.Order("CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, id")
	if f.Page.Limit > 0 {
		q = q.Limit(f.Page.Limit)
	}
	if err := q.Pluck("id", &ids).Error; err != nil {
		return nil, translate(err, "next step")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	ns, err := s.read(ctx).NextSteps(ctx, f.Visible.DistrictID, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]domain.NextStep{}
	for _, n := range ns {
		byID[n.ID] = n
	}
	out := make([]domain.NextStep, 0, len(ids))
	for _, id := range ids {
		out = append(out, byID[id])
	}
	return out, nil
}

// OpenCyclesOfTeachers lists the live cycles, planned or active, that hold
// any of the teachers.
func (tx *Tx) OpenCyclesOfTeachers(ctx context.Context, districtID string, teacherIDs []string) ([]domain.Cycle, error) {
	if len(teacherIDs) == 0 {
		return nil, nil
	}
	var ids []string
	err := tx.db.WithContext(ctx).Raw("SELECT DISTINCT CAST(c.id AS text) FROM cycles c JOIN cycle_teachers ct ON ct.cycle_id = c.id "+
		"WHERE c.district_id = ? AND c.deleted_at IS NULL AND c.status IN ('planned', 'active') AND ct.teacher_id IN ?", districtID, teacherIDs).Scan(&ids).Error
	if err != nil {
		return nil, translate(err, "cycle")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return tx.Cycles(ctx, districtID, ids)
}

// SubmittedObservationIDsOfTeachers lists the live submitted observations
// of the teachers by observers other than the one given, counted from
// since on, at the schools of the scope.
func (tx *Tx) SubmittedObservationIDsOfTeachers(ctx context.Context, sc domain.Scope, teacherIDs []string, notObserver string, since time.Time) ([]string, error) {
	if len(teacherIDs) == 0 || sc.Empty() {
		return nil, nil
	}
	q := tx.db.WithContext(ctx).Model(&observationRow{}).Where("district_id = ? AND teacher_id IN ? AND observer_id <> ? AND status = 'submitted' AND deleted_at IS NULL AND counted_at >= ?",
		sc.DistrictID, teacherIDs, notObserver, since)
	if !sc.AllSchools {
		q = q.Where("school_id IN ?", sc.SchoolIDs)
	}
	var ids []string
	if err := q.Order("id").Pluck("CAST(id AS text)", &ids).Error; err != nil {
		return nil, translate(err, "observation")
	}
	return ids, nil
}
