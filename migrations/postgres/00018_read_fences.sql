-- With a streaming standby for reads (WALKTHROUGH_READ_DATABASE_URL), a
-- user's reads that tolerate lag go to the standby only once it has
-- replayed the user's last write: lsn is the primary's WAL position just
-- after that write committed. Unused without a standby.

-- +goose Up
CREATE TABLE read_fences (
    user_id     text PRIMARY KEY,
    district_id text NOT NULL,
    lsn         text NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- +goose Down
DROP TABLE read_fences;
