-- Dimension rollups: the dashboards' figures (a dimension's mean and level
-- distribution per school and per district, by period) kept small enough
-- that a school year by week reads in milliseconds whatever the size of the
-- raw scores. scope is a school's id, or 'district' for the whole district.
-- level -1 counts the observations that scored the dimension; the other
-- rows count scores at their level (levels run 0 to 10). Maintained in the transaction that changes
-- the scores, like rollups.

-- +goose Up
CREATE TABLE dimension_rollups (
    district_id    uuid NOT NULL REFERENCES districts (id),
    rubric_id      uuid NOT NULL REFERENCES rubrics (id),
    scope          text NOT NULL,
    dimension_key  text NOT NULL,
    period_start   date NOT NULL,
    week_start     date NOT NULL,
    month_start    date NOT NULL,
    level          smallint NOT NULL,
    n              bigint NOT NULL,
    PRIMARY KEY (district_id, rubric_id, scope, period_start, dimension_key, level)
);

-- +goose Down
DROP TABLE dimension_rollups;
