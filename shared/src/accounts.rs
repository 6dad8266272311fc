//! Accounts: register, log in, and who am I.

use base64::Engine as _;
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

/// Who is asking, as far as the network says: API Gateway's view of the client address (the
/// hop it appends to `X-Forwarded-For`) or the peer address in local-dev. The login and
/// registration limits count per address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

/// Creates an account. 409 when the name is taken (case-insensitively); 429 past
/// `REGISTER_MAX_PER_ADDRESS` registrations from one address per window.
#[tracing::instrument(skip_all)]
pub async fn register(
    state: &AppState,
    from: &ClientAddress,
    username: &str,
    password: &str,
) -> Result<User> {
    let username = Username::parse(username)?;
    let password = Password::parse(password)?;
    let now = Timestamp::now();
    let limits = state.config.login_throttle;
    if limits.registrations.enabled() {
        let mut conn = state.db.pool.acquire().await?;
        sweep(state, &mut conn, now).await?;
        let turn = db::auth_attempts::insert(
            &mut conn,
            db::auth_attempts::Action::Register,
            None,
            &from.0,
            now,
        )
        .await?;
        let by = Counted::Address(db::auth_attempts::Action::Register, &from.0);
        admit(&mut conn, turn, by, limits.registrations, now).await?;
    }
    let hash = state.passwords.hash(&password).await?;
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

/// Checks the password and issues a token. An unknown user, a wrong password and a password
/// that could never be valid all get the same 401 after the same bcrypt work; a name that
/// could never exist gets it at once (its shape is public, so the timing says nothing).
///
/// Every attempt is recorded before bcrypt runs and takes its turn among concurrent ones
/// (see `db::auth_attempts`). It gets 429 with Retry-After past `LOGIN_MAX_ATTEMPTS_PER_ADDRESS`
/// attempts from its address, past `LOGIN_MAX_FAILURES` failures of the name from its address,
/// or past `LOGIN_MAX_FAILURES_PER_NAME` failures of the name from anywhere. A success clears
/// the name's failures from its address, so someone else's guessing cannot lock a user out
/// below the per-name ceiling.
#[tracing::instrument(skip_all)]
pub async fn login(
    state: &AppState,
    from: &ClientAddress,
    username: &str,
    password: &str,
) -> Result<LoginResponse> {
    const REFUSED: Error = Error::Unauthorized("wrong username or password");
    // A password that breaks the length rule cannot match; it is still checked against a
    // stand-in so the answer takes as long as any other refusal.
    let candidate = Password::parse(password);
    let well_formed = candidate.is_ok();
    let password = candidate.or_else(|_| Password::parse("stand-in-for-a-malformed-password"))?;
    let key = Username::parse(username).ok().map(|name| name.key());
    let now = Timestamp::now();
    let turn = throttle(state, from, key.as_deref(), now).await?;
    let Some(key) = key else {
        return Err(REFUSED);
    };
    let found = db::users::find_by_key(&state.db.pool, &key).await?;
    let (user, hash) = found.unzip();
    let matches = state.passwords.verify(&password, hash).await?;
    match user {
        Some(user) if matches && well_formed => {
            if turn.is_some() {
                db::auth_attempts::delete_for_name(&state.db.pool, &key, &from.0).await?;
            }
            let access_token = state.jwt.issue(user.id, &user.username)?;
            tracing::info!(user_id = %user.id, "logged in");
            Ok(LoginResponse {
                access_token,
                token_type: "bearer",
                expires_in: state.jwt.ttl().as_secs(),
                user,
            })
        }
        // The attempt's row stays: it is now a failure of this name (unknown names too, so a
        // refusal says nothing about existence).
        _ => Err(REFUSED),
    }
}

/// Records a login attempt and refuses it when it is past one of the limits; `None` when the
/// throttle is off (nothing is written then).
async fn throttle(
    state: &AppState,
    from: &ClientAddress,
    key: Option<&str>,
    now: Timestamp,
) -> Result<Option<i64>> {
    use db::auth_attempts::{self as attempts, Action};
    let limits = state.config.login_throttle;
    let login_limits = [
        limits.per_address,
        limits.per_name_and_address,
        limits.per_name,
    ];
    if !login_limits.iter().any(|l| l.enabled()) {
        return Ok(None);
    }
    let mut conn = state.db.pool.acquire().await?;
    sweep(state, &mut conn, now).await?;
    let turn = attempts::insert(&mut conn, Action::Login, key, &from.0, now).await?;
    let mut checks = vec![(Counted::Address(Action::Login, &from.0), limits.per_address)];
    if let Some(key) = key {
        checks.push((
            Counted::Name(key, Some(&from.0)),
            limits.per_name_and_address,
        ));
        checks.push((Counted::Name(key, None), limits.per_name));
    }
    for (by, limit) in checks {
        admit(&mut conn, turn, by, limit, now).await?;
    }
    Ok(Some(turn))
}

/// Which attempts a limit counts.
enum Counted<'a> {
    /// Attempts of one kind from one address.
    Address(db::auth_attempts::Action, &'a str),
    /// Unsuccessful logins of one name, from one address or from all.
    Name(&'a str, Option<&'a str>),
}

/// Lets attempt `turn` run when fewer than `limit` of the attempts it is counted with came
/// before it inside the window; otherwise 429, and its row is forgotten (it never ran).
async fn admit(
    conn: &mut db::AnyConnection,
    turn: i64,
    by: Counted<'_>,
    limit: crate::config::RateLimit,
    now: Timestamp,
) -> Result<()> {
    use db::auth_attempts as attempts;
    if !limit.enabled() {
        return Ok(());
    }
    let (since, n) = (limit.window_start(now), limit.limit + 1);
    // Newest first, this one included.
    let recent = match by {
        Counted::Address(action, address) => {
            attempts::recent_from_address(&mut *conn, action, address, since, turn, n).await?
        }
        Counted::Name(key, address) => {
            attempts::recent_for_name(&mut *conn, key, address, since, turn, n).await?
        }
    };
    let before = recent.get(1..).unwrap_or_default();
    if let Err(refused) = limit.check(before, now) {
        db::auth_attempts::delete(&mut *conn, turn).await?;
        tracing::warn!("login or registration throttled");
        return Err(refused);
    }
    Ok(())
}

/// Forgets attempts older than every window (cheap on its index; runs with each attempt).
async fn sweep(state: &AppState, conn: &mut db::AnyConnection, now: Timestamp) -> Result<()> {
    let window = state.config.login_throttle.longest_window();
    let before = now - window;
    db::auth_attempts::delete_older_than(&mut *conn, before).await?;
    Ok(())
}

/// The caller's account from a bearer token: the signature and expiry are checked, then the
/// user is looked up, so a token whose user no longer exists is refused like any bad token
/// (401) and the name the caller acts under is the stored one, never the token's claim.
pub async fn authenticate(state: &AppState, token: &str) -> Result<AuthUser> {
    let claimed = state.jwt.verify(token)?;
    let user = db::users::find(&state.db.pool, claimed.id)
        .await?
        .ok_or(Error::Unauthorized("invalid or expired token"))?;
    Ok(AuthUser {
        id: user.id,
        username: user.username,
        expires_at: claimed.expires_at,
    })
}

/// How long a WebSocket ticket can be used (`POST /api/ws-ticket`).
pub const WS_TICKET_TTL: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Debug, Serialize, ToSchema)]
pub struct WsTicket {
    /// Opaque; pass it as `ticket` to the WebSocket `$connect`. Single use.
    pub ticket: String,
    /// Seconds until the ticket can no longer be used.
    pub expires_in: u64,
}

/// A single-use ticket that opens a WebSocket as `user` within [`WS_TICKET_TTL`], so the
/// bearer token never travels in a URL (where proxies and access logs keep it).
pub async fn issue_ws_ticket(state: &AppState, user: &AuthUser) -> Result<WsTicket> {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    let ticket = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let now = Timestamp::now();
    db::ws_tickets::delete_expired(&state.db.pool, now).await?;
    db::ws_tickets::insert(
        &state.db.pool,
        &ticket_hash(&ticket),
        user.id,
        user.expires_at,
        now + WS_TICKET_TTL,
    )
    .await?;
    Ok(WsTicket {
        ticket,
        expires_in: WS_TICKET_TTL.as_secs(),
    })
}

/// Uses a ticket up: its user, or 401 for an unknown, expired or already used ticket.
pub async fn redeem_ws_ticket(state: &AppState, ticket: &str) -> Result<AuthUser> {
    const REFUSED: Error = Error::Unauthorized("invalid, expired or already used ticket");
    let hash = ticket_hash(ticket);
    let (user, token_expires_at) = db::ws_tickets::find(&state.db.pool, &hash, Timestamp::now())
        .await?
        .ok_or(REFUSED)?;
    if !db::ws_tickets::take(&state.db.pool, &hash).await? {
        return Err(REFUSED);
    }
    Ok(AuthUser {
        id: user.id,
        username: user.username,
        expires_at: token_expires_at,
    })
}

fn ticket_hash(ticket: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(ticket.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The caller's own account.
pub async fn me(state: &AppState, auth: &AuthUser) -> Result<User> {
    db::users::find(&state.db.pool, auth.id)
        .await?
        .ok_or(Error::Unauthorized("invalid or expired token"))
}
