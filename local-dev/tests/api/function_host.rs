//! A stand-in for what `cargo lambda watch` does, for the forwarding tests: it runs the real
//! function binaries (the ones `cargo test --workspace` builds into `target/debug`) against a
//! Lambda Runtime API of its own, and serves Lambda's `Invoke` API in front of them the way
//! cargo-lambda does (`POST /2015-03-31/functions/{name}/invocations`; a function error is a
//! 500 with `{errorType, errorMessage}`; an unknown function a 404).
//!
//! Each function is one process handling one event at a time, as one Lambda instance (and
//! cargo-lambda) does. `inject` makes the host itself answer the next invocation of a function
//! with a Lambda-side failure (an error, or no answer at all), for local-dev's 502 / 504 paths.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::{Notify, oneshot};

/// The request functions `infra/routes.json` names.
pub const FUNCTIONS: &[&str] = &[
    "auth",
    "rooms",
    "messages",
    "ws-connect",
    "ws-message",
    "ws-disconnect",
];

/// A failure the host plays instead of running the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Lambda reports the function failed (as for a panic or a crash).
    Error,
    /// Lambda never answers (a function stuck past any timeout).
    Silence,
}

type Answer = (StatusCode, Bytes);

#[derive(Default)]
struct Queue {
    waiting: VecDeque<(String, Bytes)>,
    pending: HashMap<String, oneshot::Sender<Answer>>,
}

#[derive(Default)]
struct Shared {
    queues: HashMap<String, Queue>,
    faults: HashMap<String, Fault>,
    /// Every invocation: (function, the event's routeKey).
    invoked: Vec<(String, String)>,
}

#[derive(Clone, Default)]
struct Host {
    shared: Arc<Mutex<Shared>>,
    arrived: Arc<Notify>,
}

impl Host {
    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub struct FunctionHost {
    pub base: String,
    runtime: String,
    host: Host,
    children: Vec<tokio::process::Child>,
}

impl FunctionHost {
    /// Listens (so local-dev can be told where); the functions start with [`Self::start`].
    pub async fn bind() -> FunctionHost {
        let host = Host::default();
        {
            let mut shared = host.lock();
            for name in FUNCTIONS {
                shared.queues.insert(name.to_string(), Queue::default());
            }
        }
        let app = Router::new()
            .route("/2015-03-31/functions/{name}/invocations", post(invoke))
            .route(
                "/fn/{name}/2018-06-01/runtime/invocation/next",
                get(next_event),
            )
            .route(
                "/fn/{name}/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route(
                "/fn/{name}/2018-06-01/runtime/invocation/{id}/error",
                post(error),
            )
            .route(
                "/fn/{name}/2018-06-01/runtime/init/error",
                post(|UrlPath(name): UrlPath<String>, body: String| async move {
                    // Its invocations then wait in vain; this line says why.
                    eprintln!("function {name} failed to start: {body}");
                    StatusCode::ACCEPTED
                }),
            )
            .with_state(host.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let runtime = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move { axum::serve(listener, app).await });
        FunctionHost {
            base: format!("http://{runtime}"),
            runtime,
            host,
            children: Vec::new(),
        }
    }

    /// Starts every function binary with `env` (and Lambda's own variables).
    pub fn start(&mut self, env: &[(&str, &str)]) {
        let dir = binaries_dir();
        let logs = std::env::var("TEST_LOG").is_ok();
        for name in FUNCTIONS {
            let binary = fresh_binary(&dir, name);
            let mut command = tokio::process::Command::new(&binary);
            command
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env(
                    "AWS_LAMBDA_RUNTIME_API",
                    format!("http://{}/fn/{name}", self.runtime),
                )
                .env("AWS_LAMBDA_FUNCTION_NAME", name)
                .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
                .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
                .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
                .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
                .env("RUST_LOG", if logs { "info" } else { "error" })
                .envs(env.iter().copied())
                .stdin(std::process::Stdio::null())
                .kill_on_drop(true);
            if !logs {
                command.stdout(std::process::Stdio::null());
            }
            self.children.push(
                command
                    .spawn()
                    .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display())),
            );
        }
    }

    /// The next invocation of `function` fails the way `fault` says, without running it.
    pub fn inject(&self, function: &str, fault: Fault) {
        self.host.lock().faults.insert(function.to_string(), fault);
    }

    /// Every invocation so far: (function, routeKey).
    pub fn invoked(&self) -> Vec<(String, String)> {
        self.host.lock().invoked.clone()
    }

    /// Forgets the invocations so far.
    pub fn clear_invoked(&self) {
        self.host.lock().invoked.clear();
    }
}

/// `POST /2015-03-31/functions/{name}/invocations`: queues the event for the function's
/// process and waits for its answer.
async fn invoke(
    State(host): State<Host>,
    UrlPath(name): UrlPath<String>,
    event: Bytes,
) -> Response {
    let (sender, answer) = oneshot::channel();
    let fault = {
        let mut shared = host.lock();
        let route = serde_json::from_slice::<Value>(&event)
            .ok()
            .and_then(|e| {
                e.get("routeKey")
                    .or_else(|| e.get("requestContext").and_then(|c| c.get("routeKey")))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        shared.invoked.push((name.clone(), route));
        let fault = shared.faults.remove(&name);
        if fault.is_none() {
            let Some(queue) = shared.queues.get_mut(&name) else {
                let body =
                    format!(r#"{{"title":"Missing function","detail":"no function {name}"}}"#);
                return (StatusCode::NOT_FOUND, body).into_response();
            };
            let id = uuid::Uuid::new_v4().to_string();
            queue.pending.insert(id.clone(), sender);
            queue.waiting.push_back((id, event));
        }
        fault
    };
    match fault {
        Some(Fault::Error) => {
            let body = r#"{"errorType":"Runtime.ExitError","errorMessage":"RequestId: injected Error: Runtime exited with error: signal: killed"}"#;
            return (StatusCode::INTERNAL_SERVER_ERROR, body).into_response();
        }
        Some(Fault::Silence) => return std::future::pending().await,
        None => {}
    }
    host.arrived.notify_waiters();
    match answer.await {
        Ok((status, body)) => (status, body).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `GET …/runtime/invocation/next`: the function's long poll for its next event.
async fn next_event(State(host): State<Host>, UrlPath(name): UrlPath<String>) -> Response {
    loop {
        let bell = host.arrived.notified();
        tokio::pin!(bell);
        bell.as_mut().enable();
        if let Some((id, event)) = host
            .lock()
            .queues
            .get_mut(&name)
            .and_then(|q| q.waiting.pop_front())
        {
            let deadline = shared::domain::Timestamp::now().millis() + 15_000;
            return (
                [
                    ("lambda-runtime-aws-request-id", id),
                    ("lambda-runtime-deadline-ms", deadline.to_string()),
                    (
                        "lambda-runtime-invoked-function-arn",
                        format!("arn:aws:lambda:us-east-1:000000000000:function:{name}"),
                    ),
                    (
                        "lambda-runtime-trace-id",
                        "Root=1-00000000-000000000000000000000000".to_string(),
                    ),
                    ("content-type", "application/json".to_string()),
                ],
                event,
            )
                .into_response();
        }
        bell.await;
    }
}

fn finish(host: &Host, name: &str, id: &str, answer: Answer) -> StatusCode {
    let sender = host
        .lock()
        .queues
        .get_mut(name)
        .and_then(|q| q.pending.remove(id));
    match sender {
        Some(sender) => {
            let _ = sender.send(answer);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn response(
    State(host): State<Host>,
    UrlPath((name, id)): UrlPath<(String, String)>,
    body: Bytes,
) -> StatusCode {
    finish(&host, &name, &id, (StatusCode::OK, body))
}

async fn error(
    State(host): State<Host>,
    UrlPath((name, id)): UrlPath<(String, String)>,
    body: Bytes,
) -> StatusCode {
    finish(&host, &name, &id, (StatusCode::INTERNAL_SERVER_ERROR, body))
}

/// `target/debug`, where this test binary lives (in `deps/`).
fn binaries_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

/// The function's binary, refused when missing or older than the code it is built from (a
/// `cargo test -p local-dev` alone does not rebuild the functions).
fn fresh_binary(dir: &Path, name: &str) -> PathBuf {
    let binary = dir.join(name);
    let build = "cargo build -p auth -p rooms -p messages -p ws-connect -p ws-message -p ws-disconnect (cargo test --workspace builds them too)";
    let built = std::fs::metadata(&binary)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| panic!("{} is missing: {build}", binary.display()));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let sources = [
        repo.join("shared/src"),
        repo.join("shared/migrations"),
        repo.join("functions").join(name).join("src"),
    ];
    if let Some((newest, path)) = sources.iter().filter_map(|dir| newest_file(dir)).max() {
        assert!(
            newest <= built,
            "{} is older than {}: {build}",
            binary.display(),
            path.display()
        );
    }
    binary
}

fn newest_file(dir: &Path) -> Option<(SystemTime, PathBuf)> {
    let mut newest: Option<(SystemTime, PathBuf)> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let found = if path.is_dir() {
            newest_file(&path)
        } else {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .map(|t| (t, path))
        };
        if let Some(found) = found
            && newest.as_ref().is_none_or(|n| found.0 > n.0)
        {
            newest = Some(found);
        }
    }
    newest
}
