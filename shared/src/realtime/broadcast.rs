//! Posting frames to WebSocket connections through the API Gateway management API
//! (`PostToConnection`), with the real AWS SDK client in Lambda and against local-dev alike.
//!
//! Fan-out runs with bounded concurrency and is awaited before a handler answers: Lambda
//! freezes the process as soon as it answers, so nothing may be left running in the background.
//! A `410 Gone` is reported back to the caller (`realtime::push` decides what to forget: a
//! connection still inside its `$connect` answers 410 too). Any other failure is logged and
//! does not fail the rest of the fan-out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_apigatewaymanagement::primitives::Blob;
use aws_sdk_apigatewaymanagement::{Client, Config};
use futures_util::StreamExt as _;

use super::frames::ServerFrame;
use crate::db::connections::Connection;

/// How many posts are in flight at once during a fan-out.
pub const FAN_OUT_CONCURRENCY: usize = 32;

/// Builds (once) and caches one SDK client per management endpoint.
#[derive(Clone)]
pub struct Broadcaster {
    inner: Arc<Inner>,
}

struct Inner {
    base: Config,
    clients: Mutex<HashMap<String, Client>>,
}

/// What one fan-out did. `gone` are the connections that answered 410.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FanOutReport {
    pub delivered: usize,
    pub gone: Vec<Connection>,
    pub failed: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostOutcome {
    Delivered,
    Gone,
    Failed(String),
}

fn timeouts() -> aws_sdk_apigatewaymanagement::config::timeout::TimeoutConfig {
    aws_sdk_apigatewaymanagement::config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(8))
        .build()
}

/// The access key id local runs sign with (any id is accepted: the secret is what is checked).
pub const LOCAL_ACCESS_KEY_ID: &str = "local-dev";

impl Broadcaster {
    /// In Lambda: region and credentials from the function's environment.
    pub async fn from_aws_environment() -> Broadcaster {
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let base = aws_sdk_apigatewaymanagement::config::Builder::from(&sdk)
            .timeout_config(timeouts())
            .build();
        Broadcaster::with_config(base)
    }

    /// Local runs: posts SigV4-signed with `secret`, local-dev's own key, which its management
    /// API verifies. Nothing reaches AWS.
    pub fn local(secret: &str) -> Broadcaster {
        let credentials = aws_credential_types::Credentials::new(
            LOCAL_ACCESS_KEY_ID,
            secret.to_string(),
            None,
            None,
            "local-dev",
        );
        let base = Config::builder()
            .behavior_version(aws_sdk_apigatewaymanagement::config::BehaviorVersion::latest())
            .region(aws_sdk_apigatewaymanagement::config::Region::new(
                "us-east-1",
            ))
            .credentials_provider(credentials)
            .timeout_config(timeouts())
            .build();
        Broadcaster::with_config(base)
    }

    fn with_config(base: Config) -> Broadcaster {
        Broadcaster {
            inner: Arc::new(Inner {
                base,
                clients: Mutex::default(),
            }),
        }
    }

    /// The client for one endpoint, built on first use and then reused for the process' life.
    pub fn client(&self, endpoint: &str) -> Client {
        let mut clients = self
            .inner
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        clients
            .entry(endpoint.to_string())
            .or_insert_with(|| {
                Client::from_conf(self.inner.base.to_builder().endpoint_url(endpoint).build())
            })
            .clone()
    }

    pub async fn post(&self, endpoint: &str, connection_id: &str, payload: Vec<u8>) -> PostOutcome {
        let result = self
            .client(endpoint)
            .post_to_connection()
            .connection_id(connection_id)
            .data(Blob::new(payload))
            .send()
            .await;
        match result {
            Ok(_) => PostOutcome::Delivered,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_gone_exception()) => {
                PostOutcome::Gone
            }
            Err(e) => PostOutcome::Failed(
                aws_sdk_apigatewaymanagement::error::DisplayErrorContext(e).to_string(),
            ),
        }
    }

    /// Closes a connection from the server side. Gone connections count as closed.
    pub async fn close(&self, endpoint: &str, connection_id: &str) {
        let result = self
            .client(endpoint)
            .delete_connection()
            .connection_id(connection_id)
            .send()
            .await;
        if let Err(e) = result
            && !e.as_service_error().is_some_and(|s| s.is_gone_exception())
        {
            tracing::warn!(connection_id, error = %aws_sdk_apigatewaymanagement::error::DisplayErrorContext(e), "could not close connection");
        }
    }

    /// Posts `frame` to every connection, `FAN_OUT_CONCURRENCY` at a time (serialized once),
    /// and reports which connections answered 410 Gone.
    pub async fn send(&self, connections: &[Connection], frame: &ServerFrame) -> FanOutReport {
        if connections.is_empty() {
            return FanOutReport::default();
        }
        let payload = frame.to_json();
        // Each post owns its inputs: borrowed futures in a buffered stream trip rustc's
        // higher-ranked `Send` check inside axum handlers.
        let posts = connections.iter().cloned().map(|c| {
            let (this, payload) = (self.clone(), payload.clone());
            async move {
                let outcome = this.post(&c.endpoint, &c.connection_id, payload).await;
                (c, outcome)
            }
        });
        let outcomes: Vec<(Connection, PostOutcome)> = futures_util::stream::iter(posts)
            .buffer_unordered(FAN_OUT_CONCURRENCY)
            .collect()
            .await;

        let mut report = FanOutReport::default();
        for (connection, outcome) in outcomes {
            match outcome {
                PostOutcome::Delivered => report.delivered += 1,
                PostOutcome::Gone => report.gone.push(connection),
                PostOutcome::Failed(error) => {
                    report.failed += 1;
                    tracing::warn!(connection_id = %connection.connection_id, %error, "post to connection failed");
                }
            }
        }
        report
    }
}
