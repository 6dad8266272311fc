//! Messages: history pages and posting, with idempotent `client_id`s and the send rate limit.
//! A message is committed before it is pushed, so a client that missed a push finds it with
//! `after=<last id>`.

use crate::auth::AuthUser;
use crate::db::{self, messages::NewMessageRow};
use crate::domain::{
    ClientId, Message, MessageContent, MessagePage, PageCursor, PageLimit, RoomId, Timestamp,
    UserSummary,
};
use crate::error::{Error, Result};
use crate::realtime::push;
use crate::rooms;
use crate::state::AppState;

/// A page of a room's history, oldest first. Members only.
pub async fn page(
    state: &AppState,
    user: &AuthUser,
    room: RoomId,
    cursor: PageCursor,
    limit: PageLimit,
) -> Result<MessagePage> {
    rooms::require_member(state, user, room).await?;
    let (messages, has_more) = db::messages::page(&state.db.pool, room, cursor, limit).await?;
    Ok(MessagePage { messages, has_more })
}

/// What `post` did: stored a new message, or found the one stored under the same `client_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    Created(Message),
    Existing(Message),
}

impl Posted {
    pub fn message(&self) -> &Message {
        match self {
            Posted::Created(m) | Posted::Existing(m) => m,
        }
    }
}

/// Stores a message and pushes it to every connection receiving the room before returning
/// (Lambda freezes the process once it answers, so nothing may be left running).
///
/// Errors: 404/403 (room, membership), 422 (content, client_id), 429 over the rate limit.
/// A repeated `client_id` answers the stored message and does not count against the limit.
#[tracing::instrument(skip_all, fields(room_id = %room, user_id = %user.id))]
pub async fn post(
    state: &AppState,
    user: &AuthUser,
    room: RoomId,
    content: &str,
    client_id: Option<&str>,
) -> Result<Posted> {
    let content = MessageContent::parse(content)?;
    let client_id = client_id.map(ClientId::parse).transpose()?;
    rooms::require_member(state, user, room).await?;

    if let Some(client_id) = &client_id
        && let Some(existing) =
            db::messages::find_by_client_id(&state.db.pool, room, user.id, client_id.as_str())
                .await?
    {
        return Ok(Posted::Existing(existing));
    }

    let mut tx = state.db.pool.begin().await?;
    // First statement: the room's row lock (see `lock_for_posting`), so the rate check and the
    // id order below hold across every Lambda instance. The time is read under the lock too.
    if !db::rooms::lock_for_posting(&mut *tx, room).await? {
        return Err(Error::NotFound("no such room"));
    }
    let now = Timestamp::now();
    check_rate_limit(&mut tx, state, user, room, now).await?;
    let new = NewMessageRow {
        room,
        sender: user.id,
        content: content.as_str(),
        client_id: client_id.as_ref().map(ClientId::as_str),
        now,
    };
    let id = match db::messages::insert(&mut tx, &new).await {
        Ok(id) => id,
        Err(e) if db::is_unique_violation(&e) => {
            // The same client_id won a race with us: answer what it stored.
            drop(tx);
            let key = client_id.as_ref().map(ClientId::as_str).unwrap_or_default();
            let existing =
                db::messages::find_by_client_id(&state.db.pool, room, user.id, key).await?;
            return existing
                .map(Posted::Existing)
                .ok_or(Error::Conflict("duplicate message"));
        }
        Err(e) => return Err(e.into()),
    };
    db::rooms::set_last_message_at(&mut *tx, room, now).await?;
    // What you wrote yourself is read: posting moves your own marker to it.
    db::room_members::mark_read(&mut *tx, room, user.id, id).await?;
    tx.commit().await?;

    let message = Message {
        id,
        room_id: room,
        sender: UserSummary {
            id: user.id,
            username: user.username.clone(),
        },
        content: content.as_str().to_string(),
        created_at: now,
        client_id: client_id.map(|c| c.as_str().to_string()),
    };
    push::message(state, &message).await;
    Ok(Posted::Created(message))
}

async fn check_rate_limit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    state: &AppState,
    user: &AuthUser,
    room: RoomId,
    now: Timestamp,
) -> Result<()> {
    let limit = state.config.rate_limit;
    if !limit.enabled() {
        return Ok(());
    }
    let since = limit.window_start(now);
    let recent =
        db::messages::recent_send_times(&mut **tx, room, user.id, since, limit.limit).await?;
    limit.check(&recent, now)
}
