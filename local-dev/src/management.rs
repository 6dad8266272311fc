//! local-dev's stand-in for the API Gateway management API (`@connections`), spoken by the real
//! AWS SDK client: `POST` delivers a frame, `GET` describes a connection, `DELETE` closes it.
//! Errors are shaped as API Gateway's (status + `x-amzn-ErrorType`), so the SDK surfaces them
//! as the same typed errors (`GoneException` for 410).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use shared::domain::Timestamp;

use crate::shim::{MAX_FRAME_BYTES, Outbound, Phase, Sockets, close_from_server};

/// The management API's own limit on one posted payload.
const MAX_POST_BYTES: usize = 128 * 1024;

fn aws_error(status: StatusCode, error_type: &'static str, message: &str) -> Response {
    let mut response = (status, axum::Json(json!({ "message": message }))).into_response();
    response
        .headers_mut()
        .insert("x-amzn-ErrorType", HeaderValue::from_static(error_type));
    response
}

fn gone() -> Response {
    aws_error(StatusCode::GONE, "GoneException", "")
}

/// Middleware for every `@connections` route: the SDK always signs with SigV4, so an
/// unsigned request is not from a handler (the signature itself is not checked locally).
pub async fn require_signature(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let signed = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS4-HMAC-SHA256 "));
    if !signed {
        return aws_error(
            StatusCode::FORBIDDEN,
            "ForbiddenException",
            "Missing Authentication Token",
        );
    }
    next.run(request).await
}

/// `POST /@connections/{id}`: the body is the frame. 410 for an unknown connection and for one
/// whose `$connect` has not returned yet, as API Gateway does.
pub async fn post_to_connection(
    State(sockets): State<Sockets>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if body.len() > MAX_POST_BYTES {
        return aws_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeException",
            "Message too long",
        );
    }
    let outbox = match sockets.lock().get(&id) {
        Some(socket) if socket.phase == Phase::Open => socket.outbox.clone(),
        _ => return gone(),
    };
    if body.len() > MAX_FRAME_BYTES {
        // API Gateway delivers nothing and closes the socket: the frame is over its limit.
        close_from_server(&sockets, &id, 1009, "Message too big");
        return StatusCode::OK.into_response();
    }
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return aws_error(
            StatusCode::BAD_REQUEST,
            "BadRequestException",
            "frames must be UTF-8 text",
        );
    };
    match outbox.try_send(Outbound::Frame(text.into())) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => gone(),
        Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => aws_error(
            StatusCode::TOO_MANY_REQUESTS,
            "LimitExceededException",
            "the client is not reading",
        ),
    }
}

/// `GET /@connections/{id}`: when it connected, who it is, when it was last active.
pub async fn get_connection(State(sockets): State<Sockets>, Path(id): Path<String>) -> Response {
    let sockets = sockets.lock();
    let Some(socket) = sockets.get(&id).filter(|s| s.phase == Phase::Open) else {
        return gone();
    };
    let last_active = Timestamp(
        socket
            .last_active
            .load(std::sync::atomic::Ordering::Relaxed),
    );
    axum::Json(json!({
        "connectedAt": socket.connected_at.rfc3339(),
        "lastActiveAt": last_active.rfc3339(),
        "identity": { "sourceIp": socket.source_ip, "userAgent": socket.user_agent },
    }))
    .into_response()
}

/// `DELETE /@connections/{id}`: closes the socket; its `$disconnect` follows.
pub async fn delete_connection(State(sockets): State<Sockets>, Path(id): Path<String>) -> Response {
    if !sockets.lock().contains_key(&id) {
        return gone();
    }
    close_from_server(&sockets, &id, 1000, "Closed by the server");
    StatusCode::NO_CONTENT.into_response()
}
