-- Failed logins per case-folded username, for the login throttle (LOGIN_MAX_FAILURES per
-- LOGIN_LOCKOUT_SECONDS). Kept in the database so the limit holds across Lambda instances.
CREATE TABLE login_failures (
    id           BIGINT      NOT NULL AUTO_INCREMENT,
    username_key VARCHAR(32) NOT NULL,
    failed_at    BIGINT      NOT NULL,
    PRIMARY KEY (id),
    KEY ix_login_failures_key (username_key, failed_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
