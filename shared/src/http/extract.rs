//! Extractors that turn transport mistakes into docs/api.md errors: a JSON body reader (400 for
//! bad JSON or content type, 413 over the limit, 422 naming the field for a wrong shape), the
//! bearer-token reader, and room-id paths and history queries.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::{HeaderMap, header, request::Parts};
use serde::de::DeserializeOwned;

use super::MAX_BODY_BYTES;
use crate::accounts::ClientAddress;
use crate::auth::AuthUser;
use crate::domain::{CursorParams, MessageId, PageCursor, PageLimit, RoomId, UserId};
use crate::error::Error;
use crate::state::AppState;

/// A JSON request body.
pub struct ApiJson<T>(pub T);

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

pub(super) async fn body_bytes(req: Request, state: &AppState) -> Result<Bytes, Error> {
    Bytes::from_request(req, state).await.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(inner) if inner.body_text().contains("length limit") => {
            Error::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            }
        }
        other => Error::BadRequest(other.body_text()),
    })
}

/// Parses JSON, telling syntax errors (400) from wrong shapes (422 naming the field).
pub(super) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    // Syntax first, without building anything: a truncated body must be a 400 even when its
    // first values already break the expected shape.
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
        .map_err(|e| Error::BadRequest(format!("body is not valid JSON: {e}")))?;
    // Every request body is an object; serde would otherwise read `["x"]` as a struct.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(Error::validation("body", "must be a JSON object"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() {
            Error::BadRequest(format!("body is not valid JSON: {inner}"))
        } else {
            let path = e.path().to_string();
            let field = if path == "." {
                "body"
            } else {
                FIELD_NAMES
                    .iter()
                    .find(|f| **f == path)
                    .copied()
                    .unwrap_or("body")
            };
            Error::validation(field, inner.to_string())
        }
    })
}

/// Field names a validation error may name (they are `&'static str` in the error type).
const FIELD_NAMES: &[&str] = &[
    "username",
    "password",
    "name",
    "content",
    "client_id",
    "message_id",
    "reply_to",
    "kind",
];

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Error> {
        if content_type(req.headers()) != "application/json" {
            return Err(Error::BadRequest(
                "expected Content-Type: application/json".into(),
            ));
        }
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// `{"username","password"}` as JSON or as an OAuth2 password form.
pub struct Credentials {
    pub username: String,
    pub password: String,
}

#[derive(serde::Deserialize)]
struct CredentialsBody {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

impl FromRequest<AppState> for Credentials {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Error> {
        let kind = content_type(req.headers());
        let bytes = body_bytes(req, state).await?;
        let body: CredentialsBody = match kind.as_str() {
            "application/json" => parse_json(&bytes)?,
            "application/x-www-form-urlencoded" => serde_urlencoded::from_bytes(&bytes)
                .map_err(|e| Error::BadRequest(format!("malformed form body: {e}")))?,
            _ => {
                return Err(Error::BadRequest(
                    "expected Content-Type: application/json or application/x-www-form-urlencoded"
                        .into(),
                ));
            }
        };
        Credentials::required(body)
    }
}

impl Credentials {
    fn required(body: CredentialsBody) -> Result<Self, Error> {
        Ok(Credentials {
            username: body
                .username
                .ok_or_else(|| Error::validation("username", "is required"))?,
            password: body
                .password
                .ok_or_else(|| Error::validation("password", "is required"))?,
        })
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(Error::Unauthorized("missing Authorization: Bearer token"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(Error::Unauthorized(
                "malformed Authorization header; expected Bearer <token>",
            ))?;
        crate::accounts::authenticate(state, token).await
    }
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Error;

    /// local-dev's peer address; behind API Gateway, the last `X-Forwarded-For` hop (API
    /// Gateway appends the address it sees, after whatever the client sent).
    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Error> {
        if let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            return Ok(ClientAddress(peer.ip().to_string()));
        }
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|hop| !hop.is_empty());
        let address = forwarded
            .and_then(|hop| hop.parse::<std::net::IpAddr>().ok())
            .map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
        Ok(ClientAddress(address))
    }
}

/// `/api/rooms/{id}/messages/{mid}…`: a room and one of its messages; anything but positive
/// integers is no such room / message.
pub struct MessagePath(pub RoomId, pub MessageId);

/// `/api/rooms/{id}/members/{user_id}`.
pub struct MemberPath(pub RoomId, pub UserId);

impl FromRequestParts<AppState> for MemberPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let Path((room, user)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::NotFound("no such member"))?;
        let room = positive(&room).ok_or(Error::NotFound("no such room"))?;
        let user = positive(&user).ok_or(Error::NotFound("no such member"))?;
        Ok(MemberPath(RoomId(room), UserId(user)))
    }
}

/// `/api/rooms/{id}/messages/{mid}/reactions/{emoji}` (the emoji percent-decoded).
pub struct ReactionPath(pub RoomId, pub MessageId, pub String);

fn positive(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0)
}

impl FromRequestParts<AppState> for MessagePath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let Path((room, message)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::NotFound("no such message"))?;
        let room = positive(&room).ok_or(Error::NotFound("no such room"))?;
        let message = positive(&message).ok_or(Error::NotFound("no such message in this room"))?;
        Ok(MessagePath(RoomId(room), MessageId(message)))
    }
}

impl FromRequestParts<AppState> for ReactionPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let Path((room, message, emoji)) =
            Path::<(String, String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|_| Error::validation("emoji", "must be percent-encoded UTF-8"))?;
        let room = positive(&room).ok_or(Error::NotFound("no such room"))?;
        let message = positive(&message).ok_or(Error::NotFound("no such message in this room"))?;
        Ok(ReactionPath(RoomId(room), MessageId(message), emoji))
    }
}

/// The `{id}` of `/api/rooms/{id}…`; anything but a positive integer is no such room.
pub struct RoomPath(pub RoomId);

impl FromRequestParts<AppState> for RoomPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::NotFound("no such room"))?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(|id| RoomPath(RoomId(id)))
            .ok_or(Error::NotFound("no such room"))
    }
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Page size, 1–100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// The page just before this message id (newest page when absent). At most one of
    /// `before`, `after`, `since` and `around`.
    #[param(minimum = 1)]
    before: Option<i64>,
    /// The page just after this message id (catch-up). At most one cursor.
    #[param(minimum = 0)]
    after: Option<i64>,
    /// Every message changed after this room seq, in seq order. At most one cursor.
    #[param(minimum = 0)]
    since: Option<i64>,
    /// That message, up to limit/2 before it and the rest after. At most one cursor.
    #[param(minimum = 1)]
    around: Option<i64>,
}

/// `?limit=&before=&after=`: 400 when malformed, 422 when out of range.
pub struct History {
    pub cursor: PageCursor,
    pub limit: PageLimit,
}

impl FromRequestParts<AppState> for History {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let Query(params) = Query::<HistoryParams>::from_request_parts(parts, state)
            .await
            .map_err(|e| Error::BadRequest(format!("malformed query: {}", e.body_text())))?;
        Ok(History {
            cursor: PageCursor::parse_params(CursorParams {
                before: params.before,
                after: params.after,
                since: params.since,
                around: params.around,
            })?,
            limit: PageLimit::parse(params.limit)?,
        })
    }
}
