-- The sync bookkeeping is checked as observations are, once per statement
-- rather than by a foreign key per row: each applied change names its
-- district and user, each change-log entry its district, two hundred of
-- each in a push, all the same few rows. Districts and users are never
-- deleted (users are deactivated).

-- +goose Up
ALTER TABLE applied_changes
    DROP CONSTRAINT applied_changes_district_id_fkey,
    DROP CONSTRAINT applied_changes_user_id_fkey;
ALTER TABLE change_log
    DROP CONSTRAINT change_log_district_id_fkey;

-- +goose StatementBegin
CREATE FUNCTION applied_changes_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing text;
BEGIN
    SELECT m INTO missing FROM (
        SELECT 'district_id ' || w.district_id FROM written_rows w WHERE NOT EXISTS (SELECT 1 FROM districts r WHERE r.id = w.district_id)
        UNION ALL SELECT 'user_id ' || w.user_id FROM written_rows w WHERE NOT EXISTS (SELECT 1 FROM users r WHERE r.id = w.user_id)
    ) AS x (m) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a row of applied_changes names %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'applied_changes', CONSTRAINT = 'applied_changes_references';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION change_log_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing text;
BEGIN
    SELECT m INTO missing FROM (
        SELECT 'district_id ' || w.district_id FROM written_rows w WHERE NOT EXISTS (SELECT 1 FROM districts r WHERE r.id = w.district_id)
    ) AS x (m) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a row of change_log names %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'change_log', CONSTRAINT = 'change_log_references';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER applied_changes_inserted_references AFTER INSERT ON applied_changes
    REFERENCING NEW TABLE AS written_rows FOR EACH STATEMENT EXECUTE FUNCTION applied_changes_check_references();
CREATE TRIGGER applied_changes_updated_references AFTER UPDATE ON applied_changes
    REFERENCING NEW TABLE AS written_rows FOR EACH STATEMENT EXECUTE FUNCTION applied_changes_check_references();
CREATE TRIGGER change_log_inserted_references AFTER INSERT ON change_log
    REFERENCING NEW TABLE AS written_rows FOR EACH STATEMENT EXECUTE FUNCTION change_log_check_references();
CREATE TRIGGER change_log_updated_references AFTER UPDATE ON change_log
    REFERENCING NEW TABLE AS written_rows FOR EACH STATEMENT EXECUTE FUNCTION change_log_check_references();

-- +goose Down
DROP TRIGGER applied_changes_updated_references ON applied_changes;
DROP TRIGGER applied_changes_inserted_references ON applied_changes;
DROP FUNCTION applied_changes_check_references();
ALTER TABLE applied_changes
    ADD CONSTRAINT applied_changes_district_id_fkey FOREIGN KEY (district_id) REFERENCES districts (id),
    ADD CONSTRAINT applied_changes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
DROP TRIGGER change_log_updated_references ON change_log;
DROP TRIGGER change_log_inserted_references ON change_log;
DROP FUNCTION change_log_check_references();
ALTER TABLE change_log
    ADD CONSTRAINT change_log_district_id_fkey FOREIGN KEY (district_id) REFERENCES districts (id);
