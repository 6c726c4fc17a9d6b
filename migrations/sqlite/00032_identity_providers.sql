-- Single sign-on: a district's identity provider (OpenID Connect), the
-- e-mail domains it answers for (one district per domain, for the sign-in
-- screen's button), and the short-lived single-use records of a sign-in in
-- flight: the authorization request (state, nonce, PKCE verifier), kept in
-- the database so that any server may receive the provider's answer, and
-- the code the app exchanges for its session. The client secret is stored
-- sealed when the servers have a key encryption key (see docs/decisions.md).

-- +goose Up
CREATE TABLE identity_providers (
    district_id     text PRIMARY KEY REFERENCES districts (id),
    issuer          text NOT NULL,
    client_id       text NOT NULL,
    client_secret   text NOT NULL,
    domains         text NOT NULL DEFAULT '[]',
    label           text NOT NULL,
    label_text      text NOT NULL DEFAULT '',
    passwords_off   boolean NOT NULL DEFAULT 0,
    rev             bigint NOT NULL DEFAULT 1,
    created_at      datetime NOT NULL,
    updated_at      datetime NOT NULL
);

CREATE TABLE identity_provider_domains (
    domain       text PRIMARY KEY,
    district_id  text NOT NULL REFERENCES identity_providers (district_id) ON DELETE CASCADE
);
CREATE INDEX identity_provider_domains_district ON identity_provider_domains (district_id);

CREATE TABLE sso_requests (
    state_hash    text PRIMARY KEY,
    district_id   text NOT NULL REFERENCES districts (id),
    nonce         text NOT NULL,
    verifier      text NOT NULL,
    binding_hash  text NOT NULL,
    expires_at    datetime NOT NULL,
    used_at       datetime,
    created_at    datetime NOT NULL
);
CREATE INDEX sso_requests_expiry ON sso_requests (expires_at);

CREATE TABLE sso_handoffs (
    code_hash    text PRIMARY KEY,
    district_id  text NOT NULL REFERENCES districts (id),
    user_id      text NOT NULL REFERENCES users (id),
    expires_at   datetime NOT NULL,
    used_at      datetime,
    created_at   datetime NOT NULL
);
CREATE INDEX sso_handoffs_expiry ON sso_handoffs (expires_at);

-- +goose Down
DROP TABLE sso_handoffs;
DROP TABLE sso_requests;
DROP TABLE identity_provider_domains;
DROP TABLE identity_providers;
