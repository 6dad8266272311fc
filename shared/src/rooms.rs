//! Rooms: create, list, read, join, leave, members (added and removed by the owner), direct
//! rooms, and the members' read markers. Membership gates every message read and write, and
//! a private or direct room does not exist for anyone but its members: every answer to them
//! is the 404 of a room that is not there (no existence leak).
//!
//! Each change is committed, then pushed (`realtime::push`): the user's own connections hear
//! `joined` / `left` / `removed`, the other members `updated`, the viewers of the room the
//! presence change.

use std::collections::HashMap;

use crate::auth::AuthUser;
use crate::db::{self, room_members::ReadState, rooms::RoomRow};
use crate::domain::{
    MessageId, ReadMarker, Role, Room, RoomId, RoomKind, RoomName, Timestamp, UserId, UserSummary,
    Username,
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

fn assemble(
    row: RoomRow,
    members: Vec<UserSummary>,
    online_member_ids: Vec<UserId>,
    viewer: Viewer<'_>,
) -> Room {
    let (me, is_member, read) = match viewer {
        Viewer::User(user, read) => (Some(user.id), members.iter().any(|m| m.id == user.id), read),
        Viewer::Shared { is_member } => (None, is_member, None),
    };
    let read = read.filter(|_| is_member).unwrap_or_default();
    // A shared view is nobody's: its readers work their role out from `owner_id`.
    let role = match (is_member, me) {
        (false, _) | (true, None) => None,
        (true, Some(me)) if row.owner_id == Some(me) => Some(Role::Owner),
        (true, Some(_)) => Some(Role::Member),
    };
    // A direct room is called after the other user, as each of the two sees it.
    let name = match (row.kind, me) {
        (RoomKind::Direct, Some(me)) => members
            .iter()
            .find(|m| m.id != me)
            .map_or_else(|| row.name.clone(), |m| m.username.clone()),
        _ => row.name,
    };
    Room {
        is_member,
        member_count: members.len() as u64,
        id: row.id,
        name,
        kind: row.kind,
        created_by: row.created_by,
        created_at: row.created_at,
        members,
        online_member_ids,
        last_message_at: row.last_message_at,
        last_seq: row.last_seq,
        owner_id: row.owner_id,
        role,
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

/// Creates a public room with its creator as owner and first member. 409 when the name is
/// taken.
pub async fn create(state: &AppState, user: &AuthUser, name: &str) -> Result<Room> {
    create_as(state, user, name, RoomKind::Public).await
}

/// Creates a public or private room (see [`RoomKind::parse_new`]) with its creator as owner
/// and first member. 409 when the name is taken.
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn create_as(
    state: &AppState,
    user: &AuthUser,
    name: &str,
    kind: RoomKind,
) -> Result<Room> {
    let name = RoomName::parse(name)?;
    let now = Timestamp::now();
    // Public names are unique; a private room's name is its members' business, so it takes a
    // key of its own (a taken name would otherwise reveal that a private room has it).
    let key = match kind {
        RoomKind::Public => name.key(),
        _ => format!("\u{2}pending:{}:{}", user.id, now.millis()),
    };
    let mut tx = state.db.pool.begin().await?;
    let id = match db::rooms::insert(&mut tx, name.as_str(), &key, kind, user.id, now).await {
        Ok(id) => id,
        Err(e) if db::is_unique_violation(&e) => {
            return Err(Error::Conflict("room name already taken"));
        }
        Err(e) => return Err(e.into()),
    };
    if kind != RoomKind::Public {
        db::rooms::set_name_key(&mut *tx, id, &format!("\u{2}private:{id}")).await?;
    }
    db::room_members::insert(&mut *tx, id, user.id, now).await?;
    tx.commit().await?;
    tracing::info!(room_id = %id, kind = kind.as_str(), "room created");
    let room = get(state, user, id).await?;
    push::membership(state, user.id, RoomEvent::Joined, room.clone()).await;
    if kind == RoomKind::Public
        && let Ok(shared) = view(state, id, Viewer::Shared { is_member: false }).await
    {
        push::room_created(state, user.id, shared).await;
    }
    Ok(room)
}

/// Opens the direct room of the caller and `username`: found when it exists (`false`), else
/// created with exactly the two of them (`true`). Unique per pair, race-free: the pair is the
/// room's unique key. 422 for yourself, 404 for an unknown name.
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn open_direct(
    state: &AppState,
    user: &AuthUser,
    username: &str,
) -> Result<(Room, bool)> {
    let other = Username::parse(username)?;
    let (other, _) = db::users::find_by_key(&state.db.pool, &other.key())
        .await?
        .ok_or(Error::NotFound("no such user"))?;
    if other.id == user.id {
        return Err(Error::validation(
            "username",
            "must be someone else: a direct room is between two users",
        ));
    }
    let (low, high) = if user.id < other.id {
        (user.id, other.id)
    } else {
        (other.id, user.id)
    };
    let key = format!("\u{1}direct:{low}:{high}");
    if let Some(row) = db::rooms::find_by_key(&state.db.pool, &key).await? {
        return Ok((get(state, user, row.id).await?, false));
    }
    let now = Timestamp::now();
    let mut tx = state.db.pool.begin().await?;
    let id = match db::rooms::insert(&mut tx, "direct", &key, RoomKind::Direct, user.id, now).await
    {
        Ok(id) => id,
        Err(e) if db::is_unique_violation(&e) => {
            // The other side (or a retry) created it a moment ago.
            drop(tx);
            let row = db::rooms::find_by_key(&state.db.pool, &key)
                .await?
                .ok_or(Error::Conflict("direct room being created; retry"))?;
            return Ok((get(state, user, row.id).await?, false));
        }
        Err(e) => return Err(e.into()),
    };
    db::room_members::insert(&mut *tx, id, user.id, now).await?;
    db::room_members::insert(&mut *tx, id, other.id, now).await?;
    tx.commit().await?;
    tracing::info!(room_id = %id, "direct room created");
    let room = get(state, user, id).await?;
    push::membership(state, user.id, RoomEvent::Joined, room.clone()).await;
    let theirs = AuthUser {
        id: other.id,
        username: other.username.clone(),
        expires_at: Timestamp(0),
    };
    if let Ok(their_view) = get(state, &theirs, id).await {
        push::membership(state, other.id, RoomEvent::Joined, their_view).await;
    }
    Ok((room, true))
}

/// The rooms the caller may see (every public room, their private and direct ones), newest
/// activity first, with members, who of them is online, the caller's role and unread counts:
/// five statements for up to 200 rooms (one more per 200 after that).
pub async fn list(state: &AppState, user: &AuthUser) -> Result<Vec<Room>> {
    let rows = db::rooms::list_visible(&state.db.pool, user.id).await?;
    let ids: Vec<RoomId> = rows.iter().map(|r| r.id).collect();
    let mut members: HashMap<RoomId, Vec<UserSummary>> = HashMap::new();
    for (room, member) in db::room_members::list(&state.db.pool, Some(&ids)).await? {
        members.entry(room).or_default().push(member);
    }
    let mut online: HashMap<RoomId, Vec<UserId>> = HashMap::new();
    for (room, member) in db::connections::online_members(&state.db.pool, &ids).await? {
        online.entry(room).or_default().push(member.id);
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
            let room_online = online.remove(&row.id).unwrap_or_default();
            let read = reads.remove(&row.id);
            assemble(row, room_members, room_online, Viewer::User(user, read))
        })
        .collect())
}

/// One room as the caller sees it. 404 when there is none, and for a private or direct room
/// the caller is not a member of. Any signed-in user may read a public room's card.
pub async fn get(state: &AppState, user: &AuthUser, id: RoomId) -> Result<Room> {
    let read = db::room_members::read_states(&state.db.pool, user.id, Some(id))
        .await?
        .pop()
        .map(|(_, read)| read);
    let room = view(state, id, Viewer::User(user, read)).await?;
    if room.kind.is_hidden() && !room.is_member {
        return Err(NO_SUCH_ROOM);
    }
    Ok(room)
}

async fn view(state: &AppState, id: RoomId, viewer: Viewer<'_>) -> Result<Room> {
    let row = db::rooms::find(&state.db.pool, id)
        .await?
        .ok_or(NO_SUCH_ROOM)?;
    let members = db::room_members::list(&state.db.pool, Some(&[id])).await?;
    let online = db::connections::online_members(&state.db.pool, &[id]).await?;
    Ok(assemble(
        row,
        members.into_iter().map(|(_, m)| m).collect(),
        online.into_iter().map(|(_, m)| m.id).collect(),
        viewer,
    ))
}

/// Joins a public room; joining twice is fine (and announces nothing the second time). The
/// read marker starts at the room's newest message. A private or direct room is joined only
/// by invitation: 404 to non-members, idempotent for members.
#[tracing::instrument(skip_all, fields(room_id = %id, user_id = %user.id))]
pub async fn join(state: &AppState, user: &AuthUser, id: RoomId) -> Result<Room> {
    let row = db::rooms::find(&state.db.pool, id)
        .await?
        .ok_or(NO_SUCH_ROOM)?;
    if row.kind.is_hidden() {
        // Members get their room back; everyone else, a room that is not there.
        return get(state, user, id).await;
    }
    add(state, user.id, summary(user), id).await?;
    get(state, user, id).await
}

/// Makes `user` a member and tells everyone concerned (a repeat changes and tells nothing).
async fn add(state: &AppState, user: UserId, who: UserSummary, id: RoomId) -> Result<()> {
    let added = db::room_members::insert(&state.db.pool, id, user, Timestamp::now()).await?;
    if added {
        // A room its last member left belongs to whoever comes back first.
        db::rooms::claim_if_ownerless(&state.db.pool, id, user).await?;
        let theirs = AuthUser {
            id: user,
            username: who.username.clone(),
            expires_at: Timestamp(0),
        };
        let room = get(state, &theirs, id).await?;
        push::membership(state, user, RoomEvent::Joined, room).await;
        announce_member_list(state, user, id).await;
        if let Err(e) = push::member_joined(state, id, who).await {
            e.report();
        }
    }
    Ok(())
}

/// Leaves a room (leaving twice is fine). The user's room connections there are closed, so a
/// former member stops receiving its messages at once; their user connections stop receiving
/// it with the membership. An owner who leaves hands the room to the longest-standing member
/// (a room whose last member leaves stays, ownerless). A direct room cannot be left (403).
#[tracing::instrument(skip_all, fields(room_id = %id, user_id = %user.id))]
pub async fn leave(state: &AppState, user: &AuthUser, id: RoomId) -> Result<()> {
    let room = get(state, user, id).await?;
    if room.kind == RoomKind::Direct {
        return Err(Error::Forbidden("a direct room cannot be left"));
    }
    remove(state, summary(user), &room, RoomEvent::Left).await
}

/// The owner adds a member by username: 200 with the room (idempotent). 403 for anyone else
/// and for direct rooms; 404 for an unknown username.
#[tracing::instrument(skip_all, fields(room_id = %id, user_id = %owner.id))]
pub async fn add_member(
    state: &AppState,
    owner: &AuthUser,
    id: RoomId,
    username: &str,
) -> Result<Room> {
    let room = owned(state, owner, id).await?;
    let name = Username::parse(username)?;
    let (user, _) = db::users::find_by_key(&state.db.pool, &name.key())
        .await?
        .ok_or(Error::NotFound("no such user"))?;
    let who = UserSummary {
        id: user.id,
        username: user.username,
    };
    add(state, user.id, who, room.id).await?;
    get(state, owner, id).await
}

/// The owner removes a member: their connections stop receiving the room at once and they
/// hear `removed`. 403 for anyone else and for direct rooms; 422 for removing yourself (leave
/// instead); removing a non-member is fine.
#[tracing::instrument(skip_all, fields(room_id = %id, user_id = %owner.id))]
pub async fn remove_member(
    state: &AppState,
    owner: &AuthUser,
    id: RoomId,
    member: UserId,
) -> Result<()> {
    let room = owned(state, owner, id).await?;
    if member == owner.id {
        return Err(Error::validation(
            "user_id",
            "is you: leave the room instead",
        ));
    }
    let Some(user) = db::users::find(&state.db.pool, member).await? else {
        return Ok(());
    };
    let who = UserSummary {
        id: user.id,
        username: user.username,
    };
    remove(state, who, &room, RoomEvent::Removed).await
}

/// The room, when `owner` owns it: 404 as for `get`, 403 for members who do not own it and for
/// direct rooms (nobody owns those).
async fn owned(state: &AppState, owner: &AuthUser, id: RoomId) -> Result<Room> {
    let room = get(state, owner, id).await?;
    if room.kind == RoomKind::Direct {
        return Err(Error::Forbidden("a direct room has exactly its two users"));
    }
    if room.role != Some(Role::Owner) {
        return Err(Error::Forbidden(
            "only the room's owner can manage its members",
        ));
    }
    Ok(room)
}

/// Ends `who`'s membership (`Left` or `Removed`), passing ownership on when they owned it.
async fn remove(state: &AppState, who: UserSummary, room: &Room, event: RoomEvent) -> Result<()> {
    let id = room.id;
    let removed = db::room_members::delete(&state.db.pool, id, who.id).await?;
    push::detach(state, id, who.id).await?;
    if !removed {
        return Ok(());
    }
    if room.owner_id == Some(who.id) {
        db::rooms::pass_ownership(&state.db.pool, id, who.id).await?;
        tracing::info!(room_id = %id, "ownership passed on");
    }
    let theirs = AuthUser {
        id: who.id,
        username: who.username.clone(),
        expires_at: Timestamp(0),
    };
    // Their last look at it, as a non-member sees it.
    let last_view = view(state, id, Viewer::User(&theirs, None)).await?;
    push::membership(state, who.id, event, last_view).await;
    announce_member_list(state, who.id, id).await;
    push::member_left(state, id, who).await?;
    Ok(())
}

/// The other members hear that the member list (or the owner) changed.
async fn announce_member_list(state: &AppState, actor: UserId, id: RoomId) {
    match view(state, id, Viewer::Shared { is_member: true }).await {
        Ok(room) => push::room_updated(state, actor, room).await,
        Err(e) => e.report(),
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

/// The fewest milliseconds between two `typing` pushes of one member in one room: the SPA
/// sends one every 3 s while its user types; more often is noise or abuse, and is dropped.
pub const TYPING_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// `user` is typing in `room`: the room's viewers hear it, at most once per [`TYPING_EVERY`].
/// Frames in between are dropped without an answer; a non-member gets 403 / 404.
pub async fn typing(state: &AppState, user: &AuthUser, room: RoomId) -> Result<()> {
    let now = Timestamp::now();
    let since = now - TYPING_EVERY;
    if db::room_members::claim_typing(&state.db.pool, room, user.id, now, since).await? {
        return push::typing(state, room, summary(user)).await;
    }
    require_member(state, user, room).await
}

/// 404 when the room does not exist or is private or direct and the user is not a member;
/// 403 when it is public and the user is not a member.
pub async fn require_member(state: &AppState, user: &AuthUser, id: RoomId) -> Result<()> {
    if db::room_members::exists(&state.db.pool, id, user.id).await? {
        return Ok(());
    }
    match db::rooms::find(&state.db.pool, id).await? {
        Some(row) if !row.kind.is_hidden() => {
            Err(Error::Forbidden("you are not a member of this room"))
        }
        _ => Err(NO_SUCH_ROOM),
    }
}
