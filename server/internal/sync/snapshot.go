package sync

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// snapshot answers a page of a new device's snapshot. Its records are read
// from the tables, not from the change log: what the caller may see of the
// rule of window.go, in the order of entity then id, a page at a time. The
// first page takes the change log's head before it reads any record; every
// change up to the head is in what the pages read, and every change after
// it (a record changed, added or removed while the pages were read, or one
// that came into the rule) is in the log after the head, where the cursor
// of the last page goes on, without a window. A record changed while the
// snapshot is read may come twice, the later at its newer revision; none is
// missed.
func (s *Service) snapshot(ctx context.Context, p auth.Principal, c cursor, first bool, database string, limit int) (PullResponse, error) {
	next := c
	district, err := s.store.District(ctx, p.DistrictID())
	if err != nil {
		return PullResponse{}, err
	}
	if first {
		next = cursor{version: 2, database: database, scope: p.ScopeFingerprint(), window: district.SchoolYearStart(s.now())}
		if next.horizon, err = s.store.ChangeHorizon(ctx, p.DistrictID()); err != nil {
			return PullResponse{}, err
		}
		if next.seq, next.record, err = s.store.ChangeLogHead(ctx, p.DistrictID()); err != nil {
			return PullResponse{}, err
		}
	}
	w := windowFor(next.window, district)
	keys, err := s.store.SnapshotRecords(ctx, store.SnapshotQuery{Scope: p.Scope(), ObserverID: p.User.ID, TeacherSchools: p.TeacherScope(), LeadSchools: p.LeadScope(),
		Since: w.since, Day: w.day}, c.key, limit)
	if err != nil {
		return PullResponse{}, err
	}
	ids := map[string][]string{}
	for _, k := range keys {
		ids[k.Entity] = append(ids[k.Entity], k.RecordID)
	}
	records := map[string]Record{}
	if err := s.store.ReadTx(ctx, func(tx *store.Tx) error { return s.load(ctx, tx, p, ids, w, records) }); err != nil {
		return PullResponse{}, err
	}
	out := PullResponse{Changes: []Record{}, More: true}
	for _, k := range keys {
		if r, ok := records[k.RecordID]; ok && !r.Deleted {
			out.Changes = append(out.Changes, r)
		}
	}
	if len(keys) == limit {
		next.key = keys[len(keys)-1]
	} else {
		// The records are all read: the next pull reads the log after the
		// head, whatever the age of what changed.
		next.key, next.window = store.SnapshotKey{}, time.Time{}
	}
	out.Cursor = next.encode()
	return out, nil
}
