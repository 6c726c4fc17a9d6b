package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// Message is one e-mail the server sends, keyed by (Kind, Recipient,
// SubjectID, Day) so that it is decided and sent once.
type Message struct {
	ID         string
	DistrictID string
	Kind       string
	Recipient  string
	SubjectID  string
	Day        string
	Subject    string
	Body       string
	Headers    map[string]string
	State      string
	Transport  string
	Attempts   int
	CreatedAt  time.Time
	SentAt     *time.Time
	// LastError says in plain words why the last attempt did not send it,
	// at FailedAt; empty once it is sent or retried.
	LastError string
	FailedAt  *time.Time
}

type messageRow struct {
	ID         string
	DistrictID string
	Kind       string
	Recipient  string
	SubjectID  string
	Day        string
	Subject    string
	Body       string
	Headers    string
	State      string
	Transport  string
	Attempts   int
	ClaimedAt  *time.Time
	CreatedAt  time.Time
	SentAt     *time.Time
	LastError  string
	FailedAt   *time.Time
}

func (messageRow) TableName() string { return "messages" }

func (r messageRow) toMessage() Message {
	m := Message{ID: r.ID, DistrictID: r.DistrictID, Kind: r.Kind, Recipient: r.Recipient, SubjectID: r.SubjectID, Day: r.Day,
		Subject: r.Subject, Body: r.Body, State: r.State, Transport: r.Transport, Attempts: r.Attempts, CreatedAt: r.CreatedAt, SentAt: r.SentAt,
		LastError: r.LastError, FailedAt: r.FailedAt}
	_ = json.Unmarshal([]byte(r.Headers), &m.Headers) // written by QueueMessage only
	return m
}

// QueueMessage records a message to send unless one of the same key is
// recorded already; it answers the message's id and whether it is new.
func (s *Store) QueueMessage(ctx context.Context, m Message) (string, bool, error) {
	h, _ := json.Marshal(m.Headers)
	if m.Headers == nil {
		h = []byte("{}")
	}
	var id string
	var created bool
	err := s.InTx(ctx, func(tx *Tx) error {
		row := messageRow{ID: domain.NewID(), DistrictID: m.DistrictID, Kind: m.Kind, Recipient: m.Recipient, SubjectID: m.SubjectID,
			Day: m.Day, Subject: m.Subject, Body: m.Body, Headers: string(h), State: "queued", CreatedAt: tx.now}
		res := tx.db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return translate(res.Error, "message")
		}
		if res.RowsAffected == 1 {
			id, created = row.ID, true
			return nil
		}
		var old messageRow
		if err := tx.db.Where("kind = ? AND recipient = ? AND subject_id = ? AND day = ?", m.Kind, m.Recipient, m.SubjectID, m.Day).
			Take(&old).Error; err != nil {
			return translate(err, "message")
		}
		id = old.ID
		return nil
	})
	return id, created, err
}

// ClaimMessage claims a queued message for sending: it answers false when
// the message is sent already, or claimed by a sender less than stale ago
// (one that may still be sending it).
func (s *Store) ClaimMessage(ctx context.Context, id string, stale time.Duration) (Message, bool, error) {
	var m Message
	var mine bool
	err := s.InTx(ctx, func(tx *Tx) error {
		res := tx.db.Model(&messageRow{}).
			Where("id = ? AND state = 'queued' AND (claimed_at IS NULL OR claimed_at < ?)", id, tx.now.Add(-stale)).
			Updates(map[string]any{"claimed_at": tx.now, "attempts": clause.Expr{SQL: "attempts + 1"}})
		if res.Error != nil {
			return translate(res.Error, "message")
		}
		if res.RowsAffected != 1 {
			return nil
		}
		var row messageRow
		if err := tx.db.Where("id = ?", id).Take(&row).Error; err != nil {
			return translate(err, "message")
		}
		m, mine = row.toMessage(), true
		return nil
	})
	return m, mine, err
}

// ReleaseMessage gives a claimed message back after a send that failed,
// so that a retry may claim it at once, and records why it failed.
func (s *Store) ReleaseMessage(ctx context.Context, id, reason string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		return translate(tx.db.Model(&messageRow{}).Where("id = ? AND state = 'queued'", id).
			Updates(map[string]any{"claimed_at": nil, "last_error": reason, "failed_at": tx.now}).Error, "message")
	})
}

// FailedMessagesFirst lists a district's messages, those that failed and
// are not sent first, then the newest; at most limit.
func (s *Store) FailedMessagesFirst(ctx context.Context, districtID string, limit int) ([]Message, error) {
	var rows []messageRow
	if err := s.read(ctx).db.Where("district_id = ?", districtID).
		Order("CASE WHEN state = 'queued' AND last_error <> '' THEN 0 ELSE 1 END, created_at DESC, id DESC").
		Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "message")
	}
	out := make([]Message, len(rows))
	for i, r := range rows {
		out[i] = r.toMessage()
	}
	return out, nil
}

// RetryMessage makes a district's message that failed and is not sent due
// again at once, with all its attempts: not found in another district,
// a conflict when it has not failed or is sent.
func (s *Store) RetryMessage(ctx context.Context, districtID, id string) (Message, error) {
	var m Message
	err := s.InTx(ctx, func(tx *Tx) error {
		var row messageRow
		if err := tx.db.Where("district_id = ? AND id = ?", districtID, id).Take(&row).Error; err != nil {
			return translate(err, "message")
		}
		if row.State != "queued" || row.LastError == "" {
			return domain.Errorf(domain.EConflict, "only a message that failed and is not sent can be retried")
		}
		if err := tx.db.Model(&messageRow{}).Where("id = ? AND state = 'queued'", id).
			Updates(map[string]any{"attempts": 0, "last_error": "", "failed_at": nil, "claimed_at": nil}).Error; err != nil {
			return translate(err, "message")
		}
		row.Attempts, row.LastError, row.FailedAt, row.ClaimedAt = 0, "", nil, nil
		m = row.toMessage()
		return nil
	})
	return m, err
}

// MessageSent records that a claimed message went out through transport.
func (s *Store) MessageSent(ctx context.Context, id, transport string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		return translate(tx.db.Model(&messageRow{}).Where("id = ?", id).
			Updates(map[string]any{"state": "sent", "transport": transport, "sent_at": tx.now, "claimed_at": nil, "last_error": "", "failed_at": nil}).Error, "message")
	})
}

// UnsentMessages lists the ids of messages queued before the given time
// and not sent, oldest first, at most limit.
func (s *Store) UnsentMessages(ctx context.Context, before time.Time, limit int) ([]Message, error) {
	var rows []messageRow
	if err := s.read(ctx).db.Where("state = 'queued' AND created_at < ?", before.UTC()).Order("created_at").Limit(limit).
		Find(&rows).Error; err != nil {
		return nil, translate(err, "message")
	}
	out := make([]Message, len(rows))
	for i, r := range rows {
		out[i] = r.toMessage()
	}
	return out, nil
}

// Messages lists a district's messages, newest first, at most limit; with
// transport set, only those sent through it (the development mailbox).
func (s *Store) Messages(ctx context.Context, districtID, transport string, limit int) ([]Message, error) {
	q := s.read(ctx).db.Where("district_id = ?", districtID)
	if transport != "" {
		q = q.Where("transport = ?", transport)
	}
	var rows []messageRow
	if err := q.Order("created_at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "message")
	}
	out := make([]Message, len(rows))
	for i, r := range rows {
		out[i] = r.toMessage()
	}
	return out, nil
}

// FollowUpInvite is one invited observer of a scheduled follow-up.
type FollowUpInvite struct {
	FollowUpID    string
	CycleID       string
	DistrictID    string
	TimeZone      string
	StartsAt      time.Time
	SchoolName    string
	TeacherName   string
	ObserverEmail string
	ObserverName  string
}

// FollowUpInvites lists the active invited observers of every district's
// scheduled follow-ups that start in [from, to).
func (s *Store) FollowUpInvites(ctx context.Context, from, to time.Time) ([]FollowUpInvite, error) {
	var rows []struct {
		FollowUpID, CycleID, DistrictID, TimeZone, SchoolName, GivenName, FamilyName, ObserverEmail, ObserverName string
		StartsAt                                                                                                  time.Time
	}
	err := s.read(ctx).db.Raw(`SELECT f.id AS follow_up_id, f.cycle_id, f.district_id, d.time_zone, f.starts_at, s.name AS school_name,
			t.given_name, t.family_name, u.email AS observer_email, u.name AS observer_name
		FROM follow_ups f
		JOIN districts d ON d.id = f.district_id
		JOIN schools s ON s.id = f.school_id
		JOIN teachers t ON t.id = f.teacher_id
		JOIN follow_up_observers o ON o.follow_up_id = f.id
		JOIN users u ON u.id = o.user_id AND u.district_id = f.district_id
		WHERE f.status = 'scheduled' AND f.deleted_at IS NULL AND u.active AND f.starts_at >= ? AND f.starts_at < ?
		ORDER BY f.starts_at, f.id, u.email`, from.UTC(), to.UTC()).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "follow-up")
	}
	out := make([]FollowUpInvite, len(rows))
	for i, r := range rows {
		out[i] = FollowUpInvite{FollowUpID: r.FollowUpID, CycleID: r.CycleID, DistrictID: r.DistrictID, TimeZone: r.TimeZone, StartsAt: r.StartsAt,
			SchoolName: r.SchoolName, TeacherName: strings.TrimSpace(r.GivenName + " " + r.FamilyName),
			ObserverEmail: r.ObserverEmail, ObserverName: r.ObserverName}
	}
	return out, nil
}

// DistrictMessage is one of a district's messages by id; not found when it
// is another district's or, with transport set, went another way.
func (s *Store) DistrictMessage(ctx context.Context, districtID, id, transport string) (Message, error) {
	q := s.read(ctx).db.Where("district_id = ? AND id = ?", districtID, id)
	if transport != "" {
		q = q.Where("transport = ?", transport)
	}
	var row messageRow
	if err := q.Take(&row).Error; err != nil {
		return Message{}, translate(err, "message")
	}
	return row.toMessage(), nil
}

// UnsentMessageStates counts every district's messages not sent yet: those
// waiting for an attempt (queued), those whose last attempt failed with
// attempts left (retrying), and those that used all of maxAttempts
// (failed).
func (s *Store) UnsentMessageStates(ctx context.Context, maxAttempts int) (map[string]int64, error) {
	var rows []struct {
		State string
		N     int64
	}
	if err := s.read(ctx).db.Raw(`SELECT CASE WHEN last_error = '' THEN 'queued' WHEN attempts >= ? THEN 'failed' ELSE 'retrying' END AS state,
			COUNT(*) AS n
		FROM messages WHERE state = 'queued' GROUP BY 1`, maxAttempts).Scan(&rows).Error; err != nil {
		return nil, translate(err, "message")
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}
