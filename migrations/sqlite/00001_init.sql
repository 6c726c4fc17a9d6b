-- The whole domain as the product knows it: tenants, roster, access,
-- rubrics, visits, cycles of support, sync bookkeeping, rollups and audit.
-- Every tenant table carries district_id.

-- +goose Up
-- SQLite: uuids are text, times are datetime text in UTC, booleans 0/1.
CREATE TABLE districts (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    time_zone   text NOT NULL,
    settings    text NOT NULL DEFAULT '{}',
    created_at  datetime NOT NULL,
    updated_at  datetime NOT NULL
);

CREATE TABLE schools (
    id           text PRIMARY KEY,
    district_id  text NOT NULL REFERENCES districts (id),
    external_id  text,
    name         text NOT NULL,
    grade_band   text NOT NULL DEFAULT '',
    active       boolean NOT NULL DEFAULT true,
    rev          bigint NOT NULL DEFAULT 1,
    created_at   datetime NOT NULL,
    updated_at   datetime NOT NULL
);
CREATE UNIQUE INDEX schools_external_id ON schools (district_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX schools_district ON schools (district_id, name);

CREATE TABLE teachers (
    id           text PRIMARY KEY,
    district_id  text NOT NULL REFERENCES districts (id),
    school_id    text NOT NULL REFERENCES schools (id),
    external_id  text,
    given_name   text NOT NULL DEFAULT '',
    family_name  text NOT NULL DEFAULT '',
    email        text NOT NULL DEFAULT '',
    grades       text NOT NULL DEFAULT '[]',
    subjects     text NOT NULL DEFAULT '[]',
    active       boolean NOT NULL DEFAULT true,
    rev          bigint NOT NULL DEFAULT 1,
    created_at   datetime NOT NULL,
    updated_at   datetime NOT NULL
);
CREATE UNIQUE INDEX teachers_external_id ON teachers (district_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX teachers_school ON teachers (school_id, family_name);
CREATE INDEX teachers_district ON teachers (district_id);

CREATE TABLE users (
    id              text PRIMARY KEY,
    district_id     text NOT NULL REFERENCES districts (id),
    external_id     text,
    email           text NOT NULL,
    name            text NOT NULL,
    password_hash   text NOT NULL DEFAULT '',
    active          boolean NOT NULL DEFAULT true,
    calendar_token  text,
    created_at      datetime NOT NULL,
    updated_at      datetime NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email);
CREATE UNIQUE INDEX users_external_id ON users (district_id, external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX users_calendar_token ON users (calendar_token) WHERE calendar_token IS NOT NULL;
CREATE INDEX users_district ON users (district_id);

CREATE TABLE role_grants (
    id           text PRIMARY KEY,
    district_id  text NOT NULL REFERENCES districts (id),
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         text NOT NULL CHECK (role IN ('district_admin', 'supervisor', 'principal', 'coach', 'observer', 'teacher')),
    school_id    text REFERENCES schools (id),
    created_at   datetime NOT NULL
);
CREATE UNIQUE INDEX role_grants_school ON role_grants (user_id, role, school_id) WHERE school_id IS NOT NULL;
CREATE UNIQUE INDEX role_grants_district ON role_grants (user_id, role) WHERE school_id IS NULL;
CREATE INDEX role_grants_school_id ON role_grants (school_id);

CREATE TABLE devices (
    id            text PRIMARY KEY,
    district_id   text NOT NULL REFERENCES districts (id),
    user_id       text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          text NOT NULL DEFAULT '',
    user_agent    text NOT NULL DEFAULT '',
    created_at    datetime NOT NULL,
    last_seen_at  datetime NOT NULL
);
CREATE INDEX devices_user ON devices (user_id);

CREATE TABLE refresh_tokens (
    id           text PRIMARY KEY,
    district_id  text NOT NULL REFERENCES districts (id),
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id    text REFERENCES devices (id) ON DELETE SET NULL,
    family_id    text NOT NULL,
    token_hash   text NOT NULL,
    created_at   datetime NOT NULL,
    expires_at   datetime NOT NULL,
    used_at      datetime,
    revoked_at   datetime,
    replaced_by  text
);
CREATE UNIQUE INDEX refresh_tokens_hash ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE rubrics (
    id           text PRIMARY KEY,
    district_id  text NOT NULL REFERENCES districts (id),
    name         text NOT NULL,
    created_at   datetime NOT NULL,
    updated_at   datetime NOT NULL
);
CREATE INDEX rubrics_district ON rubrics (district_id);

CREATE TABLE rubric_versions (
    id            text PRIMARY KEY,
    district_id   text NOT NULL REFERENCES districts (id),
    rubric_id     text NOT NULL REFERENCES rubrics (id),
    version       integer NOT NULL,
    name          text NOT NULL,
    description   text NOT NULL DEFAULT '',
    status        text NOT NULL CHECK (status IN ('draft', 'published')),
    published_at  datetime,
    rev           bigint NOT NULL DEFAULT 1,
    created_at    datetime NOT NULL,
    updated_at    datetime NOT NULL,
    UNIQUE (rubric_id, version)
);
CREATE INDEX rubric_versions_district ON rubric_versions (district_id, status);

CREATE TABLE rubric_levels (
    rubric_version_id  text NOT NULL REFERENCES rubric_versions (id) ON DELETE CASCADE,
    district_id        text NOT NULL REFERENCES districts (id),
    value              smallint NOT NULL,
    label              text NOT NULL,
    PRIMARY KEY (rubric_version_id, value)
);

CREATE TABLE rubric_dimensions (
    rubric_version_id  text NOT NULL REFERENCES rubric_versions (id) ON DELETE CASCADE,
    key                text NOT NULL,
    district_id        text NOT NULL REFERENCES districts (id),
    name               text NOT NULL,
    position           integer NOT NULL,
    PRIMARY KEY (rubric_version_id, key)
);

CREATE TABLE rubric_indicators (
    rubric_version_id  text NOT NULL REFERENCES rubric_versions (id) ON DELETE CASCADE,
    key                text NOT NULL,
    district_id        text NOT NULL REFERENCES districts (id),
    dimension_key      text NOT NULL,
    name               text NOT NULL,
    position           integer NOT NULL,
    PRIMARY KEY (rubric_version_id, key),
    FOREIGN KEY (rubric_version_id, dimension_key) REFERENCES rubric_dimensions (rubric_version_id, key) ON DELETE CASCADE
);

CREATE TABLE indicator_descriptors (
    rubric_version_id  text NOT NULL,
    indicator_key      text NOT NULL,
    level              smallint NOT NULL,
    district_id        text NOT NULL REFERENCES districts (id),
    text               text NOT NULL,
    PRIMARY KEY (rubric_version_id, indicator_key, level),
    FOREIGN KEY (rubric_version_id, indicator_key) REFERENCES rubric_indicators (rubric_version_id, key) ON DELETE CASCADE
);

CREATE TABLE walkthroughs (
    id                 text PRIMARY KEY,
    district_id        text NOT NULL REFERENCES districts (id),
    school_id          text NOT NULL REFERENCES schools (id),
    rubric_version_id  text NOT NULL REFERENCES rubric_versions (id),
    kind               text NOT NULL CHECK (kind IN ('classroom', 'leadership', 'follow_up', 'informal')),
    visit_date         date NOT NULL,
    lead_id            text NOT NULL REFERENCES users (id),
    focus              text NOT NULL DEFAULT '[]',
    debrief_notes      text NOT NULL DEFAULT '',
    device_id          text,
    rev                bigint NOT NULL DEFAULT 1,
    deleted_at         datetime,
    created_at         datetime NOT NULL,
    updated_at         datetime NOT NULL
);
CREATE INDEX walkthroughs_school_date ON walkthroughs (district_id, school_id, visit_date);

CREATE TABLE walkthrough_members (
    walkthrough_id  text NOT NULL REFERENCES walkthroughs (id) ON DELETE CASCADE,
    user_id         text NOT NULL REFERENCES users (id),
    district_id     text NOT NULL REFERENCES districts (id),
    PRIMARY KEY (walkthrough_id, user_id)
);
CREATE INDEX walkthrough_members_user ON walkthrough_members (user_id);

CREATE TABLE cycles (
    id                   text PRIMARY KEY,
    district_id          text NOT NULL REFERENCES districts (id),
    school_id            text NOT NULL REFERENCES schools (id),
    coach_id             text NOT NULL REFERENCES users (id),
    rubric_id            text REFERENCES rubrics (id),
    focus_indicator_key  text NOT NULL,
    focus_shift          text NOT NULL DEFAULT '',
    status               text NOT NULL CHECK (status IN ('planned', 'active', 'completed', 'abandoned')),
    outcome              text NOT NULL DEFAULT '' CHECK (outcome IN ('', 'seen', 'partly', 'not_yet')),
    outcome_evidence     text NOT NULL DEFAULT '',
    started_on           date,
    ended_on             date,
    device_id            text,
    rev                  bigint NOT NULL DEFAULT 1,
    deleted_at           datetime,
    created_at           datetime NOT NULL,
    updated_at           datetime NOT NULL
);
CREATE INDEX cycles_school ON cycles (district_id, school_id, status);
CREATE INDEX cycles_coach ON cycles (coach_id, status);

CREATE TABLE cycle_teachers (
    cycle_id     text NOT NULL REFERENCES cycles (id) ON DELETE CASCADE,
    teacher_id   text NOT NULL REFERENCES teachers (id),
    district_id  text NOT NULL REFERENCES districts (id),
    PRIMARY KEY (cycle_id, teacher_id)
);
CREATE INDEX cycle_teachers_teacher ON cycle_teachers (teacher_id);

CREATE TABLE cycle_activities (
    id           text PRIMARY KEY,
    district_id  text NOT NULL REFERENCES districts (id),
    cycle_id     text NOT NULL REFERENCES cycles (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('pl_session', 'plc_meeting', 'one_on_one', 'co_teaching', 'modeling', 'other')),
    occurred_on  date NOT NULL,
    notes        text NOT NULL DEFAULT '',
    author_id    text NOT NULL REFERENCES users (id),
    device_id    text,
    rev          bigint NOT NULL DEFAULT 1,
    deleted_at   datetime,
    created_at   datetime NOT NULL,
    updated_at   datetime NOT NULL
);
CREATE INDEX cycle_activities_cycle ON cycle_activities (cycle_id, occurred_on);

CREATE TABLE follow_ups (
    id              text PRIMARY KEY,
    district_id     text NOT NULL REFERENCES districts (id),
    cycle_id        text NOT NULL REFERENCES cycles (id) ON DELETE CASCADE,
    school_id       text NOT NULL REFERENCES schools (id),
    teacher_id      text NOT NULL REFERENCES teachers (id),
    starts_at       datetime NOT NULL,
    ends_at         datetime NOT NULL,
    status          text NOT NULL CHECK (status IN ('scheduled', 'done', 'cancelled')),
    observation_id  text REFERENCES observations (id),
    notes           text NOT NULL DEFAULT '',
    device_id       text,
    rev             bigint NOT NULL DEFAULT 1,
    deleted_at      datetime,
    created_at      datetime NOT NULL,
    updated_at      datetime NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX follow_ups_teacher_time ON follow_ups (teacher_id, starts_at);
CREATE INDEX follow_ups_district_time ON follow_ups (district_id, starts_at);
CREATE INDEX follow_ups_cycle ON follow_ups (cycle_id);

CREATE TABLE follow_up_observers (
    follow_up_id  text NOT NULL REFERENCES follow_ups (id) ON DELETE CASCADE,
    user_id       text NOT NULL REFERENCES users (id),
    district_id   text NOT NULL REFERENCES districts (id),
    PRIMARY KEY (follow_up_id, user_id)
);
CREATE INDEX follow_up_observers_user ON follow_up_observers (user_id);

CREATE TABLE observations (
    id                 text PRIMARY KEY,
    district_id        text NOT NULL REFERENCES districts (id),
    school_id          text NOT NULL REFERENCES schools (id),
    walkthrough_id     text REFERENCES walkthroughs (id),
    follow_up_id       text REFERENCES follow_ups (id),
    teacher_id         text NOT NULL REFERENCES teachers (id),
    observer_id        text NOT NULL REFERENCES users (id),
    rubric_version_id  text NOT NULL REFERENCES rubric_versions (id),
    kind               text NOT NULL CHECK (kind IN ('classroom', 'leadership', 'follow_up', 'informal')),
    grade              text NOT NULL DEFAULT '',
    grade_band         text NOT NULL DEFAULT '',
    subject            text NOT NULL DEFAULT '',
    started_at         datetime NOT NULL,
    ended_at           datetime,
    status             text NOT NULL CHECK (status IN ('draft', 'submitted')),
    evidence           text NOT NULL DEFAULT '',
    tags               text NOT NULL DEFAULT '[]',
    device_id          text,
    rev                bigint NOT NULL DEFAULT 1,
    submitted_at       datetime,
    received_at        datetime NOT NULL,
    clock_skewed       boolean NOT NULL DEFAULT false,
    deleted_at         datetime,
    created_at         datetime NOT NULL,
    updated_at         datetime NOT NULL
);
CREATE INDEX observations_school_time ON observations (district_id, school_id, started_at);
CREATE INDEX observations_teacher_time ON observations (teacher_id, started_at);
CREATE INDEX observations_walkthrough ON observations (walkthrough_id);
CREATE INDEX observations_observer ON observations (observer_id, started_at);
CREATE INDEX observations_follow_up ON observations (follow_up_id);

CREATE TABLE scores (
    observation_id     text NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
    indicator_key      text NOT NULL,
    district_id        text NOT NULL REFERENCES districts (id),
    rubric_version_id  text NOT NULL,
    level              smallint,
    evidence           text NOT NULL DEFAULT '',
    PRIMARY KEY (observation_id, indicator_key),
    FOREIGN KEY (rubric_version_id, indicator_key) REFERENCES rubric_indicators (rubric_version_id, key)
);

CREATE TABLE attachments (
    id              text PRIMARY KEY,
    district_id     text NOT NULL REFERENCES districts (id),
    observation_id  text NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
    content_type    text NOT NULL DEFAULT '',
    size            bigint NOT NULL DEFAULT 0,
    sha256          text NOT NULL DEFAULT '',
    stored_at       datetime,
    created_at      datetime NOT NULL
);
CREATE INDEX attachments_observation ON attachments (observation_id);

CREATE TABLE next_steps (
    id              text PRIMARY KEY,
    district_id     text NOT NULL REFERENCES districts (id),
    walkthrough_id  text REFERENCES walkthroughs (id),
    school_id       text NOT NULL REFERENCES schools (id),
    owner_id        text NOT NULL REFERENCES users (id),
    action          text NOT NULL,
    due_on          date,
    indicator_key   text NOT NULL DEFAULT '',
    done_at         datetime,
    device_id       text,
    rev             bigint NOT NULL DEFAULT 1,
    deleted_at      datetime,
    created_at      datetime NOT NULL,
    updated_at      datetime NOT NULL
);
CREATE INDEX next_steps_owner ON next_steps (owner_id, due_on);
CREATE INDEX next_steps_walkthrough ON next_steps (walkthrough_id);

-- Sync bookkeeping: every applied change once, and a log that pulls read in
-- commit order.
CREATE TABLE applied_changes (
    change_id     text PRIMARY KEY,
    district_id   text NOT NULL REFERENCES districts (id),
    device_id     text NOT NULL,
    user_id       text NOT NULL REFERENCES users (id),
    entity        text NOT NULL,
    record_id     text NOT NULL,
    payload_hash  text NOT NULL,
    result        text NOT NULL,
    applied_at    datetime NOT NULL
);
CREATE INDEX applied_changes_applied_at ON applied_changes (applied_at);

CREATE TABLE change_log (
    seq          integer PRIMARY KEY AUTOINCREMENT,
    district_id  text NOT NULL REFERENCES districts (id),
    entity       text NOT NULL,
    record_id    text NOT NULL,
    school_id    text,
    rev          bigint NOT NULL,
    deleted      boolean NOT NULL DEFAULT false,
    changed_at   datetime NOT NULL
);
CREATE INDEX change_log_district_seq ON change_log (district_id, seq);
CREATE INDEX change_log_record ON change_log (record_id);

-- The change log is compacted: superseded entries go, and tombstones older
-- than the longest allowed offline period. A cursor below the horizon can no
-- longer be served (410) and the device starts again from a snapshot.
CREATE TABLE change_log_horizon (
    district_id  text PRIMARY KEY REFERENCES districts (id),
    seq          bigint NOT NULL,
    compacted_at datetime NOT NULL
);

-- Rollups: one row per cell and level, maintained in the transaction that
-- changes the scores they count. Trends read only these.
CREATE TABLE rollups (
    district_id    text NOT NULL REFERENCES districts (id),
    school_id      text NOT NULL REFERENCES schools (id),
    rubric_id      text NOT NULL REFERENCES rubrics (id),
    dimension_key  text NOT NULL,
    indicator_key  text NOT NULL,
    period_start     date NOT NULL,
    week_start      date NOT NULL,
    month_start     date NOT NULL,
    grade_band     text NOT NULL,
    subject        text NOT NULL,
    kind           text NOT NULL,
    level          smallint NOT NULL,
    n              bigint NOT NULL,
    PRIMARY KEY (district_id, rubric_id, period_start, school_id, dimension_key, indicator_key, grade_band, subject, kind, level)
);
CREATE INDEX rollups_school_week ON rollups (school_id, period_start);
CREATE INDEX rollups_week ON rollups (district_id, rubric_id, week_start);
CREATE INDEX rollups_month ON rollups (district_id, rubric_id, month_start);

-- Observation counts per cell, so that a dimension's "how many visits" is
-- exact and not a sum over indicators.
CREATE TABLE rollup_observations (
    district_id  text NOT NULL REFERENCES districts (id),
    school_id    text NOT NULL REFERENCES schools (id),
    rubric_id    text NOT NULL REFERENCES rubrics (id),
    period_start   date NOT NULL,
    week_start      date NOT NULL,
    month_start     date NOT NULL,
    grade_band   text NOT NULL,
    subject      text NOT NULL,
    kind         text NOT NULL,
    n            bigint NOT NULL,
    PRIMARY KEY (district_id, rubric_id, period_start, school_id, grade_band, subject, kind)
);

CREATE TABLE audit_log (
    id           text PRIMARY KEY,
    district_id  text NOT NULL REFERENCES districts (id),
    at           datetime NOT NULL,
    actor_id     text,
    action       text NOT NULL,
    entity       text NOT NULL DEFAULT '',
    entity_id    text NOT NULL DEFAULT '',
    detail       text NOT NULL DEFAULT '{}',
    ip           text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_district_at ON audit_log (district_id, at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);

-- Failed sign-ins per account and per client address, so that throttling
-- holds across replicas. Not tenant data: the key may name no known user.
CREATE TABLE login_throttle (
    key            text PRIMARY KEY,
    window_start   datetime NOT NULL,
    failures       integer NOT NULL,
    blocked_until  datetime
);

-- +goose Down
DROP TABLE login_throttle;
DROP TABLE audit_log;
DROP TABLE rollup_observations;
DROP TABLE rollups;
DROP TABLE change_log_horizon;
DROP TABLE change_log;
DROP TABLE applied_changes;
DROP TABLE next_steps;
DROP TABLE attachments;
DROP TABLE scores;
DROP TABLE observations;
DROP TABLE follow_up_observers;
DROP TABLE follow_ups;
DROP TABLE cycle_activities;
DROP TABLE cycle_teachers;
DROP TABLE cycles;
DROP TABLE walkthrough_members;
DROP TABLE walkthroughs;
DROP TABLE indicator_descriptors;
DROP TABLE rubric_indicators;
DROP TABLE rubric_dimensions;
DROP TABLE rubric_levels;
DROP TABLE rubric_versions;
DROP TABLE rubrics;
DROP TABLE refresh_tokens;
DROP TABLE devices;
DROP TABLE role_grants;
DROP TABLE users;
DROP TABLE teachers;
DROP TABLE schools;
DROP TABLE districts;
