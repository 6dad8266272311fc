//! Accounts: register, log in, and who am I.

use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::{Password, Timestamp, User, Username};
use crate::error::{Error, Result};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
    pub user: User,
}

/// Creates an account. 409 when the name is taken (case-insensitively).
#[tracing::instrument(skip_all)]
pub async fn register(state: &AppState, username: &str, password: &str) -> Result<User> {
    let username = Username::parse(username)?;
    let password = Password::parse(password)?;
    let hash = state.passwords.hash(&password).await?;
    let now = Timestamp::now();
    let mut conn = state.db.pool.acquire().await?;
    match db::users::insert(&mut conn, username.as_str(), &username.key(), &hash, now).await {
        Ok(id) => {
            tracing::info!(user_id = %id, "registered");
            Ok(User {
                id,
                username: username.as_str().to_string(),
                created_at: now,
            })
        }
        Err(e) if db::is_unique_violation(&e) => Err(Error::Conflict("username already taken")),
        Err(e) => Err(e.into()),
    }
}

/// Checks the password and issues a token. An unknown user, a wrong password and a value
/// that could never be valid all get the same 401 after the same bcrypt work. After
/// `LOGIN_MAX_FAILURES` failures for one name inside `LOGIN_LOCKOUT_SECONDS`, logins for it
/// get 429 with Retry-After until the oldest failure leaves the window; a success clears them.
#[tracing::instrument(skip_all)]
pub async fn login(state: &AppState, username: &str, password: &str) -> Result<LoginResponse> {
    const REFUSED: Error = Error::Unauthorized("wrong username or password");
    // A password that breaks the length rule cannot match; it is still checked against a
    // stand-in so the answer takes as long as any other refusal.
    let candidate = Password::parse(password);
    let well_formed = candidate.is_ok();
    let password = candidate.or_else(|_| Password::parse("stand-in-for-a-malformed-password"))?;
    // Only a well-formed name can exist, and only such names are throttled and recorded.
    let key = Username::parse(username).ok().map(|name| name.key());
    let now = Timestamp::now();
    if let Some(key) = &key {
        throttle(state, key, now).await?;
    }
    let found = match &key {
        Some(key) => db::users::find_by_key(&state.db.pool, key).await?,
        None => None,
    };
    let (user, hash) = found.unzip();
    let matches = state.passwords.verify(&password, hash).await?;
    match (user, key) {
        (Some(user), Some(key)) if matches && well_formed => {
            db::login_failures::delete_before(&state.db.pool, &key, now).await?;
            let access_token = state.jwt.issue(user.id, &user.username)?;
            tracing::info!(user_id = %user.id, "logged in");
            Ok(LoginResponse {
                access_token,
                token_type: "bearer",
                expires_in: state.jwt.ttl().as_secs(),
                user,
            })
        }
        (_, Some(key)) => {
            // Unknown names are recorded too, so a refusal says nothing about existence.
            db::login_failures::insert(&state.db.pool, &key, now).await?;
            Err(REFUSED)
        }
        (_, None) => Err(REFUSED),
    }
}

/// 429 once a name has `LOGIN_MAX_FAILURES` failed logins inside the window; clears older ones.
async fn throttle(state: &AppState, key: &str, now: Timestamp) -> Result<()> {
    let limit = state.config.login_throttle;
    if !limit.enabled() {
        return Ok(());
    }
    let since = limit.window_start(now);
    db::login_failures::delete_before(&state.db.pool, key, since).await?;
    let recent = db::login_failures::recent(&state.db.pool, key, since, limit.limit).await?;
    limit
        .check(&recent, now)
        .inspect_err(|_| tracing::warn!("login throttled"))
}

/// The caller's own account; 401 when the token names a user that no longer exists.
pub async fn me(state: &AppState, auth: &AuthUser) -> Result<User> {
    db::users::find(&state.db.pool, auth.id)
        .await?
        .ok_or(Error::Unauthorized("the token's user no longer exists"))
}
