-- The SQLite twin of migrations/mysql/0004_message_lifecycle.sql.

ALTER TABLE rooms ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN owner_id INTEGER NULL REFERENCES users (id) ON DELETE SET NULL;
UPDATE rooms SET owner_id = created_by;

ALTER TABLE messages ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN edited_at INTEGER NULL;
ALTER TABLE messages ADD COLUMN deleted_at INTEGER NULL;
ALTER TABLE messages ADD COLUMN reply_to_id INTEGER NULL REFERENCES messages (id);
UPDATE messages SET seq = x.rn
    FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY room_id ORDER BY id) AS rn FROM messages) AS x
    WHERE x.id = messages.id;
UPDATE rooms SET last_seq = (SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.room_id = rooms.id);
CREATE INDEX ix_messages_seq ON messages (room_id, seq);
CREATE INDEX ix_messages_reply_to ON messages (reply_to_id);
CREATE INDEX ix_messages_room_unread ON messages (room_id, id, sender_id, deleted_at);
DROP INDEX ix_messages_unread;

CREATE TABLE reactions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    CONSTRAINT uq_reactions UNIQUE (message_id, emoji, user_id)
);

CREATE TABLE mentions (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (message_id, user_id)
);
CREATE INDEX ix_mentions_user ON mentions (user_id, message_id);

CREATE TABLE rate_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX ix_rate_events ON rate_events (room_id, user_id, at);
