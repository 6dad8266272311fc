//! Queries on `room_members`: who belongs to which room.

use sqlx::{Any, Executor};

use crate::domain::{MessageId, RoomId, Timestamp, UserId, UserSummary};
use crate::error::Result;

/// Adds a member whose read marker starts at the room's newest message (history one arrives
/// to is not unread). True when added; joining twice is not an error and adds nothing.
pub async fn insert<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    user: UserId,
    now: Timestamp,
) -> Result<bool> {
    let result = sqlx::query(
        "INSERT INTO room_members (room_id, user_id, joined_at, last_read_id) SELECT ?, ?, ?, MAX(id) FROM messages WHERE room_id = ?",
    )
    .bind(room.0)
    .bind(user.0)
    .bind(now.millis())
    .bind(room.0)
    .execute(ex)
    .await;
    super::inserted_unless_present(result)
}

/// Removes a member; true when they were one.
pub async fn delete<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    user: UserId,
) -> Result<bool> {
    let done = sqlx::query("DELETE FROM room_members WHERE room_id = ? AND user_id = ?")
        .bind(room.0)
        .bind(user.0)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A primary-key look-up: the membership check on every message read and write.
pub async fn exists<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    user: UserId,
) -> Result<bool> {
    let row: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM room_members WHERE room_id = ? AND user_id = ?")
            .bind(room.0)
            .bind(user.0)
            .fetch_optional(ex)
            .await?;
    Ok(row.is_some())
}

/// Claims the member's next `typing` push in `room`: true when `user` is a member whose last
/// one went out before `since` (one statement checks both; false for a non-member too).
pub async fn claim_typing<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    user: UserId,
    now: Timestamp,
    since: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE room_members SET typing_at = ? WHERE room_id = ? AND user_id = ? AND (typing_at IS NULL OR typing_at <= ?)",
    )
    .bind(now.millis())
    .bind(room.0)
    .bind(user.0)
    .bind(since.millis())
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
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
    super::room_users(ex, sql, rooms.unwrap_or_default()).await
}

/// A member's read state in one room: the marker and how many messages by others lie after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadState {
    pub last_read_id: Option<MessageId>,
    /// Messages by others after the marker, deleted ones left out.
    pub unread_count: u64,
    /// Those of them that mention the member.
    pub mention_count: u64,
}

/// Moves the member's marker forward to `message`; never back (an older id changes nothing).
pub async fn mark_read<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    user: UserId,
    message: MessageId,
) -> Result<()> {
    sqlx::query(
        "UPDATE room_members SET last_read_id = ? WHERE room_id = ? AND user_id = ? AND (last_read_id IS NULL OR last_read_id < ?)",
    )
    .bind(message.0)
    .bind(room.0)
    .bind(user.0)
    .bind(message.0)
    .execute(ex)
    .await?;
    Ok(())
}

/// The user's read state in every room they are a member of (`room` = `None`), or in one
/// room: the markers in one statement, then the counts in one statement per 200 rooms. Each
/// count gets its room's marker as a bound constant, so it is a range on
/// `ix_messages_room_unread` (and `ix_mentions_user`) from the marker on that reads only the
/// index and only the unread part; a join, or a correlated subquery, would walk every message
/// of the room instead.
pub async fn read_states<'c, E>(
    ex: E,
    user: UserId,
    room: Option<RoomId>,
) -> Result<Vec<(RoomId, ReadState)>>
where
    E: Executor<'c, Database = Any> + Copy,
{
    const ROOMS_PER_STATEMENT: usize = 200;
    #[derive(sqlx::FromRow)]
    struct Marker {
        room_id: i64,
        last_read_id: Option<i64>,
    }
    #[derive(sqlx::FromRow)]
    struct Counts {
        room_id: i64,
        unread: i64,
        mentions: i64,
    }
    let markers: Vec<Marker> =
        match room {
            None => {
                sqlx::query_as("SELECT room_id, last_read_id FROM room_members WHERE user_id = ?")
                    .bind(user.0)
                    .fetch_all(ex)
                    .await?
            }
            Some(room) => sqlx::query_as(
                "SELECT room_id, last_read_id FROM room_members WHERE user_id = ? AND room_id = ?",
            )
            .bind(user.0)
            .bind(room.0)
            .fetch_all(ex)
            .await?,
        };
    let mut counts = std::collections::HashMap::new();
    for batch in markers.chunks(ROOMS_PER_STATEMENT) {
        let sql = vec![
            "SELECT ? AS room_id, \
             (SELECT COUNT(*) FROM messages WHERE room_id = ? AND id > ? AND sender_id <> ? AND deleted_at IS NULL) AS unread, \
             (SELECT COUNT(*) FROM mentions n JOIN messages m ON m.id = n.message_id \
              WHERE n.user_id = ? AND n.message_id > ? AND m.room_id = ? AND m.sender_id <> ? AND m.deleted_at IS NULL) AS mentions";
            batch.len()
        ]
        .join(" UNION ALL ");
        // Built only from fixed text and `?` placeholders: nothing user-supplied is interpolated.
        let mut query = sqlx::query_as::<_, Counts>(sqlx::AssertSqlSafe(sql));
        for Marker {
            room_id,
            last_read_id,
        } in batch
        {
            let marker = last_read_id.unwrap_or(0);
            query = query
                .bind(*room_id)
                .bind(*room_id)
                .bind(marker)
                .bind(user.0)
                .bind(user.0)
                .bind(marker)
                .bind(*room_id)
                .bind(user.0);
        }
        for row in query.fetch_all(ex).await? {
            counts.insert(row.room_id, (row.unread, row.mentions));
        }
    }
    Ok(markers
        .into_iter()
        .map(|marker| {
            let (unread, mentions) = counts.get(&marker.room_id).copied().unwrap_or((0, 0));
            (
                RoomId(marker.room_id),
                ReadState {
                    last_read_id: marker.last_read_id.map(MessageId),
                    unread_count: unread.max(0) as u64,
                    mention_count: mentions.max(0) as u64,
                },
            )
        })
        .collect())
}

/// The members of `room` among the users with these case-folded names.
pub async fn members_by_keys<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    keys: &[String],
) -> Result<Vec<UserId>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT u.id FROM users u JOIN room_members m ON m.user_id = u.id AND m.room_id = ? \
         WHERE u.username_key IN ({}) ORDER BY u.id",
        super::placeholders(keys.len())
    );
    // Built only from fixed text and `?` placeholders: nothing user-supplied is interpolated.
    let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).bind(room.0);
    for key in keys {
        query = query.bind(key);
    }
    Ok(query.fetch_all(ex).await?.into_iter().map(UserId).collect())
}
