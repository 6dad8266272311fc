//! The WebSocket side: the three handlers API Gateway invokes (`$connect`, `$default`,
//! `$disconnect`), each taking the API Gateway WebSocket event and returning its proxy
//! response, plus the broadcaster they push frames with. local-dev's shim builds the same
//! events and calls the same functions.
//!
//! Rules from API Gateway that shape this code (../shared/AWS-RULES.md):
//! - a connection cannot be posted to while its `$connect` runs, so `$connect` never replies;
//!   the client asks for its first state with `sync`;
//! - a handler's return body reaches no one (no route responses): replies are posts;
//! - authorization happens only at `$connect`, so each row remembers when its token expires;
//! - `$disconnect` can be missed, so rows also expire (idle 10 min, 2 h lifetime) and go on 410.

pub mod broadcast;
pub mod frames;

use std::time::Duration;

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::encodings::Body;

pub use broadcast::{Broadcaster, FanOutReport};
pub use frames::{ClientFrame, ServerFrame};

use crate::auth::AuthUser;
use crate::db::{self, connections::Connection};
use crate::domain::{Message, PageCursor, PageLimit, RoomId, Timestamp, UserId, UserSummary};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::{messages, rooms};

/// API Gateway closes a connection after 10 minutes without client traffic…
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// …and after 2 hours in any case.
pub const MAX_CONNECTION_LIFETIME: Duration = Duration::from_secs(2 * 60 * 60);

fn response(status: u16, message: Option<&str>) -> ApiGatewayProxyResponse {
    let mut r = ApiGatewayProxyResponse::default();
    r.status_code = i64::from(status);
    r.body = message.map(|m| Body::Text(m.to_string()));
    r
}

/// A refusal with API.md's error body (local-dev shows it to the client that was refused).
fn error_response(error: &Error) -> ApiGatewayProxyResponse {
    error.log();
    let body = serde_json::to_string(&error.body()).unwrap_or_default();
    let mut r = response(error.status().as_u16(), Some(&body));
    r.headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    r
}

/// The management endpoint that reaches this event's connection: `WEBSOCKET_API_ENDPOINT`
/// when configured (custom domains, local-dev), else `https://{domainName}/{stage}`.
fn endpoint_of(state: &AppState, event: &ApiGatewayWebsocketProxyRequest) -> Option<String> {
    if let Some(endpoint) = &state.config.websocket_api_endpoint {
        return Some(endpoint.clone());
    }
    let ctx = &event.request_context;
    Some(format!(
        "https://{}/{}",
        ctx.domain_name.as_deref()?,
        ctx.stage.as_deref()?
    ))
}

fn summary(user: &AuthUser) -> UserSummary {
    UserSummary {
        id: user.id,
        username: user.username.clone(),
    }
}

/// `$connect`: authenticates `token`, checks membership of `room_id`, records the connection
/// and tells the room when this is the user's first connection there. 401/403/404 refuse the
/// upgrade; nothing is posted to the connecting socket (API Gateway would refuse it).
#[tracing::instrument(skip_all, fields(connection_id))]
pub async fn on_connect(
    state: &AppState,
    event: &ApiGatewayWebsocketProxyRequest,
) -> ApiGatewayProxyResponse {
    match connect(state, event).await {
        Ok(()) => response(200, None),
        Err(e) => error_response(&e),
    }
}

async fn connect(state: &AppState, event: &ApiGatewayWebsocketProxyRequest) -> Result<()> {
    let connection_id = event
        .request_context
        .connection_id
        .as_deref()
        .ok_or(Error::BadRequest("no connection id".into()))?;
    tracing::Span::current().record("connection_id", connection_id);
    let query = &event.query_string_parameters;
    let token = query
        .first("token")
        .ok_or(Error::Unauthorized("missing token query parameter"))?;
    let user = state.jwt.verify(token)?;
    let room = query
        .first("room_id")
        .and_then(|r| r.parse::<i64>().ok())
        .filter(|r| *r > 0)
        .map(RoomId)
        .ok_or_else(|| Error::validation("room_id", "must be a room id"))?;
    rooms::require_member(state, &user, room).await?;
    let endpoint = endpoint_of(state, event)
        .ok_or(Error::BadRequest("event names no domain or stage".into()))?;

    let now = Timestamp::now();
    expire_stale(state, room, now).await?;
    let first_here = db::connections::count_for_user(&state.db.pool, room, user.id).await? == 0;
    db::connections::insert(
        &state.db.pool,
        &Connection {
            connection_id: connection_id.to_string(),
            endpoint,
            room_id: room,
            user_id: user.id,
            connected_at: now,
            expires_at: Timestamp(user.expires_at.saturating_mul(1000)),
        },
    )
    .await?;
    tracing::info!(room_id = %room, user_id = %user.id, "connected");
    if first_here {
        let others: Vec<Connection> = db::connections::list_for_room(&state.db.pool, room)
            .await?
            .into_iter()
            .filter(|c| c.connection_id != connection_id)
            .collect();
        announce_presence(state, room, &others, Some(summary(&user)), None).await?;
    }
    Ok(())
}

/// `$default`: one client frame. Every outcome — including bad JSON, unknown actions,
/// validation failures and rate limits — is answered with a frame; the socket stays open.
#[tracing::instrument(skip_all, fields(connection_id))]
pub async fn on_message(
    state: &AppState,
    event: &ApiGatewayWebsocketProxyRequest,
) -> ApiGatewayProxyResponse {
    let Some(connection_id) = event.request_context.connection_id.as_deref() else {
        return error_response(&Error::BadRequest("no connection id".into()));
    };
    tracing::Span::current().record("connection_id", connection_id);
    let connection = match db::connections::find(&state.db.pool, connection_id).await {
        Ok(Some(connection)) => connection,
        Ok(None) => {
            // Expired, swept or its user left the room: make the client reconnect.
            if let Some(endpoint) = endpoint_of(state, event) {
                let frame = ServerFrame::error(
                    &Error::Unauthorized("this connection is no longer registered; reconnect"),
                    None,
                );
                state
                    .broadcaster
                    .post(&endpoint, connection_id, frame.to_json())
                    .await;
                state.broadcaster.close(&endpoint, connection_id).await;
            }
            return response(200, None);
        }
        Err(e) => return error_response(&e),
    };
    let reply = |frame: ServerFrame| {
        let connection = &connection;
        async move {
            let outcome = state
                .broadcaster
                .post(
                    &connection.endpoint,
                    &connection.connection_id,
                    frame.to_json(),
                )
                .await;
            if outcome != broadcast::PostOutcome::Delivered {
                tracing::warn!(?outcome, "reply not delivered");
            }
        }
    };

    let now = Timestamp::now();
    if now >= connection.expires_at {
        reply(ServerFrame::error(
            &Error::Unauthorized("your token has expired; log in again"),
            None,
        ))
        .await;
        state
            .broadcaster
            .close(&connection.endpoint, &connection.connection_id)
            .await;
        return response(200, None);
    }
    if let Err(e) = db::connections::touch(&state.db.pool, connection_id, now).await {
        return error_response(&e);
    }
    let body = event.body.as_deref().unwrap_or_default();
    match ClientFrame::parse(body) {
        Ok(frame) => {
            for answer in handle_frame(state, &connection, frame).await {
                reply(answer).await;
            }
        }
        Err(rejected) => reply(ServerFrame::error(&rejected.error, rejected.client_id)).await,
    }
    response(200, None)
}

/// What one frame makes the server tell this connection (pushes to others happen inside).
async fn handle_frame(
    state: &AppState,
    connection: &Connection,
    frame: ClientFrame,
) -> Vec<ServerFrame> {
    // Pings arrive every few minutes from every socket: answer them without a user look-up.
    if frame == ClientFrame::Ping {
        return vec![ServerFrame::Pong];
    }
    let user = match db::users::find(&state.db.pool, connection.user_id).await {
        Ok(Some(u)) => AuthUser {
            id: u.id,
            username: u.username,
            expires_at: connection.expires_at.millis() / 1000,
        },
        Ok(None) => {
            return vec![ServerFrame::error(
                &Error::Unauthorized("unknown user"),
                None,
            )];
        }
        Err(e) => return vec![ServerFrame::error(&e, None)],
    };
    let room = connection.room_id;
    match frame {
        ClientFrame::Ping => vec![ServerFrame::Pong], // answered above; kept for exhaustiveness
        ClientFrame::Sync { after, limit } => match sync(state, &user, room, after, limit).await {
            Ok(frames) => frames,
            Err(e) => vec![ServerFrame::error(&e, None)],
        },
        ClientFrame::SendMessage { content, client_id } => {
            match messages::post(state, &user, room, &content, client_id.as_deref()).await {
                // The new message reached this connection with everyone else's push.
                Ok(messages::Posted::Created(_)) => vec![],
                // A retry of a stored message: only the sender needs it again, to reconcile.
                Ok(messages::Posted::Existing(message)) => vec![ServerFrame::Message { message }],
                Err(e) => vec![ServerFrame::error(&e, client_id)],
            }
        }
        ClientFrame::Typing => {
            if let Err(e) = typing(state, &user, room).await {
                return vec![ServerFrame::error(&e, None)];
            }
            vec![]
        }
    }
}

async fn sync(
    state: &AppState,
    user: &AuthUser,
    room: RoomId,
    after: Option<i64>,
    limit: Option<i64>,
) -> Result<Vec<ServerFrame>> {
    let cursor = PageCursor::parse(None, after)?;
    let page = messages::page(state, user, room, cursor, PageLimit::parse(limit)?).await?;
    expire_stale(state, room, Timestamp::now()).await?;
    let online = db::connections::online_users(&state.db.pool, room).await?;
    let mut frames = ServerFrame::history(page.messages, page.has_more);
    frames.push(ServerFrame::Presence {
        online,
        joined: None,
        left: None,
    });
    Ok(frames)
}

async fn typing(state: &AppState, user: &AuthUser, room: RoomId) -> Result<()> {
    rooms::require_member(state, user, room).await?;
    let others: Vec<Connection> = db::connections::list_for_room(&state.db.pool, room)
        .await?
        .into_iter()
        .filter(|c| c.user_id != user.id)
        .collect();
    state
        .broadcaster
        .send(
            &state.db,
            &others,
            &ServerFrame::Typing {
                user: summary(user),
            },
        )
        .await;
    Ok(())
}

/// `$disconnect`: forgets the connection (an unknown id is fine: `$disconnect` may come after
/// a 410 clean-up) and tells the room when the user's last connection there closed.
#[tracing::instrument(skip_all, fields(connection_id))]
pub async fn on_disconnect(
    state: &AppState,
    event: &ApiGatewayWebsocketProxyRequest,
) -> ApiGatewayProxyResponse {
    let Some(connection_id) = event.request_context.connection_id.as_deref() else {
        return error_response(&Error::BadRequest("no connection id".into()));
    };
    tracing::Span::current().record("connection_id", connection_id);
    match disconnect(state, connection_id).await {
        Ok(()) => response(200, None),
        Err(e) => error_response(&e),
    }
}

async fn disconnect(state: &AppState, connection_id: &str) -> Result<()> {
    let Some(connection) = db::connections::find(&state.db.pool, connection_id).await? else {
        return Ok(());
    };
    if !db::connections::delete(&state.db.pool, connection_id).await? {
        return Ok(()); // someone else removed it and announced
    }
    tracing::info!(room_id = %connection.room_id, user_id = %connection.user_id, "disconnected");
    announce_if_last_left(state, connection.room_id, connection.user_id).await
}

async fn announce_if_last_left(state: &AppState, room: RoomId, user: UserId) -> Result<()> {
    if db::connections::count_for_user(&state.db.pool, room, user).await? > 0 {
        return Ok(());
    }
    let Some(user) = db::users::find(&state.db.pool, user).await? else {
        return Ok(());
    };
    let everyone = db::connections::list_for_room(&state.db.pool, room).await?;
    announce_presence(
        state,
        room,
        &everyone,
        None,
        Some(UserSummary {
            id: user.id,
            username: user.username,
        }),
    )
    .await
}

async fn announce_presence(
    state: &AppState,
    room: RoomId,
    to: &[Connection],
    joined: Option<UserSummary>,
    left: Option<UserSummary>,
) -> Result<()> {
    if to.is_empty() {
        return Ok(());
    }
    let online = db::connections::online_users(&state.db.pool, room).await?;
    if let Some(gone) = &left
        && online.iter().any(|u| u.id == gone.id)
    {
        return Ok(()); // they opened another connection meanwhile: not gone after all
    }
    state
        .broadcaster
        .send(
            &state.db,
            to,
            &ServerFrame::Presence {
                online,
                joined,
                left,
            },
        )
        .await;
    Ok(())
}

/// Deletes the room's connections API Gateway has certainly closed by now.
async fn expire_stale(state: &AppState, room: RoomId, now: Timestamp) -> Result<()> {
    let idle_before = Timestamp(now.millis() - IDLE_TIMEOUT.as_millis() as i64);
    let opened_before = Timestamp(now.millis() - MAX_CONNECTION_LIFETIME.as_millis() as i64);
    let expired =
        db::connections::expired(&state.db.pool, room, idle_before, opened_before).await?;
    for connection_id in &expired {
        db::connections::delete(&state.db.pool, connection_id).await?;
    }
    if !expired.is_empty() {
        tracing::info!(room_id = %room, removed = expired.len(), "expired connections removed");
    }
    Ok(())
}

/// Pushes a stored message to every connection in its room (the sender's too).
pub async fn announce_message(state: &AppState, message: &Message) {
    match db::connections::list_for_room(&state.db.pool, message.room_id).await {
        Ok(connections) => {
            let report = state
                .broadcaster
                .send(
                    &state.db,
                    &connections,
                    &ServerFrame::Message {
                        message: message.clone(),
                    },
                )
                .await;
            tracing::debug!(?report, "message pushed");
        }
        // The message is stored: clients that missed the push find it with `sync`.
        Err(e) => e.log(),
    }
}

/// After a user leaves a room: close their sockets there and tell the others.
pub async fn disconnect_user_from_room(
    state: &AppState,
    room: RoomId,
    user: &AuthUser,
) -> Result<()> {
    let connections = db::connections::list_for_user_in_room(&state.db.pool, room, user.id).await?;
    if connections.is_empty() {
        return Ok(());
    }
    for c in &connections {
        db::connections::delete(&state.db.pool, &c.connection_id).await?;
        state.broadcaster.close(&c.endpoint, &c.connection_id).await;
    }
    announce_if_last_left(state, room, user.id).await
}
