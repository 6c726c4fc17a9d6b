-- Rollup deltas: what a change adds to (or, on amend and delete, takes from)
-- the rollups, written in the transaction that changes the scores, but
-- appended rather than added into the rollup rows. Adding into them locked
-- every cell a push touched until it committed, and every tablet of a
-- school touches the same cells, so pushes waited on each other. The server
-- folds the deltas into the rollups every second, many pushes' deltas in one
-- statement, and every read of the rollups adds the deltas not folded yet:
-- a trend is exact the moment a push is answered. The tables have no key or
-- index: rows are only appended, read whole and deleted whole.

-- +goose Up
CREATE TABLE rollup_deltas (
    district_id    text NOT NULL,
    school_id      text NOT NULL,
    rubric_id      text NOT NULL,
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
    l10            bigint NOT NULL DEFAULT 0
);
CREATE TABLE rollup_observation_deltas (
    district_id    text NOT NULL,
    school_id      text NOT NULL,
    rubric_id      text NOT NULL,
    period_start   date NOT NULL,
    week_start     date NOT NULL,
    month_start    date NOT NULL,
    grade_band     text NOT NULL,
    subject        text NOT NULL,
    kind           text NOT NULL,
    n              bigint NOT NULL
);
CREATE TABLE dimension_rollup_deltas (
    district_id    text NOT NULL,
    rubric_id      text NOT NULL,
    scope          text NOT NULL,
    dimension_key  text NOT NULL,
    period_start   date NOT NULL,
    week_start     date NOT NULL,
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
    l10            bigint NOT NULL DEFAULT 0
);

-- +goose Down
-- Deltas not folded in yet are folded in before their tables go.
INSERT INTO rollups (district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10)
SELECT district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind, SUM(l0), SUM(l1), SUM(l2), SUM(l3), SUM(l4), SUM(l5), SUM(l6), SUM(l7), SUM(l8), SUM(l9), SUM(l10)
FROM rollup_deltas WHERE true
GROUP BY district_id, school_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start, grade_band, subject, kind
ON CONFLICT (district_id, rubric_id, period_start, school_id, dimension_key, indicator_key, grade_band, subject, kind) DO UPDATE SET l0 = rollups.l0 + excluded.l0, l1 = rollups.l1 + excluded.l1, l2 = rollups.l2 + excluded.l2, l3 = rollups.l3 + excluded.l3, l4 = rollups.l4 + excluded.l4, l5 = rollups.l5 + excluded.l5, l6 = rollups.l6 + excluded.l6, l7 = rollups.l7 + excluded.l7, l8 = rollups.l8 + excluded.l8, l9 = rollups.l9 + excluded.l9, l10 = rollups.l10 + excluded.l10;
DELETE FROM rollups WHERE l0 = 0 AND l1 = 0 AND l2 = 0 AND l3 = 0 AND l4 = 0 AND l5 = 0 AND l6 = 0 AND l7 = 0 AND l8 = 0 AND l9 = 0 AND l10 = 0;
INSERT INTO rollup_observations (district_id, school_id, rubric_id, period_start, week_start, month_start, grade_band, subject, kind, n)
SELECT district_id, school_id, rubric_id, period_start, week_start, month_start, grade_band, subject, kind, SUM(n)
FROM rollup_observation_deltas WHERE true
GROUP BY district_id, school_id, rubric_id, period_start, week_start, month_start, grade_band, subject, kind
ON CONFLICT (district_id, rubric_id, period_start, school_id, grade_band, subject, kind) DO UPDATE SET n = rollup_observations.n + excluded.n;
DELETE FROM rollup_observations WHERE n = 0;
INSERT INTO dimension_rollups (district_id, rubric_id, scope, dimension_key, period_start, week_start, month_start, observations, l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10)
SELECT district_id, rubric_id, scope, dimension_key, period_start, week_start, month_start, SUM(observations), SUM(l0), SUM(l1), SUM(l2), SUM(l3), SUM(l4), SUM(l5), SUM(l6), SUM(l7), SUM(l8), SUM(l9), SUM(l10)
FROM dimension_rollup_deltas WHERE true
GROUP BY district_id, rubric_id, scope, dimension_key, period_start, week_start, month_start
ON CONFLICT (district_id, rubric_id, scope, period_start, dimension_key) DO UPDATE SET observations = dimension_rollups.observations + excluded.observations, l0 = dimension_rollups.l0 + excluded.l0, l1 = dimension_rollups.l1 + excluded.l1, l2 = dimension_rollups.l2 + excluded.l2, l3 = dimension_rollups.l3 + excluded.l3, l4 = dimension_rollups.l4 + excluded.l4, l5 = dimension_rollups.l5 + excluded.l5, l6 = dimension_rollups.l6 + excluded.l6, l7 = dimension_rollups.l7 + excluded.l7, l8 = dimension_rollups.l8 + excluded.l8, l9 = dimension_rollups.l9 + excluded.l9, l10 = dimension_rollups.l10 + excluded.l10;
DELETE FROM dimension_rollups WHERE observations = 0 AND l0 = 0 AND l1 = 0 AND l2 = 0 AND l3 = 0 AND l4 = 0 AND l5 = 0 AND l6 = 0 AND l7 = 0 AND l8 = 0 AND l9 = 0 AND l10 = 0;
DROP TABLE dimension_rollup_deltas;
DROP TABLE rollup_observation_deltas;
DROP TABLE rollup_deltas;
