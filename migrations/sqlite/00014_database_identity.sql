-- The database's identity: a random id made once, when the schema is
-- created, and never changed. Pull cursors carry it, so a cursor that some
-- other database gave (a device pointed at a new server, a database
-- rebuilt from scratch) is answered 410 and the device takes a fresh
-- snapshot. A copy of the file keeps the row; what tells a restored
-- database from the one a cursor came from is its change log (see
-- docs/decisions.md, "Pull cursors name their database, position and scope").

-- +goose Up
CREATE TABLE database_identity (
    one        boolean PRIMARY KEY DEFAULT true CHECK (one),
    id         text NOT NULL,
    created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO database_identity (id) VALUES (lower(hex(randomblob(16))));

-- +goose Down
DROP TABLE database_identity;
