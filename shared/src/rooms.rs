//! Rooms: create, list, read, join, leave. Membership gates every message read and write.

use std::collections::HashMap;

use crate::auth::AuthUser;
use crate::db::{self, rooms::RoomRow};
use crate::domain::{Room, RoomId, RoomName, Timestamp, UserSummary};
use crate::error::{Error, Result};
use crate::realtime;
use crate::state::AppState;

const NO_SUCH_ROOM: Error = Error::NotFound("no such room");

fn assemble(row: RoomRow, members: Vec<UserSummary>, viewer: &AuthUser) -> Room {
    Room {
        is_member: members.iter().any(|m| m.id == viewer.id),
        member_count: members.len() as u64,
        id: row.id,
        name: row.name,
        created_by: row.created_by,
        created_at: row.created_at,
        members,
        last_message_at: row.last_message_at,
    }
}

/// Creates a room with its creator as the first member. 409 when the name is taken.
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn create(state: &AppState, user: &AuthUser, name: &str) -> Result<Room> {
    let name = RoomName::parse(name)?;
    let now = Timestamp::now();
    let mut tx = state.db.pool.begin().await?;
    let id = match db::rooms::insert(&mut tx, name.as_str(), &name.key(), user.id, now).await {
        Ok(id) => id,
        Err(e) if db::is_unique_violation(&e) => {
            return Err(Error::Conflict("room name already taken"));
        }
        Err(e) => return Err(e.into()),
    };
    db::room_members::insert(&mut *tx, id, user.id, now).await?;
    tx.commit().await?;
    tracing::info!(room_id = %id, "room created");
    get(state, user, id).await
}

/// Every room, newest activity first, with its members and whether the caller is one.
pub async fn list(state: &AppState, user: &AuthUser) -> Result<Vec<Room>> {
    let rows = db::rooms::list(&state.db.pool).await?;
    let mut members: HashMap<RoomId, Vec<UserSummary>> = HashMap::new();
    for (room, member) in db::room_members::list(&state.db.pool, None).await? {
        members.entry(room).or_default().push(member);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let room_members = members.remove(&row.id).unwrap_or_default();
            assemble(row, room_members, user)
        })
        .collect())
}

/// One room; 404 when there is none. Any signed-in user may read a room's card.
pub async fn get(state: &AppState, user: &AuthUser, id: RoomId) -> Result<Room> {
    let row = db::rooms::find(&state.db.pool, id)
        .await?
        .ok_or(NO_SUCH_ROOM)?;
    let members = db::room_members::list(&state.db.pool, Some(&[id])).await?;
    Ok(assemble(
        row,
        members.into_iter().map(|(_, m)| m).collect(),
        user,
    ))
}

/// Joins a room; joining twice is fine.
#[tracing::instrument(skip_all, fields(room_id = %id, user_id = %user.id))]
pub async fn join(state: &AppState, user: &AuthUser, id: RoomId) -> Result<Room> {
    db::rooms::find(&state.db.pool, id)
        .await?
        .ok_or(NO_SUCH_ROOM)?;
    db::room_members::insert(&state.db.pool, id, user.id, Timestamp::now()).await?;
    get(state, user, id).await
}

/// Leaves a room (leaving twice is fine) and closes the user's live sockets in it, so a former
/// member stops receiving its messages at once.
#[tracing::instrument(skip_all, fields(room_id = %id, user_id = %user.id))]
pub async fn leave(state: &AppState, user: &AuthUser, id: RoomId) -> Result<()> {
    db::rooms::find(&state.db.pool, id)
        .await?
        .ok_or(NO_SUCH_ROOM)?;
    db::room_members::delete(&state.db.pool, id, user.id).await?;
    realtime::disconnect_user_from_room(state, id, user).await
}

/// 404 when the room does not exist, 403 when the user is not a member.
pub async fn require_member(state: &AppState, user: &AuthUser, id: RoomId) -> Result<()> {
    if db::room_members::exists(&state.db.pool, id, user.id).await? {
        return Ok(());
    }
    match db::rooms::find(&state.db.pool, id).await? {
        Some(_) => Err(Error::Forbidden("you are not a member of this room")),
        None => Err(NO_SUCH_ROOM),
    }
}
