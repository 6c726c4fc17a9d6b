package store

import (
	"context"
	"database/sql"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// The loaders below read records by id, tombstones included, for the sync
// protocol: one in a transaction (to check a change against the current
// record) and many at once (to answer a pull).

func (r walkthroughRow) toDomain(team []string) domain.Walkthrough {
	return domain.Walkthrough{ID: r.ID, DistrictID: r.DistrictID, SchoolID: r.SchoolID, RubricVersionID: r.RubricVersionID,
		Kind: domain.WalkthroughKind(r.Kind), Date: dateOnly(r.VisitDate.UTC()), LeadID: r.LeadID, Team: team, Focus: decodeList(r.Focus),
		DebriefNotes: r.DebriefNotes, DeviceID: deref(r.DeviceID), Rev: r.Rev, Deleted: r.DeletedAt != nil,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// Walkthroughs loads walkthroughs of the district by id, with their teams.
func (tx *Tx) Walkthroughs(ctx context.Context, districtID string, ids []string) ([]domain.Walkthrough, error) {
	var rows []walkthroughRow
	if err := tx.db.Where("district_id = ? AND id IN ?", districtID, ids).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "walkthrough")
	}
	var members []walkthroughMemberRow
	if err := tx.db.Where("walkthrough_id IN ?", ids).Order("user_id").Find(&members).Error; err != nil {
		return nil, translate(err, "walkthrough team")
	}
	team := map[string][]string{}
	for _, m := range members {
		team[m.WalkthroughID] = append(team[m.WalkthroughID], m.UserID)
	}
	out := make([]domain.Walkthrough, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain(team[r.ID])
	}
	return out, nil
}

// Walkthrough loads one walkthrough of the district.
func (tx *Tx) Walkthrough(ctx context.Context, districtID, id string) (domain.Walkthrough, error) {
	ws, err := tx.Walkthroughs(ctx, districtID, []string{id})
	if err != nil {
		return domain.Walkthrough{}, err
	}
	if len(ws) == 0 {
		return domain.Walkthrough{}, notFound("walkthrough")
	}
	return ws[0], nil
}

// Observations loads observations of the district by id, with scores and
// attachment ids.
//
// The rows are read by id alone and those of other districts dropped here:
// with the district in the query, a planner without fresh statistics reads
// every row of the district through its index and tests each against the
// ids. Scores and attachments are read only for the observations found, so
// a push of new observations reads nothing more.
func (tx *Tx) Observations(ctx context.Context, districtID string, ids []string) ([]domain.Observation, error) {
	obs, _, err := tx.ObservationsAndForeignIDs(ctx, districtID, ids)
	return obs, err
}

// ObservationsAndForeignIDs is Observations, and which of ids are other
// districts' observations (as ForeignIDs tells), from the same read: a run
// of new observations costs one statement for both. Nothing of another
// district's observation but its id leaves the store.
func (tx *Tx) ObservationsAndForeignIDs(ctx context.Context, districtID string, ids []string) ([]domain.Observation, map[string]bool, error) {
	var all []observationRow
	if err := tx.db.Where("id IN ?", ids).Order("id").Find(&all).Error; err != nil {
		return nil, nil, translate(err, "observation")
	}
	rows := all[:0]
	found := make([]string, 0, len(all))
	var foreign map[string]bool
	for _, r := range all {
		if r.DistrictID == districtID {
			rows = append(rows, r)
			found = append(found, r.ID)
		} else {
			if foreign == nil {
				foreign = map[string]bool{}
			}
			foreign[r.ID] = true
		}
	}
	if len(rows) == 0 {
		return []domain.Observation{}, foreign, nil
	}
	scores, err := tx.scoresOf(ctx, found)
	if err != nil {
		return nil, nil, err
	}
	var atts []struct{ ID, ObservationID string }
	if err := tx.db.Table("attachments").Select("id, observation_id").Where("observation_id IN ?", found).Order("id").Scan(&atts).Error; err != nil {
		return nil, nil, translate(err, "attachment")
	}
	byObs := map[string][]scoreRow{}
	for _, s := range scores {
		byObs[s.ObservationID] = append(byObs[s.ObservationID], s)
	}
	attByObs := map[string][]string{}
	for _, a := range atts {
		attByObs[a.ObservationID] = append(attByObs[a.ObservationID], a.ID)
	}
	out := make([]domain.Observation, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain(byObs[r.ID])
		out[i].AttachmentIDs = attByObs[r.ID]
	}
	return out, foreign, nil
}

// scoresOf reads the scores of observations, by observation and indicator.
// It scans the columns an observation takes by hand: a snapshot reads
// fifteen scores of every observation it hands out, and reflecting over
// each row cost more than the rest of the read.
func (tx *Tx) scoresOf(ctx context.Context, observationIDs []string) ([]scoreRow, error) {
	rows, err := tx.db.WithContext(ctx).Raw("SELECT CAST(observation_id AS text), indicator_key, level, evidence FROM scores "+
		"WHERE observation_id IN ? ORDER BY observation_id, indicator_key", observationIDs).Rows()
	if err != nil {
		return nil, translate(err, "score")
	}
	defer rows.Close()
	out := make([]scoreRow, 0, 16*len(observationIDs))
	for rows.Next() {
		var r scoreRow
		var level sql.NullInt64
		if err := rows.Scan(&r.ObservationID, &r.IndicatorKey, &level, &r.Evidence); err != nil {
			return nil, translate(err, "score")
		}
		if level.Valid {
			l := int(level.Int64)
			r.Level = &l
		}
		out = append(out, r)
	}
	return out, translate(rows.Err(), "score")
}

func (r nextStepRow) toDomain() domain.NextStep {
	return domain.NextStep{ID: r.ID, DistrictID: r.DistrictID, WalkthroughID: deref(r.WalkthroughID), SchoolID: r.SchoolID,
		OwnerID: r.OwnerID, Action: r.Action, DueOn: utcPtr(r.DueOn), IndicatorKey: r.IndicatorKey, Done: r.DoneAt != nil,
		DoneAt: utcPtr(r.DoneAt), DeviceID: deref(r.DeviceID), Rev: r.Rev, Deleted: r.DeletedAt != nil,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// NextSteps loads next steps of the district by id.
func (tx *Tx) NextSteps(ctx context.Context, districtID string, ids []string) ([]domain.NextStep, error) {
	var rows []nextStepRow
	if err := tx.db.Where("district_id = ? AND id IN ?", districtID, ids).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "next step")
	}
	out := make([]domain.NextStep, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

func (r activityRow) toDomain() domain.Activity {
	return domain.Activity{ID: r.ID, DistrictID: r.DistrictID, CycleID: r.CycleID, Kind: domain.ActivityKind(r.Kind),
		OccurredOn: dateOnly(r.OccurredOn.UTC()), Notes: r.Notes, AuthorID: r.AuthorID, DeviceID: deref(r.DeviceID), Rev: r.Rev,
		Deleted: r.DeletedAt != nil, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// Activities loads support activities of the district by id.
func (tx *Tx) Activities(ctx context.Context, districtID string, ids []string) ([]domain.Activity, error) {
	var rows []activityRow
	if err := tx.db.Where("district_id = ? AND id IN ?", districtID, ids).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "activity")
	}
	out := make([]domain.Activity, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// FollowUps loads follow-ups of the district by id, with invited observers.
func (tx *Tx) FollowUps(ctx context.Context, districtID string, ids []string) ([]domain.FollowUp, error) {
	var rows []followUpRow
	if err := tx.db.Where("district_id = ? AND id IN ?", districtID, ids).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "follow-up")
	}
	var obs []followUpObserverRow
	if err := tx.db.Where("follow_up_id IN ?", ids).Order("user_id").Find(&obs).Error; err != nil {
		return nil, translate(err, "follow-up observer")
	}
	byF := map[string][]string{}
	for _, o := range obs {
		byF[o.FollowUpID] = append(byF[o.FollowUpID], o.UserID)
	}
	out := make([]domain.FollowUp, len(rows))
	for i, r := range rows {
		out[i] = domain.FollowUp{ID: r.ID, DistrictID: r.DistrictID, CycleID: r.CycleID, SchoolID: r.SchoolID, TeacherID: r.TeacherID,
			StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(), ObserverIDs: byF[r.ID], Status: domain.FollowUpStatus(r.Status),
			ObservationID: deref(r.ObservationID), Notes: r.Notes, Rev: r.Rev, Deleted: r.DeletedAt != nil,
			CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	}
	return out, nil
}

// Cycles loads cycles of support of the district by id, with teachers.
func (tx *Tx) Cycles(ctx context.Context, districtID string, ids []string) ([]domain.Cycle, error) {
	var rows []cycleRow
	if err := tx.db.Where("district_id = ? AND id IN ?", districtID, ids).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "cycle")
	}
	var ts []cycleTeacherRow
	if err := tx.db.Where("cycle_id IN ?", ids).Order("teacher_id").Find(&ts).Error; err != nil {
		return nil, translate(err, "cycle teacher")
	}
	byC := map[string][]string{}
	for _, t := range ts {
		byC[t.CycleID] = append(byC[t.CycleID], t.TeacherID)
	}
	out := make([]domain.Cycle, len(rows))
	for i, r := range rows {
		out[i] = domain.Cycle{ID: r.ID, DistrictID: r.DistrictID, SchoolID: r.SchoolID, CoachID: r.CoachID, TeacherIDs: byC[r.ID],
			FocusIndicatorKey: r.FocusIndicatorKey, FocusShift: r.FocusShift, Status: domain.CycleStatus(r.Status),
			Outcome: domain.CycleOutcome(r.Outcome), OutcomeEvidence: r.OutcomeEvidence, StartedOn: utcPtr(r.StartedOn),
			EndedOn: utcPtr(r.EndedOn), Rev: r.Rev, Deleted: r.DeletedAt != nil, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	}
	return out, nil
}

// SchoolsByID loads schools of the district by id.
func (tx *Tx) SchoolsByID(ctx context.Context, districtID string, ids []string) ([]domain.School, error) {
	var rows []schoolRow
	if err := tx.db.Where("district_id = ? AND id IN ?", districtID, ids).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "school")
	}
	out := make([]domain.School, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// TeachersByID loads teachers of the district by id.
func (tx *Tx) TeachersByID(ctx context.Context, districtID string, ids []string) ([]domain.Teacher, error) {
	var rows []teacherRow
	if err := tx.db.Where("district_id = ? AND id IN ?", districtID, ids).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "teacher")
	}
	out := make([]domain.Teacher, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// ReadTx runs fn with a handle for reads that need no transaction.
func (s *Store) ReadTx(ctx context.Context, fn func(tx *Tx) error) error {
	return fn(s.read(ctx))
}
