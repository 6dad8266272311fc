-- The SQLite twin of migrations/mysql/0001_init.sql (same tables, columns, keys and indexes).
-- Times are milliseconds since the Unix epoch.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL,
    username_key  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    CONSTRAINT uq_users_username_key UNIQUE (username_key)
);

CREATE TABLE rooms (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    name_key        TEXT    NOT NULL,
    created_by      INTEGER NOT NULL REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    last_message_at INTEGER NULL,
    CONSTRAINT uq_rooms_name_key UNIQUE (name_key)
);

CREATE TABLE room_members (
    room_id   INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX ix_room_members_user ON room_members (user_id);

CREATE TABLE messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    sender_id  INTEGER NOT NULL REFERENCES users (id),
    content    TEXT    NOT NULL,
    client_id  TEXT    NULL,
    created_at INTEGER NOT NULL,
    CONSTRAINT uq_messages_client_id UNIQUE (room_id, sender_id, client_id)
);
CREATE INDEX ix_messages_room_id ON messages (room_id, id);
CREATE INDEX ix_messages_rate ON messages (room_id, sender_id, created_at);

CREATE TABLE connections (
    connection_id TEXT    NOT NULL PRIMARY KEY,
    endpoint      TEXT    NOT NULL,
    room_id       INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connected_at  INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX ix_connections_room ON connections (room_id, user_id);
CREATE INDEX ix_connections_user ON connections (user_id);
CREATE INDEX ix_connections_endpoint ON connections (endpoint);
