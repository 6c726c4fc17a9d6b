-- Periodic work (rollup folding, change-log compaction) runs once per
-- period across every server on the database: a server that finds a job
-- due claims its period by moving last_started_at forward in one UPDATE,
-- which only one server can do for a given period. runs counts the
-- periods claimed.

-- +goose Up
CREATE TABLE periodic_runs (
    job             text PRIMARY KEY,
    last_started_at timestamptz NOT NULL,
    runs            bigint NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE periodic_runs;
