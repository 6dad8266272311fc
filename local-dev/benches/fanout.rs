//! Fan-out benchmark: one message pushed to N live sockets through the real path — REST post →
//! `messages::post` → broadcaster → AWS SDK `PostToConnection` → local-dev's `@connections` →
//! the shim → N tokio-tungstenite clients. Reports, per N, the POST's latency (the fan-out is
//! finished before it answers) and the time until the last socket has the frame.
//!
//! `cargo bench -p local-dev --bench fanout` (SQLite; `TEST_MYSQL_URL=mysql://root@127.0.0.1:3306`
//! for MySQL). `FANOUT_SIZES=200,1000` and `FANOUT_ROUNDS=5` adjust it. 1000 sockets need about
//! 2100 file descriptors (`ulimit -n 4096`).

use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use serde_json::{Value, json};

mod common;
use common::{database, median, start};

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::var("FANOUT_SIZES")
        .unwrap_or_else(|_| "200,1000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("FANOUT_SIZES: numbers"))
        .collect();
    let rounds: usize = std::env::var("FANOUT_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let (database_url, cleanup) = database().await;

    let (addr, state) = start(&database_url).await;
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");

    let user = shared::accounts::register(
        &state,
        &shared::accounts::ClientAddress("127.0.0.1".into()),
        "bench",
        "benchmark password",
    )
    .await
    .unwrap();
    let token = state.jwt.issue(user.id, "bench").unwrap();
    println!(
        "fan-out through the AWS SDK path on {} ({} rounds each)",
        database_url.split(':').next().unwrap(),
        rounds
    );
    println!(
        "{:>8}  {:>16}  {:>22}",
        "sockets", "POST (median)", "last socket (median)"
    );
    for (i, n) in sizes.into_iter().enumerate() {
        let room: Value = http
            .post(format!("{base}/api/rooms"))
            .bearer_auth(&token)
            .json(&json!({"name": format!("bench-{i}")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let room_id = room["id"].as_i64().unwrap();
        let mut sockets = Vec::with_capacity(n);
        for _ in 0..n {
            let url = format!("ws://{addr}/ws?token={token}&room_id={room_id}");
            sockets.push(
                tokio_tungstenite::connect_async(url)
                    .await
                    .expect("socket")
                    .0,
            );
        }
        let (mut post_times, mut all_times) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            let readers: Vec<_> = sockets
                .drain(..)
                .map(|mut ws| {
                    tokio::spawn(async move {
                        loop {
                            match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
                                Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Text(t))))
                                    if t.contains("\"message\"") =>
                                {
                                    break;
                                }
                                Ok(Some(Ok(_))) => continue,
                                other => panic!("socket ended early: {other:?}"),
                            }
                        }
                        (Instant::now(), ws)
                    })
                })
                .collect();
            let started = Instant::now();
            let response = http
                .post(format!("{base}/api/rooms/{room_id}/messages"))
                .bearer_auth(&token)
                .json(&json!({"content": format!("round {round}")}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 201);
            post_times.push(started.elapsed());
            let mut last = started;
            for reader in readers {
                let (at, ws) = reader.await.unwrap();
                last = last.max(at);
                sockets.push(ws);
            }
            all_times.push(last - started);
        }
        println!(
            "{n:>8}  {:>13.1} ms  {:>19.1} ms",
            median(&mut post_times),
            median(&mut all_times)
        );
        for mut ws in sockets {
            let _ = ws.close(None).await;
        }
    }
    cleanup.await;
}
