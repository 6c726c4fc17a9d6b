-- A score belongs to its observation and to the observation's district: one
-- composite key checks both, where two keys checked them apart and never
-- that the two agree. The indicator key is checked against the published
-- rubric version, which never changes, before a score is written; a key
-- on it cost a lookup per score row, the largest part of a push.

-- A push adds to many rollup rows. With room left on each page, the new
-- version of a row goes on the same page (a HOT update) and none of the
-- table's indexes grows; full pages made every update a new entry in each.

-- Trend queries read rollups by a range of the primary key (district,
-- rubric, period), so the indexes by week and month went: each was one more
-- entry to write for every row a push adds to. The index by school and
-- period stays: a principal's or supervisor's schools are a small part of
-- the district's rows.

-- +goose Up
CREATE UNIQUE INDEX observations_id_district ON observations (id, district_id);
ALTER TABLE scores
    DROP CONSTRAINT scores_observation_id_fkey,
    DROP CONSTRAINT scores_district_id_fkey,
    DROP CONSTRAINT scores_rubric_version_id_indicator_key_fkey,
    ADD CONSTRAINT scores_observation FOREIGN KEY (observation_id, district_id) REFERENCES observations (id, district_id) ON DELETE CASCADE;
ALTER TABLE rollups SET (fillfactor = 70);
ALTER TABLE rollup_observations SET (fillfactor = 70);
ALTER TABLE dimension_rollups SET (fillfactor = 70);
DROP INDEX rollups_week;
DROP INDEX rollups_month;

-- +goose Down
CREATE INDEX rollups_week ON rollups (district_id, rubric_id, week_start);
CREATE INDEX rollups_month ON rollups (district_id, rubric_id, month_start);
ALTER TABLE rollups RESET (fillfactor);
ALTER TABLE rollup_observations RESET (fillfactor);
ALTER TABLE dimension_rollups RESET (fillfactor);
ALTER TABLE scores
    DROP CONSTRAINT scores_observation,
    ADD CONSTRAINT scores_observation_id_fkey FOREIGN KEY (observation_id) REFERENCES observations (id) ON DELETE CASCADE,
    ADD CONSTRAINT scores_district_id_fkey FOREIGN KEY (district_id) REFERENCES districts (id),
    ADD CONSTRAINT scores_rubric_version_id_indicator_key_fkey FOREIGN KEY (rubric_version_id, indicator_key) REFERENCES rubric_indicators (rubric_version_id, key);
DROP INDEX observations_id_district;
