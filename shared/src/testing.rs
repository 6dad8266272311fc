//! Test support for the Lambda functions' own tests (feature `test-support`): a state on a
//! fresh, migrated SQLite file, and a management-API endpoint that records what the handlers
//! post so a test can inspect it. local-dev's integration tests use the real shim instead.
//!
//! The recorder applies the `@connections` rules of [`crate::management_api`] (the payload
//! limit, the SigV4 check, API Gateway's error shapes), which local-dev's own management API
//! shares.

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
/// marked gone, and [`crate::management_api`]'s refusals) and records every call.
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
    let checked = crate::management_api::check(&parts, body, MANAGEMENT_SECRET).await;
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
        crate::management_api::gone()
    } else {
        StatusCode::OK.into_response()
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
            expires_at: crate::domain::Timestamp(i64::MAX / 2),
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

/// Fails unless every file in `<manifest_dir>/events/` is named (as `"file.json"`) by one of the
/// crate's `tests/*.rs`: a fixture added without a test fails CI.
pub fn assert_every_event_fixture_is_named_by_a_test(manifest_dir: &str) {
    let names = |dir: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(format!("{manifest_dir}/{dir}"))
            .unwrap_or_else(|e| panic!("{manifest_dir}/{dir}: {e}"))
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    let sources: String = names("tests")
        .iter()
        .filter(|name| name.ends_with(".rs"))
        .map(|name| std::fs::read_to_string(format!("{manifest_dir}/tests/{name}")).unwrap())
        .collect();
    let fixtures = names("events");
    assert!(!fixtures.is_empty(), "{manifest_dir}/events is empty");
    let untested: Vec<&String> = fixtures
        .iter()
        .filter(|name| !sources.contains(&format!("\"{name}\"")))
        .collect();
    assert!(untested.is_empty(), "fixtures no test names: {untested:?}");
}

/// What the event fixtures carry where a token goes (docs/deploy.md's `sed` one-liner replaces
/// it before `cargo lambda invoke`).
pub const TOKEN_PLACEHOLDER: &str = "REPLACE_WITH_A_TOKEN_FROM_POST_/api/auth/login";

/// `fixture` with its token placeholder replaced by `token`, as that one-liner does.
pub fn with_token(fixture: Value, token: &str) -> Value {
    let text = fixture.to_string();
    assert!(
        text.contains(TOKEN_PLACEHOLDER),
        "no token placeholder in {text}"
    );
    serde_json::from_str(&text.replace(TOKEN_PLACEHOLDER, token)).unwrap()
}
