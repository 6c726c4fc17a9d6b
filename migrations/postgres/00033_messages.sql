-- Messages: every e-mail the server sends. The key (kind, recipient,
-- subject record, day) is unique, so that a reminder decided twice (two
-- servers, a retried job) is one row and is sent once. A message is
-- queued, then claimed for sending (claimed_at), then sent. transport is
-- smtp, or mailbox when no SMTP server is configured: the development
-- mailbox that district administrators read in the app.

-- +goose Up
CREATE TABLE messages (
    id           uuid PRIMARY KEY,
    district_id  uuid NOT NULL REFERENCES districts (id),
    kind         text NOT NULL,
    recipient    text NOT NULL,
    subject_id   text NOT NULL,
    day          text NOT NULL,
    subject      text NOT NULL,
    body         text NOT NULL,
    headers      text NOT NULL DEFAULT '{}',
    state        text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent')),
    transport    text NOT NULL DEFAULT '',
    attempts     integer NOT NULL DEFAULT 0,
    claimed_at   timestamptz,
    created_at   timestamptz NOT NULL,
    sent_at      timestamptz,
    UNIQUE (kind, recipient, subject_id, day)
);
CREATE INDEX messages_district_created ON messages (district_id, created_at);

-- +goose Down
DROP TABLE messages;
