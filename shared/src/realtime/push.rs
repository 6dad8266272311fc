//! Pushing: who receives which frame, and forgetting connections that are gone.
//!
//! The domain operations (`rooms`, `messages`) call down into this module after they have
//! committed; the WebSocket handlers above use it too. It depends only on `db`, `frames` and
//! the broadcaster, never on the domain operations or the handlers.
//!
//! - A room's frames reach its room connections and its members' user connections
//!   ([`db::connections::receivers_of_room`], one indexed statement).
//! - Presence is app-wide: a user is online while they have a connection of either kind. When
//!   that changes, the connections *viewing* one of their rooms hear it, one `presence` frame
//!   per room.
//! - A 410 from a post deletes that row unless the connection may still be inside its
//!   `$connect` (API Gateway answers 410 then too: see [`CONNECT_GRACE`]); a user whose last
//!   row goes is announced offline.
//!
//! Pushes are best effort: the change is committed before it is pushed, so a client that
//! missed a frame catches up with `sync`. Errors are logged here, not returned.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use super::broadcast::FanOutReport;
use super::frames::{RoomEvent, ServerFrame};
use crate::db::{self, connections::Connection, room_members::ReadState};
use crate::domain::{Message, Room, RoomId, Timestamp, UserId, UserSummary};
use crate::error::Result;
use crate::state::AppState;

/// API Gateway closes a connection after 10 minutes without client traffic…
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// …and after 2 hours in any case.
pub const MAX_CONNECTION_LIFETIME: Duration = Duration::from_secs(2 * 60 * 60);
/// How long a new connection may still be inside its `$connect`: API Gateway's integration
/// timeout is 29 s. A 410 from a younger connection that has sent no frame yet does not
/// remove it; a later 410, its `$disconnect` or the idle sweep does.
pub const CONNECT_GRACE: Duration = Duration::from_secs(30);
/// Rows removed by one expiry sweep at most (the rest go at the next one).
const SWEEP_BATCH: u32 = 500;

/// Posts `frame` to `to` and forgets the connections that answered 410.
pub async fn send(state: &AppState, to: &[Connection], frame: &ServerFrame) -> FanOutReport {
    let report = state.broadcaster.send(to, frame).await;
    if !report.gone.is_empty() {
        let offline = forget_gone(state, &report.gone).await;
        announce_offline(state, offline).await;
    }
    report
}

/// A stored message, to everyone who receives its room (the sender's connections too).
pub async fn message(state: &AppState, message: &Message) {
    to_room(
        state,
        message.room_id,
        None,
        &ServerFrame::Message {
            room_id: message.room_id,
            message: message.clone(),
        },
    )
    .await;
}

/// A message was edited, deleted or its reactions or reply preview changed.
pub async fn message_updated(state: &AppState, message: &Message) {
    to_room(
        state,
        message.room_id,
        None,
        &ServerFrame::MessageUpdated {
            room_id: message.room_id,
            message: message.clone(),
        },
    )
    .await;
}

/// `frame` to everyone who receives `room`'s frames, except `except_user`'s connections.
pub async fn to_room(
    state: &AppState,
    room: RoomId,
    except_user: Option<UserId>,
    frame: &ServerFrame,
) {
    match db::connections::receivers_of_room(&state.db.pool, room).await {
        Ok(mut to) => {
            if let Some(user) = except_user {
                to.retain(|c| c.user_id != user);
            }
            let report = send(state, &to, frame).await;
            tracing::debug!(room_id = %room, delivered = report.delivered, gone = report.gone.len(), failed = report.failed, "pushed to room");
        }
        Err(e) => e.report(),
    }
}

/// `frame` to the user's own connections that concern `room`: every user connection, and
/// their room connections in that room.
pub async fn to_user(state: &AppState, user: UserId, room: RoomId, frame: &ServerFrame) {
    match db::connections::of_user(&state.db.pool, user).await {
        Ok(mut to) => {
            to.retain(|c| c.room_id.is_none_or(|r| r == room));
            send(state, &to, frame).await;
        }
        Err(e) => e.report(),
    }
}

/// The user's read state in `room` changed: their tabs stay in step.
pub async fn read(state: &AppState, user: UserId, room: RoomId, read: ReadState) {
    to_user(state, user, room, &ServerFrame::read(room, read)).await;
}

/// A membership event for the user's own connections (`joined` / `left`).
pub async fn membership(state: &AppState, user: UserId, event: RoomEvent, room: Room) {
    let room_id = room.id;
    let frame = ServerFrame::Room {
        event,
        room: Box::new(room),
    };
    to_user(state, user, room_id, &frame).await;
}

/// The room's member list changed because of `actor`: every other member hears `updated`.
pub async fn room_updated(state: &AppState, actor: UserId, room: Room) {
    let room_id = room.id;
    let frame = ServerFrame::Room {
        event: RoomEvent::Updated,
        room: Box::new(room),
    };
    to_room(state, room_id, Some(actor), &frame).await;
}

/// A new room: every other user connection hears `created` (it joins their discover list).
pub async fn room_created(state: &AppState, creator: UserId, room: Room) {
    match db::connections::user_connections(&state.db.pool).await {
        Ok(mut to) => {
            to.retain(|c| c.user_id != creator);
            let frame = ServerFrame::Room {
                event: RoomEvent::Created,
                room: Box::new(room),
            };
            send(state, &to, &frame).await;
        }
        Err(e) => e.report(),
    }
}

/// `user` is typing in `room`: the other users' connections viewing it hear it.
pub async fn typing(state: &AppState, room: RoomId, user: UserSummary) -> Result<()> {
    let mut to = db::connections::viewers_of_room(&state.db.pool, room).await?;
    to.retain(|c| c.user_id != user.id);
    send(
        state,
        &to,
        &ServerFrame::Typing {
            room_id: room,
            user,
        },
    )
    .await;
    Ok(())
}

/// The room's online members as a `presence` frame (the answer to `sync`).
pub async fn presence_of(state: &AppState, room: RoomId) -> Result<ServerFrame> {
    let online = db::connections::online_members(&state.db.pool, &[room])
        .await?
        .into_iter()
        .map(|(_, user)| user)
        .collect();
    Ok(ServerFrame::Presence {
        room_id: room,
        online,
        joined: None,
        left: None,
    })
}

/// `user` just opened their first connection (`connection_id`, which must not be posted to
/// while its `$connect` runs): the viewers of their rooms see them come online.
pub async fn came_online(state: &AppState, user: UserSummary, connection_id: &str) -> Result<()> {
    let mut viewers = db::connections::viewers_of_rooms_of(&state.db.pool, user.id).await?;
    viewers.retain(|c| c.connection_id != connection_id);
    announce(state, viewers, Some(user), None).await?;
    Ok(())
}

/// The connection `connection_id` closed (`$disconnect`): forget it, and announce its user
/// offline when it was their last.
pub async fn closed(state: &AppState, connection_id: &str) -> Result<()> {
    let Some(connection) = db::connections::find(&state.db.pool, connection_id).await? else {
        return Ok(()); // a 410 clean-up or the sweep got here first (and announced)
    };
    if !db::connections::delete(&state.db.pool, connection_id).await? {
        return Ok(());
    }
    tracing::info!(room_id = ?connection.room_id, user_id = %connection.user_id, "disconnected");
    if db::connections::count_of_user(&state.db.pool, connection.user_id).await? == 0 {
        announce_offline(state, vec![connection.user_id]).await;
    }
    Ok(())
}

/// `user` became a member of `room`: if they are online, its viewers see them arrive.
pub async fn member_joined(state: &AppState, room: RoomId, user: UserSummary) -> Result<()> {
    if db::connections::count_of_user(&state.db.pool, user.id).await? == 0 {
        return Ok(());
    }
    let viewers = db::connections::viewers_of_room(&state.db.pool, room).await?;
    announce(state, viewers, Some(user), None).await?;
    Ok(())
}

/// `user` is not a member of `room` (any more): their room connections there are closed, so a
/// former member stops receiving it at once, and their user connections stop viewing it.
pub async fn detach(state: &AppState, room: RoomId, user: UserId) -> Result<()> {
    let pool = &state.db.pool;
    for c in db::connections::in_room_of_user(pool, room, user).await? {
        db::connections::delete(pool, &c.connection_id).await?;
        state.broadcaster.close(&c.endpoint, &c.connection_id).await;
    }
    db::connections::stop_viewing(pool, room, user).await
}

/// `user` left `room`: its viewers see them go.
pub async fn member_left(state: &AppState, room: RoomId, user: UserSummary) -> Result<()> {
    let viewers = db::connections::viewers_of_room(&state.db.pool, room).await?;
    announce(state, viewers, None, Some(user)).await?;
    Ok(())
}

/// Deletes rows API Gateway has certainly closed by now (idle 10 min, or 2 h old) and
/// announces the users that leaves offline.
pub async fn expire_stale(state: &AppState) -> Result<()> {
    let now = Timestamp::now();
    let expired = db::connections::expired(
        &state.db.pool,
        now - IDLE_TIMEOUT,
        now - MAX_CONNECTION_LIFETIME,
        SWEEP_BATCH,
    )
    .await?;
    if expired.is_empty() {
        return Ok(());
    }
    let mut users = Vec::new();
    for (connection_id, user) in &expired {
        if db::connections::delete(&state.db.pool, connection_id).await? {
            users.push(*user);
        }
    }
    tracing::info!(removed = expired.len(), "expired connections removed");
    let offline = still_offline(state, users).await?;
    announce_offline(state, offline).await;
    Ok(())
}

/// Deletes the rows of connections that answered 410 (see [`CONNECT_GRACE`]); returns the
/// users left with no connection.
async fn forget_gone(state: &AppState, gone: &[Connection]) -> Vec<UserId> {
    let connecting_since = Timestamp::now() - CONNECT_GRACE;
    let mut users = Vec::new();
    for c in gone {
        match db::connections::delete_gone(&state.db.pool, c, connecting_since).await {
            Ok(true) => {
                tracing::info!(connection_id = %c.connection_id, "stale connection removed");
                users.push(c.user_id);
            }
            Ok(false) => {
                tracing::debug!(connection_id = %c.connection_id, "410 from a connection still connecting: kept");
            }
            Err(e) => e.report(),
        }
    }
    still_offline(state, users).await.unwrap_or_else(|e| {
        e.report();
        Vec::new()
    })
}

/// Of `users` (deduplicated), those without any connection now.
async fn still_offline(state: &AppState, mut users: Vec<UserId>) -> Result<Vec<UserId>> {
    users.sort();
    users.dedup();
    let mut offline = Vec::new();
    for user in users {
        if db::connections::count_of_user(&state.db.pool, user).await? == 0 {
            offline.push(user);
        }
    }
    Ok(offline)
}

/// Announces `users` offline to the viewers of their rooms. Those posts may find more gone
/// connections, whose users are announced in turn (a few rounds at most).
async fn announce_offline(state: &AppState, mut users: Vec<UserId>) {
    const ROUNDS: usize = 4;
    let mut announced = HashSet::new();
    for _ in 0..ROUNDS {
        let mut next = Vec::new();
        for user in users.drain(..) {
            if !announced.insert(user) {
                continue;
            }
            match offline_once(state, user).await {
                Ok(more) => next.extend(more),
                Err(e) => e.report(),
            }
        }
        if next.is_empty() {
            return;
        }
        users = next;
    }
}

async fn offline_once(state: &AppState, user: UserId) -> Result<Vec<UserId>> {
    let Some(found) = db::users::find(&state.db.pool, user).await? else {
        return Ok(Vec::new());
    };
    let summary = UserSummary {
        id: found.id,
        username: found.username,
    };
    let viewers = db::connections::viewers_of_rooms_of(&state.db.pool, user).await?;
    announce(state, viewers, None, Some(summary)).await
}

/// One `presence` frame per viewed room, with that room's online members, to its viewers.
/// A `left` user who is online again (another connection opened meanwhile) and still a member
/// is not announced. Returns users that went offline through 410s met on the way.
async fn announce(
    state: &AppState,
    viewers: Vec<Connection>,
    joined: Option<UserSummary>,
    left: Option<UserSummary>,
) -> Result<Vec<UserId>> {
    let mut by_room: BTreeMap<RoomId, Vec<Connection>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for c in viewers {
        if let Some(room) = c.viewing_room_id
            && seen.insert((room, c.connection_id.clone()))
        {
            by_room.entry(room).or_default().push(c);
        }
    }
    if by_room.is_empty() {
        return Ok(Vec::new());
    }
    let rooms: Vec<RoomId> = by_room.keys().copied().collect();
    let mut online: BTreeMap<RoomId, Vec<UserSummary>> = BTreeMap::new();
    for (room, user) in db::connections::online_members(&state.db.pool, &rooms).await? {
        online.entry(room).or_default().push(user);
    }
    let mut gone = Vec::new();
    for (room, to) in by_room {
        let online = online.remove(&room).unwrap_or_default();
        if let Some(user) = &left
            && online.iter().any(|u| u.id == user.id)
        {
            continue; // not gone after all
        }
        let frame = ServerFrame::Presence {
            room_id: room,
            online,
            joined: joined.clone(),
            left: left.clone(),
        };
        let report = state.broadcaster.send(&to, &frame).await;
        gone.extend(report.gone);
    }
    Ok(if gone.is_empty() {
        Vec::new()
    } else {
        forget_gone(state, &gone).await
    })
}
