-- Feedback: an observation shared with the teacher observed. The observer
-- (or a coach of the school) chooses the indicators and evidence shown,
-- writes a strength and a next move, and next steps the teacher owns; the
-- teacher marks it read, replies and marks steps done. Private notes stay
-- with the observer and coach. Indicator keys and next steps are short
-- lists kept as JSON, as observations keep their tags.

-- +goose Up
CREATE TABLE feedback (
    id              text PRIMARY KEY,
    district_id     text NOT NULL REFERENCES districts (id),
    school_id       text NOT NULL REFERENCES schools (id),
    observation_id  text NOT NULL REFERENCES observations (id),
    teacher_id      text NOT NULL REFERENCES teachers (id),
    shared_by       text NOT NULL REFERENCES users (id),
    shared          boolean NOT NULL DEFAULT 0,
    indicator_keys  text NOT NULL DEFAULT '[]',
    share_evidence  boolean NOT NULL DEFAULT 0,
    strength        text NOT NULL DEFAULT '',
    next_move       text NOT NULL DEFAULT '',
    private_notes   text NOT NULL DEFAULT '',
    next_steps      text NOT NULL DEFAULT '[]',
    shared_at       datetime,
    read_at         datetime,
    reply           text NOT NULL DEFAULT '',
    replied_at      datetime,
    device_id       text,
    rev             bigint NOT NULL DEFAULT 1,
    deleted_at      datetime,
    created_at      datetime NOT NULL,
    updated_at      datetime NOT NULL
);
CREATE UNIQUE INDEX feedback_observation ON feedback (observation_id) WHERE deleted_at IS NULL;
CREATE INDEX feedback_teacher ON feedback (district_id, teacher_id);

-- +goose Down
DROP TABLE feedback;
