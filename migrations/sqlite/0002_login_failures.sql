-- The SQLite twin of migrations/mysql/0002_login_failures.sql.
CREATE TABLE login_failures (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    username_key TEXT    NOT NULL,
    failed_at    INTEGER NOT NULL
);
CREATE INDEX ix_login_failures_key ON login_failures (username_key, failed_at);
