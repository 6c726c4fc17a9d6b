-- Rollups hold one row per cell with the count at each level side by side
-- (l0 to l10, the most a scale may have), as the dimension rollups do,
-- where they held a row per cell and level. A push adds to a cell once, not
-- once per level it scored: a third of the rows to lock and rewrite, and a
-- trend reads a third of the rows. A cell's count and sum follow from its
-- levels.

-- +goose Up
CREATE TABLE rollups_cells (
    district_id    text NOT NULL REFERENCES districts (id),
    school_id      text NOT NULL REFERENCES schools (id),
    rubric_id      text NOT NULL REFERENCES rubrics (id),
    dimension_key  text NOT NULL,
    indicator_key  text NOT NULL,
    period_start   date NOT NULL,
    week_start     date NOT NULL,
    month_start    date NOT NULL,
    grade_band     text NOT NULL,
    subject        text NOT NULL,
    kind           text NOT NULL,
    l0             bigint NOT NULL DEFAULT 0,
    l1             bigint NOT NULL DEFAULT 0,
    l2             bigint NOT NULL DEFAULT 0,
    l3             bigint NOT NULL DEFAULT 0,
    l4             bigint NOT NULL DEFAULT 0,
    l5             bigint NOT NULL DEFAULT 0,
    l6             bigint NOT NULL DEFAULT 0,
    l7             bigint NOT NULL DEFAULT 0,
    l8             bigint NOT NULL DEFAULT 0,
    l9             bigint NOT NULL DEFAULT 0,
    l10            bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (district_id, rubric_id, period_start, school_id, dimension_key, indicator_key, grade_band, subject, kind)
);
INSERT INTO rollups_cells (district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10)
SELECT district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, SUM(CASE WHEN level = 0 THEN n ELSE 0 END), SUM(CASE WHEN level = 1 THEN n ELSE 0 END), SUM(CASE WHEN level = 2 THEN n ELSE 0 END), SUM(CASE WHEN level = 3 THEN n ELSE 0 END), SUM(CASE WHEN level = 4 THEN n ELSE 0 END), SUM(CASE WHEN level = 5 THEN n ELSE 0 END), SUM(CASE WHEN level = 6 THEN n ELSE 0 END), SUM(CASE WHEN level = 7 THEN n ELSE 0 END), SUM(CASE WHEN level = 8 THEN n ELSE 0 END), SUM(CASE WHEN level = 9 THEN n ELSE 0 END), SUM(CASE WHEN level = 10 THEN n ELSE 0 END)
FROM rollups
GROUP BY district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind;
DROP TABLE rollups;
ALTER TABLE rollups_cells RENAME TO rollups;
CREATE INDEX rollups_school_week ON rollups (school_id, period_start);

-- +goose Down
CREATE TABLE rollups_levels (
    district_id    text NOT NULL REFERENCES districts (id),
    school_id      text NOT NULL REFERENCES schools (id),
    rubric_id      text NOT NULL REFERENCES rubrics (id),
    dimension_key  text NOT NULL,
    indicator_key  text NOT NULL,
    period_start   date NOT NULL,
    week_start     date NOT NULL,
    month_start    date NOT NULL,
    grade_band     text NOT NULL,
    subject        text NOT NULL,
    kind           text NOT NULL,
    level          smallint NOT NULL,
    n              bigint NOT NULL,
    PRIMARY KEY (district_id, rubric_id, period_start, school_id, dimension_key, indicator_key, grade_band, subject, kind, level)
);
ALTER TABLE rollups RENAME TO rollups_cells;
INSERT INTO rollups_levels (district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, level, n)
SELECT district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, 0, l0 FROM rollups_cells WHERE l0 <> 0
UNION ALL SELECT district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, 1, l1 FROM rollups_cells WHERE l1 <> 0
UNION ALL SELECT district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, 2, l2 FROM rollups_cells WHERE l2 <> 0
UNION ALL SELECT district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, 3, l3 FROM rollups_cells WHERE l3 <> 0
UNION ALL SELECT district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, 4, l4 FROM rollups_cells WHERE l4 <> 0
UNION ALL SELECT district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, 5, l5 FROM rollups_cells WHERE l5 <> 0
UNION ALL SELECT district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, 6, l6 FROM rollups_cells WHERE l6 <> 0
UNION ALL SELECT district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, 7, l7 FROM rollups_cells WHERE l7 <> 0
UNION ALL SELECT district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, 8, l8 FROM rollups_cells WHERE l8 <> 0
UNION ALL SELECT district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, 9, l9 FROM rollups_cells WHERE l9 <> 0
UNION ALL SELECT district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, 10, l10 FROM rollups_cells WHERE l10 <> 0;
DROP TABLE rollups_cells;
ALTER TABLE rollups_levels RENAME TO rollups;
CREATE INDEX rollups_school_week ON rollups (school_id, period_start);
