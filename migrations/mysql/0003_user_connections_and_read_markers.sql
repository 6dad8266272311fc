-- v2: one connection per user (carrying every room of the user) beside v1's room connections,
-- and per-member read markers for unread counts.

-- Read markers: the newest message id the member has seen. Existing members start with
-- everything read, as a new member does.
ALTER TABLE room_members ADD COLUMN last_read_id BIGINT NULL;
UPDATE room_members SET last_read_id = (SELECT MAX(m.id) FROM messages m WHERE m.room_id = room_members.room_id);

-- Unread counts: WHERE room_id = ? AND id > <marker> AND sender_id <> <caller>, answered from
-- the index alone. It also serves history pages (room_id, id), so it replaces that index.
CREATE INDEX ix_messages_unread ON messages (room_id, id, sender_id);
DROP INDEX ix_messages_room_id ON messages;

-- Connection rows are short-lived (a socket's life): the table is rebuilt rather than altered.
-- Sockets open during the upgrade get "no longer registered; reconnect" and reconnect.
DROP TABLE connections;
CREATE TABLE connections (
    connection_id   VARCHAR(128) NOT NULL,
    endpoint        VARCHAR(255) NOT NULL,
    user_id         BIGINT       NOT NULL,
    -- a v1 room connection's room; NULL for a user connection (every room the user is in)
    room_id         BIGINT       NULL,
    -- the room whose presence and typing the connection is shown: room_id, or the room its
    -- last `sync` named
    viewing_room_id BIGINT       NULL,
    connected_at    BIGINT       NOT NULL,
    last_seen_at    BIGINT       NOT NULL,
    -- when the token presented at $connect expires: API Gateway never re-checks an open socket
    expires_at      BIGINT       NOT NULL,
    PRIMARY KEY (connection_id),
    -- fan-out, first half: the room's own connections
    KEY ix_connections_room (room_id, user_id),
    -- fan-out, second half: room_members (room_id, user_id) -> a member's user connections
    KEY ix_connections_user (user_id, room_id),
    KEY ix_connections_viewing (viewing_room_id),
    KEY ix_connections_endpoint (endpoint),
    -- the expiry sweep
    KEY ix_connections_last_seen (last_seen_at),
    KEY ix_connections_connected (connected_at),
    CONSTRAINT fk_connections_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE,
    CONSTRAINT fk_connections_viewing FOREIGN KEY (viewing_room_id) REFERENCES rooms (id) ON DELETE SET NULL,
    CONSTRAINT fk_connections_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
