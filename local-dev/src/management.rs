//! local-dev's stand-in for the API Gateway management API (`@connections`), spoken by the real
//! AWS SDK client: `POST` delivers a frame, `GET` describes a connection, `DELETE` closes it.
//! Errors are shaped as API Gateway's (status + `x-amzn-ErrorType`), so the SDK surfaces them
//! as the same typed errors (`GoneException` for 410); those shapes and the request checks
//! are `shared::management_api`'s, shared with the functions' tests' recorder.

use axum::body::Bytes;
use axum::extract::ws::Utf8Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use shared::domain::Timestamp;
use shared::management_api::{aws_error, gone};

use crate::shim::{Delivery, Phase, Sockets, close_from_server};

/// Middleware for every `@connections` route: a request must fit the management API's payload
/// limit and carry a valid SigV4 signature made with local-dev's own key
/// ([`crate::Options::management_secret`]), as the handlers' SDK client makes it. Anyone else
/// on the API's port gets API Gateway's 403s. The checks are the ones the functions' tests'
/// stand-in makes ([`shared::management_api::check`]).
pub async fn require_signature(
    State(sockets): State<Sockets>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = match shared::management_api::check(&parts, body, sockets.management_secret()).await
    {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    if !sockets.management_delay.is_zero() {
        tokio::time::sleep(sockets.management_delay).await;
    }
    next.run(axum::extract::Request::from_parts(parts, body.into()))
        .await
}

/// `POST /@connections/{id}`: the body is the frame, delivered by the rules every transport
/// shares ([`crate::shim::Registry::deliver`]).
pub async fn post_to_connection(
    State(sockets): State<Sockets>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(frame) = Utf8Bytes::try_from(body) else {
        return aws_error(
            StatusCode::BAD_REQUEST,
            "BadRequestException",
            "frames must be UTF-8 text",
        );
    };
    match sockets.registry.deliver(&id, frame) {
        Delivery::Delivered | Delivery::TooBig => StatusCode::OK.into_response(),
        Delivery::Gone => gone(),
        Delivery::Full => aws_error(
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
