-- Support requests: a principal or supervisor asks for coaching support at a
-- school (for some of its teachers, or the school as a whole) on some
-- indicators, with why and by when; whoever assigns coaches assigns one or
-- declines with a reason; a cycle of support may open from it. Teachers and
-- indicators are short lists kept as JSON arrays, as observations keep
-- their tags.

-- +goose Up
CREATE TABLE support_requests (
    id              uuid PRIMARY KEY,
    district_id     uuid NOT NULL REFERENCES districts (id),
    school_id       uuid NOT NULL REFERENCES schools (id),
    requester_id    uuid NOT NULL REFERENCES users (id),
    teacher_ids     text NOT NULL DEFAULT '[]',
    indicator_keys  text NOT NULL DEFAULT '[]',
    reason          text NOT NULL,
    needed_by       date,
    source          text NOT NULL DEFAULT '',
    status          text NOT NULL CHECK (status IN ('open', 'assigned', 'declined', 'withdrawn')),
    coach_id        uuid REFERENCES users (id),
    decline_reason  text NOT NULL DEFAULT '',
    decided_by      uuid REFERENCES users (id),
    decided_at      timestamptz,
    cycle_id        uuid REFERENCES cycles (id),
    device_id       uuid,
    rev             bigint NOT NULL DEFAULT 1,
    deleted_at      timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX support_requests_school ON support_requests (district_id, school_id, status);
CREATE INDEX support_requests_coach ON support_requests (coach_id, status);
CREATE INDEX support_requests_requester ON support_requests (requester_id);

-- +goose Down
DROP TABLE support_requests;
