-- The access-token signing keys, when the servers share them through the
-- database (WALKTHROUGH_KEY_ENCRYPTION_KEY set) rather than a key
-- directory: every replica reads them, so a token one replica signs
-- verifies on all. The private key is sealed (AES-256-GCM, the kid as
-- additional data) with the key from the environment; the database alone
-- never holds a usable key. Kids are time-ordered: the newest signs.

-- +goose Up
CREATE TABLE signing_keys (
    kid        text PRIMARY KEY,
    sealed     blob NOT NULL,
    created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- +goose Down
DROP TABLE signing_keys;
