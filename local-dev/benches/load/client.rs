//! The compiled client: REST calls with reqwest, WebSockets with tokio-tungstenite.

use std::time::Duration;

use futures_util::StreamExt as _;
use serde_json::{Value, json};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// Sockets open 32 at a time, as the brief's crowds do.
pub const CONNECT_AT_ONCE: usize = 32;

pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
}

#[derive(Clone)]
pub struct User {
    pub id: i64,
    pub token: String,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(64)
                .timeout(Duration::from_secs(120))
                .build()
                .unwrap(),
            base: base.to_string(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn expect(&self, response: reqwest::Response, status: u16) -> Value {
        let got = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(got, status, "{body}");
        body
    }

    pub async fn register(&self, name: &str) -> User {
        let credentials = json!({"username": name, "password": "bench password 1"});
        let response = self
            .http
            .post(self.url("/api/auth/register"))
            .json(&credentials)
            .send()
            .await
            .unwrap();
        self.expect(response, 201).await;
        let response = self
            .http
            .post(self.url("/api/auth/login"))
            .json(&credentials)
            .send()
            .await
            .unwrap();
        let body = self.expect(response, 200).await;
        User {
            id: body["user"]["id"].as_i64().unwrap(),
            token: body["access_token"].as_str().unwrap().to_string(),
        }
    }

    /// `count` users named `{prefix}{i}`, registered 16 at a time.
    pub async fn register_many(&self, prefix: &str, count: usize) -> Vec<User> {
        futures_util::stream::iter(0..count)
            .map(|i| async move { self.register(&format!("{prefix}{i}")).await })
            .buffered(16)
            .collect()
            .await
    }

    pub async fn create_room(&self, owner: &User, name: &str) -> i64 {
        let response = self
            .http
            .post(self.url("/api/rooms"))
            .bearer_auth(&owner.token)
            .json(&json!({"name": name}))
            .send()
            .await
            .unwrap();
        self.expect(response, 201).await["id"].as_i64().unwrap()
    }

    pub async fn join_all(&self, room: i64, users: &[User]) {
        futures_util::stream::iter(users)
            .for_each_concurrent(16, |user| async move {
                let response = self
                    .http
                    .post(self.url(&format!("/api/rooms/{room}/join")))
                    .bearer_auth(&user.token)
                    .send()
                    .await
                    .unwrap();
                assert!(
                    response.status().is_success(),
                    "join: {}",
                    response.status()
                );
            })
            .await;
    }

    pub async fn post_message(&self, user: &User, room: i64, content: &str) -> Value {
        let response = self
            .http
            .post(self.url(&format!("/api/rooms/{room}/messages")))
            .bearer_auth(&user.token)
            .json(&json!({"content": content}))
            .send()
            .await
            .unwrap();
        self.expect(response, 201).await
    }
}

/// Opens one socket per URL, `CONNECT_AT_ONCE` at a time, in the order given.
pub async fn connect_all(urls: Vec<String>) -> Vec<Socket> {
    futures_util::stream::iter(urls)
        .map(|url| async move {
            let (socket, _) = tokio_tungstenite::connect_async(url)
                .await
                .expect("the socket opens");
            socket
        })
        .buffered(CONNECT_AT_ONCE)
        .collect()
        .await
}
