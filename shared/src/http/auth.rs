//! `/api/auth/*`: register, login (JSON or OAuth2 password form), me.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::extract::{ApiJson, Credentials};
use crate::accounts::{self, ClientAddress, LoginResponse, WsTicket};
use crate::auth::AuthUser;
use crate::domain::User;
use crate::error::{ErrorBody, Result};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/auth/me", get(me))
        .route("/api/ws-ticket", post(ws_ticket))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RegisterRequest {
    /// 3–32 letters, digits, `_`, `.` or `-`; unique regardless of case.
    #[schema(required = true, value_type = String, pattern = "^[A-Za-z0-9_.-]{3,32}$")]
    username: Option<String>,
    /// 8–128 characters.
    #[schema(required = true, value_type = String, min_length = 8, max_length = 128)]
    password: Option<String>,
}

/// The login body, as JSON or as an OAuth2 password form. No rule is checked here: a value
/// that could never be valid is just a wrong username or password (401).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // documentation only: `Credentials` reads the body
pub struct LoginRequest {
    username: String,
    password: String,
}

/// Create an account.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = User), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 429, description = "registration limit per client address; see Retry-After", body = ErrorBody)))]
async fn register(
    State(state): State<AppState>,
    from: ClientAddress,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<User>)> {
    let username = body
        .username
        .ok_or_else(|| crate::Error::validation("username", "is required"))?;
    let password = body
        .password
        .ok_or_else(|| crate::Error::validation("password", "is required"))?;
    let user = accounts::register(&state, &from, &username, &password).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Exchange a username and password for a bearer token. Accepts JSON or an OAuth2 password form.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth",
    request_body(content((LoginRequest = "application/json"), (LoginRequest = "application/x-www-form-urlencoded"))),
    responses((status = 200, body = LoginResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody),
              (status = 429, description = "login throttle; see Retry-After", body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    from: ClientAddress,
    credentials: Credentials,
) -> Result<Json<LoginResponse>> {
    Ok(Json(
        accounts::login(&state, &from, &credentials.username, &credentials.password).await?,
    ))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, user: AuthUser) -> Result<Json<User>> {
    Ok(Json(accounts::me(&state, &user).await?))
}

/// A single-use ticket (valid 60 s) for opening the WebSocket without a token in its URL.
#[utoipa::path(post, path = "/api/ws-ticket", tag = "auth", security(("bearer" = [])),
    responses((status = 201, body = WsTicket), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn ws_ticket(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<impl axum::response::IntoResponse> {
    let ticket = accounts::issue_ws_ticket(&state, &user).await?;
    // A credential: never kept by a cache.
    let no_store = [(axum::http::header::CACHE_CONTROL, "no-store")];
    Ok((StatusCode::CREATED, no_store, Json(ticket)))
}
