package store

import (
	"context"
	"strconv"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// EntityFramework is the change-log entity of a framework: where a rubric
// applies, read by devices to pick the framework of a visit.
const EntityFramework = "framework"

type assignmentRow struct {
	ID         string
	DistrictID string
	RubricID   string
	SchoolIDs  string
	Kinds      string
	StartsAt   time.Time
	EndedAt    *time.Time
	CreatedBy  *string
	EndedBy    *string
	CreatedAt  time.Time
}

func (assignmentRow) TableName() string { return "framework_assignments" }

func (r assignmentRow) domain() domain.Assignment {
	a := domain.Assignment{ID: r.ID, RubricID: r.RubricID, SchoolIDs: decodeList(r.SchoolIDs), StartsAt: r.StartsAt.UTC(),
		EndedAt: utcPtr(r.EndedAt), CreatedBy: deref(r.CreatedBy)}
	for _, k := range decodeList(r.Kinds) {
		a.Kinds = append(a.Kinds, domain.WalkthroughKind(k))
	}
	return a
}

// Frameworks lists the district's rubrics with where they apply, oldest
// assignment first; drafts only when asked for.
func (tx *Tx) Frameworks(ctx context.Context, districtID string, withDrafts bool) ([]domain.Framework, error) {
	var rubrics []rubricRow
	if err := tx.db.Where("district_id = ?", districtID).Order("created_at, id").Find(&rubrics).Error; err != nil {
		return nil, translate(err, "rubric")
	}
	q := tx.db.Where("district_id = ?", districtID)
	if !withDrafts {
		q = q.Where("status = ?", string(domain.RubricPublished))
	}
	var versions []rubricVersionRow
	if err := q.Order("version DESC").Find(&versions).Error; err != nil {
		return nil, translate(err, "rubric version")
	}
	var assigns []assignmentRow
	if err := tx.db.Where("district_id = ?", districtID).Order("starts_at, id").Find(&assigns).Error; err != nil {
		return nil, translate(err, "framework assignment")
	}
	out := make([]domain.Framework, 0, len(rubrics))
	for _, r := range rubrics {
		f := domain.Framework{ID: r.ID, DistrictID: r.DistrictID, Name: r.Name, Main: r.Main, RetiredAt: utcPtr(r.RetiredAt), Rev: r.Rev}
		for _, v := range versions {
			if v.RubricID == r.ID {
				if len(f.Versions) == 0 {
					f.Name = v.Name
				}
				f.Versions = append(f.Versions, domain.RubricVersionSummary{ID: v.ID, Version: v.Version,
					Status: domain.RubricStatus(v.Status), PublishedAt: utcPtr(v.PublishedAt)})
			}
		}
		for _, a := range assigns {
			if a.RubricID == r.ID {
				f.Assignments = append(f.Assignments, a.domain())
			}
		}
		if len(f.Versions) > 0 {
			out = append(out, f)
		}
	}
	return out, nil
}

// Frameworks lists the district's rubrics with where they apply.
func (s *Store) Frameworks(ctx context.Context, districtID string, withDrafts bool) ([]domain.Framework, error) {
	return s.read(ctx).Frameworks(ctx, districtID, withDrafts)
}

// Framework is one rubric of the district with where it applies.
func (tx *Tx) Framework(ctx context.Context, districtID, id string) (domain.Framework, error) {
	fs, err := tx.Frameworks(ctx, districtID, true)
	if err != nil {
		return domain.Framework{}, err
	}
	for _, f := range fs {
		if f.ID == id {
			return f, nil
		}
	}
	return domain.Framework{}, notFound("framework")
}

// framework locks the rubric row for a write and checks rev.
func (tx *Tx) frameworkForWrite(districtID, id string, rev *int64) (rubricRow, error) {
	var r rubricRow
	if err := tx.db.Where("district_id = ? AND id = ?", districtID, id).Take(&r).Error; err != nil {
		return r, translate(err, "framework")
	}
	if rev != nil && *rev != r.Rev {
		return r, domain.Stale("the framework", *rev, r.Rev)
	}
	return r, nil
}

// bumpFramework moves a framework's revision on and tells devices.
func (tx *Tx) bumpFramework(ctx context.Context, r rubricRow, set map[string]any) error {
	if set == nil {
		set = map[string]any{}
	}
	set["rev"], set["updated_at"] = r.Rev+1, tx.now
	res := tx.db.Model(&rubricRow{}).Where("id = ? AND rev = ?", r.ID, r.Rev).Updates(set)
	if res.Error != nil {
		return translate(res.Error, "framework")
	}
	if res.RowsAffected == 0 {
		return conflict("the framework changed meanwhile")
	}
	return tx.AppendChange(ctx, Change{DistrictID: r.DistrictID, Entity: EntityFramework, RecordID: r.ID, Rev: r.Rev + 1})
}

// frameworkPublished is called when a version of rubricID is published: the
// district's first published framework becomes its main one.
func (tx *Tx) frameworkPublished(ctx context.Context, districtID, rubricID string) error {
	r, err := tx.frameworkForWrite(districtID, rubricID, nil)
	if err != nil {
		return err
	}
	var mains int64
	if err := tx.db.Model(&rubricRow{}).Where("district_id = ? AND main = ?", districtID, true).Count(&mains).Error; err != nil {
		return translate(err, "framework")
	}
	set := map[string]any{}
	if mains == 0 {
		set["main"] = true
	}
	return tx.bumpFramework(ctx, r, set)
}

// AddAssignment makes a published, unretired framework apply where a says,
// from now on; from a.StartsAt instead when it is set and not later than
// now (a district that loads its frameworks from the command line or a
// test's fixture; the API always starts an assignment now).
func (tx *Tx) AddAssignment(ctx context.Context, districtID string, a domain.Assignment, rev *int64) (domain.Assignment, error) {
	if err := a.Validate(); err != nil {
		return a, err
	}
	r, err := tx.frameworkForWrite(districtID, a.RubricID, rev)
	if err != nil {
		return a, err
	}
	if r.RetiredAt != nil {
		return a, conflict("a retired framework cannot be assigned")
	}
	var published int64
	if err := tx.db.Model(&rubricVersionRow{}).Where("rubric_id = ? AND status = ?", r.ID, string(domain.RubricPublished)).Count(&published).Error; err != nil {
		return a, translate(err, "rubric version")
	}
	if published == 0 {
		return a, conflict("publish a version of the framework before assigning it")
	}
	ok, err := tx.SchoolsExist(ctx, districtID, a.SchoolIDs)
	if err != nil {
		return a, err
	}
	for i, id := range a.SchoolIDs {
		if !ok[id] {
			return a, domain.Invalid("the assignment is not valid", domain.FieldError{Field: "school_ids[" + strconv.Itoa(i) + "]", Message: "no such school"})
		}
	}
	kinds := make([]string, len(a.Kinds))
	for i, k := range a.Kinds {
		kinds[i] = string(k)
	}
	if a.StartsAt.IsZero() || a.StartsAt.After(tx.now) {
		a.StartsAt = tx.now
	}
	a.ID, a.StartsAt, a.EndedAt = domain.NewID(), a.StartsAt.UTC(), nil
	row := assignmentRow{ID: a.ID, DistrictID: districtID, RubricID: r.ID, SchoolIDs: encodeList(a.SchoolIDs), Kinds: encodeList(kinds),
		StartsAt: a.StartsAt, CreatedBy: nullable(a.CreatedBy), CreatedAt: tx.now}
	if err := tx.db.Create(&row).Error; err != nil {
		return a, translate(err, "framework assignment")
	}
	return a, tx.bumpFramework(ctx, r, nil)
}

// EndAssignment rolls an assignment back from now on; the observations made
// under it stay as they are.
func (tx *Tx) EndAssignment(ctx context.Context, districtID, rubricID, assignmentID, actorID string, rev *int64) (domain.Assignment, error) {
	r, err := tx.frameworkForWrite(districtID, rubricID, rev)
	if err != nil {
		return domain.Assignment{}, err
	}
	var row assignmentRow
	if err := tx.db.Where("district_id = ? AND rubric_id = ? AND id = ?", districtID, rubricID, assignmentID).Take(&row).Error; err != nil {
		return domain.Assignment{}, translate(err, "framework assignment")
	}
	if row.EndedAt != nil {
		return row.domain(), conflict("this assignment was rolled back already")
	}
	now := tx.now
	if err := tx.db.Model(&assignmentRow{}).Where("id = ?", row.ID).Updates(map[string]any{"ended_at": now, "ended_by": nullable(actorID)}).Error; err != nil {
		return domain.Assignment{}, translate(err, "framework assignment")
	}
	row.EndedAt = &now
	return row.domain(), tx.bumpFramework(ctx, r, nil)
}

// RetireFramework stops a framework taking new observations from now on.
// The main framework is never retired: every school needs one.
func (tx *Tx) RetireFramework(ctx context.Context, districtID, id string, rev *int64) error {
	r, err := tx.frameworkForWrite(districtID, id, rev)
	if err != nil {
		return err
	}
	if r.RetiredAt != nil {
		return conflict("this framework is retired already")
	}
	if r.Main {
		return conflict("the district's main framework cannot be retired")
	}
	return tx.bumpFramework(ctx, r, map[string]any{"retired_at": tx.now})
}

// MainRubric is the district's main framework: the one trends, exports and
// the dashboard read when no other is asked for.
func (s *Store) MainRubric(ctx context.Context, districtID string) (string, error) {
	var row rubricRow
	err := s.read(ctx).db.Where("district_id = ? AND main = ?", districtID, true).Take(&row).Error
	if domain.ErrorCode(translate(err, "framework")) == domain.ENotFound {
		return s.LatestPublishedRubric(ctx, districtID)
	}
	return row.ID, translate(err, "framework")
}

// MakeMain makes a published, unretired framework the district's main one
// from now on and answers the framework that was main before. With
// keepPrevious, the former main framework keeps applying at every school
// and kind through an assignment from now on, so that no observer loses it;
// without, it applies only where it is assigned. The new main framework's
// open assignments to every school and kind end, since being main covers
// them: making the former one main again without keeping is the way back.
func (tx *Tx) MakeMain(ctx context.Context, districtID, id, actorID string, rev *int64, keepPrevious bool) (string, error) {
	r, err := tx.frameworkForWrite(districtID, id, rev)
	if err != nil {
		return "", err
	}
	if r.Main {
		return "", conflict("this framework is the main one already")
	}
	if r.RetiredAt != nil {
		return "", conflict("a retired framework cannot be the main one")
	}
	var published int64
	if err := tx.db.Model(&rubricVersionRow{}).Where("rubric_id = ? AND status = ?", r.ID, string(domain.RubricPublished)).Count(&published).Error; err != nil {
		return "", translate(err, "rubric version")
	}
	if published == 0 {
		return "", conflict("publish a version of the framework before making it the main one")
	}
	var prev rubricRow
	err = tx.db.Where("district_id = ? AND main = ?", districtID, true).Take(&prev).Error
	hasPrev := err == nil
	if err != nil && domain.ErrorCode(translate(err, "framework")) != domain.ENotFound {
		return "", translate(err, "framework")
	}
	if hasPrev {
		if err := tx.bumpFramework(ctx, prev, map[string]any{"main": false}); err != nil {
			return "", err
		}
		prev.Rev++
		if keepPrevious {
			row := assignmentRow{ID: domain.NewID(), DistrictID: districtID, RubricID: prev.ID, SchoolIDs: "[]", Kinds: "[]",
				StartsAt: tx.now, CreatedBy: nullable(actorID), CreatedAt: tx.now}
			if err := tx.db.Create(&row).Error; err != nil {
				return "", translate(err, "framework assignment")
			}
		}
	}
	if err := tx.db.Model(&assignmentRow{}).
		Where("district_id = ? AND rubric_id = ? AND ended_at IS NULL AND school_ids = ? AND kinds = ?", districtID, r.ID, "[]", "[]").
		Updates(map[string]any{"ended_at": tx.now, "ended_by": nullable(actorID)}).Error; err != nil {
		return "", translate(err, "framework assignment")
	}
	if err := tx.bumpFramework(ctx, r, map[string]any{"main": true}); err != nil {
		return "", err
	}
	return prev.ID, nil
}
