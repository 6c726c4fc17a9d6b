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
	IndicatorKey  string
	ObservedAt    time.Time // the observation's counting time
	Level         int
}

// FocusScores lists the submitted, scored (not "not observed") scores of
// the indicators for the teachers, oldest first.
func (s *Store) FocusScores(ctx context.Context, districtID string, teacherIDs, indicatorKeys []string) ([]FocusScore, error) {
	if len(teacherIDs) == 0 || len(indicatorKeys) == 0 {
		return nil, nil
	}
	var rows []struct {
		ObservationID string
		TeacherID     string
		FollowUpID    *string
		IndicatorKey  string
		ObservedAt    time.Time
		Level         int
	}
	err := s.db.WithContext(ctx).Table("scores").
		Select("o.id AS observation_id, o.teacher_id, o.follow_up_id, scores.indicator_key, o.counted_at AS observed_at, scores.level").
		Joins("JOIN observations o ON o.id = scores.observation_id").
		Where("o.district_id = ? AND o.deleted_at IS NULL AND o.status = ? AND o.teacher_id IN ? AND scores.indicator_key IN ? AND scores.level IS NOT NULL",
			districtID, string(domain.ObservationSubmitted), teacherIDs, indicatorKeys).
		Order("o.counted_at, o.id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "score")
	}
	out := make([]FocusScore, len(rows))
	for i, r := range rows {
		out[i] = FocusScore{ObservationID: r.ObservationID, TeacherID: r.TeacherID, FollowUpID: deref(r.FollowUpID), IndicatorKey: r.IndicatorKey,
			ObservedAt: r.ObservedAt.UTC(), Level: r.Level}
	}
	return out, nil
}

// SetCalendarToken keeps the hash of a user's calendar secret (empty: no
// feed).
func (s *Store) SetCalendarToken(ctx context.Context, districtID, userID, hash string) error {
	res := s.db.WithContext(ctx).Model(&userRow{}).Where("district_id = ? AND id = ?", districtID, userID).
		Updates(map[string]any{"calendar_token": nullable(hash), "updated_at": s.now().UTC()})
	if res.Error != nil {
		return translate(res.Error, "user")
	}
	if res.RowsAffected == 0 {
		return notFound("user")
	}
	return nil
}

// HasCalendarToken reports whether the user has a calendar feed.
func (s *Store) HasCalendarToken(ctx context.Context, districtID, userID string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&userRow{}).Where("district_id = ? AND id = ? AND calendar_token IS NOT NULL", districtID, userID).Count(&n).Error
	return n > 0, translate(err, "user")
}

// UserByCalendarToken returns the active user whose calendar secret hashes
// to hash.
func (s *Store) UserByCalendarToken(ctx context.Context, hash string) (domain.User, error) {
	return s.read(ctx).userWhere("calendar feed", "calendar_token = ? AND active", hash)
}

// PublishedIndicator reports whether key is an indicator of a published
// rubric version of the district.
func (tx *Tx) PublishedIndicator(ctx context.Context, districtID, key string) (bool, error) {
	var n int64
	err := tx.db.Model(&rubricIndicatorRow{}).
		Joins("JOIN rubric_versions v ON v.id = rubric_indicators.rubric_version_id").
		Where("rubric_indicators.district_id = ? AND rubric_indicators.key = ? AND v.status = ?", districtID, key, string(domain.RubricPublished)).
		Count(&n).Error
	return n > 0, translate(err, "rubric indicator")
}

// IndicatorNames maps the district's published indicator keys to names
// (the newest version's name wins).
func (s *Store) IndicatorNames(ctx context.Context, districtID string) (map[string]string, error) {
	var rows []struct {
		Key, Name string
	}
	err := s.db.WithContext(ctx).Table("rubric_indicators").Select("rubric_indicators.key, rubric_indicators.name").
		Joins("JOIN rubric_versions v ON v.id = rubric_indicators.rubric_version_id").
		Where("rubric_indicators.district_id = ? AND v.status = ?", districtID, string(domain.RubricPublished)).
		Order("v.published_at, v.id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "rubric indicator")
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.Key] = r.Name
	}
	return out, nil
}
