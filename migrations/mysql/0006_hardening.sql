-- Hardening: room keys sized for case folding, a throttle that counts per name and per
-- client address, single-use WebSocket tickets, and a typing limit.

-- Lower-casing can double a name's length (U+0130 'İ' becomes 'i' + U+0307), so the folded
-- key of a 64-character name needs up to 128 characters.
ALTER TABLE rooms MODIFY name_key VARCHAR(128) NOT NULL;

-- One row per login or registration attempt, written before any bcrypt work. A login row is
-- deleted when it succeeds, so the rows of a name are its failures (and attempts in flight).
-- Counting rows with an id up to one's own makes concurrent attempts take turns: of 64 at
-- once, exactly the first `limit` pass.
DROP TABLE login_failures;
CREATE TABLE auth_attempts (
    id       BIGINT      NOT NULL AUTO_INCREMENT,
    action   VARCHAR(16) NOT NULL,
    -- the case-folded username of a well-formed login; NULL for registrations and malformed names
    name_key VARCHAR(32) NULL,
    -- the client address (API Gateway's sourceIp, or the peer address in local-dev)
    address  VARCHAR(64) NOT NULL,
    at       BIGINT      NOT NULL,
    PRIMARY KEY (id),
    KEY ix_auth_attempts_address (action, address, at),
    KEY ix_auth_attempts_name (name_key, address, at),
    -- the sweep of rows older than every window
    KEY ix_auth_attempts_at (at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- `POST /api/ws-ticket`: a ticket is stored only as its SHA-256, and taken (deleted) by the
-- `$connect` that presents it.
CREATE TABLE ws_tickets (
    ticket_hash      CHAR(64) NOT NULL,
    user_id          BIGINT   NOT NULL,
    -- the bearer token's own expiry: a socket opened with the ticket lives no longer
    token_expires_at BIGINT   NOT NULL,
    expires_at       BIGINT   NOT NULL,
    PRIMARY KEY (ticket_hash),
    KEY ix_ws_tickets_expires (expires_at),
    CONSTRAINT fk_ws_tickets_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- When the member's last `typing` push went out: one conditional UPDATE both checks
-- membership and limits typing pushes per member.
ALTER TABLE room_members ADD COLUMN typing_at BIGINT NULL;
