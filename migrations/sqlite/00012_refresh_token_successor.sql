-- A spent refresh token keeps its successor for a short grace period, so
-- that presenting it again (two tabs refreshing at once, a retry after a lost
-- answer) answers that same successor instead of being taken for theft. The
-- successor is sealed with a key derived from the spent token itself, which
-- the database never holds: a reader of the database learns nothing from it.
-- The seal is wiped once the grace is long over or the family is revoked.

-- +goose Up
ALTER TABLE refresh_tokens ADD COLUMN successor_sealed text NOT NULL DEFAULT '';
CREATE INDEX refresh_tokens_sealed ON refresh_tokens (family_id) WHERE successor_sealed <> '';

-- +goose Down
DROP INDEX refresh_tokens_sealed;
ALTER TABLE refresh_tokens DROP COLUMN successor_sealed;
