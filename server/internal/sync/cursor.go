package sync

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// cursor is a position in the change log as a device holds it between
// pulls. Devices see it only as opaque text.
//
// Version 2 names, besides the position, the database that gave it, the
// caller's scope then, the log's horizon then, and the record of the entry
// at the position. A pull answers 410 (start again from a snapshot) for any
// cursor that this database cannot vouch for: an old version, another
// database, another scope, a position beyond the log's end, a position
// below a horizon that has moved since, or a position where the log now
// holds another record (a database restored from a backup that has since
// moved on past the cursor).
type cursor struct {
	version  int
	database string // the id of the database that gave it
	scope    string // the caller's scope fingerprint when it was given
	seq      int64  // the last change-log entry the device has
	horizon  int64  // the district's horizon before the page was read
	record   string // that entry's record; empty at 0
	// window is set while a new device's snapshot is read: the instant the
	// current school year began when the snapshot started, which every page
	// of it filters by (see window.go). Zero once the snapshot is complete.
	window time.Time
	// key is set while a snapshot reads the records themselves (see
	// snapshot.go): the last record handed out, in the order of entity then
	// id. seq and record are then the log's head when the snapshot began,
	// where the pulls after it go on.
	key store.SnapshotKey
}

// encode makes the opaque text of a version 2 cursor.
func (c cursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte("v2:" + c.database + ":" + c.scope + ":" +
		strconv.FormatInt(c.seq, 10) + ":" + strconv.FormatInt(c.horizon, 10) + ":" + c.record + c.windowPart()))
}

// windowPart is the cursor's optional last fields: the snapshot's window,
// and while the snapshot reads the records themselves, its key.
func (c cursor) windowPart() string {
	if c.window.IsZero() {
		return ""
	}
	w := ":" + strconv.FormatInt(c.window.Unix(), 10)
	if c.key.Entity != "" {
		w += ":" + c.key.Entity + "/" + c.key.RecordID
	}
	return w
}

// decodeCursor reads a cursor; the empty cursor is the start (a snapshot).
// Text that is no cursor at all is invalid; a version 1 cursor decodes, to
// be answered 410 by checkOrigin.
func decodeCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{version: 2}, nil
	}
	bad := domain.Invalid("the cursor is not one this server gave", domain.FieldError{Field: "cursor", Message: "unknown cursor"})
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	version, rest, ok := strings.Cut(string(raw), ":")
	switch {
	case !ok:
		return cursor{}, bad
	case version == "v1":
		seq, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || seq < 0 {
			return cursor{}, bad
		}
		return cursor{version: 1, seq: seq}, nil
	case version == "v2":
		parts := strings.Split(rest, ":")
		if len(parts) < 5 || len(parts) > 7 || parts[0] == "" || parts[1] == "" {
			return cursor{}, bad
		}
		var window time.Time
		var key store.SnapshotKey
		if len(parts) == 7 {
			entity, id, ok := strings.Cut(parts[6], "/")
			if !ok || entity == "" || id == "" {
				return cursor{}, bad
			}
			key = store.SnapshotKey{Entity: entity, RecordID: id}
		}
		if len(parts) >= 6 {
			secs, err := strconv.ParseInt(parts[5], 10, 64)
			if err != nil || secs <= 0 {
				return cursor{}, bad
			}
			window = time.Unix(secs, 0).UTC()
		}
		seq, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil || seq < 0 || (seq > 0) != (parts[4] != "") {
			return cursor{}, bad
		}
		horizon, err := strconv.ParseInt(parts[3], 10, 64)
		if err != nil || horizon < 0 {
			return cursor{}, bad
		}
		return cursor{version: 2, database: parts[0], scope: parts[1], seq: seq, horizon: horizon, record: parts[4], window: window, key: key}, nil
	}
	return cursor{}, bad
}

// gone answers a cursor the server cannot serve: the device starts again
// from a snapshot.
func gone(why string) error {
	return domain.Errorf(domain.EGone, "%s: start again from a full snapshot", why)
}

// checkOrigin answers an EGone error unless c was given by this version of
// the server, from this database, to the caller with the scope they have
// now.
func (s *Service) checkOrigin(p auth.Principal, c cursor, database string) error {
	switch {
	case c.version != 2:
		return gone("this cursor was given by an older version of the server")
	case c.database != database:
		return gone("this cursor was given by another database")
	case c.scope != p.ScopeFingerprint():
		return gone("the schools or roles of this user have changed since the last pull")
	}
	return nil
}

// checkPosition answers the district's horizon if its change log can serve
// every change after c's position, and an EGone error otherwise: the
// position must be within the log; not below a horizon that moved since the
// cursor was given (compaction removed tombstones after it), though a
// snapshot begun after a compaction reads on below its horizon; and the log
// must be the one the cursor came from. Call it after reading the page.
func (s *Service) checkPosition(ctx context.Context, p auth.Principal, c cursor) (int64, error) {
	pos, err := s.store.ChangeLogPosition(ctx, p.DistrictID(), c.seq, c.record)
	if err != nil {
		return 0, err
	}
	switch {
	case c.seq > pos.End:
		return 0, gone("the change log is behind this cursor, as after a restore from a backup")
	case c.seq < pos.Horizon && c.horizon < pos.Horizon:
		return 0, gone("this device has been away longer than the server keeps changes")
	case pos.Found && (pos.DistrictID != p.DistrictID() || pos.RecordID != c.record):
		// The log holds another change where the cursor's was: it is not the
		// log the cursor came from, but one restored and written to since.
		return 0, gone("the change log is not the one this cursor came from, as after a restore from a backup")
	case !pos.Found && !pos.RecordChangedLater && c.seq != pos.Horizon:
		// Compaction removes an entry only when its record changed again
		// later, or when it is a tombstone at or below the horizon.
		return 0, gone("the change log is not the one this cursor came from, as after a restore from a backup")
	}
	return pos.Horizon, nil
}

// databaseID is the database's identity, read once and kept.
func (s *Service) databaseID(ctx context.Context) (string, error) {
	s.idMu.Lock()
	defer s.idMu.Unlock()
	if s.dbID != "" {
		return s.dbID, nil
	}
	id, err := s.store.DatabaseID(ctx)
	if err != nil {
		return "", err
	}
	s.dbID = id
	return id, nil
}
