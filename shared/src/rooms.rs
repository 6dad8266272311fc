//! Rooms: create, list, read, join, leave, and the members' read markers. Membership gates
//! every message read and write. Each change is committed, then pushed
//! (`realtime::push`): the user's own connections hear `joined` / `left`, the other members
//! `updated`, the viewers of the room the presence change.

use std::collections::HashMap;

use crate::auth::AuthUser;
use crate::db::{self, room_members::ReadState, rooms::RoomRow};
use crate::domain::{
    MessageId, ReadMarker, Room, RoomId, RoomName, Timestamp, UserId, UserSummary,
};
use crate::error::{Error, Result};
use crate::realtime::frames::RoomEvent;
use crate::realtime::push;
use crate::state::AppState;

const NO_SUCH_ROOM: Error = Error::NotFound("no such room");

/// Whose view a `Room` is built for: a caller with their read state, or nobody in
/// particular (frames that many users receive).
enum Viewer<'a> {
    User(&'a AuthUser, Option<ReadState>),
    Shared { is_member: bool },
}

fn assemble(row: RoomRow, members: Vec<UserSummary>, viewer: Viewer<'_>) -> Room {
    let (is_member, read) = match viewer {
        Viewer::User(user, read) => (members.iter().any(|m| m.id == user.id), read),
        Viewer::Shared { is_member } => (is_member, None),
    };
    let read = read.filter(|_| is_member).unwrap_or_default();
    Room {
        is_member,
        member_count: members.len() as u64,
        id: row.id,
        name: row.name,
        created_by: row.created_by,
        created_at: row.created_at,
        members,
        last_message_at: row.last_message_at,
        last_seq: row.last_seq,
        owner_id: row.owner_id,
        last_read_id: read.last_read_id,
        unread_count: read.unread_count,
        mention_count: read.mention_count,
    }
}

fn summary(user: &AuthUser) -> UserSummary {
    UserSummary {
        id: user.id,
        username: user.username.clone(),
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
    let room = get(state, user, id).await?;
    push::membership(state, user.id, RoomEvent::Joined, room.clone()).await;
    if let Ok(shared) = view(state, id, Viewer::Shared { is_member: false }).await {
        push::room_created(state, user.id, shared).await;
    }
    Ok(room)
}

/// Every room, newest activity first, with its members, whether the caller is one, and the
/// caller's unread counts: four statements for up to 200 rooms (one more per 200 after that).
pub async fn list(state: &AppState, user: &AuthUser) -> Result<Vec<Room>> {
    let rows = db::rooms::list(&state.db.pool).await?;
    let mut members: HashMap<RoomId, Vec<UserSummary>> = HashMap::new();
    for (room, member) in db::room_members::list(&state.db.pool, None).await? {
        members.entry(room).or_default().push(member);
    }
    let mut reads: HashMap<RoomId, ReadState> =
        db::room_members::read_states(&state.db.pool, user.id, None)
            .await?
            .into_iter()
            .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let room_members = members.remove(&row.id).unwrap_or_default();
            let read = reads.remove(&row.id);
            assemble(row, room_members, Viewer::User(user, read))
        })
        .collect())
}

/// One room as the caller sees it; 404 when there is none. Any signed-in user may read a
/// room's card.
pub async fn get(state: &AppState, user: &AuthUser, id: RoomId) -> Result<Room> {
    let read = db::room_members::read_states(&state.db.pool, user.id, Some(id))
        .await?
        .pop()
        .map(|(_, read)| read);
    view(state, id, Viewer::User(user, read)).await
}

async fn view(state: &AppState, id: RoomId, viewer: Viewer<'_>) -> Result<Room> {
    let row = db::rooms::find(&state.db.pool, id)
        .await?
        .ok_or(NO_SUCH_ROOM)?;
    let members = db::room_members::list(&state.db.pool, Some(&[id])).await?;
    Ok(assemble(
        row,
        members.into_iter().map(|(_, m)| m).collect(),
        viewer,
    ))
}

/// Joins a room; joining twice is fine (and announces nothing the second time). The read
/// marker starts at the room's newest message.
#[tracing::instrument(skip_all, fields(room_id = %id, user_id = %user.id))]
pub async fn join(state: &AppState, user: &AuthUser, id: RoomId) -> Result<Room> {
    db::rooms::find(&state.db.pool, id)
        .await?
        .ok_or(NO_SUCH_ROOM)?;
    let added = db::room_members::insert(&state.db.pool, id, user.id, Timestamp::now()).await?;
    let room = get(state, user, id).await?;
    if added {
        push::membership(state, user.id, RoomEvent::Joined, room.clone()).await;
        announce_member_list(state, user.id, id).await;
        if let Err(e) = push::member_joined(state, id, summary(user)).await {
            e.log();
        }
    }
    Ok(room)
}

/// Leaves a room (leaving twice is fine). The user's room connections there are closed, so a
/// former member stops receiving its messages at once; their user connections stop receiving
/// it with the membership.
#[tracing::instrument(skip_all, fields(room_id = %id, user_id = %user.id))]
pub async fn leave(state: &AppState, user: &AuthUser, id: RoomId) -> Result<()> {
    db::rooms::find(&state.db.pool, id)
        .await?
        .ok_or(NO_SUCH_ROOM)?;
    let removed = db::room_members::delete(&state.db.pool, id, user.id).await?;
    push::detach(state, id, user.id).await?;
    if removed {
        let room = get(state, user, id).await?;
        push::membership(state, user.id, RoomEvent::Left, room).await;
        announce_member_list(state, user.id, id).await;
        push::member_left(state, id, summary(user)).await?;
    }
    Ok(())
}

/// The other members hear that the member list changed.
async fn announce_member_list(state: &AppState, actor: UserId, id: RoomId) {
    match view(state, id, Viewer::Shared { is_member: true }).await {
        Ok(room) => push::room_updated(state, actor, room).await,
        Err(e) => e.log(),
    }
}

/// Moves the caller's read marker forward to `message` (never back) and tells their other
/// connections. 422 when `message` is not a message of this room.
#[tracing::instrument(skip_all, fields(room_id = %id, user_id = %user.id))]
pub async fn mark_read(
    state: &AppState,
    user: &AuthUser,
    id: RoomId,
    message: MessageId,
) -> Result<ReadMarker> {
    require_member(state, user, id).await?;
    if message.0 < 1 || !db::messages::is_in_room(&state.db.pool, id, message).await? {
        return Err(Error::validation(
            "message_id",
            "must be the id of a message in this room",
        ));
    }
    db::room_members::mark_read(&state.db.pool, id, user.id, message).await?;
    let read = db::room_members::read_states(&state.db.pool, user.id, Some(id))
        .await?
        .pop()
        .map(|(_, read)| read)
        .unwrap_or_default();
    push::read(state, user.id, id, read).await;
    Ok(ReadMarker {
        room_id: id,
        last_read_id: read.last_read_id,
        unread_count: read.unread_count,
        mention_count: read.mention_count,
    })
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
