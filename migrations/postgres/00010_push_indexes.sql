-- Every index is one more entry to write for each row a push adds. Nothing
-- reads applied changes by time alone (a user's latest sync has its own
-- index), and most observations belong to no walkthrough and no follow-up,
-- so those two indexes keep only the observations that do: a lookup by
-- walkthrough or follow-up finds the same rows.

-- +goose Up
DROP INDEX applied_changes_applied_at;
DROP INDEX observations_walkthrough;
DROP INDEX observations_follow_up;
CREATE INDEX observations_walkthrough ON observations (walkthrough_id) WHERE walkthrough_id IS NOT NULL;
CREATE INDEX observations_follow_up ON observations (follow_up_id) WHERE follow_up_id IS NOT NULL;

-- +goose Down
DROP INDEX observations_follow_up;
DROP INDEX observations_walkthrough;
CREATE INDEX observations_follow_up ON observations (follow_up_id);
CREATE INDEX observations_walkthrough ON observations (walkthrough_id);
CREATE INDEX applied_changes_applied_at ON applied_changes (applied_at);
