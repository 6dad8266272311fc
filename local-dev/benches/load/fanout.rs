//! Fan-out: one message (a REST post, which answers after its fan-out) to C room connections,
//! over the SDK path (`LOCAL_BROADCAST=sdk`: a signed `PostToConnection` per connection to
//! local-dev's `@connections`) with an injected round trip per post
//! (`LOCAL_MANAGEMENT_DELAY_MS`) standing in for API Gateway's, and over the in-process path
//! for reference. Measures the time until the last socket has the frame.

use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{Api, Socket, connect_all};
use crate::report::{Report, median, show};
use crate::server::Server;

pub async fn run(report: &mut Report) {
    let smoke = crate::smoke();
    let sizes = if smoke {
        vec![100]
    } else {
        crate::knobs("BENCH_FANOUT_SIZES", &[1000, 5000])
    };
    let delays = crate::knobs("BENCH_FANOUT_DELAYS_MS", &[0, 10]);
    let concurrency = crate::knobs(
        "BENCH_FANOUT_CONCURRENCY",
        &[shared::realtime::broadcast::DEFAULT_FAN_OUT_CONCURRENCY],
    );
    let rounds = crate::knob("BENCH_ROUNDS", if smoke { 1 } else { 3 });
    report.section(
        "Fan-out",
        &format!(
            "One REST post to C room connections; median of {rounds} round(s). `sdk` posts \
             each frame through local-dev's `@connections` with the injected round trip; \
             `in-process` hands it to the sockets."
        ),
    );
    let mut cases: Vec<(String, usize, usize)> = Vec::new(); // transport, delay, concurrency
    for &delay in &delays {
        for &posts in &concurrency {
            cases.push(("sdk".into(), delay, posts));
        }
    }
    cases.push(("in-process".into(), 0, 0));
    let (mut rows, mut json_rows) = (Vec::new(), Vec::new());
    for (transport, delay, posts) in cases {
        let delay_text = delay.to_string();
        let posts_text = posts.max(1).to_string();
        let server = Server::start(&[
            ("LOCAL_BROADCAST", transport.as_str()),
            ("LOCAL_MANAGEMENT_DELAY_MS", delay_text.as_str()),
            ("FAN_OUT_CONCURRENCY", posts_text.as_str()),
        ])
        .await;
        let api = Api::new(&server.base);
        let owner = api.register("owner").await;
        let room = api.create_room(&owner, "fan-out").await;
        for &size in &sizes {
            let urls = (0..size)
                .map(|_| format!("{}?token={}&room_id={room}", server.ws(), owner.token))
                .collect();
            let mut sockets = connect_all(urls).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let (mut post_times, mut last_times) = (Vec::new(), Vec::new());
            for round in 0..rounds {
                let (post, last, back) = one_post(&api, &owner, room, round, sockets).await;
                sockets = back;
                post_times.push(post);
                last_times.push(last);
            }
            let (post, last) = (median(&mut post_times), median(&mut last_times));
            let posts_shown = if transport == "sdk" {
                posts_text.clone()
            } else {
                "–".into()
            };
            rows.push(vec![
                transport.clone(),
                format!("{delay} ms"),
                posts_shown,
                size.to_string(),
                show(post),
                show(last),
            ]);
            json_rows.push(json!({
                "transport": transport, "delay_ms": delay, "concurrency": posts, "connections": size,
                "post_ms": crate::report::ms(post), "last_socket_ms": crate::report::ms(last),
            }));
            futures_util::future::join_all(sockets.iter_mut().map(|s| s.close(None))).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        server.stop().await;
    }
    report.table(
        &[
            "transport",
            "round trip",
            "posts in flight",
            "connections",
            "POST answered",
            "last socket has it",
        ],
        &rows,
    );
    report.json("fanout", json!(json_rows));
}

/// Posts one message and waits until every socket has it: (POST latency, last arrival).
async fn one_post(
    api: &Api,
    owner: &crate::client::User,
    room: i64,
    round: usize,
    sockets: Vec<Socket>,
) -> (Duration, Duration, Vec<Socket>) {
    let marker = format!("fan-out round {round}");
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|mut socket| {
            let marker = marker.clone();
            tokio::spawn(async move {
                loop {
                    match tokio::time::timeout(Duration::from_secs(60), socket.next()).await {
                        Ok(Some(Ok(Message::Text(t)))) if t.as_str().contains(&marker) => break,
                        Ok(Some(Ok(_))) => continue,
                        other => panic!("a socket ended before the frame: {other:?}"),
                    }
                }
                (Instant::now(), socket)
            })
        })
        .collect();
    let started = Instant::now();
    api.post_message(owner, room, &marker).await;
    let post = started.elapsed();
    let mut last = started;
    let mut back = Vec::with_capacity(readers.len());
    for reader in readers {
        let (at, socket) = reader.await.unwrap();
        last = last.max(at);
        back.push(socket);
    }
    (post, last - started, back)
}
