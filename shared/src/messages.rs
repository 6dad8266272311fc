//! Messages: history pages, posting (idempotent `client_id`s, replies, mentions), edits,
//! deletions and reactions, with the send rate limit.
//!
//! Every change takes the room's row lock first and then its next seq(s), so seqs are
//! contiguous per room and a client that applied every change up to `S` catches up with
//! `since=S`. A change is committed before it is pushed (`message` / `message_updated`), so a
//! client that missed a push finds it with `sync`.

use crate::auth::AuthUser;
use crate::db::{
    self, AnyConnection,
    messages::{NewMessageRow, PageQuery},
};
use crate::domain::{
    ClientId, Emoji, Message, MessageContent, MessageId, MessagePage, PageCursor, PageLimit,
    RoomId, Timestamp, UserId, Username,
};
use crate::error::{Error, Result};
use crate::realtime::push;
use crate::rooms;
use crate::state::AppState;

const NO_SUCH_MESSAGE: Error = Error::NotFound("no such message in this room");

/// A page of a room's history. Members only. Id pages are oldest first; `since` pages are in
/// seq order and carry the room's `last_seq`; `around` pages say whether newer ones follow.
pub async fn page(
    state: &AppState,
    user: &AuthUser,
    room: RoomId,
    cursor: PageCursor,
    limit: PageLimit,
) -> Result<MessagePage> {
    rooms::require_member(state, user, room).await?;
    let pool = &state.db.pool;
    let mut conn = pool.acquire().await?;
    let conn = &mut *conn;
    let fetch = db::messages::fetch_for(limit);
    let keep = limit.0 as usize;
    let page = |mut messages: Vec<Message>, newest_first: bool| {
        let has_more = messages.len() > keep;
        messages.truncate(keep);
        if newest_first {
            messages.reverse(); // read newest first, answered oldest first
        }
        MessagePage {
            messages,
            has_more,
            has_more_after: None,
            last_seq: None,
        }
    };
    Ok(match cursor {
        PageCursor::Newest => {
            // The room's seq first (see `Since`): a client starts tracking changes from it.
            let last_seq = db::rooms::find(&mut *conn, room)
                .await?
                .map_or(0, |r| r.last_seq);
            let mut answer = page(
                db::messages::read_page(conn, room, PageQuery::Before(MessageId(i64::MAX)), fetch)
                    .await?,
                true,
            );
            answer.last_seq = Some(last_seq);
            answer
        }
        PageCursor::Before(id) => page(
            db::messages::read_page(conn, room, PageQuery::Before(id), fetch).await?,
            true,
        ),
        PageCursor::After(id) => page(
            db::messages::read_page(conn, room, PageQuery::After(id), fetch).await?,
            false,
        ),
        PageCursor::Since(seq) => {
            // The room's seq first: a change committed after it shows up in the next page.
            let last_seq = db::rooms::find(&mut *conn, room)
                .await?
                .map_or(0, |r| r.last_seq);
            let mut answer = page(
                db::messages::read_page(conn, room, PageQuery::Since(seq), fetch).await?,
                false,
            );
            answer.last_seq = Some(last_seq);
            answer
        }
        PageCursor::Around(id) => {
            if !db::messages::is_in_room(&mut *conn, room, id).await? {
                return Err(NO_SUCH_MESSAGE);
            }
            let before = i64::from(limit.0 / 2);
            let after = i64::from(limit.0) - before; // the message itself and what follows
            let mut messages =
                db::messages::read_page(conn, room, PageQuery::Before(id), before + 1).await?;
            let has_more = messages.len() as i64 > before;
            messages.truncate(before as usize);
            messages.reverse();
            let mut newer =
                db::messages::read_page(conn, room, PageQuery::AtOrAfter(id), after + 1).await?;
            let has_more_after = newer.len() as i64 > after;
            newer.truncate(after as usize);
            messages.extend(newer);
            MessagePage {
                messages,
                has_more,
                has_more_after: Some(has_more_after),
                last_seq: None,
            }
        }
    })
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

/// A message to post.
#[derive(Debug, Clone, Copy)]
pub struct NewPost<'a> {
    pub content: &'a str,
    pub client_id: Option<&'a str>,
    pub reply_to: Option<i64>,
}

/// Stores a message and pushes it to every connection receiving the room before returning
/// (Lambda freezes the process once it answers, so nothing may be left running).
///
/// Errors: 404/403 (room, membership), 422 (content, client_id, a `reply_to` that is not a
/// live message of this room), 429 over the rate limit. A repeated `client_id` answers the
/// stored message and does not count against the limit.
#[tracing::instrument(skip_all, fields(room_id = %room, user_id = %user.id))]
pub async fn post(
    state: &AppState,
    user: &AuthUser,
    room: RoomId,
    new: NewPost<'_>,
) -> Result<Posted> {
    let content = MessageContent::parse(new.content)?;
    let client_id = new.client_id.map(ClientId::parse).transpose()?;
    let reply_to = match new.reply_to {
        Some(id) if id < 1 => return Err(Error::validation("reply_to", "must be a message id")),
        other => other.map(MessageId),
    };
    rooms::require_member(state, user, room).await?;
    let pool = &state.db.pool;

    if let Some(client_id) = &client_id
        && let Some(existing) = db::messages::find_by_client_id(
            &mut *pool.acquire().await?,
            room,
            user.id,
            client_id.as_str(),
        )
        .await?
    {
        return Ok(Posted::Existing(existing));
    }
    if let Some(parent) = reply_to
        && !matches!(
            db::messages::state_of(pool, room, parent).await?,
            Some((_, false))
        )
    {
        return Err(Error::validation(
            "reply_to",
            "must be a message of this room that is not deleted",
        ));
    }
    let mentioned = mentions_in(state, room, content.as_str()).await?;

    let mut tx = pool.begin().await?;
    let (now, seq) = lock_taking_seq(&mut tx, state, user.id, room).await?;
    let row = NewMessageRow {
        room,
        sender: user.id,
        content: content.as_str(),
        client_id: client_id.as_ref().map(ClientId::as_str),
        reply_to,
        seq,
        now,
    };
    let id = match db::messages::insert(&mut tx, &row).await {
        Ok(id) => id,
        Err(e) if db::is_unique_violation(&e) => {
            // The same client_id won a race with us: answer what it stored.
            drop(tx);
            let key = client_id.as_ref().map(ClientId::as_str).unwrap_or_default();
            let existing =
                db::messages::find_by_client_id(&mut *pool.acquire().await?, room, user.id, key)
                    .await?;
            return existing
                .map(Posted::Existing)
                .ok_or(Error::Conflict("duplicate message"));
        }
        Err(e) => return Err(e.into()),
    };
    if !mentioned.is_empty() {
        db::messages::set_mentions(&mut tx, id, &mentioned).await?;
    }
    db::rooms::set_last_message_at(&mut *tx, room, now).await?;
    // What you wrote yourself is read: posting moves your own marker to it.
    db::room_members::mark_read(&mut *tx, room, user.id, id).await?;
    // Read under the lock: exactly this change's state and seq, whatever follows it.
    let message = db::messages::load_new(&mut tx, id, !mentioned.is_empty()).await?;
    tx.commit().await?;

    crate::metrics::count(crate::metrics::Counter::MessagesPosted);
    push::message(state, &message).await;
    Ok(Posted::Created(message))
}

/// Replaces the content of the caller's own message (`edited_at` set, mentions resolved
/// again). 403 for another's message, 409 for a deleted one, 404 for no such message.
#[tracing::instrument(skip_all, fields(room_id = %room, user_id = %user.id))]
pub async fn edit(
    state: &AppState,
    user: &AuthUser,
    room: RoomId,
    id: MessageId,
    content: &str,
) -> Result<Message> {
    let content = MessageContent::parse(content)?;
    rooms::require_member(state, user, room).await?;
    let mentioned = mentions_in(state, room, content.as_str()).await?;
    let mut tx = state.db.pool.begin().await?;
    let now = lock_and_limit(&mut tx, state, user.id, room).await?;
    match db::messages::state_of(&mut *tx, room, id).await? {
        None => return Err(NO_SUCH_MESSAGE),
        Some((sender, _)) if sender != user.id => {
            return Err(Error::Forbidden("only its sender can edit a message"));
        }
        Some((_, true)) => return Err(Error::Conflict("the message is deleted")),
        Some(_) => {}
    }
    let replies = db::messages::replies_to(&mut *tx, id).await?;
    let first = db::rooms::take_seqs(&mut tx, room, 1 + replies.len() as i64).await?;
    db::messages::set_content(&mut *tx, id, content.as_str(), first, now).await?;
    db::messages::set_mentions(&mut tx, id, &mentioned).await?;
    // Each reply's excerpt changed with it: a new seq, so `since` carries the new excerpt.
    for (reply, seq) in replies.iter().zip(first + 1..) {
        db::messages::set_seq(&mut *tx, *reply, seq).await?;
    }
    let changed = changed_in(&mut tx, id, &replies).await?;
    tx.commit().await?;
    announce(state, id, changed).await
}

/// Deletes a message (a tombstone keeps its id, sender, time, and takes the deletion's seq;
/// each reply to it takes a new seq with its blank excerpt). The sender or the room's owner
/// may; 403 otherwise. Deleting a deleted message changes nothing.
#[tracing::instrument(skip_all, fields(room_id = %room, user_id = %user.id))]
pub async fn delete(state: &AppState, user: &AuthUser, room: RoomId, id: MessageId) -> Result<()> {
    rooms::require_member(state, user, room).await?;
    let owner = db::rooms::find(&state.db.pool, room)
        .await?
        .and_then(|r| r.owner_id);
    let mut tx = state.db.pool.begin().await?;
    if !db::rooms::lock_for_posting(&mut *tx, room).await? {
        return Err(Error::NotFound("no such room"));
    }
    match db::messages::state_of(&mut *tx, room, id).await? {
        None => return Err(NO_SUCH_MESSAGE),
        Some((sender, _)) if sender != user.id && owner != Some(user.id) => {
            return Err(Error::Forbidden(
                "only its sender or the room's owner can delete a message",
            ));
        }
        Some((_, true)) => return Ok(()),
        Some(_) => {}
    }
    let replies = db::messages::replies_to(&mut *tx, id).await?;
    let first = db::rooms::take_seqs(&mut tx, room, 1 + replies.len() as i64).await?;
    db::messages::tombstone(&mut tx, id, first, Timestamp::now()).await?;
    for (reply, seq) in replies.iter().zip(first + 1..) {
        db::messages::set_seq(&mut *tx, *reply, seq).await?;
    }
    let changed = changed_in(&mut tx, id, &replies).await?;
    tx.commit().await?;
    announce(state, id, changed).await?;
    Ok(())
}

/// Adds (`on`) or removes the caller's `emoji` reaction; idempotent (a repeat takes no seq).
/// 409 on a deleted message; counts against the send rate limit when it changes something.
#[tracing::instrument(skip_all, fields(room_id = %room, user_id = %user.id))]
pub async fn react(
    state: &AppState,
    user: &AuthUser,
    room: RoomId,
    id: MessageId,
    emoji: &str,
    on: bool,
) -> Result<Message> {
    let emoji = Emoji::parse(emoji)?;
    rooms::require_member(state, user, room).await?;
    let mut tx = state.db.pool.begin().await?;
    if !db::rooms::lock_for_posting(&mut *tx, room).await? {
        return Err(Error::NotFound("no such room"));
    }
    match db::messages::state_of(&mut *tx, room, id).await? {
        None => return Err(NO_SUCH_MESSAGE),
        Some((_, true)) => return Err(Error::Conflict("the message is deleted")),
        Some(_) => {}
    }
    let now = Timestamp::now();
    check_rate_limit(&mut tx, state, user.id, room, now).await?;
    let changed = if on {
        db::messages::add_reaction(&mut *tx, id, user.id, &emoji, now).await?
    } else {
        db::messages::remove_reaction(&mut *tx, id, user.id, &emoji).await?
    };
    if !changed {
        return one(&mut tx, id).await;
    }
    record_action(&mut tx, state, user.id, room, now).await?;
    let seq = db::rooms::take_seqs(&mut tx, room, 1).await?;
    db::messages::set_seq(&mut *tx, id, seq).await?;
    let changed = changed_in(&mut tx, id, &[]).await?;
    tx.commit().await?;
    announce(state, id, changed).await
}

/// The changed message and its changed replies as this transaction leaves them (read under
/// the room's lock, so each carries exactly its change's seq), in seq order.
async fn changed_in(
    conn: &mut AnyConnection,
    id: MessageId,
    replies: &[MessageId],
) -> Result<Vec<Message>> {
    let mut ids = vec![id];
    ids.extend_from_slice(replies);
    let mut changed = db::messages::load(conn, &ids).await?;
    changed.sort_by_key(|m| m.seq);
    Ok(changed)
}

/// Pushes each changed message as `message_updated` (in seq order, so a live client sees no
/// gap of its own making) and answers the one the caller changed.
async fn announce(state: &AppState, id: MessageId, changed: Vec<Message>) -> Result<Message> {
    for message in &changed {
        push::message_updated(state, message).await;
    }
    changed
        .into_iter()
        .find(|m| m.id == id)
        .ok_or(NO_SUCH_MESSAGE)
}

async fn one(conn: &mut AnyConnection, id: MessageId) -> Result<Message> {
    db::messages::load(conn, &[id])
        .await?
        .pop()
        .ok_or(NO_SUCH_MESSAGE)
}

/// Takes the room's lock (the first statement, so the rate check and the id and seq order
/// hold across every Lambda instance), reads the time under it, checks and records the
/// caller's action against the send rate limit.
async fn lock_and_limit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    state: &AppState,
    user: UserId,
    room: RoomId,
) -> Result<Timestamp> {
    if !db::rooms::lock_for_posting(&mut **tx, room).await? {
        return Err(Error::NotFound("no such room"));
    }
    limit_under_lock(tx, state, user, room).await
}

/// Reads the time under the room's lock, checks and records the action against the send
/// rate limit.
async fn limit_under_lock(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    state: &AppState,
    user: UserId,
    room: RoomId,
) -> Result<Timestamp> {
    let now = Timestamp::now();
    check_rate_limit(tx, state, user, room, now).await?;
    record_action(tx, state, user, room, now).await?;
    Ok(now)
}

/// [`lock_and_limit`] for a new message: the lock and the message's seq come from one
/// statement (a post is the hottest write; every round trip under the lock is paid by each
/// writer queued behind it).
async fn lock_taking_seq(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    state: &AppState,
    user: UserId,
    room: RoomId,
) -> Result<(Timestamp, i64)> {
    let seq = db::rooms::lock_taking_seqs(tx, state.db.backend, room, 1)
        .await?
        .ok_or(Error::NotFound("no such room"))?;
    Ok((limit_under_lock(tx, state, user, room).await?, seq))
}

async fn check_rate_limit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    state: &AppState,
    user: UserId,
    room: RoomId,
    now: Timestamp,
) -> Result<()> {
    let limit = state.config.rate_limit;
    if !limit.enabled() {
        return Ok(());
    }
    let since = limit.window_start(now);
    let recent = db::messages::recent_send_times(&mut **tx, room, user, since, limit.limit).await?;
    limit.check(&recent, now)
}

async fn record_action(
    conn: &mut AnyConnection,
    state: &AppState,
    user: UserId,
    room: RoomId,
    now: Timestamp,
) -> Result<()> {
    let limit = state.config.rate_limit;
    if !limit.enabled() {
        return Ok(());
    }
    db::messages::record_action(conn, room, user, now, limit.window_start(now)).await
}

/// The members of `room` that `content` names as `@username`.
async fn mentions_in(state: &AppState, room: RoomId, content: &str) -> Result<Vec<UserId>> {
    let keys = mentioned_keys(content);
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    db::room_members::members_by_keys(&state.db.pool, room, &keys).await
}

/// The case-folded usernames written as `@name` (at the start or after a character that
/// cannot be part of a name), each once; a trailing `.` or `-` is punctuation when the name
/// without it is valid too.
fn mentioned_keys(content: &str) -> Vec<String> {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    let mut keys = Vec::new();
    let chars: Vec<char> = content.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c != '@' || (i > 0 && (is_name_char(chars[i - 1]) || chars[i - 1] == '@')) {
            continue;
        }
        let name: String = chars[i + 1..]
            .iter()
            .take_while(|c| is_name_char(**c))
            .collect();
        let trimmed = name.trim_end_matches(['.', '-']);
        for candidate in [name.as_str(), trimmed] {
            if let Ok(username) = Username::parse(candidate) {
                let key = username.key();
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::mentioned_keys;

    #[test]
    fn mentions_are_at_names_at_a_word_start() {
        assert_eq!(mentioned_keys("hi @Bob and @carol_1!"), ["bob", "carol_1"]);
        assert_eq!(mentioned_keys("mail me@example.com"), Vec::<String>::new());
        assert_eq!(mentioned_keys("@bob, @bob again"), ["bob"]);
        assert_eq!(mentioned_keys("thanks @dave."), ["dave.", "dave"]);
        assert_eq!(mentioned_keys("@@x @ab @"), Vec::<String>::new());
        assert_eq!(mentioned_keys("(@eve)"), ["eve"]);
    }
}
