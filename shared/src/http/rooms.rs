//! `/api/rooms…`: list, create, read, join, leave.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::extract::{ApiJson, RoomPath};
use crate::auth::AuthUser;
use crate::domain::Room;
use crate::error::{Error, ErrorBody, Result};
use crate::rooms;
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/rooms", get(list).post(create))
        .route("/api/rooms/{id}", get(read))
        .route("/api/rooms/{id}/join", post(join))
        .route("/api/rooms/{id}/leave", post(leave))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewRoom {
    name: Option<String>,
}

/// Every room, newest activity first.
#[utoipa::path(get, path = "/api/rooms", tag = "rooms", security(("bearer" = [])),
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
        Json(rooms::create(&state, &user, &name).await?),
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
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn leave(
    State(state): State<AppState>,
    user: AuthUser,
    RoomPath(id): RoomPath,
) -> Result<StatusCode> {
    rooms::leave(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
