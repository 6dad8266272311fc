//! REST: requests/s and latency at concurrency 1 and 16 for login (at the default bcrypt
//! cost, 12), the room list with unread counts (20 rooms, 50 unread messages each), a
//! history page (50 messages) and a post.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::client::{Api, User};
use crate::report::{Report, Spread, show};
use crate::server::Server;

#[derive(Clone, Copy)]
enum Call {
    Login,
    RoomList,
    HistoryPage,
    Post,
}

impl Call {
    fn name(self) -> &'static str {
        match self {
            Call::Login => "POST /api/auth/login",
            Call::RoomList => "GET /api/rooms",
            Call::HistoryPage => "GET /api/rooms/{id}/messages",
            Call::Post => "POST /api/rooms/{id}/messages",
        }
    }
}

pub async fn run(report: &mut Report) {
    let smoke = crate::smoke();
    let (rooms, per_room) = if smoke { (5, 10) } else { (20, 50) };
    let run_for = Duration::from_millis(if smoke { 500 } else { 3000 });
    // The default cost: what a login costs a self-hosted install.
    let server = Server::start(&[("BCRYPT_COST", "12")]).await;
    let api = Api::new(&server.base);
    let reader = api.register("reader").await;
    let writer = api.register("writer").await;
    let mut room_ids = Vec::new();
    for r in 0..rooms {
        let room = api.create_room(&writer, &format!("room {r}")).await;
        api.join_all(room, std::slice::from_ref(&reader)).await;
        for i in 0..per_room {
            api.post_message(&writer, room, &format!("message {i}"))
                .await;
        }
        room_ids.push(room);
    }
    let api = Arc::new(api);
    let (mut rows, mut json_rows) = (Vec::new(), Vec::new());
    for call in [Call::Login, Call::RoomList, Call::HistoryPage, Call::Post] {
        for concurrency in [1, 16] {
            let (count, elapsed, mut latencies) =
                drive(&api, call, concurrency, run_for, &reader, room_ids[0]).await;
            let spread = Spread::of(&mut latencies);
            let rate = count as f64 / elapsed.as_secs_f64();
            rows.push(vec![
                call.name().to_string(),
                concurrency.to_string(),
                count.to_string(),
                format!("{rate:.0}"),
                show(spread.p50),
                show(spread.p99),
            ]);
            json_rows.push(json!({
                "call": call.name(), "concurrency": concurrency, "requests": count,
                "per_s": rate.round(), "latency": spread.json(),
            }));
        }
    }
    report.section(
        "REST",
        &format!(
            "Each call for {:.1} s per concurrency, keep-alive connections; login at bcrypt cost 12; \
             the room list holds {rooms} rooms with {per_room} unread messages each.",
            run_for.as_secs_f64()
        ),
    );
    report.table(
        &[
            "call",
            "concurrency",
            "requests",
            "requests/s",
            "p50",
            "p99",
        ],
        &rows,
    );
    report.json("rest", json!(json_rows));
    server.stop().await;
}

async fn drive(
    api: &Arc<Api>,
    call: Call,
    concurrency: usize,
    run_for: Duration,
    user: &User,
    room: i64,
) -> (usize, Duration, Vec<Duration>) {
    let started = Instant::now();
    let deadline = started + run_for;
    let sequence = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (api, user, sequence) = (api.clone(), user.clone(), sequence.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                // At least two requests each, so the slow calls are measured too.
                while Instant::now() < deadline || latencies.len() < 2 {
                    let n = sequence.fetch_add(1, Ordering::Relaxed);
                    let at = Instant::now();
                    let request = match call {
                        Call::Login => api
                            .http
                            .post(api.url("/api/auth/login"))
                            .json(&json!({"username": "reader", "password": "bench password 1"})),
                        Call::RoomList => {
                            api.http.get(api.url("/api/rooms")).bearer_auth(&user.token)
                        }
                        Call::HistoryPage => api
                            .http
                            .get(api.url(&format!("/api/rooms/{room}/messages?limit=50")))
                            .bearer_auth(&user.token),
                        Call::Post => api
                            .http
                            .post(api.url(&format!("/api/rooms/{room}/messages")))
                            .bearer_auth(&user.token)
                            .json(&json!({"content": format!("bench post {n}")})),
                    };
                    let response = request.send().await.unwrap();
                    let status = response.status();
                    let _body = response.bytes().await.unwrap();
                    assert!(status.is_success(), "{}: {status}", call.name());
                    latencies.push(at.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.unwrap());
    }
    (all.len(), started.elapsed(), all)
}
