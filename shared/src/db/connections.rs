//! Queries on `connections`: one row per open WebSocket. A row is either a v1 *room
//! connection* (`room_id` set) or a *user connection* (`room_id` NULL) that carries every room
//! its user is a member of. Every look-up goes through an index, never a scan.

use std::time::Duration;

use sqlx::{Any, Executor};

use crate::domain::{RoomId, Timestamp, UserId, UserSummary};
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub connection_id: String,
    /// The management API endpoint that reaches this connection.
    pub endpoint: String,
    pub user_id: UserId,
    /// The room of a room connection; `None` for a user connection.
    pub room_id: Option<RoomId>,
    /// The room whose presence and typing this connection is shown: a room connection's room,
    /// or the room a user connection last synced.
    pub viewing_room_id: Option<RoomId>,
    pub connected_at: Timestamp,
    /// When a frame last arrived (`connected_at` until the first one); kept only to the
    /// minute, see [`touch`].
    pub last_seen_at: Timestamp,
    /// When the token presented at `$connect` expires; actions are refused after it.
    pub expires_at: Timestamp,
}

impl Connection {
    pub fn is_user_connection(&self) -> bool {
        self.room_id.is_none()
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    connection_id: String,
    endpoint: String,
    user_id: i64,
    room_id: Option<i64>,
    viewing_room_id: Option<i64>,
    connected_at: i64,
    last_seen_at: i64,
    expires_at: i64,
}

impl From<Row> for Connection {
    fn from(row: Row) -> Connection {
        Connection {
            connection_id: row.connection_id,
            endpoint: row.endpoint,
            user_id: UserId(row.user_id),
            room_id: row.room_id.map(RoomId),
            viewing_room_id: row.viewing_room_id.map(RoomId),
            connected_at: Timestamp(row.connected_at),
            last_seen_at: Timestamp(row.last_seen_at),
            expires_at: Timestamp(row.expires_at),
        }
    }
}

/// The shared SELECT list, as a literal so queries stay `&'static str` (sqlx refuses built strings).
macro_rules! connection_columns {
    () => {
        "SELECT c.connection_id, c.endpoint, c.user_id, c.room_id, c.viewing_room_id, c.connected_at, c.last_seen_at, c.expires_at"
    };
}

macro_rules! select_connections {
    () => {
        concat!(connection_columns!(), " FROM connections c")
    };
}

fn all(rows: Vec<Row>) -> Vec<Connection> {
    rows.into_iter().map(Connection::from).collect()
}

pub async fn insert<'c>(ex: impl Executor<'c, Database = Any>, c: &Connection) -> Result<()> {
    sqlx::query(
        "INSERT INTO connections (connection_id, endpoint, user_id, room_id, viewing_room_id, connected_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&c.connection_id)
    .bind(&c.endpoint)
    .bind(c.user_id.0)
    .bind(c.room_id.map(|r| r.0))
    .bind(c.viewing_room_id.map(|r| r.0))
    .bind(c.connected_at.millis())
    .bind(c.last_seen_at.millis())
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
        sqlx::query_as(concat!(select_connections!(), " WHERE c.connection_id = ?"))
            .bind(connection_id)
            .fetch_optional(ex)
            .await?;
    Ok(row.map(Connection::from))
}

#[derive(sqlx::FromRow)]
struct RowWithName {
    #[sqlx(flatten)]
    connection: Row,
    username: String,
}

/// A connection with its user's name: all a frame needs before its action, in one read.
pub async fn find_with_user<'c>(
    ex: impl Executor<'c, Database = Any>,
    connection_id: &str,
) -> Result<Option<(Connection, String)>> {
    let row: Option<RowWithName> = sqlx::query_as(concat!(
        connection_columns!(),
        ", u.username FROM connections c JOIN users u ON u.id = c.user_id WHERE c.connection_id = ?"
    ))
    .bind(connection_id)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(|r| (Connection::from(r.connection), r.username)))
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

/// Deletes a connection that answered 410, judged on `seen`, the row as the fan-out read it
/// before posting: a connection that was younger than `connecting_since` and had sent no frame
/// then may have been inside its `$connect` (410 too) and is kept, even if it has spoken since
/// (judged on the row at delete time, a connection whose first frame lands between the post
/// and the delete would be removed while open). `true` when a row went.
pub async fn delete_gone<'c>(
    ex: impl Executor<'c, Database = Any>,
    seen: &Connection,
    connecting_since: Timestamp,
) -> Result<bool> {
    let maybe_connecting =
        seen.connected_at >= connecting_since && seen.last_seen_at <= seen.connected_at;
    if maybe_connecting {
        return Ok(false);
    }
    delete(ex, &seen.connection_id).await
}

/// How stale `last_seen_at` may get: the idle sweep counts in minutes, so one write a minute
/// keeps it true without a write per frame.
pub const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// Records that `connection` sent a frame, when that changes anything: its first frame (the
/// 410 clean-up tells a socket that has spoken from one inside its `$connect` by it) and then
/// at most once per [`TOUCH_EVERY`].
pub async fn touch<'c>(
    ex: impl Executor<'c, Database = Any>,
    connection: &Connection,
    now: Timestamp,
) -> Result<()> {
    let spoke = connection.last_seen_at > connection.connected_at;
    let fresh = now < connection.last_seen_at + TOUCH_EVERY;
    if spoke && fresh {
        return Ok(());
    }
    // Later than `connected_at` even within its millisecond: that is what "spoke" means.
    let seen = now.max(connection.connected_at + Duration::from_millis(1));
    sqlx::query("UPDATE connections SET last_seen_at = ? WHERE connection_id = ?")
        .bind(seen.millis())
        .bind(&connection.connection_id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Makes a user connection the viewer of `room` (its presence and typing reach it).
pub async fn set_viewing<'c>(
    ex: impl Executor<'c, Database = Any>,
    connection_id: &str,
    room: RoomId,
) -> Result<()> {
    sqlx::query("UPDATE connections SET viewing_room_id = ? WHERE connection_id = ?")
        .bind(room.0)
        .bind(connection_id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Everyone who receives a room's frames, in one statement: the room's own connections, and
/// the user connections of its members (`room_members`' primary key, then
/// `ix_connections_user`).
pub async fn receivers_of_room<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
) -> Result<Vec<Connection>> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        select_connections!(),
        " WHERE c.room_id = ? UNION ALL ",
        select_connections!(),
        " JOIN room_members m ON m.user_id = c.user_id AND c.room_id IS NULL WHERE m.room_id = ?"
    ))
    .bind(room.0)
    .bind(room.0)
    .fetch_all(ex)
    .await?;
    Ok(all(rows))
}

/// The connections viewing `room` (through `ix_connections_viewing`).
pub async fn viewers_of_room<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
) -> Result<Vec<Connection>> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        select_connections!(),
        " WHERE c.viewing_room_id = ?"
    ))
    .bind(room.0)
    .fetch_all(ex)
    .await?;
    Ok(all(rows))
}

/// Who hears `user` come online or go offline: the connections viewing any room they are a
/// member of, and the user connections of their direct-room partners, as if viewing that
/// direct room (a sidebar shows a DM partner's presence whatever room is open). A connection
/// may be listed twice for one room; callers deduplicate.
pub async fn viewers_of_rooms_of<'c>(
    ex: impl Executor<'c, Database = Any>,
    user: UserId,
) -> Result<Vec<Connection>> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        select_connections!(),
        " JOIN room_members m ON m.room_id = c.viewing_room_id WHERE m.user_id = ?",
        " UNION ALL SELECT c.connection_id, c.endpoint, c.user_id, c.room_id, me.room_id AS viewing_room_id, c.connected_at, c.last_seen_at, c.expires_at",
        " FROM room_members me JOIN rooms r ON r.id = me.room_id AND r.kind = 'direct'",
        " JOIN room_members other ON other.room_id = me.room_id AND other.user_id <> me.user_id",
        " JOIN connections c ON c.user_id = other.user_id AND c.room_id IS NULL WHERE me.user_id = ?"
    ))
    .bind(user.0)
    .bind(user.0)
    .fetch_all(ex)
    .await?;
    Ok(all(rows))
}

/// Every connection of one user, of both kinds.
pub async fn of_user<'c>(
    ex: impl Executor<'c, Database = Any>,
    user: UserId,
) -> Result<Vec<Connection>> {
    let rows: Vec<Row> = sqlx::query_as(concat!(select_connections!(), " WHERE c.user_id = ?"))
        .bind(user.0)
        .fetch_all(ex)
        .await?;
    Ok(all(rows))
}

/// The user connections of every user (who hears of a new public room).
pub async fn user_connections<'c>(
    ex: impl Executor<'c, Database = Any>,
) -> Result<Vec<Connection>> {
    let rows: Vec<Row> = sqlx::query_as(concat!(select_connections!(), " WHERE c.room_id IS NULL"))
        .fetch_all(ex)
        .await?;
    Ok(all(rows))
}

/// The user's room connections in one room (closed when they leave it).
pub async fn in_room_of_user<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    user: UserId,
) -> Result<Vec<Connection>> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        select_connections!(),
        " WHERE c.room_id = ? AND c.user_id = ?"
    ))
    .bind(room.0)
    .bind(user.0)
    .fetch_all(ex)
    .await?;
    Ok(all(rows))
}

/// Stops the user's user connections viewing a room they are no longer a member of.
pub async fn stop_viewing<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    user: UserId,
) -> Result<()> {
    sqlx::query(
        "UPDATE connections SET viewing_room_id = NULL WHERE user_id = ? AND room_id IS NULL AND viewing_room_id = ?",
    )
    .bind(user.0)
    .bind(room.0)
    .execute(ex)
    .await?;
    Ok(())
}

/// How many connections of either kind the user has open: presence is app-wide.
pub async fn count_of_user<'c>(ex: impl Executor<'c, Database = Any>, user: UserId) -> Result<i64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM connections WHERE user_id = ?")
        .bind(user.0)
        .fetch_one(ex)
        .await?;
    Ok(n)
}

/// The online members of each of `rooms` (members with at least one connection), each once,
/// by name, grouped by room.
pub async fn online_members<'c>(
    ex: impl Executor<'c, Database = Any>,
    rooms: &[RoomId],
) -> Result<Vec<(RoomId, UserSummary)>> {
    if rooms.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT m.room_id, u.id, u.username FROM room_members m JOIN users u ON u.id = m.user_id \
         WHERE m.room_id IN ({}) AND EXISTS (SELECT 1 FROM connections c WHERE c.user_id = m.user_id) \
         ORDER BY m.room_id, u.username_key",
        super::placeholders(rooms.len())
    );
    super::room_users(ex, sql, rooms).await
}

/// Rows API Gateway must already have closed: idle since `idle_before` or opened before
/// `opened_before` (`$disconnect` is best effort), at most `limit`, with their users. A plain
/// read: callers delete by primary key, because a ranged DELETE takes InnoDB gap locks that
/// deadlock with concurrent `$connect` inserts.
pub async fn expired<'c>(
    ex: impl Executor<'c, Database = Any>,
    idle_before: Timestamp,
    opened_before: Timestamp,
    limit: u32,
) -> Result<Vec<(String, UserId)>> {
    #[derive(sqlx::FromRow)]
    struct Expired {
        connection_id: String,
        user_id: i64,
    }
    let rows: Vec<Expired> = sqlx::query_as(
        "SELECT connection_id, user_id FROM connections WHERE last_seen_at < ? OR connected_at < ? LIMIT ?",
    )
    .bind(idle_before.millis())
    .bind(opened_before.millis())
    .bind(i64::from(limit))
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.connection_id, UserId(row.user_id)))
        .collect())
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
