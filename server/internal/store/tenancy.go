package store

import (
	"context"

	"gorm.io/gorm/clause"
)

// Every row belongs to exactly one district, for good. The helpers here
// keep a write from reaching a row of another district whatever its caller
// checked before: an upsert never moves a row to another district, and a
// sync change can learn, before it loads anything, that its id is taken
// elsewhere.

// upsert inserts row into table, or rewrites the columns of the row with
// its id when that row is of the same district. A row of another district
// with that id is left as it is and the write is refused (EForbidden).
func (tx *Tx) upsert(row any, table, what string, columns ...string) error {
	res := tx.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: table + ".district_id = excluded.district_id"}}},
		DoUpdates: clause.AssignmentColumns(columns),
	}).Create(row)
	if res.Error != nil {
		return translate(res.Error, what)
	}
	if res.RowsAffected == 0 {
		return otherDistrict(what)
	}
	return nil
}

// recordTables are the tables of the records devices write, by the name
// the sync protocol and the change log give them.
var recordTables = map[string]string{
	"observation":     "observations",
	"walkthrough":     "walkthroughs",
	"next_step":       "next_steps",
	"cycle_activity":  "cycle_activities",
	"follow_up":       "follow_ups",
	"cycle":           "cycles",
	"support_request": "support_requests",
	"feedback":        "feedback",
}

// ForeignIDs answers which of ids name a record of the entity that belongs
// to a district other than districtID. Nothing else of those records is
// read.
func (tx *Tx) ForeignIDs(ctx context.Context, entity, districtID string, ids []string) (map[string]bool, error) {
	table, ok := recordTables[entity]
	if !ok || len(ids) == 0 {
		return nil, nil
	}
	var found []string
	if err := tx.db.WithContext(ctx).Table(table).Where("id IN ? AND district_id <> ?", ids, districtID).Pluck("id", &found).Error; err != nil {
		return nil, translate(err, entity)
	}
	if len(found) == 0 {
		return nil, nil
	}
	out := make(map[string]bool, len(found))
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}
