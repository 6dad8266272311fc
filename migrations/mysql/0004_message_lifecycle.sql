-- v2: the message lifecycle. A per-room change sequence (every new message, edit, deletion
-- and reaction change takes the room's next seq), edits, tombstones, replies, reactions,
-- mentions, the room's owner, and a log of rate-limited actions.

ALTER TABLE rooms ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0, ADD COLUMN owner_id BIGINT NULL;
UPDATE rooms SET owner_id = created_by;
ALTER TABLE rooms ADD CONSTRAINT fk_rooms_owner FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE SET NULL;

ALTER TABLE messages
    ADD COLUMN seq         BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN edited_at   BIGINT NULL,
    ADD COLUMN deleted_at  BIGINT NULL,
    ADD COLUMN reply_to_id BIGINT NULL;
-- Existing messages get the seqs 1, 2, 3… of their room in id order.
UPDATE messages m
    JOIN (SELECT id, ROW_NUMBER() OVER (PARTITION BY room_id ORDER BY id) AS rn FROM messages) x ON x.id = m.id
    SET m.seq = x.rn;
UPDATE rooms r SET last_seq = (SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.room_id = r.id);
ALTER TABLE messages ADD CONSTRAINT fk_messages_reply_to FOREIGN KEY (reply_to_id) REFERENCES messages (id);
-- `since` pages: WHERE room_id = ? AND seq > ? ORDER BY seq
CREATE INDEX ix_messages_seq ON messages (room_id, seq);
-- the replies of a message (their excerpt changes when it does)
CREATE INDEX ix_messages_reply_to ON messages (reply_to_id);
-- unread counts leave deleted messages out, still from the index alone
CREATE INDEX ix_messages_room_unread ON messages (room_id, id, sender_id, deleted_at);
DROP INDEX ix_messages_unread ON messages;

CREATE TABLE reactions (
    id         BIGINT      NOT NULL AUTO_INCREMENT,
    message_id BIGINT      NOT NULL,
    user_id    BIGINT      NOT NULL,
    -- 1–32 bytes of UTF-8
    emoji      VARCHAR(32) NOT NULL,
    created_at BIGINT      NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_reactions UNIQUE (message_id, emoji, user_id),
    CONSTRAINT fk_reactions_message FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
    CONSTRAINT fk_reactions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE mentions (
    message_id BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    PRIMARY KEY (message_id, user_id),
    -- mention counts: WHERE user_id = ? AND message_id > <marker>
    KEY ix_mentions_user (user_id, message_id),
    CONSTRAINT fk_mentions_message FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
    CONSTRAINT fk_mentions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Posts, edits and reactions, for the send rate limit (counted across Lambda instances).
CREATE TABLE rate_events (
    id      BIGINT NOT NULL AUTO_INCREMENT,
    room_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    at      BIGINT NOT NULL,
    PRIMARY KEY (id),
    KEY ix_rate_events (room_id, user_id, at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
