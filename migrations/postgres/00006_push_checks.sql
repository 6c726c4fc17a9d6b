-- A foreign key checks each score row on its own: a lookup and a row lock
-- per row, a quarter of the database's work in a push of 3,000 scores. The
-- same rule is checked once per statement instead: every score written
-- belongs to an observation of the same district, looked up once per
-- observation. Scores are only ever written together with their
-- observation, in the transaction that inserts or updates it and so holds
-- its row, which is the lock the key took. Deleting observations deletes
-- their scores, as the key's ON DELETE CASCADE did.

-- Rollups are counts derived from checked observations and lose their
-- foreign keys: a push adds a few thousand rollup rows, and each key was a
-- lookup per new row. A property test holds them equal to a recomputation
-- from the scores.

-- A push updates most rollup rows of the weeks it scores, and each update
-- that finds no room on its row's page becomes a new entry in every index
-- of the table. With 70% fill a busy week's pages filled within a push and
-- two updates in three went to the indexes; rollups now fill pages to half,
-- and the small observation and dimension rollups, which nearly every push
-- updates row by row, to under a third.

-- +goose Up
ALTER TABLE scores DROP CONSTRAINT scores_observation;
DROP INDEX observations_id_district;
ALTER TABLE rollups
    DROP CONSTRAINT rollups_district_id_fkey,
    DROP CONSTRAINT rollups_school_id_fkey,
    DROP CONSTRAINT rollups_rubric_id_fkey;
ALTER TABLE rollup_observations
    DROP CONSTRAINT rollup_observations_district_id_fkey,
    DROP CONSTRAINT rollup_observations_school_id_fkey,
    DROP CONSTRAINT rollup_observations_rubric_id_fkey;
ALTER TABLE dimension_rollups
    DROP CONSTRAINT dimension_rollups_district_id_fkey,
    DROP CONSTRAINT dimension_rollups_rubric_id_fkey;
ALTER TABLE rollups SET (fillfactor = 50);
ALTER TABLE rollup_observations SET (fillfactor = 30);
ALTER TABLE dimension_rollups SET (fillfactor = 30);

-- +goose StatementBegin
CREATE FUNCTION scores_check_observation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    orphan uuid;
BEGIN
    SELECT s.observation_id INTO orphan
    FROM (SELECT DISTINCT observation_id, district_id FROM written_scores) s
    WHERE NOT EXISTS (SELECT 1 FROM observations o WHERE o.id = s.observation_id AND o.district_id = s.district_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a score names observation %, which is not an observation of its district', orphan
            USING ERRCODE = 'foreign_key_violation', TABLE = 'scores', CONSTRAINT = 'scores_observation';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION observations_delete_scores() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM scores WHERE observation_id IN (SELECT id FROM deleted_observations);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER scores_inserted_observation AFTER INSERT ON scores
    REFERENCING NEW TABLE AS written_scores FOR EACH STATEMENT EXECUTE FUNCTION scores_check_observation();
CREATE TRIGGER scores_updated_observation AFTER UPDATE ON scores
    REFERENCING NEW TABLE AS written_scores FOR EACH STATEMENT EXECUTE FUNCTION scores_check_observation();
CREATE TRIGGER observations_deleted_scores AFTER DELETE ON observations
    REFERENCING OLD TABLE AS deleted_observations FOR EACH STATEMENT EXECUTE FUNCTION observations_delete_scores();
-- An observation's id and district never change once written; the check
-- above relies on it.

-- +goose Down
DROP TRIGGER observations_deleted_scores ON observations;
DROP TRIGGER scores_updated_observation ON scores;
DROP TRIGGER scores_inserted_observation ON scores;
DROP FUNCTION observations_delete_scores();
DROP FUNCTION scores_check_observation();
ALTER TABLE rollups SET (fillfactor = 70);
ALTER TABLE rollup_observations SET (fillfactor = 70);
ALTER TABLE dimension_rollups SET (fillfactor = 70);
CREATE UNIQUE INDEX observations_id_district ON observations (id, district_id);
ALTER TABLE scores
    ADD CONSTRAINT scores_observation FOREIGN KEY (observation_id, district_id) REFERENCES observations (id, district_id) ON DELETE CASCADE;
ALTER TABLE dimension_rollups
    ADD CONSTRAINT dimension_rollups_district_id_fkey FOREIGN KEY (district_id) REFERENCES districts (id),
    ADD CONSTRAINT dimension_rollups_rubric_id_fkey FOREIGN KEY (rubric_id) REFERENCES rubrics (id);
ALTER TABLE rollup_observations
    ADD CONSTRAINT rollup_observations_district_id_fkey FOREIGN KEY (district_id) REFERENCES districts (id),
    ADD CONSTRAINT rollup_observations_school_id_fkey FOREIGN KEY (school_id) REFERENCES schools (id),
    ADD CONSTRAINT rollup_observations_rubric_id_fkey FOREIGN KEY (rubric_id) REFERENCES rubrics (id);
ALTER TABLE rollups
    ADD CONSTRAINT rollups_district_id_fkey FOREIGN KEY (district_id) REFERENCES districts (id),
    ADD CONSTRAINT rollups_school_id_fkey FOREIGN KEY (school_id) REFERENCES schools (id),
    ADD CONSTRAINT rollups_rubric_id_fkey FOREIGN KEY (rubric_id) REFERENCES rubrics (id);
