package store

import (
	"context"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// SnapshotQuery names what a new device's snapshot may hold: the records of
// the scope's schools (and the district's rubrics), the observer's own
// observations, the submitted observations by others of the teachers in the
// planned or active cycles the observer coaches or whose school is in
// LeadSchools, at schools of TeacherSchools, and of the rest what falls in
// the window that starts at Since (the instant) and Day (that instant's
// date in the district).
type SnapshotQuery struct {
	Scope          domain.Scope
	ObserverID     string
	TeacherSchools domain.Scope
	LeadSchools    domain.Scope
	Since          time.Time
	Day            time.Time
}

// SnapshotKey is a position in a snapshot's records, which are read in the
// order of entity, then id.
type SnapshotKey struct {
	Entity   string
	RecordID string
}

// SnapshotRecords reads, from the tables rather than the change log, the
// next records after the key that a snapshot may hold, at most limit of
// them, in the order of entity then id. It reads a superset: each
// record still goes through the rules of who sees it (package sync), and
// records removed (tombstones) are left out, since a new device has
// nothing to remove.
func (s *Store) SnapshotRecords(ctx context.Context, q SnapshotQuery, after SnapshotKey, limit int) ([]SnapshotKey, error) {
	d := q.Scope.DistrictID
	var parts []string
	var args []any
	// within restricts a school column to a scope.
	within := func(sc domain.Scope, col string) string {
		switch {
		case sc.AllSchools:
			return ""
		case len(sc.SchoolIDs) == 0:
			return " AND 1 = 0"
		}
		args = append(args, sc.SchoolIDs)
		return " AND " + col + " IN ?"
	}
	// in restricts a school column to the scope, as ChangesAfter does.
	in := func(col string) string { return within(q.Scope, col) }
	add := func(entity, from, where string, a ...any) {
		args = append(args, a...)
		parts = append(parts, "SELECT '"+entity+"' AS entity, CAST("+from+" AS text) AS id "+where)
	}
	day := dateOnly(q.Day)
	cycleOpen := "(c.status IN ('planned', 'active') OR c.ended_on IS NULL OR c.ended_on >= ?)"

	add("school", "id", "FROM schools WHERE district_id = ?", d)
	parts[len(parts)-1] += in("id")
	add("teacher", "id", "FROM teachers WHERE district_id = ?", d)
	parts[len(parts)-1] += in("school_id")
	add("rubric_version", "id", "FROM rubric_versions WHERE district_id = ? AND status = 'published'", d)
	add("framework", "id", "FROM rubrics WHERE district_id = ?", d)
	add("walkthrough", "id", "FROM walkthroughs WHERE district_id = ? AND deleted_at IS NULL AND (visit_date >= ? OR id IN ("+
		"SELECT walkthrough_id FROM observations WHERE district_id = ? AND observer_id = ? AND status = 'draft' AND deleted_at IS NULL))", d, day, d, q.ObserverID)
	parts[len(parts)-1] += in("school_id")
	add("observation", "id", "FROM observations WHERE district_id = ? AND observer_id = ? AND deleted_at IS NULL AND (status = 'draft' OR counted_at >= ?)",
		d, q.ObserverID, q.Since)
	parts[len(parts)-1] += in("school_id")
	// Others' submitted observations of the teachers of the open cycles the
	// observer runs, read from those teachers (through the index on an
	// observation's teacher), so that a user without such cycles costs
	// nothing: the cycle's own school restricted as the other records are,
	// the observation's school to where the observer sees teachers.
	runs, runArgs := "c.coach_id = ?", []any{q.ObserverID}
	switch {
	case q.LeadSchools.AllSchools:
		runs, runArgs = "1 = 1", nil
	case len(q.LeadSchools.SchoolIDs) > 0:
		runs, runArgs = runs+" OR c.school_id IN ?", append(runArgs, q.LeadSchools.SchoolIDs)
	}
	add("observation", "o.id", "FROM (SELECT DISTINCT ct.teacher_id FROM cycle_teachers ct JOIN cycles c ON c.id = ct.cycle_id WHERE c.district_id = ? "+
		"AND c.deleted_at IS NULL AND c.status IN ('planned', 'active') AND ("+runs+")", append([]any{d}, runArgs...)...)
	parts[len(parts)-1] += in("c.school_id")
	args = append(args, d, q.ObserverID, q.Since)
	parts[len(parts)-1] += ") t JOIN observations o ON o.teacher_id = t.teacher_id WHERE o.district_id = ? AND o.observer_id <> ? AND o.status = 'submitted' " +
		"AND o.deleted_at IS NULL AND o.counted_at >= ?" + within(q.Scope, "o.school_id") + within(q.TeacherSchools, "o.school_id")
	add("cycle", "c.id", "FROM cycles c WHERE c.district_id = ? AND c.deleted_at IS NULL AND "+cycleOpen, d, day)
	parts[len(parts)-1] += in("c.school_id")
	add("cycle_activity", "a.id", "FROM cycle_activities a JOIN cycles c ON c.id = a.cycle_id WHERE a.district_id = ? AND a.deleted_at IS NULL AND "+cycleOpen, d, day)
	parts[len(parts)-1] += in("c.school_id")
	add("follow_up", "f.id", "FROM follow_ups f JOIN cycles c ON c.id = f.cycle_id WHERE f.district_id = ? AND f.deleted_at IS NULL AND (f.starts_at >= ? OR "+cycleOpen+")",
		d, q.Since, day)
	parts[len(parts)-1] += in("f.school_id")
	add("next_step", "id", "FROM next_steps WHERE district_id = ? AND deleted_at IS NULL AND (done_at IS NULL OR done_at >= ? OR created_at >= ?)", d, q.Since, q.Since)
	parts[len(parts)-1] += in("school_id")
	add("feedback", "f.id", "FROM feedback f JOIN observations o ON o.id = f.observation_id WHERE f.district_id = ? AND f.deleted_at IS NULL AND (o.status = 'draft' OR o.counted_at >= ?)",
		d, q.Since)
	parts[len(parts)-1] += in("f.school_id")
	add("support_request", "id", "FROM support_requests WHERE district_id = ? AND deleted_at IS NULL", d)
	parts[len(parts)-1] += in("school_id")

	sql := "SELECT entity, id FROM (" + strings.Join(parts, " UNION ALL ") + ") r WHERE entity > ? OR (entity = ? AND id > ?) ORDER BY entity, id LIMIT ?"
	args = append(args, after.Entity, after.Entity, after.RecordID, limit)
	rows, err := s.db.WithContext(ctx).Raw(sql, args...).Rows()
	if err != nil {
		return nil, translate(err, "snapshot")
	}
	defer rows.Close()
	var out []SnapshotKey
	for rows.Next() {
		var k SnapshotKey
		if err := rows.Scan(&k.Entity, &k.RecordID); err != nil {
			return nil, translate(err, "snapshot")
		}
		out = append(out, k)
	}
	return out, translate(rows.Err(), "snapshot")
}

// ChangeLogHead is the last entry of the district's change log and its
// record (0 and "" for an empty log). Every change the log holds up to it is
// in the tables a read after this one sees: numbers become visible in commit
// order (see AppendChanges).
func (s *Store) ChangeLogHead(ctx context.Context, districtID string) (int64, string, error) {
	var row changeRow
	err := s.db.WithContext(ctx).Where("district_id = ?", districtID).Order("seq DESC").Limit(1).Find(&row).Error
	if err != nil {
		return 0, "", translate(err, "change log")
	}
	return row.Seq, row.RecordID, nil
}

// WalkthroughsWithDrafts answers which of the walkthroughs hold a draft
// observation of the observer.
func (tx *Tx) WalkthroughsWithDrafts(ctx context.Context, districtID, observerID string, ids []string) (map[string]bool, error) {
	var found []string
	err := tx.db.WithContext(ctx).Raw("SELECT DISTINCT CAST(walkthrough_id AS text) FROM observations WHERE district_id = ? AND observer_id = ? AND status = 'draft' "+
		"AND deleted_at IS NULL AND walkthrough_id IN ?", districtID, observerID, ids).Scan(&found).Error
	if err != nil {
		return nil, translate(err, "observation")
	}
	out := make(map[string]bool, len(found))
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}
