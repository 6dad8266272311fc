//! The test harness: `spawn_app` starts the real local-dev (REST, WebSocket shim, management
//! API) on an ephemeral port against a fresh database — a new SQLite file, or a new MySQL
//! database created for the test and dropped after it — and `TestApp` has one helper per
//! endpoint, as zero2prod does.

use std::collections::HashMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Once;

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use shared::config::{Config, LocalSettings, Profile};

use crate::function_host::FunctionHost;

pub const JWT_SECRET: &str = "integration-tests-secret-0123456789abcdef";

#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    MySql { server_url: String },
}

impl Backend {
    /// MySQL when `TEST_MYSQL_URL` is set (a server URL, e.g. `mysql://root@127.0.0.1:3306`);
    /// otherwise `None`, after one loud line — or a panic when `REQUIRE_MYSQL=1`.
    pub fn mysql() -> Option<Backend> {
        match std::env::var("TEST_MYSQL_URL") {
            Ok(url) if !url.trim().is_empty() => {
                // Keep scheme, credentials and host; each test names its own database.
                let url = url.trim();
                let host_start = url.find("://").map_or(0, |i| i + 3);
                let server_url = match url[host_start..].find('/') {
                    Some(slash) => url[..host_start + slash].to_string(),
                    None => url.to_string(),
                };
                Some(Backend::MySql { server_url })
            }
            _ => {
                if std::env::var("REQUIRE_MYSQL").is_ok_and(|v| v == "1") {
                    panic!("REQUIRE_MYSQL=1 but TEST_MYSQL_URL is not set");
                }
                static WARN: Once = Once::new();
                WARN.call_once(|| {
                    // Written to the real stderr (not captured by the test harness) so it is seen.
                    let _ = writeln!(
                        std::io::stderr(),
                        "\n*** SKIPPING the MySQL test suite: TEST_MYSQL_URL is not set (e.g. mysql://root@127.0.0.1:3306). ***\n"
                    );
                });
                None
            }
        }
    }
}

/// Runs a test body against SQLite, and against MySQL when configured.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await;
                }
            )*
        }
        mod mysql {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(backend) = $crate::helpers::Backend::mysql() {
                        super::$name(backend).await;
                    }
                }
            )*
        }
    };
}

/// `forwarded_too!(test_a, test_b)`: runs those `both_backends!` tests once more per backend
/// in the forwarding mode (`LOCAL_FUNCTIONS`), with the real Lambda binaries behind local-dev
/// under [`crate::function_host::FunctionHost`].
#[macro_export]
macro_rules! forwarded_too {
    ($($name:ident),* $(,)?) => {
        mod forwarded {
            mod sqlite {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        $crate::helpers::forwarded(super::super::$name($crate::helpers::Backend::Sqlite)).await;
                    }
                )*
            }
            mod mysql {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        if let Some(backend) = $crate::helpers::Backend::mysql() {
                            $crate::helpers::forwarded(super::super::$name(backend)).await;
                        }
                    }
                )*
            }
        }
    };
}

tokio::task_local! {
    /// Set while a test runs in the forwarding mode ([`forwarded`]).
    static FORWARDED: ();
}

/// Runs `test` with every app it spawns in the forwarding mode: local-dev in front of the real
/// function binaries, each given the same settings local-dev gets.
pub async fn forwarded<F: std::future::Future>(test: F) -> F::Output {
    FORWARDED.scope((), test).await
}

/// A database made for one test and removed after it.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteDir(std::path::PathBuf),
    MySql { server_url: String, name: String },
}

impl TestDatabase {
    pub async fn create(backend: &Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir()
                    .join(format!("chat-test-{}", uuid::Uuid::new_v4().simple()));
                std::fs::create_dir_all(&dir).unwrap();
                TestDatabase {
                    url: format!("sqlite://{}", dir.join("chat.db").display()),
                    cleanup: Cleanup::SqliteDir(dir),
                }
            }
            Backend::MySql { server_url } => {
                let name = format!(
                    "chat_test_{}",
                    &uuid::Uuid::new_v4().simple().to_string()[..16]
                );
                let admin = shared::db::Db::connect_lazy_url(server_url, 1).unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                )))
                .execute(&admin.pool)
                .await
                .expect("cannot create the test database: is MariaDB running at TEST_MYSQL_URL?");
                admin.pool.close().await;
                TestDatabase {
                    url: format!("{server_url}/{name}"),
                    cleanup: Cleanup::MySql {
                        server_url: server_url.clone(),
                        name,
                    },
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteDir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::MySql { server_url, name } => {
                // Drop runs inside the test's runtime: drop the database from a thread of its own.
                let (server_url, name) = (server_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        if let Ok(admin) = shared::db::Db::connect_lazy_url(&server_url, 1) {
                            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name}"
                            )))
                            .execute(&admin.pool)
                            .await;
                            admin.pool.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub http: reqwest::Client,
    pub state: shared::AppState,
    pub sockets: local_dev::shim::Sockets,
    /// The Lambda functions behind local-dev in the forwarding mode (stopped before the
    /// database goes).
    pub functions: Option<FunctionHost>,
    _db: TestDatabase,
    _server: tokio::task::JoinHandle<()>,
}

fn init_logs() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter("info,sqlx=warn")
                .with_test_writer()
                .try_init();
        }
    });
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// Starts local-dev with test defaults (cheap bcrypt, no rate limit) overridden by `settings`.
pub async fn spawn_app_with(backend: Backend, settings: &[(&str, &str)]) -> TestApp {
    let db = TestDatabase::create(&backend).await;
    spawn_app_on(db, settings).await
}

pub async fn spawn_app_on(db: TestDatabase, settings: &[(&str, &str)]) -> TestApp {
    init_logs();
    let mut env: HashMap<String, String> = [
        ("DATABASE_URL", db.url.as_str()),
        ("JWT_SECRET", JWT_SECRET),
        ("BCRYPT_COST", "4"),
        ("RATE_LIMIT_MESSAGES", "0"),
        // Every test client is 127.0.0.1: the per-address limits have their own tests.
        ("REGISTER_MAX_PER_ADDRESS", "0"),
        ("LOGIN_MAX_ATTEMPTS_PER_ADDRESS", "0"),
        ("DB_MAX_CONNECTIONS", "5"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in settings {
        env.insert(k.to_string(), v.to_string());
    }
    let mut functions = match FORWARDED.try_with(|_| ()) {
        Ok(()) => Some(FunctionHost::bind().await),
        Err(_) => None,
    };
    if let Some(host) = &functions {
        env.insert("LOCAL_FUNCTIONS".into(), host.base.clone());
    }
    let config = Config::from_source(&env, Profile::LocalDev)
        .await
        .expect("test configuration");
    let local = LocalSettings::from_source(&env).expect("local-dev settings");
    let options = local_dev::Options {
        config,
        frontend_dist: std::env::temp_dir().join("no-spa-build-here"),
        limits: local_dev::Limits {
            idle_timeout: local.idle_timeout,
            max_lifetime: local.max_lifetime,
        },
        management_secret: MANAGEMENT_SECRET.to_string(),
        transport: local.transport,
        management_delay: local.management_delay,
        functions: local_dev::forward::Functions::from_settings(&local),
    };
    let app = local_dev::start("127.0.0.1:0", options)
        .await
        .expect("local-dev starts");
    let (addr, state, sockets) = (app.addr, app.state.clone(), app.sockets.clone());
    if let Some(host) = &mut functions {
        // As the Lambda functions run in AWS, with local-dev as their management API.
        let base = format!("http://{addr}");
        env.insert("WEBSOCKET_API_ENDPOINT".into(), base);
        env.insert("AWS_REGION".into(), "us-east-1".into());
        env.insert("AWS_ACCESS_KEY_ID".into(), "local".into());
        env.insert("AWS_SECRET_ACCESS_KEY".into(), MANAGEMENT_SECRET.into());
        env.remove("LOCAL_FUNCTIONS");
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        host.start(&env);
    }
    let server = tokio::spawn(async move {
        let _ = app.serve(std::future::pending()).await;
    });
    TestApp {
        addr,
        base: format!("http://{addr}"),
        http: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap(),
        state,
        sockets,
        functions,
        _db: db,
        _server: server,
    }
}

/// The key local-dev's `@connections` checks signatures with in these tests.
pub const MANAGEMENT_SECRET: &str = "test-management-secret";

/// A signed-in user.
#[derive(Clone, Debug)]
pub struct Session {
    pub id: i64,
    pub token: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    pub async fn register(&self, username: &str, password: &str) -> Response {
        self.post_json(
            "/api/auth/register",
            None,
            &json!({"username": username, "password": password}),
        )
        .await
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post_json(
            "/api/auth/login",
            None,
            &json!({"username": username, "password": password}),
        )
        .await
    }

    /// Registers and logs in a new user.
    pub async fn signed_in(&self, username: &str) -> Session {
        let password = "correct horse battery";
        assert_eq!(
            self.register(username, password).await.status(),
            StatusCode::CREATED
        );
        let body: Value = self.login(username, password).await.json().await.unwrap();
        Session {
            id: body["user"]["id"].as_i64().unwrap(),
            token: body["access_token"].as_str().unwrap().to_string(),
        }
    }

    pub async fn create_room(&self, who: &Session, name: &str) -> Response {
        self.post_json("/api/rooms", Some(&who.token), &json!({ "name": name }))
            .await
    }

    /// Creates a room and returns its id.
    pub async fn room(&self, who: &Session, name: &str) -> i64 {
        let response = self.create_room(who, name).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap()
    }

    pub async fn join(&self, who: &Session, room: i64) -> Response {
        self.post_json(
            &format!("/api/rooms/{room}/join"),
            Some(&who.token),
            &json!({}),
        )
        .await
    }

    pub async fn leave(&self, who: &Session, room: i64) -> Response {
        self.post_json(
            &format!("/api/rooms/{room}/leave"),
            Some(&who.token),
            &json!({}),
        )
        .await
    }

    pub async fn post_message(
        &self,
        who: &Session,
        room: i64,
        content: &str,
        client_id: Option<&str>,
    ) -> Response {
        let mut body = json!({ "content": content });
        if let Some(c) = client_id {
            body["client_id"] = json!(c);
        }
        self.post_json(
            &format!("/api/rooms/{room}/messages"),
            Some(&who.token),
            &body,
        )
        .await
    }

    pub async fn messages(&self, who: &Session, room: i64, query: &str) -> Response {
        self.get(
            &format!("/api/rooms/{room}/messages{query}"),
            Some(&who.token),
        )
        .await
    }

    /// Alice, her room "general" and one open socket in it: how many tests begin.
    pub async fn alice_with_a_socket(&self) -> (Session, i64, WsClient) {
        let alice = self.signed_in("alice").await;
        let room = self.room(&alice, "general").await;
        let ws = WsClient::connect(&self.ws_url(&alice.token, room))
            .await
            .unwrap();
        (alice, room, ws)
    }

    /// Alice and Bob, both members of Alice's room "general", each with an open socket there.
    pub async fn alice_and_bob_with_sockets(&self) -> (Session, Session, i64, WsClient, WsClient) {
        let alice = self.signed_in("alice").await;
        let bob = self.signed_in("bob").await;
        let room = self.room(&alice, "general").await;
        self.join(&bob, room).await;
        let a = WsClient::connect(&self.ws_url(&alice.token, room))
            .await
            .expect("alice's upgrade");
        let b = WsClient::connect(&self.ws_url(&bob.token, room))
            .await
            .expect("bob's upgrade");
        (alice, bob, room, a, b)
    }

    /// A user connection's URL: every room of the token's user.
    pub fn user_ws_url(&self, token: &str) -> String {
        format!("ws://{}/ws?token={token}", self.addr)
    }

    /// `GET /api/rooms` as `who`, as JSON.
    pub async fn rooms(&self, who: &Session) -> Vec<Value> {
        let response = self.get("/api/rooms", Some(&who.token)).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// `POST /api/rooms/{room}/read`.
    pub async fn mark_read(&self, who: &Session, room: i64, message_id: Value) -> Response {
        self.post_json(
            &format!("/api/rooms/{room}/read"),
            Some(&who.token),
            &json!({ "message_id": message_id }),
        )
        .await
    }

    /// A WebSocket URL for `room` with `token`.
    pub fn ws_url(&self, token: &str, room: i64) -> String {
        format!("ws://{}/ws?token={token}&room_id={room}", self.addr)
    }
}

/// Asserts docs/api.md's error body and returns its message.
pub async fn assert_error(response: Response, status: StatusCode, code: &str) -> String {
    assert_eq!(response.status(), status, "status");
    let body: Value = response.json().await.expect("error bodies are JSON");
    assert_eq!(body["error"]["code"], code, "code in {body}");
    let message = body["error"]["message"]
        .as_str()
        .expect("a message")
        .to_string();
    assert!(!message.is_empty());
    message
}

/// A real WebSocket client (tokio-tungstenite) speaking docs/api.md's frames.
pub struct WsClient {
    stream: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    /// The last frames received, shown when an expectation fails.
    recent: std::collections::VecDeque<String>,
    /// How long `next` waits for a frame.
    wait: std::time::Duration,
}

/// How many received frames a failed expectation shows.
const RECENT_FRAMES: usize = 4;

/// How long a test waits for a frame before failing.
pub const FRAME_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl WsClient {
    /// Opens a socket; `Err(status)` when the upgrade is refused.
    pub async fn connect(url: &str) -> Result<WsClient, u16> {
        match tokio_tungstenite::connect_async(url).await {
            Ok((stream, _)) => Ok(WsClient {
                stream,
                recent: Default::default(),
                wait: FRAME_WAIT,
            }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(response.status().as_u16())
            }
            Err(e) => panic!("WebSocket connect failed: {e}"),
        }
    }

    pub async fn send(&mut self, frame: Value) {
        use futures_util::SinkExt as _;
        self.stream
            .send(tokio_tungstenite::tungstenite::Message::text(
                frame.to_string(),
            ))
            .await
            .unwrap();
    }

    pub async fn send_text(&mut self, text: String) {
        use futures_util::SinkExt as _;
        self.stream
            .send(tokio_tungstenite::tungstenite::Message::text(text))
            .await
            .unwrap();
    }

    /// Waits up to `wait` for each frame from now on (crowds on a loaded machine are slow).
    pub fn patient(mut self, wait: std::time::Duration) -> WsClient {
        self.wait = wait;
        self
    }

    /// The next data frame as JSON; panics on close or after `FRAME_WAIT` (or `patient`'s wait).
    pub async fn next(&mut self) -> Value {
        match self.next_event(self.wait).await {
            WsEvent::Frame(v) => v,
            other => panic!("expected a frame, got {other:?} after {:?}", self.recent),
        }
    }

    /// The next frame of the given `type`, skipping others (e.g. presence noise).
    pub async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let frame = self.next().await;
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    pub async fn next_event(&mut self, wait: std::time::Duration) -> WsEvent {
        use futures_util::StreamExt as _;
        use tokio_tungstenite::tungstenite::Message;
        loop {
            match tokio::time::timeout(wait, self.stream.next()).await {
                Err(_) => return WsEvent::Silence,
                Ok(None) => return WsEvent::Closed(None),
                Ok(Some(Err(_))) => return WsEvent::Closed(None),
                Ok(Some(Ok(Message::Text(text)))) => {
                    if self.recent.len() == RECENT_FRAMES {
                        self.recent.pop_front();
                    }
                    self.recent.push_back(text.chars().take(300).collect());
                    return WsEvent::Frame(serde_json::from_str(&text).unwrap());
                }
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return WsEvent::Closed(frame.map(|f| u16::from(f.code)));
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// `sync` of one room on a user connection, collecting every `history` part, then `presence`.
    pub async fn sync_room(&mut self, room: i64, after: Option<i64>) -> (Vec<Value>, Value) {
        self.send(json!({"action": "sync", "room_id": room, "after": after, "limit": 50}))
            .await;
        let mut messages = Vec::new();
        loop {
            let frame = self.next().await;
            match frame["type"].as_str() {
                Some("history") if frame["room_id"] == room => {
                    messages.extend(frame["messages"].as_array().unwrap().iter().cloned())
                }
                Some("presence")
                    if frame["room_id"] == room
                        && frame["joined"].is_null()
                        && frame["left"].is_null() =>
                {
                    return (messages, frame);
                }
                _ => {}
            }
        }
    }

    /// Every frame that arrives until `quiet` passes without one.
    pub async fn drain(&mut self, quiet: std::time::Duration) -> Vec<Value> {
        let mut frames = Vec::new();
        while let WsEvent::Frame(frame) = self.next_event(quiet).await {
            frames.push(frame);
        }
        frames
    }

    /// `sync` and collect the answer: every `history` part, then `presence`.
    pub async fn sync(&mut self, after: Option<i64>) -> (Vec<Value>, Value) {
        self.send(json!({"action": "sync", "after": after, "limit": 50}))
            .await;
        let mut messages = Vec::new();
        loop {
            let frame = self.next().await;
            match frame["type"].as_str() {
                Some("history") => {
                    messages.extend(frame["messages"].as_array().unwrap().iter().cloned())
                }
                Some("presence") if frame["joined"].is_null() && frame["left"].is_null() => {
                    return (messages, frame);
                }
                _ => {}
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }

    /// Sends a close frame with `code` and returns the close code the server answers with
    /// (`None`: the connection dropped without one, the 1006 a browser would report).
    pub async fn close_with(mut self, code: u16) -> Option<u16> {
        use tokio_tungstenite::tungstenite::protocol::CloseFrame;
        let frame = CloseFrame {
            code: code.into(),
            reason: "bye".into(),
        };
        self.stream.close(Some(frame)).await.expect("close sent");
        match self.next_event(FRAME_WAIT).await {
            WsEvent::Closed(code) => code,
            other => panic!("expected the server's close frame, got {other:?}"),
        }
    }
}

#[derive(Debug, PartialEq)]
pub enum WsEvent {
    Frame(Value),
    Closed(Option<u16>),
    Silence,
}
