package sync

import (
	"context"
	"errors"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// applyObservations applies a run of observation changes set-wise, in one
// step: the records, applied changes and teachers of the whole run are read
// in a few statements, each change is checked in order against the records
// as the changes before it left them, and what was applied is written in a
// few statements more. The answers are those of apply, change for change.
//
// It takes a prefix of cs and answers its results: it stops before a change
// that names photos or a follow-up, or edits an observation that has photos,
// since those write other records one by one. If the step fails, nothing of
// it stays and the caller applies the run change by change.
func (s *Service) applyObservations(ctx context.Context, b *store.Batch, p auth.Principal, deviceID string, clock deviceClock, cs []Change, pre []prepared) ([]Result, error) {
	ids := make([]string, len(cs))
	changeIDs := make([]string, len(cs))
	for i, c := range cs {
		ids[i], changeIDs[i] = pre[i].id, c.ChangeID
	}
	var results []Result
	err := b.Step(ctx, func(tx *store.Tx) error {
		results = results[:0]
		if err := tx.LockRecords(ctx, ids); err != nil {
			return err
		}
		applied, err := tx.AppliedChanges(ctx, changeIDs)
		if err != nil {
			return err
		}
		// Only the changes not applied before need their data and records:
		// a retried push reads neither.
		decoded := make([]*ObservationData, len(cs))
		var fresh, teacherIDs []string
		for i, c := range cs {
			if _, ok := applied[c.ChangeID]; ok {
				continue
			}
			fresh = append(fresh, ids[i])
			if d := pre[i].observation; d != nil {
				decoded[i] = d
				teacherIDs = append(teacherIDs, d.TeacherID)
			}
		}
		// District first: an id found only in another district is that
		// district's record, which is refused unread.
		var stored []domain.Observation
		var foreign map[string]bool
		if len(fresh) > 0 {
			if stored, foreign, err = tx.ObservationsAndForeignIDs(ctx, p.DistrictID(), fresh); err != nil {
				return err
			}
		}
		var teachers []domain.Teacher
		if len(teacherIDs) > 0 {
			if teachers, err = tx.TeachersByID(ctx, p.DistrictID(), validIDs(teacherIDs)); err != nil {
				return err
			}
		}
		look := newLookups(tx, teachers)
		current := make(map[string]domain.Observation, len(stored))
		old := make(map[string]domain.Observation, len(stored))
		for _, o := range stored {
			current[o.ID], old[o.ID] = o, o
		}
		var written []string // record ids in the order first written
		wrote := map[string]bool{}
		var records []store.AppliedChange
		for i, c := range cs {
			c.ID = ids[i]
			cur, exists := current[c.ID]
			if d := decoded[i]; d != nil && (d.FollowUpID != "" || len(d.AttachmentIDs) > 0) ||
				c.Op == OpUpsert && len(cur.AttachmentIDs) > 0 {
				break
			}
			hash := pre[i].hash
			if prev, ok := applied[c.ChangeID]; ok {
				res, err := answerAgain(prev, hash, p.DistrictID())
				if err != nil {
					return err
				}
				results = append(results, res)
				continue
			}
			if foreign[c.ID] {
				results = append(results, notYours().(*outcome).r)
				continue
			}
			o, _, err := s.nextObservation(ctx, look, p, deviceID, clock, c, decoded[i], cur, exists)
			var out *outcome
			switch {
			case err == nil:
			case errors.As(err, &out):
				results = append(results, out.r)
				continue
			case domain.ErrorCode(err) == domain.EInvalid || domain.ErrorCode(err) == domain.EConflict:
				results = append(results, Result{Status: StatusRejected, Error: problemOf(err)})
				continue
			default:
				return err
			}
			if !wrote[c.ID] {
				wrote[c.ID] = true
				written = append(written, c.ID)
			}
			current[c.ID] = o
			res := Result{Status: StatusApplied, Rev: o.Rev}
			a := appliedRecord(p, deviceID, c, hash, res)
			applied[c.ChangeID] = a
			records = append(records, a)
			results = append(results, res)
		}
		obs := make([]domain.Observation, len(written))
		for i, id := range written {
			obs[i] = current[id]
		}
		if err := tx.PutObservations(ctx, obs, old); err != nil {
			return err
		}
		if err := followObservations(ctx, tx, p, obs, old); err != nil {
			return err
		}
		return tx.RecordAppliedChanges(ctx, records)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// validIDs are those of ids that are UUIDs, each once.
func validIDs(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if domain.ValidID(id) && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
