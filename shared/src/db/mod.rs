//! The connection pool, migrations, and one module of queries per table.
//!
//! One portable SQL dialect serves MySQL and SQLite through sqlx's `Any` driver: `?`
//! placeholders, no `RETURNING`, no upserts (unique violations are handled instead), times as
//! BIGINT milliseconds. Queries are proven by integration tests against both real databases.
//! This module owns SQL and nothing else: no validation, no HTTP.

pub mod auth_attempts;
pub mod connections;
pub mod messages;
pub mod reach;
pub mod room_members;
pub mod rooms;
pub mod users;
pub mod ws_tickets;

use std::time::Duration;

use secrecy::ExposeSecret;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use sqlx::AnyConnection;

use crate::config::Config;
use crate::error::{Error, Result};

/// Migrations embedded at compile time, so a Lambda binary can apply them without files.
static MYSQL_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/mysql");
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    MySql,
    Sqlite,
}

/// A cheap-to-clone handle on the pool.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// How long a request waits for a connection before answering 503 instead of hanging.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

impl Db {
    /// Builds the pool without connecting: the first query connects, and a database that is
    /// down gives 503s until it is back, then the pool recovers by itself.
    pub fn connect_lazy(config: &Config) -> Result<Db> {
        Db::connect_lazy_url(
            config.database_url.expose_secret(),
            config.db_max_connections,
        )
    }

    pub fn connect_lazy_url(url: &str, max_connections: u32) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let (url, backend) = if url.starts_with("sqlite:") {
            (sqlite_url(url), Backend::Sqlite)
        } else {
            (url.replacen("mariadb://", "mysql://", 1), Backend::MySql)
        };
        let options: AnyConnectOptions = url.parse().map_err(Error::internal)?;
        let mut pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .idle_timeout(Duration::from_secs(300));
        if backend == Backend::Sqlite {
            pool = pool.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers work while a message is written; foreign keys are off
                    // by default in SQLite; wait for the writer lock instead of failing at once.
                    conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;")
                        .await?;
                    Ok(())
                })
            });
        }
        Ok(Db {
            pool: pool.connect_lazy_with(options),
            backend,
        })
    }

    /// Applies the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::MySql => &MYSQL_MIGRATIONS,
            Backend::Sqlite => &SQLITE_MIGRATIONS,
        };
        migrator.run(&self.pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(e) => Error::from(e),
            other => Error::internal(other),
        })
    }

    /// How many migrations this database has recorded as applied.
    pub async fn applied_migrations(&self) -> Result<usize> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await
                .or_else(|e| match e {
                    // A database never migrated has no bookkeeping table yet.
                    sqlx::Error::Database(ref db) if db.message().contains("_sqlx_migrations") => {
                        Ok(0)
                    }
                    other => Err(other),
                })?;
        Ok(n as usize)
    }

    /// A round trip to the database, for the health check.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// SQLite URLs create their file unless the caller said otherwise.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// True when the error is a unique-key violation (MySQL names no constraint to sqlx).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// The id an INSERT generated, read on the connection that ran it.
pub(crate) async fn inserted_id(
    conn: &mut sqlx::AnyConnection,
    done: sqlx::any::AnyQueryResult,
) -> Result<i64, sqlx::Error> {
    if let Some(id) = done.last_insert_id() {
        return Ok(id);
    }
    // sqlx 0.9's Any driver drops SQLite's rowid (its sqlite `map_result`): ask SQLite.
    sqlx::query_scalar("SELECT last_insert_rowid()")
        .fetch_one(conn)
        .await
}

/// `?, ?, ?` for an `IN (…)` list of `n` items.
pub(crate) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Runs a `SELECT m.room_id, u.id, u.username …` (read by those names) built from fixed text
/// and one `?` per room, binding `rooms` in order.
pub(crate) async fn room_users<'c>(
    ex: impl Executor<'c, Database = sqlx::Any>,
    sql: String,
    rooms: &[crate::domain::RoomId],
) -> Result<Vec<(crate::domain::RoomId, crate::domain::UserSummary)>> {
    #[derive(sqlx::FromRow)]
    struct RoomUser {
        room_id: i64,
        id: i64,
        username: String,
    }
    // Built only from fixed text and `?` placeholders: nothing user-supplied is interpolated.
    let mut query = sqlx::query_as::<_, RoomUser>(sqlx::AssertSqlSafe(sql));
    for room in rooms {
        query = query.bind(room.0);
    }
    let rows = query.fetch_all(ex).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                crate::domain::RoomId(row.room_id),
                crate::domain::UserSummary {
                    id: crate::domain::UserId(row.id),
                    username: row.username,
                },
            )
        })
        .collect())
}

/// An INSERT that may meet its unique key: true when a row went in, false when it was there.
pub(crate) fn inserted_unless_present(
    result: std::result::Result<sqlx::any::AnyQueryResult, sqlx::Error>,
) -> Result<bool> {
    match result {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
