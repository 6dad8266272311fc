//! Posting frames to WebSocket connections.
//!
//! Two transports. In Lambda (and in local-dev when asked) a post is an API Gateway management
//! API `PostToConnection` with the real AWS SDK client. local-dev by default hands frames
//! straight to its sockets ([`InProcess`]), under the same rules its `@connections` API
//! enforces: an HTTP round trip to itself per delivery would cost more than everything else.
//!
//! Fan-out is awaited before a handler answers: Lambda freezes the process as soon as it
//! answers, so nothing may be left running in the background. A frame is serialized once per
//! fan-out. A `410 Gone` is reported back to the caller (`realtime::push` decides what to
//! forget: a connection still inside its `$connect` answers 410 too). Any other failure is
//! logged and does not fail the rest of the fan-out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_apigatewaymanagement::primitives::Blob;
use aws_sdk_apigatewaymanagement::{Client, Config};
use axum::body::Bytes;
use futures_util::StreamExt as _;

use super::frames::ServerFrame;
use crate::db::connections::Connection;

/// How many management API posts are in flight at once during a fan-out, unless
/// `FAN_OUT_CONCURRENCY` says otherwise (docs/performance.md has the measurements behind it).
pub const DEFAULT_FAN_OUT_CONCURRENCY: usize = 128;

/// The sockets of this very process, for local-dev's in-process transport. Implementations
/// apply API Gateway's rules: `Gone` while a connection's `$connect` runs and once it closed,
/// and a frame over the frame limit closes the socket with 1009 instead of arriving.
pub trait InProcess: Send + Sync + 'static {
    /// One payload to every connection named (a fan-out is one call: the payload is checked
    /// and the sockets looked up once), an outcome per connection in the same order.
    fn post(&self, connection_ids: &[&str], payload: &Bytes) -> Vec<PostOutcome>;
    fn close(&self, connection_id: &str);
}

#[derive(Clone)]
pub struct Broadcaster {
    transport: Transport,
    fan_out_concurrency: usize,
}

#[derive(Clone)]
enum Transport {
    Sdk(Arc<Sdk>),
    InProcess(Arc<dyn InProcess>),
}

/// Builds (once) and caches one SDK client per management endpoint.
struct Sdk {
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
    /// In Lambda: region and credentials from the function's environment. The region comes from
    /// `AWS_REGION` only (Lambda always sets it), so a function run offline under `cargo lambda
    /// watch` never asks EC2's metadata service for one.
    pub async fn from_aws_environment() -> Broadcaster {
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::environment::EnvironmentVariableRegionProvider::new())
            .load()
            .await;
        let base = aws_sdk_apigatewaymanagement::config::Builder::from(&sdk)
            .timeout_config(timeouts())
            .build();
        Broadcaster::sdk(base)
    }

    /// Local runs over the SDK path: posts SigV4-signed with `secret`, local-dev's own key,
    /// which its management API verifies. Nothing reaches AWS.
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
        Broadcaster::sdk(base)
    }

    /// local-dev's default: frames go straight to this process' sockets.
    pub fn in_process(sockets: Arc<dyn InProcess>) -> Broadcaster {
        Broadcaster {
            transport: Transport::InProcess(sockets),
            fan_out_concurrency: DEFAULT_FAN_OUT_CONCURRENCY,
        }
    }

    fn sdk(base: Config) -> Broadcaster {
        Broadcaster {
            transport: Transport::Sdk(Arc::new(Sdk {
                base,
                clients: Mutex::default(),
            })),
            fan_out_concurrency: DEFAULT_FAN_OUT_CONCURRENCY,
        }
    }

    /// Management API posts in flight at once (at least 1; the in-process transport needs none).
    pub fn with_fan_out_concurrency(mut self, posts: usize) -> Broadcaster {
        self.fan_out_concurrency = posts.max(1);
        self
    }

    pub fn is_in_process(&self) -> bool {
        matches!(self.transport, Transport::InProcess(_))
    }

    /// The SDK client for one endpoint, built on first use and then reused for the process'
    /// life (with its pool of HTTP connections). `None` on the in-process transport.
    pub fn client(&self, endpoint: &str) -> Option<Client> {
        let Transport::Sdk(sdk) = &self.transport else {
            return None;
        };
        Some(sdk.client(endpoint))
    }

    pub async fn post(
        &self,
        endpoint: &str,
        connection_id: &str,
        payload: impl Into<Bytes>,
    ) -> PostOutcome {
        match &self.transport {
            Transport::Sdk(sdk) => sdk.post(endpoint, connection_id, payload.into()).await,
            Transport::InProcess(sockets) => sockets
                .post(&[connection_id], &payload.into())
                .pop()
                .unwrap_or(PostOutcome::Gone),
        }
    }

    /// Closes a connection from the server side. Gone connections count as closed.
    pub async fn close(&self, endpoint: &str, connection_id: &str) {
        match &self.transport {
            Transport::Sdk(sdk) => sdk.close(endpoint, connection_id).await,
            Transport::InProcess(sockets) => sockets.close(connection_id),
        }
    }

    /// Posts `frame` to every connection (serialized once) and reports which connections
    /// answered 410 Gone. Over the SDK, `fan_out_concurrency` posts are in flight at once.
    pub async fn send(&self, connections: &[Connection], frame: &ServerFrame) -> FanOutReport {
        if connections.is_empty() {
            return FanOutReport::default();
        }
        let started = std::time::Instant::now();
        let payload = Bytes::from(frame.to_json());
        let outcomes: Vec<(Connection, PostOutcome)> = match &self.transport {
            Transport::InProcess(sockets) => {
                let ids: Vec<&str> = connections
                    .iter()
                    .map(|c| c.connection_id.as_str())
                    .collect();
                connections
                    .iter()
                    .cloned()
                    .zip(sockets.post(&ids, &payload))
                    .collect()
            }
            Transport::Sdk(sdk) => {
                // Each post owns its inputs: borrowed futures in a buffered stream trip rustc's
                // higher-ranked `Send` check inside axum handlers.
                let posts = connections.iter().cloned().map(|c| {
                    let (sdk, payload) = (sdk.clone(), payload.clone());
                    async move {
                        let outcome = sdk.post(&c.endpoint, &c.connection_id, payload).await;
                        (c, outcome)
                    }
                });
                futures_util::stream::iter(posts)
                    .buffer_unordered(self.fan_out_concurrency)
                    .collect()
                    .await
            }
        };

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
        crate::metrics::fan_out(crate::metrics::FanOut {
            size: connections.len(),
            delivered: report.delivered,
            gone: report.gone.len(),
            failed: report.failed,
            duration: started.elapsed(),
        });
        report
    }
}

impl Sdk {
    fn client(&self, endpoint: &str) -> Client {
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        clients
            .entry(endpoint.to_string())
            .or_insert_with(|| {
                Client::from_conf(self.base.to_builder().endpoint_url(endpoint).build())
            })
            .clone()
    }

    async fn post(&self, endpoint: &str, connection_id: &str, payload: Bytes) -> PostOutcome {
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

    async fn close(&self, endpoint: &str, connection_id: &str) {
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
}
