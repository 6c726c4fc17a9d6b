-- +goose Up
-- A debrief shows when each team member's devices last synced: the newest
-- change applied for the user.
CREATE INDEX applied_changes_user ON applied_changes (user_id, applied_at);

-- +goose Down
DROP INDEX applied_changes_user;
