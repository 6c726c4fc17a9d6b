-- Every writable resource has a revision that a write may name, so that
-- two administrators editing the same record cannot overwrite each other
-- without knowing: schools and teachers had one; users and districts get
-- theirs. A PATCH that names a revision other than the current one is
-- refused with 409.

-- +goose Up
ALTER TABLE users ADD COLUMN rev bigint NOT NULL DEFAULT 1;
ALTER TABLE districts ADD COLUMN rev bigint NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE districts DROP COLUMN rev;
ALTER TABLE users DROP COLUMN rev;
