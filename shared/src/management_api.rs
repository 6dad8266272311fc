//! The rules of API Gateway's management API (`@connections`) for what stands in for it here:
//! local-dev's own `@connections` and the functions' tests' recorder (feature
//! `management-api`). Each must do as API Gateway does: refuse a payload over its limit, refuse a call without a valid SigV4
//! signature, and shape errors as AWS's (status + `x-amzn-ErrorType`), so the SDK surfaces
//! them as the same typed errors (`GoneException` for 410).

use axum::body::{Body, Bytes};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::domain::Timestamp;

/// The management API's own limit on one posted payload.
pub const MAX_POST_BYTES: usize = 128 * 1024;

/// How far a request's `X-Amz-Date` may be from now, as in AWS.
const MAX_CLOCK_SKEW_SECS: i64 = 15 * 60;

/// An error as API Gateway answers it: `{"message": …}` and its `x-amzn-ErrorType`.
pub fn aws_error(status: StatusCode, error_type: &'static str, message: &str) -> Response {
    let mut response = (
        status,
        axum::Json(serde_json::json!({ "message": message })),
    )
        .into_response();
    response
        .headers_mut()
        .insert("x-amzn-ErrorType", HeaderValue::from_static(error_type));
    response
}

/// 410: no such connection, or not one that can be reached yet or any more.
pub fn gone() -> Response {
    aws_error(StatusCode::GONE, "GoneException", "")
}

/// The checks every `@connections` call passes before it reaches a connection: the body
/// within [`MAX_POST_BYTES`] (413) and a SigV4 signature made with `secret` (403, as AWS
/// answers a missing, wrong or stale one). The body, read, or the refusal.
pub async fn check(parts: &Parts, body: Body, secret: &str) -> Result<Bytes, Response> {
    let Ok(body) = axum::body::to_bytes(body, MAX_POST_BYTES).await else {
        return Err(aws_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeException",
            "Message too long",
        ));
    };
    verify_signature(parts, &body, secret)
        .map_err(|problem| aws_error(StatusCode::FORBIDDEN, "ForbiddenException", problem))?;
    Ok(body)
}

/// `Authorization: AWS4-HMAC-SHA256 Credential=<id>/<date>/<region>/<service>/aws4_request,
/// SignedHeaders=<h1;h2…>, Signature=<hex>`: re-signs the request as received, with the
/// same region, service, time and headers, and compares the signatures.
fn verify_signature(parts: &Parts, body: &[u8], secret: &str) -> Result<(), &'static str> {
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
    let skew = (time.unix_timestamp() - Timestamp::now().unix_secs()).abs();
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
        "management-stand-in",
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
