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

use axum::extract::ws::Utf8Bytes;

use crate::shim::{Delivery, Phase, Sockets, close_from_server};

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

/// How far a request's `X-Amz-Date` may be from now, as in AWS.
const MAX_CLOCK_SKEW_SECS: i64 = 15 * 60;

/// Middleware for every `@connections` route: a request must carry a valid SigV4 signature
/// made with local-dev's own key ([`crate::Options::management_secret`]), as the handlers'
/// SDK client makes it. Anyone else on the API's port gets API Gateway's 403s.
pub async fn require_signature(
    State(sockets): State<Sockets>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = request.into_parts();
    // The management API's own limit on one payload, checked here once for every route.
    let Ok(body) = axum::body::to_bytes(body, MAX_POST_BYTES).await else {
        return aws_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeException",
            "Message too long",
        );
    };
    if let Err(problem) = verify_signature(&parts, &body, sockets.management_secret()) {
        return aws_error(StatusCode::FORBIDDEN, "ForbiddenException", problem);
    }
    if !sockets.management_delay.is_zero() {
        tokio::time::sleep(sockets.management_delay).await;
    }
    next.run(axum::extract::Request::from_parts(parts, body.into()))
        .await
}

/// `Authorization: AWS4-HMAC-SHA256 Credential=<id>/<date>/<region>/<service>/aws4_request,
/// SignedHeaders=<h1;h2…>, Signature=<hex>`: re-signs the request as received, with the
/// same region, service, time and headers, and compares the signatures.
fn verify_signature(
    parts: &axum::http::request::Parts,
    body: &[u8],
    secret: &str,
) -> Result<(), &'static str> {
    const MISSING: &str = "Missing Authentication Token";
    const WRONG: &str =
        "The request signature we calculated does not match the signature you provided.";
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("AWS4-HMAC-SHA256 "))
        .ok_or(MISSING)?;
    let field = |name: &str| {
        authorization
            .split(',')
            .map(str::trim)
            .find_map(|part| part.strip_prefix(name))
    };
    let credential = field("Credential=").ok_or(WRONG)?;
    let signed_headers = field("SignedHeaders=").ok_or(WRONG)?;
    let claimed = field("Signature=").ok_or(WRONG)?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, _, region, service, "aws4_request"] = scope[..] else {
        return Err(WRONG);
    };
    let signed: Vec<&str> = signed_headers.split(';').collect();
    if !signed.contains(&"host") || !signed.contains(&"x-amz-date") {
        return Err(WRONG);
    }
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let amz_date = header("x-amz-date").ok_or(WRONG)?;
    let time = parse_amz_date(amz_date).ok_or(WRONG)?;
    let skew = (time.unix_timestamp() - Timestamp::now().millis() / 1000).abs();
    if skew > MAX_CLOCK_SKEW_SECS {
        return Err("Signature expired");
    }
    let mut headers = Vec::with_capacity(signed.len());
    for name in &signed {
        headers.push((*name, header(name).ok_or(WRONG)?));
    }
    let host = header("host").ok_or(WRONG)?;
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let uri = format!("http://{host}{path}");
    let identity = aws_credential_types::Credentials::new(
        access_key_id,
        secret.to_string(),
        header("x-amz-security-token").map(String::from),
        None,
        "local-dev",
    )
    .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time.into())
        .settings(aws_sigv4::http_request::SigningSettings::default())
        .build()
        .map_err(|_| WRONG)?
        .into();
    let request = aws_sigv4::http_request::SignableRequest::new(
        parts.method.as_str(),
        uri,
        headers.into_iter(),
        aws_sigv4::http_request::SignableBody::Bytes(body),
    )
    .map_err(|_| WRONG)?;
    let expected = aws_sigv4::http_request::sign(request, &params)
        .map_err(|_| WRONG)?
        .signature()
        .to_string();
    // Equal lengths and a comparison that does not stop at the first difference.
    let same = expected.len() == claimed.len()
        && expected
            .bytes()
            .zip(claimed.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then_some(()).ok_or(WRONG)
}

/// `20261202T063012Z`
fn parse_amz_date(raw: &str) -> Option<time::OffsetDateTime> {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] =
        time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(raw, FORMAT)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
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
