//! `/api/rooms/{id}/messages…`: history pages, posting, edits, deletions and reactions.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, put};
use axum::{Json, Router};
use serde::Deserialize;

use super::extract::{ApiJson, History, MessagePath, ReactionPath, RoomPath};
use crate::auth::AuthUser;
use crate::domain::{Message, MessagePage};
use crate::error::{Error, ErrorBody, Result};
use crate::messages::{self, Posted};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/rooms/{id}/messages", get(list).post(post))
        .route("/api/rooms/{id}/messages/{mid}", patch(edit).delete(delete))
        .route(
            "/api/rooms/{id}/messages/{mid}/reactions/{emoji}",
            put(add_reaction).delete(remove_reaction),
        )
        .route("/api/search", get(search))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// 1–200 characters; every word must match (as a prefix).
    #[param(required = true, value_type = String, min_length = 1, max_length = 200, pattern = "[^\\u0009-\\u000D\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]")]
    q: Option<String>,
    /// Only this room.
    room_id: Option<i64>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// Results older than this message id (the next page).
    #[param(minimum = 1)]
    before: Option<i64>,
}

/// Search the messages of your rooms, newest first.
#[utoipa::path(get, path = "/api/search", tag = "messages", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, body = MessagePage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search(
    State(state): State<AppState>,
    user: AuthUser,
    query: Result<axum::extract::Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<MessagePage>> {
    let axum::extract::Query(params) =
        query.map_err(|e| Error::BadRequest(format!("malformed query: {}", e.body_text())))?;
    let q = params
        .q
        .ok_or_else(|| Error::validation("q", "is required"))?;
    let room = match params.room_id {
        None => None,
        Some(id) if id > 0 => Some(crate::domain::RoomId(id)),
        Some(_) => return Err(Error::NotFound("no such room")),
    };
    let limit = match params.limit {
        None => crate::domain::PageLimit(20),
        some => crate::domain::PageLimit::parse(some)?,
    };
    Ok(Json(
        crate::search::messages(&state, &user, &q, room, params.before, limit).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewMessage {
    /// 1–4000 characters after trimming, no NUL.
    #[schema(required = true, value_type = String, max_length = 4000, pattern = "^[^\\u0000]*[^\\u0000\\u0009-\\u000D\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000]*$")]
    content: Option<String>,
    /// Idempotency key: posting twice with the same one stores one message.
    #[schema(value_type = Option<String>, pattern = "^[A-Za-z0-9_-]{1,64}$")]
    client_id: Option<String>,
    /// The id of the message (of this room) this one replies to.
    #[schema(value_type = Option<i64>, minimum = 1)]
    reply_to: Option<i64>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EditedMessage {
    /// As when posting: 1–4000 characters after trimming, no NUL.
    #[schema(required = true, value_type = String, max_length = 4000, pattern = "^[^\\u0000]*[^\\u0000\\u0009-\\u000D\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000]*$")]
    content: Option<String>,
}

/// A page of history, oldest first: the newest page, the page before `before`, or after `after`.
#[utoipa::path(get, path = "/api/rooms/{id}/messages", tag = "messages", operation_id = "list_messages", security(("bearer" = [])),
    params(("id" = i64, Path), super::extract::HistoryParams),
    responses((status = 200, body = MessagePage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    RoomPath(room): RoomPath,
    history: History,
) -> Result<Json<MessagePage>> {
    Ok(Json(
        messages::page(&state, &user, room, history.cursor, history.limit).await?,
    ))
}

/// Post a message; it is pushed to every live WebSocket in the room. 200 with the stored
/// message when the `client_id` was used before.
#[utoipa::path(post, path = "/api/rooms/{id}/messages", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = NewMessage,
    responses((status = 201, body = Message), (status = 200, description = "already stored under this client_id", body = Message),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 429, description = "rate limited; see Retry-After", body = ErrorBody)))]
async fn post(
    State(state): State<AppState>,
    user: AuthUser,
    RoomPath(room): RoomPath,
    ApiJson(body): ApiJson<NewMessage>,
) -> Result<(StatusCode, Json<Message>)> {
    let content = body
        .content
        .ok_or_else(|| Error::validation("content", "is required"))?;
    Ok(
        match messages::post(
            &state,
            &user,
            room,
            messages::NewPost {
                content: &content,
                client_id: body.client_id.as_deref(),
                reply_to: body.reply_to,
            },
        )
        .await?
        {
            Posted::Created(m) => (StatusCode::CREATED, Json(m)),
            Posted::Existing(m) => (StatusCode::OK, Json(m)),
        },
    )
}

/// Edit your own message (`edited_at` set, mentions resolved again).
#[utoipa::path(patch, path = "/api/rooms/{id}/messages/{mid}", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path), ("mid" = i64, Path)), request_body = EditedMessage,
    responses((status = 200, body = Message), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "the message is deleted", body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, description = "rate limited; see Retry-After", body = ErrorBody)))]
async fn edit(
    State(state): State<AppState>,
    user: AuthUser,
    MessagePath(room, id): MessagePath,
    ApiJson(body): ApiJson<EditedMessage>,
) -> Result<Json<Message>> {
    let content = body
        .content
        .ok_or_else(|| Error::validation("content", "is required"))?;
    Ok(Json(
        messages::edit(&state, &user, room, id, &content).await?,
    ))
}

/// Delete a message (yours, or any as the room's owner); it stays as a tombstone.
#[utoipa::path(delete, path = "/api/rooms/{id}/messages/{mid}", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path), ("mid" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    MessagePath(room, id): MessagePath,
) -> Result<StatusCode> {
    messages::delete(&state, &user, room, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// React to a message (idempotent).
#[utoipa::path(put, path = "/api/rooms/{id}/messages/{mid}/reactions/{emoji}", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path), ("mid" = i64, Path), ("emoji" = String, Path, description = "1–32 bytes of UTF-8, percent-encoded", min_length = 1, max_length = 32, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u0009-\\u000D\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]+$")),
    responses((status = 200, body = Message), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "the message is deleted", body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, description = "rate limited; see Retry-After", body = ErrorBody)))]
async fn add_reaction(
    State(state): State<AppState>,
    user: AuthUser,
    ReactionPath(room, id, emoji): ReactionPath,
) -> Result<Json<Message>> {
    Ok(Json(
        messages::react(&state, &user, room, id, &emoji, true).await?,
    ))
}

/// Take your reaction back (idempotent).
#[utoipa::path(delete, path = "/api/rooms/{id}/messages/{mid}/reactions/{emoji}", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path), ("mid" = i64, Path), ("emoji" = String, Path, description = "1–32 bytes of UTF-8, percent-encoded", min_length = 1, max_length = 32, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u0009-\\u000D\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]+$")),
    responses((status = 200, body = Message), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "the message is deleted", body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, description = "rate limited; see Retry-After", body = ErrorBody)))]
async fn remove_reaction(
    State(state): State<AppState>,
    user: AuthUser,
    ReactionPath(room, id, emoji): ReactionPath,
) -> Result<Json<Message>> {
    Ok(Json(
        messages::react(&state, &user, room, id, &emoji, false).await?,
    ))
}
