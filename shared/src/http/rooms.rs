//! `/api/rooms…` and `/api/dms`: list, create, read, join, leave, members, direct rooms, and
//! marking a room read.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::extract::{ApiJson, MemberPath, RoomPath};
use crate::auth::AuthUser;
use crate::domain::{MessageId, ReadMarker, Room, RoomKind};
use crate::error::{Error, ErrorBody, Result};
use crate::rooms;
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/rooms", get(list).post(create))
        .route("/api/rooms/{id}", get(read))
        .route("/api/rooms/{id}/join", post(join))
        .route("/api/rooms/{id}/leave", post(leave))
        .route("/api/rooms/{id}/read", post(mark_read))
        .route("/api/rooms/{id}/members", post(add_member))
        .route(
            "/api/rooms/{id}/members/{user_id}",
            axum::routing::delete(remove_member),
        )
        .route("/api/dms", post(open_direct))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewRoom {
    /// 1–64 characters after trimming, no control characters; unique regardless of case.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 64, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u001F\\u007F-\\u009F\\u0009-\\u000D\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    name: Option<String>,
    /// `public` (the default) or `private`.
    #[schema(value_type = Option<String>, pattern = "^(public|private)$")]
    kind: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Someone {
    /// The other user's name.
    #[schema(required = true, value_type = String, pattern = "^[A-Za-z0-9_.-]{3,32}$")]
    username: Option<String>,
}

/// The rooms you can see (public ones, your private and direct ones), newest activity first.
#[utoipa::path(get, path = "/api/rooms", tag = "rooms", operation_id = "list_rooms", security(("bearer" = [])),
    responses((status = 200, body = [Room]), (status = 401, body = ErrorBody)))]
async fn list(State(state): State<AppState>, user: AuthUser) -> Result<Json<Vec<Room>>> {
    Ok(Json(rooms::list(&state, &user).await?))
}

/// Create a room; the creator becomes its first member.
#[utoipa::path(post, path = "/api/rooms", tag = "rooms", security(("bearer" = [])), request_body = NewRoom,
    responses((status = 201, body = Room), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<NewRoom>,
) -> Result<(StatusCode, Json<Room>)> {
    let name = body
        .name
        .ok_or_else(|| Error::validation("name", "is required"))?;
    Ok((
        StatusCode::CREATED,
        Json(
            rooms::create_as(
                &state,
                &user,
                &name,
                RoomKind::parse_new(body.kind.as_deref())?,
            )
            .await?,
        ),
    ))
}

/// One room.
#[utoipa::path(get, path = "/api/rooms/{id}", tag = "rooms", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Room), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn read(
    State(state): State<AppState>,
    user: AuthUser,
    RoomPath(id): RoomPath,
) -> Result<Json<Room>> {
    Ok(Json(rooms::get(&state, &user, id).await?))
}

/// Join a room (idempotent).
#[utoipa::path(post, path = "/api/rooms/{id}/join", tag = "rooms", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Room), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn join(
    State(state): State<AppState>,
    user: AuthUser,
    RoomPath(id): RoomPath,
) -> Result<Json<Room>> {
    Ok(Json(rooms::join(&state, &user, id).await?))
}

/// Leave a room (idempotent); the user's live sockets in it are closed.
#[utoipa::path(post, path = "/api/rooms/{id}/leave", tag = "rooms", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, description = "a direct room cannot be left", body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn leave(
    State(state): State<AppState>,
    user: AuthUser,
    RoomPath(id): RoomPath,
) -> Result<StatusCode> {
    rooms::leave(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReadUpTo {
    /// The newest message of this room the caller has seen.
    #[schema(required = true, value_type = i64, minimum = 1)]
    message_id: Option<i64>,
}

/// Move the caller's read marker forward (never back); the caller's other connections get a
/// `read` frame.
#[utoipa::path(post, path = "/api/rooms/{id}/read", tag = "rooms", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ReadUpTo,
    responses((status = 200, body = ReadMarker), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn mark_read(
    State(state): State<AppState>,
    user: AuthUser,
    RoomPath(id): RoomPath,
    ApiJson(body): ApiJson<ReadUpTo>,
) -> Result<Json<ReadMarker>> {
    let message = body
        .message_id
        .ok_or_else(|| Error::validation("message_id", "is required"))?;
    Ok(Json(
        rooms::mark_read(&state, &user, id, MessageId(message)).await?,
    ))
}

/// The owner adds a member by username (idempotent).
#[utoipa::path(post, path = "/api/rooms/{id}/members", tag = "rooms", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = Someone,
    responses((status = 200, body = Room), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_member(
    State(state): State<AppState>,
    user: AuthUser,
    RoomPath(id): RoomPath,
    ApiJson(body): ApiJson<Someone>,
) -> Result<Json<Room>> {
    let username = body
        .username
        .ok_or_else(|| Error::validation("username", "is required"))?;
    Ok(Json(rooms::add_member(&state, &user, id, &username).await?))
}

/// The owner removes a member; their connections stop receiving the room at once.
#[utoipa::path(delete, path = "/api/rooms/{id}/members/{user_id}", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn remove_member(
    State(state): State<AppState>,
    user: AuthUser,
    MemberPath(id, member): MemberPath,
) -> Result<StatusCode> {
    rooms::remove_member(&state, &user, id, member).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The direct room with another user: 201 when created, 200 when it existed.
#[utoipa::path(post, path = "/api/dms", tag = "rooms", security(("bearer" = [])), request_body = Someone,
    responses((status = 201, body = Room), (status = 200, description = "the existing direct room", body = Room),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn open_direct(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<Someone>,
) -> Result<(StatusCode, Json<Room>)> {
    let username = body
        .username
        .ok_or_else(|| Error::validation("username", "is required"))?;
    let (room, created) = rooms::open_direct(&state, &user, &username).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(room)))
}
