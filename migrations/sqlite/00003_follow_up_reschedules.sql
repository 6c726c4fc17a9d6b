-- Rescheduling a follow-up keeps where it was before: one row per move.

-- +goose Up
CREATE TABLE follow_up_reschedules (
    id              text PRIMARY KEY,
    district_id     text NOT NULL REFERENCES districts (id),
    follow_up_id    text NOT NULL REFERENCES follow_ups (id) ON DELETE CASCADE,
    from_starts_at  datetime NOT NULL,
    from_ends_at    datetime NOT NULL,
    to_starts_at    datetime NOT NULL,
    to_ends_at      datetime NOT NULL,
    changed_by      text NOT NULL REFERENCES users (id),
    changed_at      datetime NOT NULL
);
CREATE INDEX follow_up_reschedules_follow_up ON follow_up_reschedules (follow_up_id, changed_at);

-- +goose Down
DROP TABLE follow_up_reschedules;
