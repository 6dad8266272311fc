//! Lambda: per function, the release binary's size and its zipped `bootstrap` (arm64 and
//! x86_64), and on this machine (x86_64) the cold init — process start until its first
//! `GET /runtime/invocation/next` on a stand-in Runtime API — and the first invocation's
//! duration (pool connect included), median of 10 starts each.
//!
//! Binaries: `BENCH_LAMBDA_X86_64` (a dir holding `<name>` or `<name>/bootstrap`; default
//! the `release/` dir beside this bench: `cargo build --release -p auth …`) and
//! `BENCH_LAMBDA_ARM64` (default `~/.cache/chat-target-lambda/lambda`, where `.ci/infra`'s
//! `cargo lambda build --arm64` puts them). A missing binary is reported as missing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{any, get, post, put};
use serde_json::{Value, json};

use crate::report::{Report, median, show};

const FUNCTIONS: &[(&str, &str)] = &[
    ("auth", "login-form.json"),
    ("rooms", "list-rooms.json"),
    ("messages", "list-messages-prod-stage.json"),
    ("ws-connect", "connect.json"),
    ("ws-message", "send-message.json"),
    ("ws-disconnect", "disconnect.json"),
    ("migrate", "create.json"),
];
/// The connection the ws-message and ws-disconnect fixtures name.
const FIXTURE_CONNECTION: &str = "Bx5wYd4NDoECFdg=";

pub async fn run(report: &mut Report) {
    let starts = crate::knob("BENCH_LAMBDA_STARTS", if crate::smoke() { 3 } else { 10 });
    let x86 = std::env::var("BENCH_LAMBDA_X86_64").map_or_else(|_| release_dir(), PathBuf::from);
    let arm = std::env::var("BENCH_LAMBDA_ARM64").map_or_else(
        |_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/chat-target-lambda/lambda")
        },
        PathBuf::from,
    );
    let standin = Standin::start().await;
    let work = std::env::temp_dir().join(format!("chat-bench-lambda-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let (pristine, token) = seed(&work, &standin.base).await;

    let (mut rows, mut json_rows) = (Vec::new(), Vec::new());
    for (name, fixture) in FUNCTIONS {
        let arm_bin = binary(&arm, name);
        let x86_bin = binary(&x86, name);
        let size =
            |bin: &Option<PathBuf>| bin.as_ref().map(|b| (file_size(b), zipped_size(b, &work)));
        let (arm_size, x86_size) = (size(&arm_bin), size(&x86_bin));
        let mut inits = Vec::new();
        let mut firsts = Vec::new();
        let mut statuses = Vec::new();
        if let Some(bin) = &x86_bin {
            let event = fixture_event(name, fixture, &token, &standin.base);
            for n in 0..starts {
                let db = work.join(format!("{name}-{n}.db"));
                std::fs::copy(&pristine, &db).unwrap();
                let mut event = event.clone();
                if *name == "ws-connect" {
                    event["requestContext"]["connectionId"] = json!(format!("ColdInit{n:07}="));
                }
                let (init, first, status) = standin.cold_start(bin, &db, &event).await;
                inits.push(init);
                firsts.push(first);
                statuses.push(status);
                let _ = std::fs::remove_file(&db);
            }
        }
        let mb = |bytes: u64| format!("{:.2} MB", bytes as f64 / 1e6);
        let shown = |s: Option<(u64, u64)>, zipped: bool| {
            s.map_or("missing".to_string(), |(raw, zip)| {
                mb(if zipped { zip } else { raw })
            })
        };
        let (init, first) = if inits.is_empty() {
            ("–".to_string(), "–".to_string())
        } else {
            (show(median(&mut inits)), show(median(&mut firsts)))
        };
        statuses.dedup();
        rows.push(vec![
            name.to_string(),
            shown(arm_size, false),
            shown(arm_size, true),
            shown(x86_size, false),
            shown(x86_size, true),
            init.clone(),
            format!("{first} ({fixture} → {})", statuses.join("/")),
        ]);
        json_rows.push(json!({
            "function": name,
            "arm64": arm_size.map(|(raw, zip)| json!({"binary_bytes": raw, "zip_bytes": zip})),
            "x86_64": x86_size.map(|(raw, zip)| json!({"binary_bytes": raw, "zip_bytes": zip})),
            "cold_init_ms_median": (!inits.is_empty()).then(|| crate::report::ms(median(&mut inits))),
            "first_invocation_ms_median": (!firsts.is_empty()).then(|| crate::report::ms(median(&mut firsts))),
            "fixture": fixture, "answers": statuses,
        }));
    }
    let _ = std::fs::remove_dir_all(&work);
    report.section(
        "Lambda",
        &format!(
            "Release binaries (`{}` and `{}`), zipped as `bootstrap` with deflate. Cold init: \
             process start → first `GET /2018-06-01/runtime/invocation/next` on a stand-in \
             Runtime API; first invocation: that event → its response (SQLite pool connect \
             included; the fixture's answer shown). Median of {starts} starts, x86_64 only \
             (arm64 cannot run here).",
            arm.display(),
            x86.display()
        ),
    );
    report.table(
        &[
            "function",
            "arm64 binary",
            "arm64 zip",
            "x86_64 binary",
            "x86_64 zip",
            "cold init",
            "first invocation",
        ],
        &rows,
    );
    report.json("lambda", json!(json_rows));
}

/// `target/release`, where this bench itself was built.
fn release_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

fn binary(dir: &Path, name: &str) -> Option<PathBuf> {
    [dir.join(name).join("bootstrap"), dir.join(name)]
        .into_iter()
        .find(|p| p.is_file())
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

/// The size of a Lambda zip holding `binary` as `bootstrap` (deflate, as cargo lambda zips).
fn zipped_size(binary: &Path, work: &Path) -> u64 {
    let zip = work.join("bootstrap.zip");
    let status = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as z: z.write(sys.argv[1], 'bootstrap')",
        ])
        .arg(binary)
        .arg(&zip)
        .status()
        .expect("python3 zips the binary");
    assert!(status.success());
    let size = file_size(&zip);
    let _ = std::fs::remove_file(zip);
    size
}

/// A migrated SQLite database with the fixtures' world: alice (password of the login
/// fixture, bcrypt cost 4 so the figure is init and pool, not hashing), her room 1, and the
/// room connection the ws-message fixture speaks on. Returns it and a token of alice's.
async fn seed(work: &Path, standin: &str) -> (PathBuf, String) {
    let path = work.join("pristine.db");
    let url = format!("sqlite://{}", path.display());
    let env = HashMap::from([
        ("DATABASE_URL".to_string(), url),
        (
            "JWT_SECRET".to_string(),
            crate::server::JWT_SECRET.to_string(),
        ),
        ("BCRYPT_COST".to_string(), "4".to_string()),
        ("REGISTER_MAX_PER_ADDRESS".to_string(), "0".to_string()),
    ]);
    let config = shared::config::Config::from_source(&env, shared::config::Profile::LocalDev)
        .await
        .unwrap();
    let state =
        shared::AppState::new(config, shared::realtime::Broadcaster::local("unused")).unwrap();
    state.db.migrate().await.unwrap();
    let address = shared::accounts::ClientAddress("127.0.0.1".into());
    let alice = shared::accounts::register(&state, &address, "alice", "correct horse battery")
        .await
        .unwrap();
    let token = state.jwt.issue(alice.id, "alice").unwrap();
    let auth = shared::auth::AuthUser {
        id: alice.id,
        username: "alice".into(),
        expires_at: shared::domain::Timestamp(i64::MAX / 2),
    };
    let room = shared::rooms::create(&state, &auth, "general")
        .await
        .unwrap();
    let now = shared::domain::Timestamp::now();
    shared::db::connections::insert(
        &state.db.pool,
        &shared::db::connections::Connection {
            connection_id: FIXTURE_CONNECTION.into(),
            endpoint: standin.to_string(),
            user_id: alice.id,
            room_id: Some(room.id),
            viewing_room_id: Some(room.id),
            connected_at: now,
            last_seen_at: now,
            expires_at: shared::domain::Timestamp(i64::MAX / 2),
        },
    )
    .await
    .unwrap();
    state.db.pool.close().await;
    (path, token)
}

/// The fixture with a real token where it holds a placeholder, and the custom resource's
/// response URL pointed at the stand-in.
fn fixture_event(name: &str, fixture: &str, token: &str, standin: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../functions")
        .join(name)
        .join("events")
        .join(fixture);
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    if event["headers"].get("authorization").is_some() {
        event["headers"]["authorization"] = json!(format!("Bearer {token}"));
    }
    if event["queryStringParameters"].get("token").is_some() {
        event["queryStringParameters"]["token"] = json!(token);
    }
    if event.get("ResponseURL").is_some() {
        event["ResponseURL"] = json!(format!("{standin}/cfn-response"));
    }
    event
}

/// A stand-in for the Lambda Runtime API (and for `@connections` and the CloudFormation
/// response URL), serving one run at a time.
struct Standin {
    base: String,
    run: Arc<Mutex<Run>>,
    answered: Arc<tokio::sync::Notify>,
}

#[derive(Default)]
struct Run {
    event: Option<Vec<u8>>,
    polled: Option<Instant>,
    answered: Option<(Instant, String)>,
}

type Shared = (Arc<Mutex<Run>>, Arc<tokio::sync::Notify>);

impl Standin {
    async fn start() -> Standin {
        let run: Arc<Mutex<Run>> = Arc::default();
        let answered: Arc<tokio::sync::Notify> = Arc::default();
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(error))
            .route(
                "/@connections/{id}",
                any(|| async { axum::http::StatusCode::OK }),
            )
            .route(
                "/cfn-response",
                put(|| async { axum::http::StatusCode::OK }),
            )
            .with_state((run.clone(), answered.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Standin {
            base,
            run,
            answered,
        }
    }

    /// Starts `binary` once: (cold init, first invocation, the answer's status).
    async fn cold_start(
        &self,
        binary: &Path,
        db: &Path,
        event: &Value,
    ) -> (Duration, Duration, String) {
        *self.run.lock().unwrap() = Run {
            event: Some(serde_json::to_vec(event).unwrap()),
            ..Run::default()
        };
        let runtime = self.base.trim_start_matches("http://");
        let bell = self.answered.notified();
        tokio::pin!(bell);
        bell.as_mut().enable();
        let started = Instant::now();
        let mut child = tokio::process::Command::new(binary)
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", runtime)
            .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "AKIDBENCH")
            .env("AWS_SECRET_ACCESS_KEY", "bench-secret")
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .env("JWT_SECRET", crate::server::JWT_SECRET)
            .env("WEBSOCKET_API_ENDPOINT", &self.base)
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the function starts");
        tokio::time::timeout(Duration::from_secs(30), bell)
            .await
            .unwrap_or_else(|_| panic!("{} did not answer its first event", binary.display()));
        let _ = child.kill().await;
        let run = self.run.lock().unwrap();
        let polled = run.polled.expect("it polled");
        let (at, body) = run.answered.clone().unwrap();
        let status = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v.get("statusCode").and_then(Value::as_i64))
            .map_or_else(|| body.chars().take(20).collect(), |s| s.to_string());
        (polled - started, at - polled, status)
    }
}

async fn next(State((run, _)): State<Shared>) -> axum::response::Response {
    let event = {
        let mut run = run.lock().unwrap();
        let event = run.event.take();
        if event.is_some() {
            run.polled = Some(Instant::now());
        }
        event
    };
    let Some(event) = event else {
        // One invocation per start: the next poll waits until the process is killed.
        return std::future::pending().await;
    };
    let deadline = shared::domain::Timestamp::now().millis() + 30_000;
    (
        [
            ("lambda-runtime-aws-request-id", "bench-request".to_string()),
            ("lambda-runtime-deadline-ms", deadline.to_string()),
            (
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:bench".to_string(),
            ),
            (
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000".to_string(),
            ),
            ("content-type", "application/json".to_string()),
        ],
        event,
    )
        .into_response()
}

async fn response(State((run, bell)): State<Shared>, body: String) -> axum::http::StatusCode {
    run.lock().unwrap().answered = Some((Instant::now(), body));
    bell.notify_one();
    axum::http::StatusCode::ACCEPTED
}

async fn error(State((run, bell)): State<Shared>, body: String) -> axum::http::StatusCode {
    run.lock().unwrap().answered = Some((Instant::now(), format!("error {body}")));
    bell.notify_one();
    axum::http::StatusCode::ACCEPTED
}
