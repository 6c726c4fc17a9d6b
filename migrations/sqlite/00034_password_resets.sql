-- Password resets: a single-use link sent by e-mail, valid 30 minutes. Only
-- the SHA-256 of the link's token is kept.

-- +goose Up
CREATE TABLE password_resets (
    id           text PRIMARY KEY,
    district_id  text NOT NULL REFERENCES districts (id),
    user_id      text NOT NULL REFERENCES users (id),
    token_hash   text NOT NULL UNIQUE,
    expires_at   datetime NOT NULL,
    used_at      datetime,
    created_at   datetime NOT NULL
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- +goose Down
DROP TABLE password_resets;
