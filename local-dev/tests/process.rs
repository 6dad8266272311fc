//! The `local-dev` binary as a process, with real clients: SIGTERM closes every socket with
//! 1001 and leaves no connection row behind, and at `RUST_LOG=trace` no password, token,
//! ticket or key reaches the log.

use std::process::Stdio;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt as _;
use tokio_tungstenite::tungstenite::Message;

const JWT_SECRET: &str = "process-test-jwt-secret-0123456789abcdef";
const MANAGEMENT_SECRET: &str = "process-test-management-secret-42";
const PASSWORD: &str = "a long and secret passphrase";
const WRONG_PASSWORD: &str = "another secret guess 12345";

struct Server {
    child: tokio::process::Child,
    /// Everything written to stderr, read as it comes (a full pipe would stall the server).
    log: tokio::task::JoinHandle<String>,
    base: String,
    ws: String,
    dir: std::path::PathBuf,
}

impl Server {
    /// `broadcast`: `LOCAL_BROADCAST` (the SDK path signs with the management key, so the
    /// secrets test wants it).
    async fn start(name: &str, log: &str, broadcast: &str) -> Server {
        let dir = std::env::temp_dir().join(format!("chat-process-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_local-dev"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PORT", port.to_string())
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", dir.join("chat.db").display()),
            )
            .env("JWT_SECRET", JWT_SECRET)
            .env("LOCAL_MANAGEMENT_SECRET", MANAGEMENT_SECRET)
            .env("BCRYPT_COST", "4")
            .env("FRONTEND_DIST", dir.join("no-spa"))
            .env("RUST_LOG", log)
            .env("LOCAL_BROADCAST", broadcast)
            .current_dir(&dir)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let log = tokio::spawn(async move {
            let mut bytes = Vec::new();
            let _ = stderr.read_to_end(&mut bytes).await;
            String::from_utf8_lossy(&bytes).into_owned()
        });
        let server = Server {
            child,
            log,
            base: format!("http://127.0.0.1:{port}"),
            ws: format!("ws://127.0.0.1:{port}/ws"),
            dir,
        };
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if let Ok(r) = http.get(format!("{}/api/health", server.base)).send().await
                && r.status() == 200
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("local-dev did not become healthy");
    }

    fn terminate(&self) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit and returns its exit success and everything it logged.
    async fn finish(&mut self) -> (bool, String) {
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("local-dev exits after SIGTERM")
            .unwrap();
        let log = (&mut self.log).await.unwrap();
        (status.success(), log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn session(http: &reqwest::Client, base: &str, name: &str) -> String {
    let created = http
        .post(format!("{base}/api/auth/register"))
        .json(&json!({"username": name, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let login: Value = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": name, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["access_token"].as_str().unwrap().to_string()
}

async fn ticket(http: &reqwest::Client, base: &str, token: &str) -> String {
    let body: Value = http
        .post(format!("{base}/api/ws-ticket"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["ticket"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn sigterm_closes_every_socket_with_1001_runs_each_disconnect_and_exits() {
    let mut server = Server::start("sigterm", "info", "in-process").await;
    let http = reqwest::Client::new();
    let token = session(&http, &server.base, "alice").await;
    let mut sockets = Vec::new();
    for _ in 0..8 {
        let url = format!(
            "{}?ticket={}",
            server.ws,
            ticket(&http, &server.base, &token).await
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        ws.send(Message::text(r#"{"action":"ping"}"#))
            .await
            .unwrap();
        assert!(matches!(ws.next().await, Some(Ok(Message::Text(_)))));
        sockets.push(ws);
    }
    let db_path = server.dir.join("chat.db");

    server.terminate();
    for mut ws in sockets {
        let close = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                match ws.next().await {
                    Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                    Some(Ok(_)) => continue,
                    // Before the fix: the TCP connection just went away (1006).
                    Some(Err(_)) | None => return None,
                }
            }
        })
        .await
        .expect("a close frame arrives");
        assert_eq!(close, Some(1001));
    }
    let (exited_cleanly, log) = server.finish().await;
    assert!(exited_cleanly, "{log}");

    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db_path.display()))
        .await
        .unwrap();
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM connections")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 0, "every $disconnect ran before the exit");
    pool.close().await;
}

#[tokio::test]
async fn at_trace_level_no_password_token_ticket_or_key_reaches_the_log() {
    let mut server = Server::start("secrets", "trace", "sdk").await;
    let http = reqwest::Client::new();
    let token = session(&http, &server.base, "alice").await;
    let wrong = http
        .post(format!("{}/api/auth/login", server.base))
        .json(&json!({"username": "alice", "password": WRONG_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let form = http
        .post(format!("{}/api/auth/login", server.base))
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let me = http
        .get(format!("{}/api/auth/me", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let room: Value = http
        .post(format!("{}/api/rooms", server.base))
        .bearer_auth(&token)
        .json(&json!({"name": "lobby"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let room = room["id"].as_i64().unwrap();
    let ticket = ticket(&http, &server.base, &token).await;
    // A ticket, and v1's token in the URL: neither may be logged.
    let (mut by_ticket, _) =
        tokio_tungstenite::connect_async(format!("{}?ticket={ticket}", server.ws))
            .await
            .unwrap();
    let (mut by_token, _) =
        tokio_tungstenite::connect_async(format!("{}?token={token}&room_id={room}", server.ws))
            .await
            .unwrap();
    by_ticket
        .send(Message::text(
            json!({"action": "sendMessage", "room_id": room, "content": "hello", "client_id": "c1"}).to_string(),
        ))
        .await
        .unwrap();
    for ws in [&mut by_ticket, &mut by_token] {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .unwrap();
        assert!(matches!(frame, Some(Ok(Message::Text(_)))), "{frame:?}");
    }
    server.terminate();
    let (_, log) = server.finish().await;

    assert!(log.contains("TRACE"), "the log really is at trace level");
    let signature = token.rsplit('.').next().unwrap();
    for (what, secret) in [
        ("password", PASSWORD),
        ("wrong password", WRONG_PASSWORD),
        ("token", token.as_str()),
        ("token signature", signature),
        ("ticket", ticket.as_str()),
        ("JWT key", JWT_SECRET),
        ("management key", MANAGEMENT_SECRET),
    ] {
        assert!(!log.contains(secret), "the log holds the {what}");
    }
    // Form bodies are percent-encoded on the wire: not that spelling either.
    assert!(!log.contains(&PASSWORD.replace(' ', "+")));
}
