-- Message preferences: the kinds of message a user has turned off (a JSON
-- list; every kind is on until turned off), with a revision for the
-- preferences screen, and the user's own key that signs the one-click
-- unsubscribe links of their messages.

-- +goose Up
CREATE TABLE message_preferences (
    user_id          text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    district_id      text NOT NULL REFERENCES districts (id),
    off              text NOT NULL DEFAULT '[]',
    unsubscribe_key  text NOT NULL,
    rev              bigint NOT NULL DEFAULT 1,
    updated_at       datetime NOT NULL
);

-- +goose Down
DROP TABLE message_preferences;
