-- The SQLite twin of migrations/mysql/0003_user_connections_and_read_markers.sql.

ALTER TABLE room_members ADD COLUMN last_read_id INTEGER NULL;
UPDATE room_members SET last_read_id = (SELECT MAX(m.id) FROM messages m WHERE m.room_id = room_members.room_id);

CREATE INDEX ix_messages_unread ON messages (room_id, id, sender_id);
DROP INDEX ix_messages_room_id;

DROP TABLE connections;
CREATE TABLE connections (
    connection_id   TEXT    NOT NULL PRIMARY KEY,
    endpoint        TEXT    NOT NULL,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id         INTEGER NULL REFERENCES rooms (id) ON DELETE CASCADE,
    viewing_room_id INTEGER NULL REFERENCES rooms (id) ON DELETE SET NULL,
    connected_at    INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX ix_connections_room ON connections (room_id, user_id);
CREATE INDEX ix_connections_user ON connections (user_id, room_id);
CREATE INDEX ix_connections_viewing ON connections (viewing_room_id);
CREATE INDEX ix_connections_endpoint ON connections (endpoint);
CREATE INDEX ix_connections_last_seen ON connections (last_seen_at);
CREATE INDEX ix_connections_connected ON connections (connected_at);
