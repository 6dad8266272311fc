//! The WebSocket shim: what API Gateway's WebSocket API does in front of the handlers.
//!
//! For each socket it mints a connection id, sends `$connect` with the query string and
//! headers (a non-200 answer refuses the upgrade with that status), one `$default` event per
//! text frame, and `$disconnect` on a close *and* on an abrupt drop. It enforces API Gateway's
//! limits: a frame over 32 KB closes the socket with 1009; 10 minutes idle or 2 hours of life
//! close it with 1001. Frames to the client arrive only through the management API
//! ([`crate::management`]), as in AWS.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::ws::{
    CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade,
    rejection::WebSocketUpgradeRejection,
};
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use shared::domain::Timestamp;
use shared::realtime::broadcast::PostOutcome;
use shared::{AppState, realtime};
use tokio::sync::{Notify, mpsc};

use crate::Limits;
use crate::forward::{self, Api, Functions};
use crate::gateway::{error_response, refused, request_time};

/// API Gateway's frame limit: a bigger frame closes the socket with 1009.
pub const MAX_FRAME_BYTES: usize = 32 * 1024;
const CLOSE_TOO_BIG: u16 = 1009;
const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_NORMAL: u16 = 1000;
/// The most a frame may carry before the socket stops reading it; past 32 KB it is refused
/// anyway, this only bounds what is buffered to find that out.
const MAX_READ_BYTES: usize = 1 << 20;
/// Frames waiting for a slow client before posts to it start failing.
const OUTBOX_CAPACITY: usize = 1024;
/// Frames written per flush at most.
const WRITE_BATCH: usize = 64;
/// tungstenite's buffers per socket. Its defaults (128 KiB each) made an idle socket cost
/// ~145 KB; frames are at most 32 KB and mostly a few hundred bytes.
const READ_BUFFER_BYTES: usize = 4 * 1024;
const WRITE_BUFFER_BYTES: usize = 4 * 1024;
const STAGE: &str = "local";

#[derive(Debug)]
pub enum Outbound {
    Frame(Utf8Bytes),
    Close(u16, &'static str),
}

/// Whether `$connect` has returned: API Gateway refuses posts to a connection before that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Connecting,
    Open,
}

pub struct Socket {
    pub phase: Phase,
    pub outbox: mpsc::Sender<Outbound>,
    pub closed: Arc<Notify>,
    pub connected_at: Timestamp,
    pub last_active: Arc<AtomicI64>,
    pub source_ip: String,
    pub user_agent: String,
}

/// The live sockets by connection id: the shim registers them, the management API and the
/// in-process transport deliver to them, under the same rules ([`Registry::deliver`]).
#[derive(Clone, Default)]
pub struct Registry {
    by_id: Arc<Mutex<HashMap<String, Socket>>>,
}

/// What one post did, by API Gateway's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// No such connection, or its `$connect` has not returned yet: 410.
    Gone,
    /// Over the frame limit: nothing delivered, the socket closed with 1009 (the post itself
    /// succeeds, as in AWS).
    TooBig,
    /// The client is not reading and its queue is full.
    Full,
}

impl Registry {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Socket>> {
        self.by_id
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues one frame for a socket.
    pub fn deliver(&self, connection_id: &str, frame: Utf8Bytes) -> Delivery {
        self.deliver_all(&[connection_id], frame)
            .pop()
            .unwrap_or(Delivery::Gone)
    }

    /// Queues one frame for each socket named, under one look-up of the table: 410 for a
    /// connection that is unknown, still inside its `$connect` or closed; over the frame limit
    /// nothing is queued and each socket is closed with 1009 instead.
    pub fn deliver_all(&self, connection_ids: &[&str], frame: Utf8Bytes) -> Vec<Delivery> {
        let too_big = frame.len() > MAX_FRAME_BYTES;
        let sockets = self.lock();
        connection_ids
            .iter()
            .map(|id| {
                let Some(socket) = sockets.get(*id).filter(|s| s.phase == Phase::Open) else {
                    return Delivery::Gone;
                };
                if too_big {
                    let _ = socket
                        .outbox
                        .try_send(Outbound::Close(CLOSE_TOO_BIG, "Message too big"));
                    return Delivery::TooBig;
                }
                match socket.outbox.try_send(Outbound::Frame(frame.clone())) {
                    Ok(()) => Delivery::Delivered,
                    Err(mpsc::error::TrySendError::Closed(_)) => Delivery::Gone,
                    Err(mpsc::error::TrySendError::Full(_)) => Delivery::Full,
                }
            })
            .collect()
    }

    /// Queues a close frame; the writer sends it and the socket's loop ends.
    pub fn close(&self, connection_id: &str, code: u16, reason: &'static str) {
        if let Some(socket) = self.lock().get(connection_id) {
            let _ = socket.outbox.try_send(Outbound::Close(code, reason));
        }
    }
}

/// local-dev's default transport: handlers' posts go straight to the sockets.
impl realtime::broadcast::InProcess for Registry {
    fn post(&self, connection_ids: &[&str], payload: &Bytes) -> Vec<PostOutcome> {
        let Ok(frame) = Utf8Bytes::try_from(payload.clone()) else {
            let refused = PostOutcome::Failed("frames must be UTF-8 text".into());
            return vec![refused; connection_ids.len()];
        };
        self.deliver_all(connection_ids, frame)
            .into_iter()
            .map(|delivery| match delivery {
                Delivery::Delivered | Delivery::TooBig => PostOutcome::Delivered,
                Delivery::Gone => PostOutcome::Gone,
                Delivery::Full => PostOutcome::Failed("the client is not reading".into()),
            })
            .collect()
    }

    fn close(&self, connection_id: &str) {
        Registry::close(self, connection_id, CLOSE_NORMAL, "Closed by the server");
    }
}

/// Who answers the shim's events.
#[derive(Clone)]
pub enum Handlers {
    /// `shared::realtime`, in this process (the default).
    InProcess,
    /// The ws-* Lambda functions, through the `Invoke` API (`LOCAL_FUNCTIONS`).
    Forwarded(Functions),
}

/// The shim's state, shared by its sockets and the management API.
#[derive(Clone)]
pub struct Sockets {
    pub state: AppState,
    pub handlers: Handlers,
    pub limits: Limits,
    pub registry: Registry,
    /// The key `@connections` requests must be signed with.
    management_secret: Arc<str>,
    /// Added to every `@connections` request, to measure the SDK path at API Gateway's
    /// round-trip times (`LOCAL_MANAGEMENT_DELAY_MS`).
    pub management_delay: std::time::Duration,
    /// Set on shutdown: new upgrades are refused while the open sockets close.
    draining: Arc<AtomicBool>,
    /// Sockets whose `$disconnect` has not returned yet, and a bell for when one does.
    running: Arc<AtomicUsize>,
    finished: Arc<Notify>,
}

impl Sockets {
    pub fn new(
        state: AppState,
        handlers: Handlers,
        limits: Limits,
        registry: Registry,
        management_secret: &str,
        management_delay: std::time::Duration,
    ) -> Self {
        Sockets {
            state,
            handlers,
            limits,
            registry,
            management_secret: management_secret.into(),
            management_delay,
            draining: Arc::default(),
            running: Arc::default(),
            finished: Arc::default(),
        }
    }

    pub fn management_secret(&self) -> &str {
        &self.management_secret
    }

    /// Shutdown, API Gateway style: refuses new sockets, closes each open one with 1001, and
    /// waits (at most `patience`) until every `$disconnect` has run, so no row outlives us.
    pub async fn drain(&self, patience: std::time::Duration) {
        self.draining.store(true, Ordering::SeqCst);
        let ids: Vec<String> = self.lock().keys().cloned().collect();
        tracing::info!(sockets = ids.len(), "closing WebSocket connections");
        for id in &ids {
            close_from_server(self, id, CLOSE_GOING_AWAY, "Server shutting down");
        }
        let all_done = async {
            loop {
                let bell = self.finished.notified();
                if self.running.load(Ordering::SeqCst) == 0 {
                    break;
                }
                bell.await;
            }
        };
        if tokio::time::timeout(patience, all_done).await.is_err() {
            tracing::warn!(
                left = self.running.load(Ordering::SeqCst),
                "gave up waiting for WebSocket disconnects"
            );
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Socket>> {
        self.registry.lock()
    }

    /// `$connect`: `Err` is the answer that refuses the upgrade (the function's own status
    /// and body, or 502 / 504 when it failed or took too long).
    async fn connect(&self, event: Value) -> Result<(), Response> {
        let (status, body) = match &self.handlers {
            Handlers::InProcess => {
                let answer = realtime::on_connect(&self.state, &parse(event)).await;
                let body = match answer.body {
                    Some(aws_lambda_events::encodings::Body::Text(text)) => text,
                    _ => String::new(),
                };
                (answer.status_code, body)
            }
            Handlers::Forwarded(functions) => {
                let function = functions.routes().websocket("$connect");
                match functions
                    .invoke(Api::WebSocket, function, "$connect", &event)
                    .await
                {
                    // An answer without a status is taken as a 200, as for HTTP APIs.
                    Ok(answer) => (
                        answer
                            .get("statusCode")
                            .and_then(Value::as_i64)
                            .unwrap_or(200),
                        answer
                            .get("body")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                    ),
                    Err(failure) => return Err(forward::failure_response(function, &failure)),
                }
            }
        };
        if status == 200 {
            Ok(())
        } else {
            Err(refused(status, body))
        }
    }

    /// `$default`: one frame from the client. When the function fails, the client gets the
    /// frame API Gateway sends then.
    async fn message(&self, connection_id: &str, event: Value) {
        match &self.handlers {
            Handlers::InProcess => {
                realtime::on_message(&self.state, &parse(event)).await;
            }
            Handlers::Forwarded(functions) => {
                let function = functions.routes().websocket("$default");
                if let Err(failure) = functions
                    .invoke(Api::WebSocket, function, "$default", &event)
                    .await
                {
                    let frame = forward::websocket_failure_frame(&failure, connection_id);
                    self.registry.deliver(connection_id, frame.into());
                }
            }
        }
    }

    /// `$disconnect`: best effort, as in AWS (a failure is only logged).
    async fn disconnect(&self, event: Value) {
        match &self.handlers {
            Handlers::InProcess => {
                realtime::on_disconnect(&self.state, &parse(event)).await;
            }
            Handlers::Forwarded(functions) => {
                let function = functions.routes().websocket("$disconnect");
                let _ = functions
                    .invoke(Api::WebSocket, function, "$disconnect", &event)
                    .await;
            }
        }
    }
}

/// An id shaped like API Gateway's (`L0SM9cOFvHcCIhw=`): 11 random bytes in standard,
/// padded base64, 16 characters.
fn mint_connection_id() -> String {
    STANDARD.encode(&uuid::Uuid::new_v4().as_bytes()[..11])
}

/// `GET /ws?token=…&room_id=…`
pub async fn upgrade(
    State(sockets): State<Sockets>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let query = parse_query(query.as_deref().unwrap_or_default());
    accept(sockets, peer, query, headers, ws).await
}

/// `GET /ws/rooms/{id}?token=…`: the seed's path, kept as an alias.
pub async fn upgrade_alias(
    State(sockets): State<Sockets>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(room): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let mut query = parse_query(query.as_deref().unwrap_or_default());
    query.retain(|(k, _)| k != "room_id");
    query.push(("room_id".into(), room));
    accept(sockets, peer, query, headers, ws).await
}

fn parse_query(raw: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(raw).unwrap_or_default()
}

async fn accept(
    sockets: Sockets,
    peer: SocketAddr,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let Ok(ws) = ws else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "expected a WebSocket upgrade",
        );
    };
    if sockets.draining.load(Ordering::SeqCst) {
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the server is shutting down",
        );
    }
    let connection_id = mint_connection_id();
    let now = Timestamp::now();
    let (outbox, inbox) = mpsc::channel(OUTBOX_CAPACITY);
    let closed = Arc::new(Notify::new());
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    sockets.lock().insert(
        connection_id.clone(),
        Socket {
            phase: Phase::Connecting,
            outbox,
            closed: closed.clone(),
            connected_at: now,
            last_active: Arc::new(AtomicI64::new(now.millis())),
            source_ip: peer.ip().to_string(),
            user_agent: user_agent.clone(),
        },
    );

    let event = Event {
        sockets: &sockets,
        connection_id: &connection_id,
        peer,
        user_agent: &user_agent,
        connected_at: now,
    };
    if let Err(refusal) = sockets.connect(event.connect(&query, &headers)).await {
        sockets.lock().remove(&connection_id);
        return refusal;
    }
    if let Some(socket) = sockets.lock().get_mut(&connection_id) {
        socket.phase = Phase::Open;
    }
    let owned = (user_agent, connection_id);
    // Bigger frames are refused from their header, before their payload is read.
    ws.max_message_size(MAX_READ_BYTES)
        .max_frame_size(MAX_READ_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| run(sockets, owned.1, peer, owned.0, now, socket, inbox, closed))
}

/// Pumps one socket until it closes, then sends `$disconnect`.
#[allow(clippy::too_many_arguments)]
async fn run(
    sockets: Sockets,
    connection_id: String,
    peer: SocketAddr,
    user_agent: String,
    connected_at: Timestamp,
    socket: WebSocket,
    mut inbox: mpsc::Receiver<Outbound>,
    closed: Arc<Notify>,
) {
    sockets.running.fetch_add(1, Ordering::SeqCst);
    let (mut sink, mut stream) = socket.split();
    let writer_closed = closed.clone();
    let writer = tokio::spawn(async move {
        // Frames queued during a fan-out burst go out together: one flush (one write) for all.
        let mut batch = Vec::with_capacity(WRITE_BATCH);
        'pump: while inbox.recv_many(&mut batch, WRITE_BATCH).await > 0 {
            for outbound in batch.drain(..) {
                match outbound {
                    Outbound::Frame(text) => {
                        if sink.feed(Message::Text(text)).await.is_err() {
                            break 'pump;
                        }
                    }
                    Outbound::Close(code, reason) => {
                        let frame = CloseFrame {
                            code,
                            reason: reason.into(),
                        };
                        if sink.send(Message::Close(Some(frame))).await.is_err() {
                            // The client closed first: tungstenite has queued its echo of the
                            // client's frame and refuses a second close; closing sends it.
                            let _ = sink.close().await;
                        }
                        break 'pump;
                    }
                }
            }
            if sink.flush().await.is_err() {
                break;
            }
        }
        writer_closed.notify_one();
    });

    let last_active = sockets
        .lock()
        .get(&connection_id)
        .map(|s| s.last_active.clone())
        .unwrap_or_default();
    let event = Event {
        sockets: &sockets,
        connection_id: &connection_id,
        peer,
        user_agent: &user_agent,
        connected_at,
    };
    let lifetime_ends = tokio::time::Instant::now() + sockets.limits.max_lifetime;
    let (code, reason) = loop {
        let idle_for = Timestamp::now().millis() - last_active.load(Ordering::Relaxed);
        let idle_left = sockets
            .limits
            .idle_timeout
            .saturating_sub(std::time::Duration::from_millis(idle_for.max(0) as u64));
        let deadline = lifetime_ends.min(tokio::time::Instant::now() + idle_left);
        tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    if text.len() > MAX_FRAME_BYTES {
                        close_from_server(&sockets, &connection_id, CLOSE_TOO_BIG, "Message too big");
                        break (CLOSE_TOO_BIG, "Message too big");
                    }
                    last_active.store(Timestamp::now().millis(), Ordering::Relaxed);
                    sockets.message(&connection_id, event.message(text.as_str())).await;
                }
                Some(Ok(Message::Binary(bytes))) => {
                    if bytes.len() > MAX_FRAME_BYTES {
                        close_from_server(&sockets, &connection_id, CLOSE_TOO_BIG, "Message too big");
                        break (CLOSE_TOO_BIG, "Message too big");
                    }
                    last_active.store(Timestamp::now().millis(), Ordering::Relaxed);
                    sockets.message(&connection_id, event.message(&String::from_utf8_lossy(&bytes))).await;
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(frame))) => {
                    // Answered with a close frame echoing the code, as API Gateway does (the
                    // client otherwise sees 1006): the writer sends tungstenite's echo.
                    let code = frame.map_or(1005, |f| f.code);
                    close_from_server(&sockets, &connection_id, code, "Client closed");
                    break (code, "Client closed");
                }
                // Over MAX_READ_BYTES: refused like any frame over the limit. (axum exposes
                // tungstenite's error only as text: "Space limit exceeded: Message too long".)
                Some(Err(e)) if e.to_string().contains("Space limit exceeded") => {
                    close_from_server(&sockets, &connection_id, CLOSE_TOO_BIG, "Message too big");
                    break (CLOSE_TOO_BIG, "Message too big");
                }
                // An abrupt drop: no close frame, the TCP connection is just gone.
                Some(Err(_)) | None => break (1006, "Connection lost"),
            },
            () = tokio::time::sleep_until(deadline) => {
                let idle = tokio::time::Instant::now() < lifetime_ends;
                let reason = if idle { "Idle timeout" } else { "Connection lifetime exceeded" };
                close_from_server(&sockets, &connection_id, CLOSE_GOING_AWAY, reason);
                break (CLOSE_GOING_AWAY, reason);
            }
            () = closed.notified() => break (CLOSE_NORMAL, "Closed by the server"),
        }
    };
    sockets.lock().remove(&connection_id);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), writer).await;
    sockets.disconnect(event.disconnect(code, reason)).await;
    sockets.running.fetch_sub(1, Ordering::SeqCst);
    sockets.finished.notify_waiters();
}

/// Queues a close frame; the writer sends it and the socket's loop ends.
pub fn close_from_server(sockets: &Sockets, connection_id: &str, code: u16, reason: &'static str) {
    sockets.registry.close(connection_id, code, reason);
}

/// Builds the events API Gateway sends, as JSON in AWS's shape: sent as they are to the
/// functions, parsed into the `aws_lambda_events` type for the in-process handlers (so a
/// shape error shows here, not in AWS).
struct Event<'a> {
    sockets: &'a Sockets,
    connection_id: &'a str,
    peer: SocketAddr,
    user_agent: &'a str,
    connected_at: Timestamp,
}

impl Event<'_> {
    fn context(&self, route_key: &str, event_type: &str) -> Value {
        let now = Timestamp::now();
        let endpoint = self
            .sockets
            .state
            .config
            .websocket_api_endpoint
            .clone()
            .unwrap_or_default();
        let domain = endpoint
            .trim_start_matches("http://")
            .trim_start_matches("https://")
            .to_string();
        json!({
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": uuid::Uuid::new_v4().to_string(),
            "requestTime": request_time(now),
            "messageDirection": "IN",
            "stage": STAGE,
            "connectedAt": self.connected_at.millis(),
            "requestTimeEpoch": now.millis(),
            "identity": {"sourceIp": self.peer.ip().to_string(), "userAgent": self.user_agent},
            "requestId": uuid::Uuid::new_v4().to_string(),
            "domainName": domain,
            "connectionId": self.connection_id,
            "apiId": "local",
        })
    }

    fn connect(&self, query: &[(String, String)], headers: &HeaderMap) -> Value {
        let mut single = serde_json::Map::new();
        let mut multi: HashMap<String, Vec<String>> = HashMap::new();
        for (name, value) in headers {
            let value = value.to_str().unwrap_or_default().to_string();
            single.insert(name.as_str().to_string(), Value::String(value.clone()));
            multi
                .entry(name.as_str().to_string())
                .or_default()
                .push(value);
        }
        let mut query_single = serde_json::Map::new();
        let mut query_multi: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in query {
            query_single.insert(k.clone(), Value::String(v.clone()));
            query_multi.entry(k.clone()).or_default().push(v.clone());
        }
        json!({
            "headers": single,
            "multiValueHeaders": multi,
            "queryStringParameters": query_single,
            "multiValueQueryStringParameters": query_multi,
            "requestContext": self.context("$connect", "CONNECT"),
            "isBase64Encoded": false,
        })
    }

    fn message(&self, body: &str) -> Value {
        let mut context = self.context("$default", "MESSAGE");
        context["messageId"] =
            Value::String(uuid::Uuid::new_v4().simple().to_string()[..16].to_string());
        json!({ "requestContext": context, "body": body, "isBase64Encoded": false })
    }

    fn disconnect(&self, code: u16, reason: &str) -> Value {
        let mut context = self.context("$disconnect", "DISCONNECT");
        context["disconnectStatusCode"] = json!(code);
        context["disconnectReason"] = json!(reason);
        json!({
            "headers": {"Host": context["domainName"].clone(), "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""},
            "multiValueHeaders": {},
            "requestContext": context,
            "isBase64Encoded": false,
        })
    }
}

fn parse(event: Value) -> aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest {
    serde_json::from_value(event).expect("the shim builds events in API Gateway's shape")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_ids_look_like_api_gateways() {
        let id = mint_connection_id();
        assert_eq!(id.len(), 16);
        assert!(id.ends_with('='));
        assert_ne!(id, mint_connection_id());
    }
}
