-- Dimension rollups: the dashboards' figures (a dimension's mean and level
-- distribution per school and per district, by period) kept small enough
-- that a school year by week reads in milliseconds whatever the size of the
-- raw scores. scope is a school's id, or 'district' for the whole district.
-- A row holds the observations that scored the dimension and the scores at
-- each level (l0 to l10, the most a scale may have) side by side.
-- Maintained in the transaction that changes the scores, like rollups.

-- +goose Up
CREATE TABLE dimension_rollups (
    district_id    text NOT NULL REFERENCES districts (id),
    rubric_id      text NOT NULL REFERENCES rubrics (id),
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
    l10             bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (district_id, rubric_id, scope, period_start, dimension_key)
);

-- +goose Down
DROP TABLE dimension_rollups;
