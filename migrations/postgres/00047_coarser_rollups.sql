-- Coarser rollups, kept by folding alone:
--   - month rollups: the folded dimension, indicator and observation
--     rollups summed by month, so that a view by month or over a range
--     (the heat map) reads one row per school, dimension or indicator and
--     month instead of one per period (a week, or the part of a week in
--     one month). A range reads the months that lie wholly inside it from
--     these, the periods of its first and last month from the period
--     rollups, and every delta not yet folded, so the figures are the same;
--   - the district's submitted observations per period, without school,
--     grade band, subject or kind, for the district's line of "not
--     observed", instead of every school's rows.
-- The parts of a month a range cuts are read by period from the rollups,
-- which a new index on the period serves for every school at once (the
-- primary key puts the scope first).
-- They hold only what is folded: the folding job adds the rollups' deltas
-- to them in the same transaction as to the rollups, and pushes write
-- nothing here. The Up fills them from the folded rollups as they stand.

-- +goose Up
CREATE TABLE dimension_month_rollups (
    district_id    uuid NOT NULL,
    rubric_id      uuid NOT NULL,
    scope          text NOT NULL,
    dimension_key  text NOT NULL,
    month_start    date NOT NULL,
    observations   bigint NOT NULL DEFAULT 0,
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
    PRIMARY KEY (district_id, rubric_id, scope, month_start, dimension_key)
);
CREATE TABLE indicator_month_rollups (
    district_id    uuid NOT NULL,
    rubric_id      uuid NOT NULL,
    scope          text NOT NULL,
    dimension_key  text NOT NULL,
    indicator_key  text NOT NULL,
    month_start    date NOT NULL,
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
    PRIMARY KEY (district_id, rubric_id, scope, month_start, dimension_key, indicator_key)
);
CREATE TABLE rollup_observation_months (
    district_id    uuid NOT NULL,
    school_id      uuid NOT NULL,
    rubric_id      uuid NOT NULL,
    month_start    date NOT NULL,
    grade_band     text NOT NULL,
    subject        text NOT NULL,
    kind           text NOT NULL,
    n              bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (district_id, rubric_id, month_start, school_id, grade_band, subject, kind)
);
CREATE TABLE rollup_district_observations (
    district_id    uuid NOT NULL,
    rubric_id      uuid NOT NULL,
    period_start   date NOT NULL,
    week_start     date NOT NULL,
    month_start    date NOT NULL,
    n              bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (district_id, rubric_id, period_start)
);
CREATE INDEX dimension_rollups_period ON dimension_rollups (district_id, rubric_id, period_start);
CREATE INDEX indicator_rollups_period ON indicator_rollups (district_id, rubric_id, period_start);

INSERT INTO dimension_month_rollups (district_id, rubric_id, scope, dimension_key, month_start, observations, l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10)
SELECT district_id, rubric_id, scope, dimension_key, month_start, SUM(observations), SUM(l0), SUM(l1), SUM(l2), SUM(l3), SUM(l4), SUM(l5), SUM(l6), SUM(l7), SUM(l8), SUM(l9), SUM(l10)
FROM dimension_rollups GROUP BY district_id, rubric_id, scope, dimension_key, month_start;
INSERT INTO indicator_month_rollups (district_id, rubric_id, scope, dimension_key, indicator_key, month_start, l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10)
SELECT district_id, rubric_id, scope, dimension_key, indicator_key, month_start, SUM(l0), SUM(l1), SUM(l2), SUM(l3), SUM(l4), SUM(l5), SUM(l6), SUM(l7), SUM(l8), SUM(l9), SUM(l10)
FROM indicator_rollups GROUP BY district_id, rubric_id, scope, dimension_key, indicator_key, month_start;
INSERT INTO rollup_observation_months (district_id, school_id, rubric_id, month_start, grade_band, subject, kind, n)
SELECT district_id, school_id, rubric_id, month_start, grade_band, subject, kind, SUM(n)
FROM rollup_observations GROUP BY district_id, school_id, rubric_id, month_start, grade_band, subject, kind;
INSERT INTO rollup_district_observations (district_id, rubric_id, period_start, week_start, month_start, n)
SELECT district_id, rubric_id, period_start, week_start, month_start, SUM(n)
FROM rollup_observations GROUP BY district_id, rubric_id, period_start, week_start, month_start;

-- +goose Down
DROP INDEX indicator_rollups_period;
DROP INDEX dimension_rollups_period;
DROP TABLE rollup_district_observations;
DROP TABLE rollup_observation_months;
DROP TABLE indicator_month_rollups;
DROP TABLE dimension_month_rollups;
