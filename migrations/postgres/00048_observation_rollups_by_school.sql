-- The observation rollups by school and period, so that the share not
-- observed of a supervisor's or a principal's schools reads their periods
-- alone: the primary key puts the period before the school, and a year of
-- a few schools read through it scanned every school's periods. Pushes
-- write only the deltas; folding keeps the index.

-- +goose Up
CREATE INDEX rollup_observations_school ON rollup_observations (district_id, rubric_id, school_id, period_start);

-- +goose Down
DROP INDEX rollup_observations_school;
