//! Queries on `room_members`: who belongs to which room.

use sqlx::{Any, Executor};

use crate::domain::{RoomId, Timestamp, UserId, UserSummary};
use crate::error::Result;

/// Adds a member; joining twice is not an error (the unique violation is swallowed).
pub async fn insert<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    user: UserId,
    now: Timestamp,
) -> Result<()> {
    let result =
        sqlx::query("INSERT INTO room_members (room_id, user_id, joined_at) VALUES (?, ?, ?)")
            .bind(room.0)
            .bind(user.0)
            .bind(now.millis())
            .execute(ex)
            .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) if super::is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

pub async fn delete<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    user: UserId,
) -> Result<()> {
    sqlx::query("DELETE FROM room_members WHERE room_id = ? AND user_id = ?")
        .bind(room.0)
        .bind(user.0)
        .execute(ex)
        .await?;
    Ok(())
}

/// A primary-key look-up: the membership check on every message read and write.
pub async fn exists<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    user: UserId,
) -> Result<bool> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM room_members WHERE room_id = ? AND user_id = ?")
            .bind(room.0)
            .bind(user.0)
            .fetch_optional(ex)
            .await?;
    Ok(row.is_some())
}

/// Members of the given rooms (all rooms when `rooms` is `None`), in joining order.
pub async fn list<'c>(
    ex: impl Executor<'c, Database = Any>,
    rooms: Option<&[RoomId]>,
) -> Result<Vec<(RoomId, UserSummary)>> {
    let mut sql = String::from(
        "SELECT m.room_id, u.id, u.username FROM room_members m JOIN users u ON u.id = m.user_id",
    );
    if let Some(rooms) = rooms {
        if rooms.is_empty() {
            return Ok(Vec::new());
        }
        sql.push_str(&format!(
            " WHERE m.room_id IN ({})",
            super::placeholders(rooms.len())
        ));
    }
    sql.push_str(" ORDER BY m.room_id, m.joined_at, u.id");
    // Built only from fixed text and `?` placeholders: nothing user-supplied is interpolated.
    let mut query = sqlx::query_as::<_, (i64, i64, String)>(sqlx::AssertSqlSafe(sql));
    for room in rooms.unwrap_or_default() {
        query = query.bind(room.0);
    }
    let rows = query.fetch_all(ex).await?;
    Ok(rows
        .into_iter()
        .map(|(room, id, username)| {
            (
                RoomId(room),
                UserSummary {
                    id: UserId(id),
                    username,
                },
            )
        })
        .collect())
}
