-- An observation's counting time: the time that puts it in a day, week and
-- month (rollups, trends, coverage, evidence, listings by time). It is the
-- device's started_at unless the device's clock was off, when it is the
-- time the server worked out (docs/decisions.md, "A device's wrong clock").
-- Observations stored before count where the rollups already hold them, at
-- started_at. SQLite adds a NOT NULL column only with a default, and a
-- made-up default would be worse than none: the column may hold NULL, and
-- the store writes it on every row. The indexes by time follow the counting
-- time, which is what the queries by time now read.

-- +goose Up
ALTER TABLE observations ADD COLUMN counted_at datetime;
UPDATE observations SET counted_at = started_at;
DROP INDEX observations_school_time;
DROP INDEX observations_teacher_time;
CREATE INDEX observations_school_time ON observations (district_id, school_id, counted_at);
CREATE INDEX observations_teacher_time ON observations (teacher_id, counted_at);

-- +goose Down
DROP INDEX observations_teacher_time;
DROP INDEX observations_school_time;
ALTER TABLE observations DROP COLUMN counted_at;
CREATE INDEX observations_school_time ON observations (district_id, school_id, started_at);
CREATE INDEX observations_teacher_time ON observations (teacher_id, started_at);
