-- Indicator rollups: an indicator's scores at each level per school and for
-- the whole district (scope 'district'), per rollup period, so that the
-- views by indicator without a grade band, subject or kind read one row a
-- cell, as the dimension rollups do for dimensions, instead of summing the
-- rollups' rows of every grade band, subject and kind. An indicator is
-- scored at most once an observation, so a cell's scores are its
-- observations. Kept like the other rollups: a push appends deltas, the
-- folding job adds them in, and every read adds the deltas not yet folded.
-- The Up fills both from the rollups and their deltas as they stand.

-- +goose Up
CREATE TABLE indicator_rollups (
    district_id    uuid NOT NULL,
    rubric_id      uuid NOT NULL,
    scope          text NOT NULL,
    dimension_key  text NOT NULL,
    indicator_key  text NOT NULL,
    period_start   date NOT NULL,
    week_start     date NOT NULL,
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
    PRIMARY KEY (district_id, rubric_id, scope, period_start, dimension_key, indicator_key)
) WITH (fillfactor = 30);
CREATE TABLE indicator_rollup_deltas (
    district_id    uuid NOT NULL,
    rubric_id      uuid NOT NULL,
    scope          text NOT NULL,
    dimension_key  text NOT NULL,
    indicator_key  text NOT NULL,
    period_start   date NOT NULL,
    week_start     date NOT NULL,
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
    l10            bigint NOT NULL DEFAULT 0
) WITH (autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0);

INSERT INTO indicator_rollups (district_id, rubric_id, scope, dimension_key, indicator_key, period_start, week_start, month_start, l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10)
SELECT district_id, rubric_id, CAST(school_id AS text), dimension_key, indicator_key, period_start, week_start, month_start, SUM(l0), SUM(l1), SUM(l2), SUM(l3), SUM(l4), SUM(l5), SUM(l6), SUM(l7), SUM(l8), SUM(l9), SUM(l10)
FROM rollups GROUP BY district_id, rubric_id, school_id, dimension_key, indicator_key, period_start, week_start, month_start
HAVING SUM(l0) <> 0 OR SUM(l1) <> 0 OR SUM(l2) <> 0 OR SUM(l3) <> 0 OR SUM(l4) <> 0 OR SUM(l5) <> 0 OR SUM(l6) <> 0 OR SUM(l7) <> 0 OR SUM(l8) <> 0 OR SUM(l9) <> 0 OR SUM(l10) <> 0
UNION ALL
SELECT district_id, rubric_id, 'district', dimension_key, indicator_key, period_start, week_start, month_start, SUM(l0), SUM(l1), SUM(l2), SUM(l3), SUM(l4), SUM(l5), SUM(l6), SUM(l7), SUM(l8), SUM(l9), SUM(l10)
FROM rollups GROUP BY district_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start
HAVING SUM(l0) <> 0 OR SUM(l1) <> 0 OR SUM(l2) <> 0 OR SUM(l3) <> 0 OR SUM(l4) <> 0 OR SUM(l5) <> 0 OR SUM(l6) <> 0 OR SUM(l7) <> 0 OR SUM(l8) <> 0 OR SUM(l9) <> 0 OR SUM(l10) <> 0;

INSERT INTO indicator_rollup_deltas (district_id, rubric_id, scope, dimension_key, indicator_key, period_start, week_start, month_start, l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10)
SELECT district_id, rubric_id, CAST(school_id AS text), dimension_key, indicator_key, period_start, week_start, month_start, SUM(l0), SUM(l1), SUM(l2), SUM(l3), SUM(l4), SUM(l5), SUM(l6), SUM(l7), SUM(l8), SUM(l9), SUM(l10)
FROM rollup_deltas GROUP BY district_id, rubric_id, school_id, dimension_key, indicator_key, period_start, week_start, month_start
HAVING SUM(l0) <> 0 OR SUM(l1) <> 0 OR SUM(l2) <> 0 OR SUM(l3) <> 0 OR SUM(l4) <> 0 OR SUM(l5) <> 0 OR SUM(l6) <> 0 OR SUM(l7) <> 0 OR SUM(l8) <> 0 OR SUM(l9) <> 0 OR SUM(l10) <> 0
UNION ALL
SELECT district_id, rubric_id, 'district', dimension_key, indicator_key, period_start, week_start, month_start, SUM(l0), SUM(l1), SUM(l2), SUM(l3), SUM(l4), SUM(l5), SUM(l6), SUM(l7), SUM(l8), SUM(l9), SUM(l10)
FROM rollup_deltas GROUP BY district_id, rubric_id, dimension_key, indicator_key, period_start, week_start, month_start
HAVING SUM(l0) <> 0 OR SUM(l1) <> 0 OR SUM(l2) <> 0 OR SUM(l3) <> 0 OR SUM(l4) <> 0 OR SUM(l5) <> 0 OR SUM(l6) <> 0 OR SUM(l7) <> 0 OR SUM(l8) <> 0 OR SUM(l9) <> 0 OR SUM(l10) <> 0;

-- +goose Down
DROP TABLE indicator_rollup_deltas;
DROP TABLE indicator_rollups;
