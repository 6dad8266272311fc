-- The SQLite twin of migrations/mysql/0006_hardening.sql (TEXT keys have no length, so the
-- room key needs no change here).
DROP TABLE login_failures;
CREATE TABLE auth_attempts (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    action   TEXT    NOT NULL,
    name_key TEXT    NULL,
    address  TEXT    NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX ix_auth_attempts_address ON auth_attempts (action, address, at);
CREATE INDEX ix_auth_attempts_name ON auth_attempts (name_key, address, at);
CREATE INDEX ix_auth_attempts_at ON auth_attempts (at);

CREATE TABLE ws_tickets (
    ticket_hash      TEXT    NOT NULL PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_expires_at INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL
);
CREATE INDEX ix_ws_tickets_expires ON ws_tickets (expires_at);

ALTER TABLE room_members ADD COLUMN typing_at INTEGER NULL;
