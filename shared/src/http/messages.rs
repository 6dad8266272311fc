//! `/api/rooms/{id}/messages`: history pages and posting.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::extract::{ApiJson, History, RoomPath};
use crate::auth::AuthUser;
use crate::domain::{Message, MessagePage};
use crate::error::{Error, ErrorBody, Result};
use crate::messages::{self, Posted};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/rooms/{id}/messages", get(list).post(post))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewMessage {
    content: Option<String>,
    /// Idempotency key: posting twice with the same one stores one message.
    client_id: Option<String>,
}

/// A page of history, oldest first: the newest page, the page before `before`, or after `after`.
#[utoipa::path(get, path = "/api/rooms/{id}/messages", tag = "messages", security(("bearer" = [])),
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
        match messages::post(&state, &user, room, &content, body.client_id.as_deref()).await? {
            Posted::Created(m) => (StatusCode::CREATED, Json(m)),
            Posted::Existing(m) => (StatusCode::OK, Json(m)),
        },
    )
}
