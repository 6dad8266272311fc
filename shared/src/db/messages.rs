//! Queries on `messages`. Pages are keyset pages on `ix_messages_unread (room_id, id, …)`.

use sqlx::{Any, AnyConnection, Executor};

use crate::domain::{
    Message, MessageId, PageCursor, PageLimit, RoomId, Timestamp, UserId, UserSummary,
};
use crate::error::Result;

type Row = (i64, i64, i64, String, String, i64, Option<String>);

/// The shared SELECT list, as a literal so queries stay `&'static str` (sqlx refuses built strings).
macro_rules! select_messages {
    () => {
        "SELECT m.id, m.room_id, u.id, u.username, m.content, m.created_at, m.client_id \
                      FROM messages m JOIN users u ON u.id = m.sender_id"
    };
}

fn from_row((id, room_id, sender_id, sender_name, content, created_at, client_id): Row) -> Message {
    Message {
        id: MessageId(id),
        room_id: RoomId(room_id),
        sender: UserSummary {
            id: UserId(sender_id),
            username: sender_name,
        },
        content,
        created_at: Timestamp(created_at),
        client_id,
    }
}

pub struct NewMessageRow<'a> {
    pub room: RoomId,
    pub sender: UserId,
    pub content: &'a str,
    pub client_id: Option<&'a str>,
    pub now: Timestamp,
}

/// Inserts a message; a repeated `(room, sender, client_id)` surfaces as a unique violation.
pub async fn insert(
    conn: &mut AnyConnection,
    new: &NewMessageRow<'_>,
) -> std::result::Result<MessageId, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO messages (room_id, sender_id, content, client_id, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(new.room.0)
    .bind(new.sender.0)
    .bind(new.content)
    .bind(new.client_id)
    .bind(new.now.millis())
    .execute(&mut *conn)
    .await?;
    Ok(MessageId(super::inserted_id(conn, done).await?))
}

/// True when `id` is a message of `room` (a primary-key look-up).
pub async fn is_in_room<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    id: MessageId,
) -> Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM messages WHERE id = ? AND room_id = ?")
        .bind(id.0)
        .bind(room.0)
        .fetch_optional(ex)
        .await?;
    Ok(row.is_some())
}

/// The message this sender already stored in this room under this idempotency key.
pub async fn find_by_client_id<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    sender: UserId,
    client_id: &str,
) -> Result<Option<Message>> {
    let row: Option<Row> = sqlx::query_as(concat!(
        select_messages!(),
        " WHERE m.room_id = ? AND m.sender_id = ? AND m.client_id = ?"
    ))
    .bind(room.0)
    .bind(sender.0)
    .bind(client_id)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(from_row))
}

/// One page, oldest first, and whether more lie beyond it in the direction of travel
/// (older for `Newest`/`Before`, newer for `After`). Reads `limit + 1` rows to know.
pub async fn page<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    cursor: PageCursor,
    limit: PageLimit,
) -> Result<(Vec<Message>, bool)> {
    let fetch = i64::from(limit.0) + 1;
    let query = match cursor {
        PageCursor::Newest => sqlx::query_as::<_, Row>(concat!(
            select_messages!(),
            " WHERE m.room_id = ? ORDER BY m.id DESC LIMIT ?"
        ))
        .bind(room.0)
        .bind(fetch),
        PageCursor::Before(before) => sqlx::query_as::<_, Row>(concat!(
            select_messages!(),
            " WHERE m.room_id = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?"
        ))
        .bind(room.0)
        .bind(before.0)
        .bind(fetch),
        PageCursor::After(after) => sqlx::query_as::<_, Row>(concat!(
            select_messages!(),
            " WHERE m.room_id = ? AND m.id > ? ORDER BY m.id ASC LIMIT ?"
        ))
        .bind(room.0)
        .bind(after.0)
        .bind(fetch),
    };
    let mut messages: Vec<Message> = query
        .fetch_all(ex)
        .await?
        .into_iter()
        .map(from_row)
        .collect();
    let has_more = messages.len() > limit.0 as usize;
    messages.truncate(limit.0 as usize);
    if !matches!(cursor, PageCursor::After(_)) {
        messages.reverse(); // read newest first, answered oldest first
    }
    Ok((messages, has_more))
}

/// Send times (newest first) of this sender's latest `n` messages in the room since `since`:
/// the rate limiter's evidence, shared by every Lambda instance through the database.
pub async fn recent_send_times<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    sender: UserId,
    since: Timestamp,
    n: u32,
) -> Result<Vec<Timestamp>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT created_at FROM messages WHERE room_id = ? AND sender_id = ? AND created_at > ? ORDER BY created_at DESC LIMIT ?",
    )
    .bind(room.0)
    .bind(sender.0)
    .bind(since.millis())
    .bind(i64::from(n))
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(|(t,)| Timestamp(t)).collect())
}
