-- Password resets: a single-use link sent by e-mail, valid 30 minutes. Only
-- the SHA-256 of the link's token is kept.

-- +goose Up
CREATE TABLE password_resets (
    id           uuid PRIMARY KEY,
    district_id  uuid NOT NULL REFERENCES districts (id),
    user_id      uuid NOT NULL REFERENCES users (id),
    token_hash   text NOT NULL UNIQUE,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    created_at   timestamptz NOT NULL
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- +goose Down
DROP TABLE password_resets;
