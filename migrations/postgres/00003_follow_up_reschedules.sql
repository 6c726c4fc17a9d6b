-- Rescheduling a follow-up keeps where it was before: one row per move.

-- +goose Up
CREATE TABLE follow_up_reschedules (
    id              uuid PRIMARY KEY,
    district_id     uuid NOT NULL REFERENCES districts (id),
    follow_up_id    uuid NOT NULL REFERENCES follow_ups (id) ON DELETE CASCADE,
    from_starts_at  timestamptz NOT NULL,
    from_ends_at    timestamptz NOT NULL,
    to_starts_at    timestamptz NOT NULL,
    to_ends_at      timestamptz NOT NULL,
    changed_by      uuid NOT NULL REFERENCES users (id),
    changed_at      timestamptz NOT NULL
);
CREATE INDEX follow_up_reschedules_follow_up ON follow_up_reschedules (follow_up_id, changed_at);

-- +goose Down
DROP TABLE follow_up_reschedules;
