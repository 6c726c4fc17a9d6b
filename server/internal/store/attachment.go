package store

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm/clause"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// Attachment is a photo of student work that an observation lists. The row
// exists, pending, from the moment an observation lists it; StoredAt is set
// once its bytes have arrived, and from then on it never changes.
type Attachment struct {
	ID            string
	DistrictID    string
	ObservationID string
	ContentType   string
	SHA256        string // lower-case hex
	Size          int64
	StoredAt      *time.Time // nil while the bytes have not arrived
	CreatedAt     time.Time
}

// Stored reports whether the attachment's bytes have arrived.
func (a Attachment) Stored() bool { return a.StoredAt != nil }

type attachmentRow struct {
	ID            string
	DistrictID    string
	ObservationID string
	ContentType   string
	Size          int64
	SHA256        string `gorm:"column:sha256"`
	StoredAt      *time.Time
	CreatedAt     time.Time
}

func (attachmentRow) TableName() string { return "attachments" }

func (r attachmentRow) toDomain() Attachment {
	return Attachment{ID: r.ID, DistrictID: r.DistrictID, ObservationID: r.ObservationID, ContentType: r.ContentType,
		SHA256: r.SHA256, Size: r.Size, StoredAt: utcPtr(r.StoredAt), CreatedAt: r.CreatedAt.UTC()}
}

// SetObservationAttachments makes the attachments of an observation those
// of ids: a pending row is made for every id not yet known; an id already
// listed stays as it is (a stored one stays stored); an id that belongs to
// another observation is an EConflict. Rows no longer listed are removed
// while still pending, and kept once stored: a photo that arrived is never
// thrown away. Nothing reaches the change log.
func (tx *Tx) SetObservationAttachments(ctx context.Context, districtID, observationID string, ids []string) error {
	want := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	var p domain.Problems
	for _, id := range ids {
		if !domain.ValidID(id) {
			p.Add("attachment_ids", "%q is not a UUID", id)
			continue
		}
		if !seen[id] {
			seen[id] = true
			want = append(want, id)
		}
	}
	if err := p.Err("attachment ids must be UUIDs"); err != nil {
		return err
	}
	sort.Strings(want)

	if len(want) > 0 {
		// Looked up by id alone: the key is global, so an id taken anywhere
		// cannot be listed here.
		var have []attachmentRow
		if err := tx.db.Select("id, district_id, observation_id").Where("id IN ?", want).Find(&have).Error; err != nil {
			return translate(err, "attachment")
		}
		known := make(map[string]bool, len(have))
		for _, r := range have {
			if r.ObservationID != observationID || r.DistrictID != districtID {
				return conflict("attachment %s belongs to another observation", r.ID)
			}
			known[r.ID] = true
		}
		var rows []attachmentRow
		for _, id := range want {
			if !known[id] {
				rows = append(rows, attachmentRow{ID: id, DistrictID: districtID, ObservationID: observationID, CreatedAt: tx.now})
			}
		}
		if len(rows) > 0 {
			var n int64
			if err := tx.db.Model(&observationRow{}).Where("district_id = ? AND id = ?", districtID, observationID).Count(&n).Error; err != nil {
				return translate(err, "observation")
			}
			if n == 0 {
				return notFound("observation")
			}
			// A racing transaction may insert the same id first: do nothing
			// then, and check below whose it turned out to be.
			if err := tx.db.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 200).Error; err != nil {
				return translate(err, "attachment")
			}
			if err := tx.checkAttachmentOwners(districtID, observationID, want); err != nil {
				return err
			}
		}
	}

	q := tx.db.Where("district_id = ? AND observation_id = ? AND stored_at IS NULL", districtID, observationID)
	if len(want) > 0 {
		q = q.Where("id NOT IN ?", want)
	}
	if err := q.Delete(&attachmentRow{}).Error; err != nil {
		return translate(err, "attachment")
	}
	return nil
}

// checkAttachmentOwners makes sure every one of ids belongs to the
// observation.
func (tx *Tx) checkAttachmentOwners(districtID, observationID string, ids []string) error {
	var other []attachmentRow
	err := tx.db.Select("id").Where("id IN ? AND (district_id <> ? OR observation_id <> ?)", ids, districtID, observationID).
		Limit(1).Find(&other).Error
	if err != nil {
		return translate(err, "attachment")
	}
	if len(other) > 0 {
		return conflict("attachment %s belongs to another observation", other[0].ID)
	}
	return nil
}

// Attachment loads an attachment of the district.
func (tx *Tx) Attachment(ctx context.Context, districtID, id string) (Attachment, error) {
	if !domain.ValidID(id) {
		return Attachment{}, notFound("attachment")
	}
	var row attachmentRow
	if err := tx.db.Where("district_id = ? AND id = ?", districtID, id).Take(&row).Error; err != nil {
		return Attachment{}, translate(err, "attachment")
	}
	return row.toDomain(), nil
}

// Attachment loads an attachment of the district.
func (s *Store) Attachment(ctx context.Context, districtID, id string) (Attachment, error) {
	return s.read(ctx).Attachment(ctx, districtID, id)
}

// AttachmentOwner returns the observer of the observation that lists the
// attachment, so that the caller can decide who may upload its bytes. An
// attachment of a deleted observation is not found: its photo has no use.
func (s *Store) AttachmentOwner(ctx context.Context, districtID, id string) (observerID string, err error) {
	if !domain.ValidID(id) {
		return "", notFound("attachment")
	}
	var out []struct{ ObserverID string }
	err = s.read(ctx).db.Raw(`SELECT o.observer_id AS observer_id FROM attachments a
		JOIN observations o ON o.id = a.observation_id AND o.district_id = a.district_id
		WHERE a.district_id = ? AND a.id = ? AND o.deleted_at IS NULL`, districtID, id).Scan(&out).Error
	if err != nil {
		return "", translate(err, "attachment")
	}
	if len(out) == 0 {
		return "", notFound("attachment")
	}
	return out[0].ObserverID, nil
}

// MarkAttachmentStored records that a pending attachment's bytes have
// arrived. Marking one already stored with the same sha256 does nothing;
// with another it is an EConflict, since an attachment never changes. The
// update only touches a pending row, so of two racing uploads exactly one
// marks it and the other sees the result.
func (tx *Tx) MarkAttachmentStored(ctx context.Context, districtID, id, contentType, sha256 string, size int64) error {
	res := tx.db.Model(&attachmentRow{}).Where("district_id = ? AND id = ? AND stored_at IS NULL", districtID, id).
		Updates(map[string]any{"content_type": contentType, "size": size, "sha256": sha256, "stored_at": tx.now})
	if res.Error != nil {
		return translate(res.Error, "attachment")
	}
	if res.RowsAffected == 1 {
		return nil
	}
	a, err := tx.Attachment(ctx, districtID, id)
	if err != nil {
		return err
	}
	if !a.Stored() {
		return conflict("attachment %s could not be marked stored", id)
	}
	if a.SHA256 != sha256 {
		return conflict("attachment %s is already stored with other bytes", id)
	}
	return nil
}

// ObservationAttachments lists an observation's attachments, pending and
// stored, ordered by id.
func (tx *Tx) ObservationAttachments(ctx context.Context, districtID, observationID string) ([]Attachment, error) {
	var rows []attachmentRow
	if err := tx.db.Where("district_id = ? AND observation_id = ?", districtID, observationID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "attachment")
	}
	out := make([]Attachment, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// ObservationAttachments lists an observation's attachments, pending and
// stored, ordered by id.
func (s *Store) ObservationAttachments(ctx context.Context, districtID, observationID string) ([]Attachment, error) {
	return s.read(ctx).ObservationAttachments(ctx, districtID, observationID)
}

// StoredAttachments lists the attachments of every district whose bytes
// have arrived, in (district, id) order, one page at a time: the sort key
// of a row is its district id and its id. It serves the command that moves
// attachments from one blob store to another, which works across districts.
func (s *Store) StoredAttachments(ctx context.Context, page Keyset) ([]Attachment, error) {
	var rows []attachmentRow
	q := page.apply(s.read(ctx).db.Where("stored_at IS NOT NULL"), "district_id", "id")
	if err := q.Find(&rows).Error; err != nil {
		return nil, translate(err, "attachment")
	}
	out := make([]Attachment, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// CountStoredAttachments counts the attachments of every district whose
// bytes have arrived.
func (s *Store) CountStoredAttachments(ctx context.Context) (int64, error) {
	var n int64
	if err := s.read(ctx).db.Model(&attachmentRow{}).Where("stored_at IS NOT NULL").Count(&n).Error; err != nil {
		return 0, translate(err, "attachment")
	}
	return n, nil
}
