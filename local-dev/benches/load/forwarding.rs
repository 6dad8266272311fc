//! Forwarding: what local-dev's forwarding mode (`LOCAL_FUNCTIONS`) adds to each request. The
//! same calls, one at a time, against local-dev running the handlers itself and against
//! local-dev in front of `cargo lambda watch` running the real function binaries; the
//! difference of the medians is the mode's cost (event building, the hop to cargo-lambda's
//! Invoke API and its Runtime API, the functions' own JSON and pool).
//!
//! `BENCH_CARGO_LAMBDA`: the cargo-lambda binary (`.ci/cargo-lambda` prints one);
//! `BENCH_LAMBDA_RELEASE=1` has cargo lambda build the functions with `--release` (as local-dev
//! here is), otherwise they are debug builds, as in the developer loop.

use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};

use crate::client::{Api, User};
use crate::report::{Report, Spread, show};
use crate::server::Server;

#[derive(Clone, Copy)]
enum Call {
    Health,
    RoomList,
    Post,
    Ping,
}

impl Call {
    fn name(self) -> &'static str {
        match self {
            Call::Health => "GET /api/health",
            Call::RoomList => "GET /api/rooms",
            Call::Post => "POST /api/rooms/{id}/messages",
            Call::Ping => "WebSocket ping → pong",
        }
    }
}

const CALLS: [Call; 4] = [Call::Health, Call::RoomList, Call::Post, Call::Ping];

pub async fn run(report: &mut Report) {
    let cargo_lambda = std::env::var("BENCH_CARGO_LAMBDA")
        .expect("the forwarding scenario runs cargo lambda watch: set BENCH_CARGO_LAMBDA (.ci/cargo-lambda prints a path)");
    let release = std::env::var("BENCH_LAMBDA_RELEASE").is_ok_and(|v| v == "1");
    let samples = crate::knob(
        "BENCH_FORWARDING_SAMPLES",
        if crate::smoke() { 20 } else { 300 },
    );

    let in_process = Server::start(&[]).await;
    let direct = measure(&in_process, samples).await;
    in_process.stop().await;
    let forwarded = Server::start_forwarded(&cargo_lambda, release).await;
    let through = measure(&forwarded, samples).await;
    forwarded.stop().await;

    let (mut rows, mut json_rows) = (Vec::new(), Vec::new());
    for (call, (direct, through)) in CALLS.iter().zip(direct.into_iter().zip(through)) {
        let added = through.p50.saturating_sub(direct.p50);
        rows.push(vec![
            call.name().to_string(),
            format!("{} / {}", show(direct.p50), show(direct.p99)),
            format!("{} / {}", show(through.p50), show(through.p99)),
            show(added),
        ]);
        json_rows.push(json!({
            "call": call.name(),
            "in_process": direct.json(),
            "forwarded": through.json(),
            "added_p50_ms": crate::report::ms(added),
        }));
    }
    report.section(
        "Forwarding mode",
        &format!(
            "{samples} calls of each kind, one at a time (after 10 unmeasured), against \
             local-dev with the handlers in-process and against local-dev forwarding to \
             `cargo lambda watch` (functions built {}). Latency p50 / p99; the last column is \
             the difference of the medians.",
            if release {
                "with --release"
            } else {
                "in debug"
            }
        ),
    );
    report.table(
        &[
            "call",
            "in-process",
            "forwarded to the functions",
            "added (p50)",
        ],
        &rows,
    );
    report.json(
        "forwarding",
        json!({"release_functions": release, "samples": samples, "calls": json_rows}),
    );
}

/// Each call's latency spread against `server`, on a fresh user and room.
async fn measure(server: &Server, samples: usize) -> Vec<Spread> {
    let api = Api::new(&server.base);
    let user = api.register("forwarding").await;
    let room = api.create_room(&user, "forwarding").await;
    let ticket = ticket(&api, &user).await;
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("{}?ticket={ticket}", server.ws()))
            .await
            .expect("the socket opens");
    let mut spreads = Vec::new();
    for call in CALLS {
        let mut times = Vec::with_capacity(samples);
        for n in 0..samples + 10 {
            let started = Instant::now();
            match call {
                Call::Health => expect(api.http.get(api.url("/api/health")).send().await, 200),
                Call::RoomList => expect(
                    api.http
                        .get(api.url("/api/rooms"))
                        .bearer_auth(&user.token)
                        .send()
                        .await,
                    200,
                ),
                Call::Post => expect(
                    api.http
                        .post(api.url(&format!("/api/rooms/{room}/messages")))
                        .bearer_auth(&user.token)
                        .json(&json!({"content": format!("message {n}")}))
                        .send()
                        .await,
                    201,
                ),
                Call::Ping => {
                    let ping =
                        tokio_tungstenite::tungstenite::Message::text(r#"{"action":"ping"}"#);
                    socket.send(ping).await.unwrap();
                    pong(&mut socket).await;
                }
            }
            if n >= 10 {
                times.push(started.elapsed());
            }
        }
        spreads.push(Spread::of(&mut times));
    }
    spreads
}

fn expect(response: reqwest::Result<reqwest::Response>, status: u16) {
    assert_eq!(response.expect("an answer").status().as_u16(), status);
}

async fn ticket(api: &Api, user: &User) -> String {
    let response = api
        .http
        .post(api.url("/api/ws-ticket"))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    body["ticket"].as_str().expect("a ticket").to_string()
}

/// Waits for the next `pong`, skipping other frames (the user's own message pushes).
async fn pong(socket: &mut crate::client::Socket) {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await
            .expect("a pong within 30 s")
            .expect("the socket stays open")
            .unwrap();
        if let Ok(text) = frame.to_text()
            && text.contains(r#""type":"pong""#)
        {
            return;
        }
    }
}
