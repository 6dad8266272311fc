//! Queries on `connections`: one row per open WebSocket, looked up by room through
//! `ix_connections_room`, never by a scan.

use sqlx::{Any, Executor};

use crate::domain::{RoomId, Timestamp, UserId, UserSummary};
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub connection_id: String,
    /// The management API endpoint that reaches this connection.
    pub endpoint: String,
    pub room_id: RoomId,
    pub user_id: UserId,
    pub connected_at: Timestamp,
    /// When the token presented at `$connect` expires; actions are refused after it.
    pub expires_at: Timestamp,
}

type Row = (String, String, i64, i64, i64, i64);

/// The shared SELECT list, as a literal so queries stay `&'static str` (sqlx refuses built strings).
macro_rules! select_connections {
    () => {
        "SELECT connection_id, endpoint, room_id, user_id, connected_at, expires_at FROM connections"
    };
}

fn from_row(
    (connection_id, endpoint, room_id, user_id, connected_at, expires_at): Row,
) -> Connection {
    Connection {
        connection_id,
        endpoint,
        room_id: RoomId(room_id),
        user_id: UserId(user_id),
        connected_at: Timestamp(connected_at),
        expires_at: Timestamp(expires_at),
    }
}

pub async fn insert<'c>(ex: impl Executor<'c, Database = Any>, c: &Connection) -> Result<()> {
    sqlx::query(
        "INSERT INTO connections (connection_id, endpoint, room_id, user_id, connected_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&c.connection_id)
    .bind(&c.endpoint)
    .bind(c.room_id.0)
    .bind(c.user_id.0)
    .bind(c.connected_at.millis())
    .bind(c.connected_at.millis())
    .bind(c.expires_at.millis())
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn find<'c>(
    ex: impl Executor<'c, Database = Any>,
    connection_id: &str,
) -> Result<Option<Connection>> {
    let row: Option<Row> =
        sqlx::query_as(concat!(select_connections!(), " WHERE connection_id = ?"))
            .bind(connection_id)
            .fetch_optional(ex)
            .await?;
    Ok(row.map(from_row))
}

/// Deletes one row; true when it existed.
pub async fn delete<'c>(
    ex: impl Executor<'c, Database = Any>,
    connection_id: &str,
) -> Result<bool> {
    let done = sqlx::query("DELETE FROM connections WHERE connection_id = ?")
        .bind(connection_id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Records activity on a connection (any frame from its client).
pub async fn touch<'c>(
    ex: impl Executor<'c, Database = Any>,
    connection_id: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE connections SET last_seen_at = ? WHERE connection_id = ?")
        .bind(now.millis())
        .bind(connection_id)
        .execute(ex)
        .await?;
    Ok(())
}

/// The room's connections (an index look-up on `room_id`).
pub async fn list_for_room<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
) -> Result<Vec<Connection>> {
    let rows: Vec<Row> = sqlx::query_as(concat!(select_connections!(), " WHERE room_id = ?"))
        .bind(room.0)
        .fetch_all(ex)
        .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// Users with at least one connection in the room, each once, by name.
pub async fn online_users<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
) -> Result<Vec<UserSummary>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT u.id, u.username FROM users u WHERE u.id IN (SELECT c.user_id FROM connections c WHERE c.room_id = ?) ORDER BY u.username_key",
    )
    .bind(room.0)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, username)| UserSummary {
            id: UserId(id),
            username,
        })
        .collect())
}

/// How many connections this user has open in the room.
pub async fn count_for_user<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    user: UserId,
) -> Result<i64> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM connections WHERE room_id = ? AND user_id = ?")
            .bind(room.0)
            .bind(user.0)
            .fetch_one(ex)
            .await?;
    Ok(n)
}

/// Ids of the room's rows that API Gateway must already have closed: idle since
/// `idle_before` or opened before `opened_before`. `$disconnect` is best effort, so presence
/// cannot rely on it alone. A plain read: callers delete by primary key, because a ranged
/// DELETE takes InnoDB gap locks that deadlock with concurrent `$connect` inserts.
pub async fn expired<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    idle_before: Timestamp,
    opened_before: Timestamp,
) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT connection_id FROM connections WHERE room_id = ? AND (last_seen_at < ? OR connected_at < ?)",
    )
    .bind(room.0)
    .bind(idle_before.millis())
    .bind(opened_before.millis())
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The user's connections in one room.
pub async fn list_for_user_in_room<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    user: UserId,
) -> Result<Vec<Connection>> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        select_connections!(),
        " WHERE room_id = ? AND user_id = ?"
    ))
    .bind(room.0)
    .bind(user.0)
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// Deletes every row reached through `endpoint`: local-dev's clean-up of its own rows after a crash.
pub async fn delete_by_endpoint<'c>(
    ex: impl Executor<'c, Database = Any>,
    endpoint: &str,
) -> Result<u64> {
    let done = sqlx::query("DELETE FROM connections WHERE endpoint = ?")
        .bind(endpoint)
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}
