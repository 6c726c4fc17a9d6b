-- What each roster import changed, record by record, with each record's
-- revision after the import, so that an administrator can undo the import
-- from its audit entry: what it deactivated is reactivated, what it created
-- deactivated, what it changed changed back, and a record changed since is
-- reported rather than overwritten.

-- +goose Up
CREATE TABLE roster_imports (
    id           uuid PRIMARY KEY,
    district_id  uuid NOT NULL REFERENCES districts (id),
    actor_id     uuid,
    at           timestamptz NOT NULL,
    kind         text NOT NULL,
    mode         text NOT NULL,
    steps        text NOT NULL DEFAULT '[]',
    undone_at    timestamptz,
    undone_by    uuid
);
CREATE INDEX roster_imports_district_at ON roster_imports (district_id, at);

-- +goose Down
DROP TABLE roster_imports;
