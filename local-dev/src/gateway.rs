//! Small pieces of API Gateway's behaviour that both of local-dev's fronts share: the HTTP
//! side ([`crate::forward`]) and the WebSocket side ([`crate::shim`]).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use shared::domain::Timestamp;

/// `26/Nov/2026:10:36:21 +0000`, API Gateway's `requestTime` format.
pub fn request_time(now: Timestamp) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
    );
    time::OffsetDateTime::from_unix_timestamp(now.millis() / 1000)
        .ok()
        .and_then(|t| t.format(FORMAT).ok())
        .unwrap_or_default()
}

/// An answer local-dev gives itself, in docs/api.md's error body.
pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"error": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}

/// A function's answer to a WebSocket `$connect` that refused it, as the handshake's answer.
pub fn refused(status_code: i64, body: String) -> Response {
    let status = u16::try_from(status_code)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_time_is_api_gateways_format() {
        // 2026-11-26T10:36:21Z
        assert_eq!(
            request_time(Timestamp(1_795_689_381_000)),
            "26/Nov/2026:10:36:21 +0000"
        );
    }
}
