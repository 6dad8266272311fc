//! Test support for the Lambda functions' own tests (feature `test-support`): a state on a
//! fresh, migrated SQLite file, and a management-API endpoint that records what the handlers
//! post so a test can inspect it. local-dev's integration tests use the real shim instead.
//!
//! The `@connections` stand-in's rules ([`stand_in`]: the payload limit, the SigV4 check, API
//! Gateway's error shapes) are written once here, for that recorder and for local-dev's own
//! management API, which enables this feature for them.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;

use crate::config::{Config, Profile};
use crate::realtime::Broadcaster;
use crate::state::AppState;

pub const JWT_SECRET: &str = "lambda-tests-secret-0123456789abcdef";

/// An `AppState` on its own SQLite file, removed on drop.
pub struct TestState {
    pub state: AppState,
    dir: PathBuf,
}

impl Drop for TestState {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A migrated state with cheap bcrypt and the given extra settings.
pub async fn sqlite_state(settings: &[(&str, &str)]) -> TestState {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let stamp = crate::domain::Timestamp::now().millis();
    let dir = std::env::temp_dir().join(format!(
        "chat-lambda-test-{}-{stamp}-{n}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("chat.db").display());
    let mut env: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), url),
        ("JWT_SECRET".into(), JWT_SECRET.into()),
        ("BCRYPT_COST".into(), "4".into()),
        ("RATE_LIMIT_MESSAGES".into(), "0".into()),
    ]);
    env.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Config::from_source(&env, Profile::Lambda)
        .await
        .expect("test config");
    let state = AppState::new(config, Broadcaster::local(MANAGEMENT_SECRET)).expect("test state");
    state.db.migrate().await.expect("migrations");
    TestState { state, dir }
}

/// The key [`sqlite_state`]'s handlers sign their management API calls with, which the
/// [`ManagementRecorder`] verifies.
pub const MANAGEMENT_SECRET: &str = "test-support-key";

/// One request the handlers made to the management API.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub method: String,
    pub connection_id: String,
    /// The posted frame, for a `POST` that passed the checks.
    pub frame: Option<Value>,
    /// Whether the call carried a valid SigV4 signature made with [`MANAGEMENT_SECRET`]
    /// (a call without one is refused with 403, as API Gateway refuses it).
    pub signed: bool,
}

/// A management-API endpoint on 127.0.0.1 that answers like API Gateway (200, 410 for ids
/// marked gone, and [`stand_in`]'s refusals) and records every call.
#[derive(Clone)]
pub struct ManagementRecorder {
    pub endpoint: String,
    calls: Arc<Mutex<Vec<Recorded>>>,
    gone: Arc<Mutex<HashSet<String>>>,
}

impl ManagementRecorder {
    pub async fn start() -> ManagementRecorder {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let recorder = ManagementRecorder {
            endpoint: format!("http://{}", listener.local_addr().expect("addr")),
            calls: Arc::default(),
            gone: Arc::default(),
        };
        let app = Router::new()
            .route("/@connections/{id}", post(record).delete(record))
            .with_state(recorder.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        recorder
    }

    /// Makes the endpoint answer 410 Gone for this connection from now on.
    pub fn mark_gone(&self, connection_id: &str) {
        self.gone.lock().unwrap().insert(connection_id.to_string());
    }

    pub fn calls(&self) -> Vec<Recorded> {
        self.calls.lock().unwrap().clone()
    }

    /// The frames posted to one connection, in order.
    pub fn frames_to(&self, connection_id: &str) -> Vec<Value> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == "POST" && c.connection_id == connection_id)
            .filter_map(|c| c.frame)
            .collect()
    }
}

async fn record(
    State(recorder): State<ManagementRecorder>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let checked = stand_in::check(&parts, body, MANAGEMENT_SECRET).await;
    let frame = match &checked {
        Ok(body) if parts.method == axum::http::Method::POST => serde_json::from_slice(body).ok(),
        _ => None,
    };
    recorder.calls.lock().unwrap().push(Recorded {
        method: parts.method.to_string(),
        connection_id: id.clone(),
        frame,
        signed: checked.is_ok(),
    });
    if let Err(refused) = checked {
        return refused;
    }
    if recorder.gone.lock().unwrap().contains(&id) {
        stand_in::gone()
    } else {
        StatusCode::OK.into_response()
    }
}

/// What any stand-in for the API Gateway management API (`@connections`) must do as API
/// Gateway does: refuse a payload over its limit, refuse a call without a valid SigV4
/// signature, and shape errors as AWS's (status + `x-amzn-ErrorType`), so the SDK surfaces
/// them as the same typed errors (`GoneException` for 410).
pub mod stand_in {
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
}

impl TestState {
    /// Registers a user and returns them as a signed-in caller whose token never expires.
    pub async fn user(&self, name: &str) -> crate::auth::AuthUser {
        let user = crate::accounts::register(
            &self.state,
            &crate::accounts::ClientAddress("203.0.113.7".into()),
            name,
            "correct horse battery",
        )
        .await
        .expect("register");
        crate::auth::AuthUser {
            id: user.id,
            username: user.username,
            expires_at: i64::MAX / 1000,
        }
    }

    /// A bearer token for `user`.
    pub fn token(&self, user: &crate::auth::AuthUser) -> String {
        self.state
            .jwt
            .issue(user.id, &user.username)
            .expect("token")
    }

    /// Records an open room connection of `user` in `room`, reached through `endpoint`.
    pub async fn live_connection(
        &self,
        connection_id: &str,
        user: &crate::auth::AuthUser,
        room: crate::domain::RoomId,
        endpoint: &str,
    ) {
        self.record_connection(connection_id, user, Some(room), Some(room), endpoint)
            .await;
    }

    /// Records an open user connection of `user` (every room of theirs), viewing `viewing`.
    pub async fn live_user_connection(
        &self,
        connection_id: &str,
        user: &crate::auth::AuthUser,
        viewing: Option<crate::domain::RoomId>,
        endpoint: &str,
    ) {
        self.record_connection(connection_id, user, None, viewing, endpoint)
            .await;
    }

    async fn record_connection(
        &self,
        connection_id: &str,
        user: &crate::auth::AuthUser,
        room_id: Option<crate::domain::RoomId>,
        viewing_room_id: Option<crate::domain::RoomId>,
        endpoint: &str,
    ) {
        // Connected a minute ago: past `$connect` (see `realtime::push::CONNECT_GRACE`).
        let connected_at =
            crate::domain::Timestamp(crate::domain::Timestamp::now().millis() - 60_000);
        let connection = crate::db::connections::Connection {
            connection_id: connection_id.into(),
            endpoint: endpoint.into(),
            user_id: user.id,
            room_id,
            viewing_room_id,
            connected_at,
            last_seen_at: connected_at,
            expires_at: crate::domain::Timestamp(i64::MAX / 2),
        };
        crate::db::connections::insert(&self.state.db.pool, &connection)
            .await
            .expect("connection row");
    }
}

/// An event payload from a function's `events/` folder, as JSON to adjust before use.
pub fn event_fixture(manifest_dir: &str, name: &str) -> Value {
    let path = format!("{manifest_dir}/events/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}
