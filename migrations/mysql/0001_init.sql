-- Chat schema for MySQL 8 / MariaDB 10.11 (production). Times are milliseconds since the Unix
-- epoch (BIGINT): portable between MySQL and SQLite, and free of server time-zone settings.
-- `*_key` columns hold the case-folded name the unique index is on.

CREATE TABLE users (
    id            BIGINT       NOT NULL AUTO_INCREMENT,
    username      VARCHAR(32)  NOT NULL,
    username_key  VARCHAR(32)  NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    created_at    BIGINT       NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_users_username_key UNIQUE (username_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE rooms (
    id              BIGINT      NOT NULL AUTO_INCREMENT,
    name            VARCHAR(64) NOT NULL,
    name_key        VARCHAR(64) NOT NULL,
    created_by      BIGINT      NOT NULL,
    created_at      BIGINT      NOT NULL,
    last_message_at BIGINT      NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_rooms_name_key UNIQUE (name_key),
    CONSTRAINT fk_rooms_created_by FOREIGN KEY (created_by) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE room_members (
    room_id   BIGINT NOT NULL,
    user_id   BIGINT NOT NULL,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, user_id),
    KEY ix_room_members_user (user_id),
    CONSTRAINT fk_room_members_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE,
    CONSTRAINT fk_room_members_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE messages (
    id         BIGINT      NOT NULL AUTO_INCREMENT,
    room_id    BIGINT      NOT NULL,
    sender_id  BIGINT      NOT NULL,
    content    TEXT        NOT NULL,
    client_id  VARCHAR(64) NULL,
    created_at BIGINT      NOT NULL,
    PRIMARY KEY (id),
    -- history pages: WHERE room_id = ? AND id < ? ORDER BY id DESC
    KEY ix_messages_room_id (room_id, id),
    -- the send rate limit: WHERE room_id = ? AND sender_id = ? AND created_at > ?
    KEY ix_messages_rate (room_id, sender_id, created_at),
    CONSTRAINT uq_messages_client_id UNIQUE (room_id, sender_id, client_id),
    CONSTRAINT fk_messages_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE,
    CONSTRAINT fk_messages_sender FOREIGN KEY (sender_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per open WebSocket. `endpoint` is the management API that reaches it, so several
-- gateways (or local-dev instances) can share a database and each cleans up only its own rows.
CREATE TABLE connections (
    connection_id VARCHAR(128) NOT NULL,
    endpoint      VARCHAR(255) NOT NULL,
    room_id       BIGINT       NOT NULL,
    user_id       BIGINT       NOT NULL,
    connected_at  BIGINT       NOT NULL,
    last_seen_at  BIGINT       NOT NULL,
    -- when the token presented at $connect expires: API Gateway never re-checks an open socket
    expires_at    BIGINT       NOT NULL,
    PRIMARY KEY (connection_id),
    KEY ix_connections_room (room_id, user_id),
    KEY ix_connections_user (user_id),
    KEY ix_connections_endpoint (endpoint),
    CONSTRAINT fk_connections_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE,
    CONSTRAINT fk_connections_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
