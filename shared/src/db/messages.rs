//! Queries on `messages` and what hangs off them (`reactions`, `mentions`, `rate_events`).
//! Id pages are keyset pages on `ix_messages_room_unread (room_id, id, …)`, `since` pages on
//! `ix_messages_seq (room_id, seq)`. A page is read in three statements whatever its size: the
//! rows (with their reply previews), then the reactions and the mentions of all of them.

use std::collections::HashMap;

use sqlx::{Any, AnyConnection, Executor};

use crate::domain::{
    Emoji, Message, MessageId, PageLimit, Reaction, ReplyPreview, RoomId, Timestamp, UserId,
    UserSummary,
};
use crate::error::Result;

/// A reply's excerpt of its parent, in characters.
const EXCERPT_CHARS: usize = 100;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    room_id: i64,
    sender_id: i64,
    sender_name: String,
    content: String,
    created_at: i64,
    client_id: Option<String>,
    seq: i64,
    edited_at: Option<i64>,
    deleted_at: Option<i64>,
    reply_to_id: Option<i64>,
    parent_sender_id: Option<i64>,
    parent_sender_name: Option<String>,
    parent_content: Option<String>,
    parent_deleted_at: Option<i64>,
}

/// The shared SELECT list, as a literal so queries stay `&'static str` (sqlx refuses built strings).
macro_rules! message_columns {
    () => {
        "SELECT m.id, m.room_id, m.sender_id, u.username AS sender_name, m.content, m.created_at, \
         m.client_id, m.seq, m.edited_at, m.deleted_at, m.reply_to_id, \
         p.sender_id AS parent_sender_id, pu.username AS parent_sender_name, \
         p.content AS parent_content, p.deleted_at AS parent_deleted_at "
    };
}

macro_rules! message_joins {
    () => {
        " JOIN users u ON u.id = m.sender_id \
         LEFT JOIN messages p ON p.id = m.reply_to_id LEFT JOIN users pu ON pu.id = p.sender_id"
    };
}

macro_rules! select_messages {
    () => {
        concat!(message_columns!(), "FROM messages m", message_joins!())
    };
}

/// A page: the ids come first from the room's index alone (`$ids`, LIMIT included), then
/// their rows and joins. Joined in one statement, MySQL may start from `users` (a room has
/// few senders) and sort the whole room: 2.9 s for the newest page of 1,000,000 messages.
macro_rules! page_of {
    ($ids:literal, $order:literal) => {
        concat!(
            message_columns!(),
            "FROM (",
            $ids,
            ") page JOIN messages m ON m.id = page.id",
            message_joins!(),
            " ORDER BY ",
            $order
        )
    };
}

impl Row {
    fn into_message(self) -> Message {
        let reply_to = match (
            self.reply_to_id,
            self.parent_sender_id,
            self.parent_sender_name,
        ) {
            (Some(id), Some(sender_id), Some(username)) if self.deleted_at.is_none() => {
                Some(ReplyPreview {
                    id: MessageId(id),
                    sender: UserSummary {
                        id: UserId(sender_id),
                        username,
                    },
                    excerpt: if self.parent_deleted_at.is_some() {
                        String::new()
                    } else {
                        self.parent_content
                            .unwrap_or_default()
                            .chars()
                            .take(EXCERPT_CHARS)
                            .collect()
                    },
                })
            }
            _ => None,
        };
        Message {
            id: MessageId(self.id),
            room_id: RoomId(self.room_id),
            sender: UserSummary {
                id: UserId(self.sender_id),
                username: self.sender_name,
            },
            content: self.content,
            created_at: Timestamp(self.created_at),
            client_id: self.client_id,
            seq: self.seq,
            edited_at: self.edited_at.map(Timestamp),
            deleted: self.deleted_at.is_some(),
            reply_to,
            reactions: Vec::new(),
            mentions: Vec::new(),
        }
    }
}

/// Rows to messages, with the reactions and mentions of all of them attached. On one
/// connection: inside a transaction this is the state the transaction sees.
async fn complete(conn: &mut AnyConnection, rows: Vec<Row>) -> Result<Vec<Message>> {
    let mut messages: Vec<Message> = rows.into_iter().map(Row::into_message).collect();
    if messages.is_empty() {
        return Ok(messages);
    }
    attach_reactions(conn, &mut messages).await?;
    attach_mentions(conn, &mut messages).await?;
    Ok(messages)
}

fn ids_of(messages: &[Message]) -> (Vec<MessageId>, String) {
    let ids: Vec<MessageId> = messages.iter().map(|m| m.id).collect();
    let list = super::placeholders(ids.len());
    (ids, list)
}

async fn attach_reactions(conn: &mut AnyConnection, messages: &mut [Message]) -> Result<()> {
    let (ids, list) = ids_of(messages);
    let mut reactions: HashMap<i64, Vec<Reaction>> = HashMap::new();
    let sql = format!(
        "SELECT message_id, emoji, user_id FROM reactions WHERE message_id IN ({list}) ORDER BY message_id, id"
    );
    #[derive(sqlx::FromRow)]
    struct ReactionRow {
        message_id: i64,
        emoji: String,
        user_id: i64,
    }
    // Built only from fixed text and `?` placeholders: nothing user-supplied is interpolated.
    let mut query = sqlx::query_as::<_, ReactionRow>(sqlx::AssertSqlSafe(sql));
    for id in &ids {
        query = query.bind(id.0);
    }
    for row in query.fetch_all(&mut *conn).await? {
        let list = reactions.entry(row.message_id).or_default();
        let user = UserId(row.user_id);
        match list.iter_mut().find(|r| r.emoji == row.emoji) {
            Some(r) => {
                r.count += 1;
                r.user_ids.push(user);
            }
            None => list.push(Reaction {
                emoji: row.emoji,
                count: 1,
                user_ids: vec![user],
            }),
        }
    }
    for m in messages {
        m.reactions = reactions.remove(&m.id.0).unwrap_or_default();
    }
    Ok(())
}

async fn attach_mentions(conn: &mut AnyConnection, messages: &mut [Message]) -> Result<()> {
    let (ids, list) = ids_of(messages);
    let sql = format!(
        "SELECT n.message_id, u.id, u.username FROM mentions n JOIN users u ON u.id = n.user_id \
         WHERE n.message_id IN ({list}) ORDER BY n.message_id, u.username_key"
    );
    #[derive(sqlx::FromRow)]
    struct MentionRow {
        message_id: i64,
        id: i64,
        username: String,
    }
    let mut mentions: HashMap<i64, Vec<UserSummary>> = HashMap::new();
    let mut query = sqlx::query_as::<_, MentionRow>(sqlx::AssertSqlSafe(sql));
    for id in &ids {
        query = query.bind(id.0);
    }
    for row in query.fetch_all(&mut *conn).await? {
        mentions
            .entry(row.message_id)
            .or_default()
            .push(UserSummary {
                id: UserId(row.id),
                username: row.username,
            });
    }
    for m in messages {
        m.mentions = mentions.remove(&m.id.0).unwrap_or_default();
    }
    Ok(())
}

/// A message this transaction has just inserted. It has no reactions yet and mentions only
/// when `mentions` says it was given some, so only the queries that can find something run
/// (each is a round trip under the room's lock).
pub async fn load_new(conn: &mut AnyConnection, id: MessageId, mentions: bool) -> Result<Message> {
    let row: Option<Row> = sqlx::query_as(concat!(select_messages!(), " WHERE m.id = ?"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    let mut messages: Vec<Message> = row.into_iter().map(Row::into_message).collect();
    if mentions && !messages.is_empty() {
        attach_mentions(conn, &mut messages).await?;
    }
    messages
        .pop()
        .ok_or(crate::Error::NotFound("no such message"))
}

pub struct NewMessageRow<'a> {
    pub room: RoomId,
    pub sender: UserId,
    pub content: &'a str,
    pub client_id: Option<&'a str>,
    pub reply_to: Option<MessageId>,
    pub seq: i64,
    pub now: Timestamp,
}

/// Inserts a message; a repeated `(room, sender, client_id)` surfaces as a unique violation.
pub async fn insert(
    conn: &mut AnyConnection,
    new: &NewMessageRow<'_>,
) -> std::result::Result<MessageId, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO messages (room_id, sender_id, content, client_id, created_at, seq, reply_to_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(new.room.0)
    .bind(new.sender.0)
    .bind(new.content)
    .bind(new.client_id)
    .bind(new.now.millis())
    .bind(new.seq)
    .bind(new.reply_to.map(|m| m.0))
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
    Ok(state_of(ex, room, id).await?.is_some())
}

/// A message's sender and whether it is deleted, when it is a message of `room`.
pub async fn state_of<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    id: MessageId,
) -> Result<Option<(UserId, bool)>> {
    #[derive(sqlx::FromRow)]
    struct State {
        sender_id: i64,
        deleted_at: Option<i64>,
    }
    let row: Option<State> =
        sqlx::query_as("SELECT sender_id, deleted_at FROM messages WHERE id = ? AND room_id = ?")
            .bind(id.0)
            .bind(room.0)
            .fetch_optional(ex)
            .await?;
    Ok(row.map(|row| (UserId(row.sender_id), row.deleted_at.is_some())))
}

/// Whole messages by id (any order asked; answered in id order).
pub async fn load(conn: &mut AnyConnection, ids: &[MessageId]) -> Result<Vec<Message>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{} WHERE m.id IN ({}) ORDER BY m.id",
        select_messages!(),
        super::placeholders(ids.len())
    );
    let mut query = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(id.0);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    complete(conn, rows).await
}

/// The message this sender already stored in this room under this idempotency key.
pub async fn find_by_client_id(
    conn: &mut AnyConnection,
    room: RoomId,
    sender: UserId,
    client_id: &str,
) -> Result<Option<Message>> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        select_messages!(),
        " WHERE m.room_id = ? AND m.sender_id = ? AND m.client_id = ?"
    ))
    .bind(room.0)
    .bind(sender.0)
    .bind(client_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(complete(conn, rows).await?.pop())
}

/// Which rows a page reads.
pub enum PageQuery {
    /// Newest first, below `before` (`i64::MAX` for the newest page).
    Before(MessageId),
    /// Oldest first, from `after` on (exclusive), or from it inclusive with `Around`.
    After(MessageId),
    AtOrAfter(MessageId),
    /// In seq order, after this seq.
    Since(i64),
}

/// Up to `limit + 1` rows of one direction, so the caller knows whether more lie beyond;
/// answered in the order read.
/// A page of a room (see [`page_of`]: the ids are picked from the room's indexes first).
pub async fn read_page(
    conn: &mut AnyConnection,
    room: RoomId,
    query: PageQuery,
    fetch: i64,
) -> Result<Vec<Message>> {
    let rows: Vec<Row> =
        match query {
            PageQuery::Before(before) => {
                sqlx::query_as(page_of!(
                    "SELECT id FROM messages WHERE room_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
                    "m.id DESC"
                ))
                .bind(room.0)
                .bind(before.0)
                .bind(fetch)
                .fetch_all(&mut *conn)
                .await?
            }
            PageQuery::After(after) => {
                sqlx::query_as(page_of!(
                    "SELECT id FROM messages WHERE room_id = ? AND id > ? ORDER BY id ASC LIMIT ?",
                    "m.id ASC"
                ))
                .bind(room.0)
                .bind(after.0)
                .bind(fetch)
                .fetch_all(&mut *conn)
                .await?
            }
            PageQuery::AtOrAfter(from) => {
                sqlx::query_as(page_of!(
                    "SELECT id FROM messages WHERE room_id = ? AND id >= ? ORDER BY id ASC LIMIT ?",
                    "m.id ASC"
                ))
                .bind(room.0)
                .bind(from.0)
                .bind(fetch)
                .fetch_all(&mut *conn)
                .await?
            }
            PageQuery::Since(seq) => sqlx::query_as(page_of!(
                "SELECT id FROM messages WHERE room_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?",
                "m.seq ASC"
            ))
            .bind(room.0)
            .bind(seq)
            .bind(fetch)
            .fetch_all(&mut *conn)
            .await?,
        };
    complete(conn, rows).await
}

/// The page size plus one: the extra row says whether more lie beyond.
pub fn fetch_for(limit: PageLimit) -> i64 {
    i64::from(limit.0) + 1
}

/// Replaces content (an edit) and stamps the change's seq.
pub async fn set_content<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: MessageId,
    content: &str,
    seq: i64,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE messages SET content = ?, edited_at = ?, seq = ? WHERE id = ?")
        .bind(content)
        .bind(now.millis())
        .bind(seq)
        .bind(id.0)
        .execute(ex)
        .await?;
    Ok(())
}

/// Turns a message into a tombstone: content, reply link, reactions and mentions go.
pub async fn tombstone(
    conn: &mut AnyConnection,
    id: MessageId,
    seq: i64,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE messages SET content = '', deleted_at = ?, reply_to_id = NULL, seq = ? WHERE id = ?",
    )
    .bind(now.millis())
    .bind(seq)
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM reactions WHERE message_id = ?")
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM mentions WHERE message_id = ?")
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stamps a change's seq on a message whose reactions or reply preview changed.
pub async fn set_seq<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: MessageId,
    seq: i64,
) -> Result<()> {
    sqlx::query("UPDATE messages SET seq = ? WHERE id = ?")
        .bind(seq)
        .bind(id.0)
        .execute(ex)
        .await?;
    Ok(())
}

/// The live (not deleted) replies to a message, in id order.
pub async fn replies_to<'c>(
    ex: impl Executor<'c, Database = Any>,
    parent: MessageId,
) -> Result<Vec<MessageId>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM messages WHERE reply_to_id = ? AND deleted_at IS NULL ORDER BY id",
    )
    .bind(parent.0)
    .fetch_all(ex)
    .await?;
    Ok(ids.into_iter().map(MessageId).collect())
}

/// Adds a reaction; false when this user already reacted so (a unique violation).
pub async fn add_reaction<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: MessageId,
    user: UserId,
    emoji: &Emoji,
    now: Timestamp,
) -> Result<bool> {
    let result = sqlx::query(
        "INSERT INTO reactions (message_id, user_id, emoji, created_at) VALUES (?, ?, ?, ?)",
    )
    .bind(id.0)
    .bind(user.0)
    .bind(emoji.as_str())
    .bind(now.millis())
    .execute(ex)
    .await;
    super::inserted_unless_present(result)
}

/// Removes a reaction; false when there was none.
pub async fn remove_reaction<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: MessageId,
    user: UserId,
    emoji: &Emoji,
) -> Result<bool> {
    let done =
        sqlx::query("DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?")
            .bind(id.0)
            .bind(user.0)
            .bind(emoji.as_str())
            .execute(ex)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// Replaces a message's mentions.
pub async fn set_mentions(conn: &mut AnyConnection, id: MessageId, users: &[UserId]) -> Result<()> {
    sqlx::query("DELETE FROM mentions WHERE message_id = ?")
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    for user in users {
        sqlx::query("INSERT INTO mentions (message_id, user_id) VALUES (?, ?)")
            .bind(id.0)
            .bind(user.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Records one rate-limited action (a post, an edit, a reaction change) and forgets this
/// user's older ones in the room; run under the room's lock.
pub async fn record_action(
    conn: &mut AnyConnection,
    room: RoomId,
    user: UserId,
    now: Timestamp,
    forget_before: Timestamp,
) -> Result<()> {
    sqlx::query("DELETE FROM rate_events WHERE room_id = ? AND user_id = ? AND at < ?")
        .bind(room.0)
        .bind(user.0)
        .bind(forget_before.millis())
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO rate_events (room_id, user_id, at) VALUES (?, ?, ?)")
        .bind(room.0)
        .bind(user.0)
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Times (newest first) of this user's latest `n` rate-limited actions in the room since
/// `since`: the rate limiter's evidence, shared by every Lambda instance through the database.
pub async fn recent_send_times<'c>(
    ex: impl Executor<'c, Database = Any>,
    room: RoomId,
    sender: UserId,
    since: Timestamp,
    n: u32,
) -> Result<Vec<Timestamp>> {
    let times: Vec<i64> = sqlx::query_scalar(
        "SELECT at FROM rate_events WHERE room_id = ? AND user_id = ? AND at > ? ORDER BY at DESC LIMIT ?",
    )
    .bind(room.0)
    .bind(sender.0)
    .bind(since.millis())
    .bind(i64::from(n))
    .fetch_all(ex)
    .await?;
    Ok(times.into_iter().map(Timestamp).collect())
}

/// Full-text search over the live messages of the rooms `member` belongs to (one room when
/// `room` is set), newest first, below `before`: InnoDB's FULLTEXT index on MySQL, FTS5 on
/// SQLite. `terms` are plain words (no operators); each must match, as a prefix.
pub async fn search(
    conn: &mut AnyConnection,
    backend: super::Backend,
    member: UserId,
    terms: &[String],
    room: Option<RoomId>,
    before: MessageId,
    fetch: i64,
) -> Result<Vec<Message>> {
    // InnoDB indexes no word under innodb_ft_min_token_size (3) characters: such a required
    // term would match nothing, so it is left out (SQLite's FTS5 indexes every word).
    let terms: Vec<&String> = match backend {
        super::Backend::MySql => terms.iter().filter(|t| t.chars().count() >= 3).collect(),
        super::Backend::Sqlite => terms.iter().collect(),
    };
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let (sql, query) = match backend {
        super::Backend::MySql => (
            concat!(
                select_messages!(),
                " WHERE MATCH(m.content) AGAINST (? IN BOOLEAN MODE)"
            ),
            terms
                .iter()
                .map(|t| format!("+{t}*"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        super::Backend::Sqlite => (
            concat!(
                select_messages!(),
                " WHERE m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)"
            ),
            terms
                .iter()
                .map(|t| format!("\"{}\"*", t.replace('"', "\"\"")))
                .collect::<Vec<_>>()
                .join(" "),
        ),
    };
    let sql = format!(
        "{sql} AND m.deleted_at IS NULL \
         AND m.room_id IN (SELECT r.room_id FROM room_members r WHERE r.user_id = ?) \
         AND (? IS NULL OR m.room_id = ?) AND m.id < ? ORDER BY m.id DESC LIMIT ?"
    );
    // Built only from fixed text and `?` placeholders: the terms are bound, not interpolated.
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(query)
        .bind(member.0)
        .bind(room.map(|r| r.0))
        .bind(room.map(|r| r.0))
        .bind(before.0)
        .bind(fetch)
        .fetch_all(&mut *conn)
        .await?;
    complete(conn, rows).await
}
