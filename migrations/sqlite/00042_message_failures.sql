-- Why a message was last not sent, in plain words for the district's
-- administrators (the Jobs screen), and when. A message is sent by a job
-- (River's send_message on PostgreSQL, the sending job on the embedded
-- database); this is what both tell administrators of the attempts that
-- failed. Both are cleared when the message is sent or retried.

-- +goose Up
ALTER TABLE messages ADD COLUMN last_error text NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN failed_at datetime;

-- +goose Down
ALTER TABLE messages DROP COLUMN failed_at;
ALTER TABLE messages DROP COLUMN last_error;
