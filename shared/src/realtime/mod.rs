//! The WebSocket side: the three handlers API Gateway invokes (`$connect`, `$default`,
//! `$disconnect`), each taking the API Gateway WebSocket event and returning its proxy
//! response. local-dev's shim builds the same events and calls the same functions.
//!
//! Layers, top to bottom (each uses only those below it):
//! ```text
//! realtime (this file)   the handlers: decode an event, call the domain, answer with frames
//! rooms, messages        the domain operations (crate root)
//! realtime::push         who receives what; forgetting gone and expired connections
//! realtime::broadcast    PostToConnection with bounded concurrency    realtime::frames  the wire
//! ```
//!
//! Two kinds of connection: `?room_id=` opens a v1 room connection; without it, a user
//! connection carries every room of its user and its client frames name their room.
//!
//! Rules from API Gateway that shape this code (docs/api.md, "WebSocket"):
//! - a connection cannot be posted to while its `$connect` runs, so `$connect` never replies;
//!   the client asks for its first state with `sync`;
//! - a handler's return body reaches no one (no route responses): replies are posts;
//! - authorization happens only at `$connect`, so each row remembers when its token expires;
//! - `$disconnect` can be missed, so rows also expire (idle 10 min, 2 h lifetime) and go on 410.

pub mod broadcast;
pub mod frames;
pub mod push;

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::encodings::Body;

pub use broadcast::{Broadcaster, FanOutReport};
pub use frames::{Action, ClientFrame, ServerFrame};
pub use push::{IDLE_TIMEOUT, MAX_CONNECTION_LIFETIME};

use crate::auth::AuthUser;
use crate::db::{self, connections::Connection};
use crate::domain::{
    CursorParams, MessageId, PageCursor, PageLimit, RoomId, Timestamp, UserSummary,
};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::{accounts, messages, rooms};

fn response(status: u16, message: Option<&str>) -> ApiGatewayProxyResponse {
    let mut r = ApiGatewayProxyResponse::default();
    r.status_code = i64::from(status);
    r.body = message.map(|m| Body::Text(m.to_string()));
    r
}

/// A refusal with docs/api.md's error body (local-dev shows it to the client that was refused).
fn error_response(error: &Error) -> ApiGatewayProxyResponse {
    error.report();
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

/// `$connect`: authenticates `ticket` (or v1's `token`); with `room_id`, checks membership of that room (a room
/// connection), without it records a user connection. Tells the viewers of the user's rooms
/// when this is the user's first connection. 401/403/404/422 refuse the upgrade; nothing is
/// posted to the connecting socket (API Gateway would refuse it).
#[tracing::instrument(skip_all, fields(connection_id))]
pub async fn on_connect(
    state: &AppState,
    event: &ApiGatewayWebsocketProxyRequest,
) -> ApiGatewayProxyResponse {
    match connect(state, event).await {
        Ok(()) => {
            crate::metrics::count(crate::metrics::Counter::ConnectionsOpened);
            response(200, None)
        }
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
    // A ticket from `POST /api/ws-ticket` keeps the token out of URLs; v1 clients send `token`.
    let user = match (query.first("ticket"), query.first("token")) {
        (Some(ticket), _) => accounts::redeem_ws_ticket(state, ticket).await?,
        (None, Some(token)) => accounts::authenticate(state, token).await?,
        (None, None) => {
            return Err(Error::Unauthorized(
                "missing ticket (or token) query parameter",
            ));
        }
    };
    let room = match query.first("room_id") {
        None => None,
        Some(raw) => Some(
            raw.parse::<i64>()
                .ok()
                .filter(|r| *r > 0)
                .map(RoomId)
                .ok_or_else(|| Error::validation("room_id", "must be a room id"))?,
        ),
    };
    if let Some(room) = room {
        rooms::require_member(state, &user, room).await?;
    }
    let endpoint = endpoint_of(state, event)
        .ok_or(Error::BadRequest("event names no domain or stage".into()))?;

    push::expire_stale(state).await?;
    let first = db::connections::count_of_user(&state.db.pool, user.id).await? == 0;
    let now = Timestamp::now();
    db::connections::insert(
        &state.db.pool,
        &Connection {
            connection_id: connection_id.to_string(),
            endpoint,
            user_id: user.id,
            room_id: room,
            viewing_room_id: room,
            connected_at: now,
            last_seen_at: now,
            expires_at: user.expires_at,
        },
    )
    .await?;
    tracing::info!(room_id = ?room, user_id = %user.id, "connected");
    if first {
        push::came_online(state, summary(&user), connection_id).await?;
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
    let parsed = ClientFrame::parse(event.body.as_deref().unwrap_or_default());
    // The one read before the action: the row and its user's name.
    let (connection, username) =
        match db::connections::find_with_user(&state.db.pool, connection_id).await {
            Ok(Some(found)) => found,
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
            Err(e) => {
                // The database is out of reach: the client still hears about its frame (a ping is
                // answered, anything else gets `unavailable` with its client_id) and may retry.
                // `error_in` reports the outage for the frames it answers; the others here.
                let endpoint = endpoint_of(state, event);
                let answered_with_error =
                    endpoint.is_some() && matches!(&parsed, Ok(f) if f.action != Action::Ping);
                if !answered_with_error {
                    e.report();
                }
                if let Some(endpoint) = endpoint {
                    let frame = match &parsed {
                        Ok(frame) if frame.action == Action::Ping => ServerFrame::Pong,
                        Ok(frame) => {
                            ServerFrame::error_in(&e, frame.action.client_id(), frame.room_id)
                        }
                        Err(rejected) => {
                            ServerFrame::error(&rejected.error, rejected.client_id.clone())
                        }
                    };
                    state
                        .broadcaster
                        .post(&endpoint, connection_id, frame.to_json())
                        .await;
                }
                return response(200, None);
            }
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
    match parsed {
        Ok(frame) => {
            if let Err(e) = db::connections::touch(&state.db.pool, &connection, now).await {
                let answer = ServerFrame::error_in(&e, frame.action.client_id(), frame.room_id);
                reply(answer).await;
                return response(200, None);
            }
            let user = AuthUser {
                id: connection.user_id,
                username,
                expires_at: connection.expires_at,
            };
            for answer in handle_frame(state, &connection, &user, frame).await {
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
    user: &AuthUser,
    frame: ClientFrame,
) -> Vec<ServerFrame> {
    let client_id = frame.action.client_id();
    let room = room_of(connection, frame.room_id);
    match act(state, connection, user, room, frame.action).await {
        Ok(frames) => frames,
        Err(e) => vec![ServerFrame::error_in(&e, client_id, frame.room_id)],
    }
}

/// The room a frame is about: a room connection's own room, or the `room_id` a frame on a user
/// connection must carry.
fn room_of(connection: &Connection, named: Option<RoomId>) -> Result<RoomId> {
    match (connection.room_id, named) {
        (Some(own), None) => Ok(own),
        (Some(own), Some(named)) if named == own => Ok(own),
        (Some(_), Some(_)) => Err(Error::validation(
            "room_id",
            "this connection is scoped to another room; open a user connection (no room_id) for several rooms",
        )),
        (None, Some(named)) => Ok(named),
        (None, None) => Err(Error::validation(
            "room_id",
            "is required on a user connection",
        )),
    }
}

/// `room` is the frame's room or why it has none ([`room_of`]): every action but `ping` needs
/// one, and that error comes before any other.
async fn act(
    state: &AppState,
    connection: &Connection,
    user: &AuthUser,
    room: Result<RoomId>,
    action: Action,
) -> Result<Vec<ServerFrame>> {
    match action {
        // A ping is about no room: a user connection's ping names none.
        Action::Ping => Ok(vec![ServerFrame::Pong]),
        Action::Sync {
            after,
            since,
            limit,
        } => {
            let room = room?;
            let cursor = PageCursor::parse_params(CursorParams {
                after,
                since,
                ..CursorParams::default()
            })?;
            let page = messages::page(state, user, room, cursor, PageLimit::parse(limit)?).await?;
            if connection.is_user_connection() && connection.viewing_room_id != Some(room) {
                db::connections::set_viewing(&state.db.pool, &connection.connection_id, room)
                    .await?;
            }
            push::expire_stale(state).await?;
            let mut frames = ServerFrame::history(room, page, since);
            frames.push(push::presence_of(state, room).await?);
            Ok(frames)
        }
        Action::SendMessage {
            content,
            client_id,
            reply_to,
        } => {
            let room = room?;
            let new = messages::NewPost {
                content: &content,
                client_id: client_id.as_deref(),
                reply_to,
            };
            match messages::post(state, user, room, new).await? {
                // The new message reached this connection with everyone else's push.
                messages::Posted::Created(_) => Ok(vec![]),
                // A retry of a stored message: only the sender needs it again, to reconcile.
                messages::Posted::Existing(message) => Ok(vec![ServerFrame::Message {
                    room_id: room,
                    message,
                }]),
            }
        }
        // The answer to these is the `message_updated` push, which reaches this connection too.
        Action::EditMessage {
            message_id,
            content,
        } => {
            messages::edit(state, user, room?, MessageId(message_id), &content).await?;
            Ok(vec![])
        }
        Action::DeleteMessage { message_id } => {
            messages::delete(state, user, room?, MessageId(message_id)).await?;
            Ok(vec![])
        }
        Action::React {
            message_id,
            emoji,
            on,
        } => {
            messages::react(state, user, room?, MessageId(message_id), &emoji, on).await?;
            Ok(vec![])
        }
        Action::Typing => {
            rooms::typing(state, user, room?).await?;
            Ok(vec![])
        }
        // The `read` frame reaches this connection with the user's other ones.
        Action::Read { message_id } => {
            rooms::mark_read(state, user, room?, MessageId(message_id)).await?;
            Ok(vec![])
        }
    }
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
        Ok(()) => {
            crate::metrics::count(crate::metrics::Counter::ConnectionsClosed);
            response(200, None)
        }
        Err(e) => error_response(&e),
    }
}

async fn disconnect(state: &AppState, connection_id: &str) -> Result<()> {
    push::closed(state, connection_id).await
}
