-- Frameworks side by side: every published rubric (framework) keeps its
-- own versions; one is the district's main framework, which applies at
-- every school and kind; the others apply where they are assigned. An
-- assignment names schools and walkthrough kinds (an empty list: all) and
-- holds from its start until it is rolled back; rolled-back assignments
-- stay, so that an observation is judged by the assignments of its time. A
-- retired framework takes no new observations; its history stays.

-- +goose Up
ALTER TABLE rubrics ADD COLUMN main boolean NOT NULL DEFAULT 0;
ALTER TABLE rubrics ADD COLUMN retired_at datetime;
ALTER TABLE rubrics ADD COLUMN rev bigint NOT NULL DEFAULT 1;
UPDATE rubrics SET main = 1 WHERE id = (
    SELECT v.rubric_id FROM rubric_versions v
    WHERE v.district_id = rubrics.district_id AND v.status = 'published'
    ORDER BY v.published_at, v.id LIMIT 1);
CREATE UNIQUE INDEX rubrics_main ON rubrics (district_id) WHERE main = 1;

CREATE TABLE framework_assignments (
    id           text PRIMARY KEY,
    district_id  text NOT NULL REFERENCES districts (id),
    rubric_id    text NOT NULL REFERENCES rubrics (id),
    school_ids   text NOT NULL DEFAULT '[]',
    kinds        text NOT NULL DEFAULT '[]',
    starts_at    datetime NOT NULL,
    ended_at     datetime,
    created_by   text REFERENCES users (id),
    ended_by     text REFERENCES users (id),
    created_at   datetime NOT NULL
);
CREATE INDEX framework_assignments_rubric ON framework_assignments (district_id, rubric_id);

-- Devices learn where each framework applies through pull.
INSERT INTO change_log (district_id, entity, record_id, rev, deleted, changed_at)
SELECT r.district_id, 'framework', r.id, 1, false, CURRENT_TIMESTAMP FROM rubrics r
WHERE EXISTS (SELECT 1 FROM rubric_versions v WHERE v.rubric_id = r.id AND v.status = 'published')
ORDER BY r.created_at, r.id;

-- +goose Down
DROP TABLE framework_assignments;
DROP INDEX rubrics_main;
ALTER TABLE rubrics DROP COLUMN rev;
ALTER TABLE rubrics DROP COLUMN retired_at;
ALTER TABLE rubrics DROP COLUMN main;
