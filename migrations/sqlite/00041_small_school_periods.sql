-- Small school periods: the dimension rollups' school periods (one school,
-- one dimension, one rollup period) of fewer than 100 observations, the
-- most a district's minimum cell size may be, counted and summed per
-- district period, dimension and number of observations. A role that may
-- not see a school's teachers gets the district line without the periods
-- under the minimum, and this table gives their sum for any minimum
-- without reading every school's periods. It describes the folded
-- dimension rollups; the deltas not yet folded are read beside it.

-- +goose Up
CREATE TABLE small_school_periods (
    district_id    text NOT NULL REFERENCES districts (id),
    rubric_id      text NOT NULL REFERENCES rubrics (id),
    dimension_key  text NOT NULL,
    period_start   date NOT NULL,
    week_start     date NOT NULL,
    month_start    date NOT NULL,
    observations   bigint NOT NULL,
    periods        bigint NOT NULL DEFAULT 0,
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
    l10             bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (district_id, rubric_id, period_start, dimension_key, observations)
);

INSERT INTO small_school_periods (district_id, rubric_id, dimension_key, period_start, week_start, month_start, observations, periods, l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10)
SELECT district_id, rubric_id, dimension_key, period_start, week_start, month_start, observations, COUNT(*), SUM(l0), SUM(l1), SUM(l2), SUM(l3), SUM(l4), SUM(l5), SUM(l6), SUM(l7), SUM(l8), SUM(l9), SUM(l10)
FROM dimension_rollups WHERE scope <> 'district' AND observations < 100
GROUP BY district_id, rubric_id, dimension_key, period_start, week_start, month_start, observations;

-- +goose Down
DROP TABLE small_school_periods;
