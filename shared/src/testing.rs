//! Test support for the Lambda functions' own tests (feature `test-support`): a state on a
//! fresh, migrated SQLite file, and a management-API endpoint that records what the handlers
//! post so a test can inspect it. local-dev's integration tests use the real shim instead.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
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
    let state = AppState::new(config, Broadcaster::local("test-support-key")).expect("test state");
    state.db.migrate().await.expect("migrations");
    TestState { state, dir }
}

/// One request the handlers made to the management API.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub method: String,
    pub connection_id: String,
    pub frame: Option<Value>,
    pub signed: bool,
}

/// A management-API endpoint on 127.0.0.1 that answers like API Gateway (200, or 410 for ids
/// marked gone) and records every call.
#[derive(Clone)]
pub struct ManagementRecorder {
    pub endpoint: String,
    calls: Arc<Mutex<Vec<Recorded>>>,
    gone: Arc<Mutex<HashSet<String>>>,
}

impl ManagementRecorder {
    pub async fn start() -> ManagementRecorder {
        let calls: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let gone: Arc<Mutex<HashSet<String>>> = Arc::default();
        let app = Router::new()
            .route(
                "/@connections/{id}",
                post(record_post).delete(record_delete),
            )
            .with_state((calls.clone(), gone.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        ManagementRecorder {
            endpoint,
            calls,
            gone,
        }
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

type RecorderState = (Arc<Mutex<Vec<Recorded>>>, Arc<Mutex<HashSet<String>>>);

fn is_signed(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS4-HMAC-SHA256 "))
}

async fn record_post(
    State((calls, gone)): State<RecorderState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, HeaderMap) {
    calls.lock().unwrap().push(Recorded {
        method: "POST".into(),
        connection_id: id.clone(),
        frame: serde_json::from_slice(&body).ok(),
        signed: is_signed(&headers),
    });
    answer(&gone, &id)
}

async fn record_delete(
    State((calls, gone)): State<RecorderState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> (StatusCode, HeaderMap) {
    calls.lock().unwrap().push(Recorded {
        method: "DELETE".into(),
        connection_id: id.clone(),
        frame: None,
        signed: is_signed(&headers),
    });
    answer(&gone, &id)
}

fn answer(gone: &Mutex<HashSet<String>>, id: &str) -> (StatusCode, HeaderMap) {
    if gone.lock().unwrap().contains(id) {
        let mut headers = HeaderMap::new();
        headers.insert("x-amzn-ErrorType", "GoneException".parse().unwrap());
        (StatusCode::GONE, headers)
    } else {
        (StatusCode::OK, HeaderMap::new())
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
