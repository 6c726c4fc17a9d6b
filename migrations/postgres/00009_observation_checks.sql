-- A foreign key checks each observation row on its own: a lookup and a row
-- lock for each of the rows it names, over a thousand for a push of 200
-- observations, most of them the same district, school, observer and
-- rubric version again. The same rule is checked once per statement
-- instead: every district, school, teacher, observer, rubric version,
-- walkthrough and follow-up that the written observations name exists.
-- None of those rows is ever deleted (people, schools and teachers are
-- deactivated), except a rubric version that is still a draft, which no
-- observation may name; a trigger refuses deleting a version that
-- observations name all the same.

-- +goose Up
ALTER TABLE observations
    DROP CONSTRAINT observations_district_id_fkey,
    DROP CONSTRAINT observations_school_id_fkey,
    DROP CONSTRAINT observations_walkthrough_id_fkey,
    DROP CONSTRAINT observations_follow_up_id_fkey,
    DROP CONSTRAINT observations_teacher_id_fkey,
    DROP CONSTRAINT observations_observer_id_fkey,
    DROP CONSTRAINT observations_rubric_version_id_fkey;

-- +goose StatementBegin
CREATE FUNCTION observations_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing text;
BEGIN
    SELECT m INTO missing FROM (
        SELECT 'district_id ' || w.district_id FROM written_observations w WHERE w.district_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM districts r WHERE r.id = w.district_id)
        UNION ALL SELECT 'school_id ' || w.school_id FROM written_observations w WHERE w.school_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM schools r WHERE r.id = w.school_id)
        UNION ALL SELECT 'walkthrough_id ' || w.walkthrough_id FROM written_observations w WHERE w.walkthrough_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM walkthroughs r WHERE r.id = w.walkthrough_id)
        UNION ALL SELECT 'follow_up_id ' || w.follow_up_id FROM written_observations w WHERE w.follow_up_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM follow_ups r WHERE r.id = w.follow_up_id)
        UNION ALL SELECT 'teacher_id ' || w.teacher_id FROM written_observations w WHERE w.teacher_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM teachers r WHERE r.id = w.teacher_id)
        UNION ALL SELECT 'observer_id ' || w.observer_id FROM written_observations w WHERE w.observer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users r WHERE r.id = w.observer_id)
        UNION ALL SELECT 'rubric_version_id ' || w.rubric_version_id FROM written_observations w WHERE w.rubric_version_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM rubric_versions r WHERE r.id = w.rubric_version_id)
    ) AS x (m) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'an observation names %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'observations', CONSTRAINT = 'observations_references';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION rubric_versions_check_observations() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named uuid;
BEGIN
    SELECT d.id INTO named FROM deleted_versions d WHERE EXISTS (SELECT 1 FROM observations o WHERE o.rubric_version_id = d.id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'rubric version % is named by observations', named
            USING ERRCODE = 'foreign_key_violation', TABLE = 'observations', CONSTRAINT = 'observations_references';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER observations_inserted_references AFTER INSERT ON observations
    REFERENCING NEW TABLE AS written_observations FOR EACH STATEMENT EXECUTE FUNCTION observations_check_references();
CREATE TRIGGER observations_updated_references AFTER UPDATE ON observations
    REFERENCING NEW TABLE AS written_observations FOR EACH STATEMENT EXECUTE FUNCTION observations_check_references();
CREATE TRIGGER rubric_versions_deleted_observations AFTER DELETE ON rubric_versions
    REFERENCING OLD TABLE AS deleted_versions FOR EACH STATEMENT EXECUTE FUNCTION rubric_versions_check_observations();

-- +goose Down
DROP TRIGGER rubric_versions_deleted_observations ON rubric_versions;
DROP TRIGGER observations_updated_references ON observations;
DROP TRIGGER observations_inserted_references ON observations;
DROP FUNCTION rubric_versions_check_observations();
DROP FUNCTION observations_check_references();
ALTER TABLE observations
    ADD CONSTRAINT observations_district_id_fkey FOREIGN KEY (district_id) REFERENCES districts (id),
    ADD CONSTRAINT observations_school_id_fkey FOREIGN KEY (school_id) REFERENCES schools (id),
    ADD CONSTRAINT observations_walkthrough_id_fkey FOREIGN KEY (walkthrough_id) REFERENCES walkthroughs (id),
    ADD CONSTRAINT observations_follow_up_id_fkey FOREIGN KEY (follow_up_id) REFERENCES follow_ups (id),
    ADD CONSTRAINT observations_teacher_id_fkey FOREIGN KEY (teacher_id) REFERENCES teachers (id),
    ADD CONSTRAINT observations_observer_id_fkey FOREIGN KEY (observer_id) REFERENCES users (id),
    ADD CONSTRAINT observations_rubric_version_id_fkey FOREIGN KEY (rubric_version_id) REFERENCES rubric_versions (id);
