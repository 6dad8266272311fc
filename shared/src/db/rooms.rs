//! Queries on `rooms`.

use sqlx::{Any, AnyConnection, Executor};

use super::Backend;
use crate::domain::{RoomId, RoomKind, Timestamp, UserId, UserSummary};
use crate::error::Result;

/// A room as stored, before members are attached.
#[derive(Debug, Clone)]
pub struct RoomRow {
    pub id: RoomId,
    pub name: String,
    pub created_by: UserSummary,
    pub created_at: Timestamp,
    pub last_message_at: Option<Timestamp>,
    pub last_seq: i64,
    pub owner_id: Option<UserId>,
    pub kind: RoomKind,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    creator_id: i64,
    creator_name: String,
    created_at: i64,
    last_message_at: Option<i64>,
    last_seq: i64,
    owner_id: Option<i64>,
    kind: String,
}

/// The shared SELECT list, as a literal so queries stay `&'static str` (sqlx refuses built strings).
macro_rules! select_rooms {
    () => {
        "SELECT r.id, r.name, u.id AS creator_id, u.username AS creator_name, r.created_at, \
         r.last_message_at, r.last_seq, r.owner_id, r.kind \
         FROM rooms r JOIN users u ON u.id = r.created_by"
    };
}

fn from_row(row: Row) -> RoomRow {
    RoomRow {
        id: RoomId(row.id),
        name: row.name,
        created_by: UserSummary {
            id: UserId(row.creator_id),
            username: row.creator_name,
        },
        created_at: Timestamp(row.created_at),
        last_message_at: row.last_message_at.map(Timestamp),
        last_seq: row.last_seq,
        owner_id: row.owner_id.map(UserId),
        kind: RoomKind::from_stored(&row.kind),
    }
}

/// Inserts a room owned by its creator (direct rooms have no owner); a taken name (or pair,
/// for direct rooms) surfaces as a unique violation for the caller to map.
pub async fn insert(
    conn: &mut AnyConnection,
    name: &str,
    name_key: &str,
    kind: RoomKind,
    created_by: UserId,
    now: Timestamp,
) -> std::result::Result<RoomId, sqlx::Error> {
    let owner = (kind != RoomKind::Direct).then_some(created_by.0);
    let done = sqlx::query(
        "INSERT INTO rooms (name, name_key, kind, created_by, owner_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(name)
    .bind(name_key)
    .bind(kind.as_str())
    .bind(created_by.0)
    .bind(owner)
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    Ok(RoomId(super::inserted_id(conn, done).await?))
}

/// The room with this case-folded name (direct rooms: their pair key).
pub async fn find_by_key<'c>(
    ex: impl Executor<'c, Database = Any>,
    name_key: &str,
) -> Result<Option<RoomRow>> {
    let row: Option<Row> = sqlx::query_as(concat!(select_rooms!(), " WHERE r.name_key = ?"))
        .bind(name_key)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(from_row))
}

/// Hands the room from `from` to its longest-standing member (none: ownerless), in one
/// statement, and only if `from` still owns it.
pub async fn pass_ownership<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: RoomId,
    from: UserId,
) -> Result<()> {
    sqlx::query(
        "UPDATE rooms SET owner_id = (SELECT m.user_id FROM room_members m WHERE m.room_id = ? ORDER BY m.joined_at, m.user_id LIMIT 1) WHERE id = ? AND owner_id = ?",
    )
    .bind(id.0)
    .bind(id.0)
    .bind(from.0)
    .execute(ex)
    .await?;
    Ok(())
}

/// Gives an ownerless room (its last member had left) to `user`.
pub async fn claim_if_ownerless<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: RoomId,
    user: UserId,
) -> Result<()> {
    sqlx::query(
        "UPDATE rooms SET owner_id = ? WHERE id = ? AND owner_id IS NULL AND kind <> 'direct'",
    )
    .bind(user.0)
    .bind(id.0)
    .execute(ex)
    .await?;
    Ok(())
}

/// Replaces a room's name key (a private room's, once its id is known).
pub async fn set_name_key<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: RoomId,
    name_key: &str,
) -> Result<()> {
    sqlx::query("UPDATE rooms SET name_key = ? WHERE id = ?")
        .bind(name_key)
        .bind(id.0)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn find<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: RoomId,
) -> Result<Option<RoomRow>> {
    let row: Option<Row> = sqlx::query_as(concat!(select_rooms!(), " WHERE r.id = ?"))
        .bind(id.0)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(from_row))
}

/// The rooms `viewer` may see — every public room and their own private and direct ones —
/// newest activity (last message, else creation) first.
pub async fn list_visible<'c>(
    ex: impl Executor<'c, Database = Any>,
    viewer: UserId,
) -> Result<Vec<RoomRow>> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        select_rooms!(),
        " WHERE r.kind = 'public' OR r.id IN (SELECT m.room_id FROM room_members m WHERE m.user_id = ?)",
        " ORDER BY COALESCE(r.last_message_at, r.created_at) DESC, r.id DESC"
    ))
    .bind(viewer.0)
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// The posting path's first statement: takes the room's row lock (see [`lock_for_posting`])
/// and its next `n` seqs in one round trip, handing back the first of them. MySQL returns the
/// new value through `LAST_INSERT_ID(expr)` in the statement's OK packet, SQLite through
/// `RETURNING`. `None` when there is no such room.
pub async fn lock_taking_seqs(
    conn: &mut AnyConnection,
    backend: Backend,
    id: RoomId,
    n: i64,
) -> Result<Option<i64>> {
    let last = match backend {
        Backend::MySql => {
            let done = sqlx::query(
                "UPDATE rooms SET last_seq = LAST_INSERT_ID(last_seq + ?) WHERE id = ?",
            )
            .bind(n)
            .bind(id.0)
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() == 1 {
                done.last_insert_id()
            } else {
                None
            }
        }
        Backend::Sqlite => {
            sqlx::query_scalar(
                "UPDATE rooms SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq",
            )
            .bind(n)
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    Ok(last.map(|last| last - n + 1))
}

/// Takes the room's row lock for the rest of the transaction; false when there is no such
/// room. Run first by every change to the room's messages: it serialises the room's writers,
/// so seqs are contiguous and message ids (and times) are committed in order and a client catching up with `after=<id>` cannot miss a
/// message committed late with a lower id. (sqlx asks MySQL for matched, not changed, rows.)
pub async fn lock_for_posting<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: RoomId,
) -> Result<bool> {
    let done = sqlx::query("UPDATE rooms SET last_message_at = last_message_at WHERE id = ?")
        .bind(id.0)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_last_message_at<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: RoomId,
    at: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE rooms SET last_message_at = ? WHERE id = ?")
        .bind(at.millis())
        .bind(id.0)
        .execute(ex)
        .await?;
    Ok(())
}

/// Takes the room's next `n` seqs (run under its lock, see `lock_for_posting`) and returns
/// the first of them: seqs are contiguous per room.
pub async fn take_seqs(conn: &mut AnyConnection, id: RoomId, n: i64) -> Result<i64> {
    sqlx::query("UPDATE rooms SET last_seq = last_seq + ? WHERE id = ?")
        .bind(n)
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    let last: i64 = sqlx::query_scalar("SELECT last_seq FROM rooms WHERE id = ?")
        .bind(id.0)
        .fetch_one(&mut *conn)
        .await?;
    Ok(last - n + 1)
}
