-- A score belongs to its observation and to the observation's district: one
-- composite key checks both. The indicator key is checked against the
-- published rubric version, which never changes, before a score is written.
-- SQLite changes a table's keys by building it again.

-- Trend queries read rollups by a range of the primary key (district,
-- rubric, period), so the indexes by week and month went: each was one more
-- entry to write for every row a push adds to. The index by school and
-- period stays: a principal's or supervisor's schools are a small part of
-- the district's rows.

-- +goose Up
CREATE UNIQUE INDEX observations_id_district ON observations (id, district_id);
CREATE TABLE scores_new (
    observation_id     text NOT NULL,
    indicator_key      text NOT NULL,
    district_id        text NOT NULL,
    rubric_version_id  text NOT NULL,
    level              smallint,
    evidence           text NOT NULL DEFAULT '',
    PRIMARY KEY (observation_id, indicator_key),
    FOREIGN KEY (observation_id, district_id) REFERENCES observations (id, district_id) ON DELETE CASCADE
);
INSERT INTO scores_new SELECT observation_id, indicator_key, district_id, rubric_version_id, level, evidence FROM scores;
DROP TABLE scores;
ALTER TABLE scores_new RENAME TO scores;
DROP INDEX rollups_week;
DROP INDEX rollups_month;

-- +goose Down
CREATE INDEX rollups_week ON rollups (district_id, rubric_id, week_start);
CREATE INDEX rollups_month ON rollups (district_id, rubric_id, month_start);
CREATE TABLE scores_old (
    observation_id     text NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
    indicator_key      text NOT NULL,
    district_id        text NOT NULL REFERENCES districts (id),
    rubric_version_id  text NOT NULL,
    level              smallint,
    evidence           text NOT NULL DEFAULT '',
    PRIMARY KEY (observation_id, indicator_key),
    FOREIGN KEY (rubric_version_id, indicator_key) REFERENCES rubric_indicators (rubric_version_id, key)
);
INSERT INTO scores_old SELECT observation_id, indicator_key, district_id, rubric_version_id, level, evidence FROM scores;
DROP TABLE scores;
ALTER TABLE scores_old RENAME TO scores;
DROP INDEX observations_id_district;
