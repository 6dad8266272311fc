//! Delivery: N users in one room, each on a user connection (opened 32 at a time); S of them
//! send M messages each as fast as their sockets take them. Every socket must receive every
//! message exactly once. Measures deliveries/s (N × S × M over the time from the first send
//! to the last arrival), send→receive latency per delivery, and server CPU per delivery.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{Api, Socket, connect_all};
use crate::report::{Report, Spread, median, ms, show};
use crate::server::Server;

/// After its last expected frame, a socket keeps listening this long for doubles.
const QUIET: Duration = Duration::from_millis(300);
const PATIENCE: Duration = Duration::from_secs(60);

struct Round {
    expected: usize,
    received: usize,
    doubled: usize,
    elapsed: Duration,
    latency: Spread,
    server_cpu: Duration,
}

impl Round {
    fn rate(&self) -> f64 {
        self.received as f64 / self.elapsed.as_secs_f64()
    }
}

pub async fn run(report: &mut Report) {
    let cases: Vec<(usize, usize, usize)> = if crate::smoke() {
        vec![(20, 2, 5)]
    } else {
        let users = crate::knobs("BENCH_DELIVERY_USERS", &[25, 50, 200, 1000]);
        let each = crate::knob("BENCH_DELIVERY_MESSAGES", 10);
        users
            .into_iter()
            .map(|n| {
                let senders = if n <= 25 { 5 } else { 10 };
                (
                    n,
                    crate::knob("BENCH_DELIVERY_SENDERS", senders).min(n),
                    each,
                )
            })
            .collect()
    };
    let rounds = crate::knob("BENCH_ROUNDS", if crate::smoke() { 1 } else { 3 });
    let transport = std::env::var("BENCH_TRANSPORT").unwrap_or_else(|_| "in-process".into());
    report.section(
        "Delivery",
        &format!(
            "N users in one room on user connections, S senders × M messages over WebSocket; \
             transport `{transport}`; median of {rounds} round(s). Latency is send → receive per delivery."
        ),
    );
    let mut rows = Vec::new();
    let mut json_cases = Vec::new();
    for (users, senders, each) in cases {
        let server = Server::start(&[("LOCAL_BROADCAST", transport.as_str())]).await;
        let api = Api::new(&server.base);
        let people = api.register_many("user", users).await;
        let room = api.create_room(&people[0], "delivery").await;
        api.join_all(room, &people[1..]).await;
        let urls = people
            .iter()
            .map(|u| format!("{}?token={}", server.ws(), u.token))
            .collect();
        let sockets = connect_all(urls).await;
        let (mut sinks, mut streams): (Vec<_>, Vec<_>) = sockets
            .into_iter()
            .map(futures_util::StreamExt::split)
            .unzip();
        tokio::time::sleep(Duration::from_millis(300)).await;

        let mut results = Vec::new();
        for round in 0..rounds {
            let (result, back) =
                one_round(&server, room, round, senders, each, &mut sinks, streams).await;
            streams = back;
            results.push(result);
        }
        let lost: usize = results.iter().map(|r| r.expected - r.received).sum();
        let doubled: usize = results.iter().map(|r| r.doubled).sum();
        let mut rates: Vec<f64> = results.iter().map(Round::rate).collect();
        let mut p50s: Vec<Duration> = results.iter().map(|r| r.latency.p50).collect();
        let mut p99s: Vec<Duration> = results.iter().map(|r| r.latency.p99).collect();
        let mut maxes: Vec<Duration> = results.iter().map(|r| r.latency.max).collect();
        let mut cpu: Vec<f64> = results
            .iter()
            .map(|r| r.server_cpu.as_secs_f64() * 1e6 / r.expected as f64)
            .collect();
        let rate = median(&mut rates);
        rows.push(vec![
            format!("{users} × {senders} × {each}"),
            format!("{}", results[0].expected),
            format!("{lost} / {doubled}"),
            format!("{:.0}", rate),
            show(median(&mut p50s)),
            show(median(&mut p99s)),
            show(median(&mut maxes)),
            format!("{:.1} µs", median(&mut cpu)),
            results
                .iter()
                .map(|r| format!("{:.0}", r.rate()))
                .collect::<Vec<_>>()
                .join(", "),
        ]);
        json_cases.push(json!({
            "users": users, "senders": senders, "messages_each": each,
            "expected_per_round": results[0].expected, "lost": lost, "doubled": doubled,
            "deliveries_per_s_median": rate.round(),
            "rounds": results.iter().map(|r| json!({
                "deliveries_per_s": r.rate().round(), "elapsed_ms": ms(r.elapsed),
                "latency": r.latency.json(), "server_cpu_ms": ms(r.server_cpu),
            })).collect::<Vec<_>>(),
        }));
        for sink in &mut sinks {
            let _ = sink.close().await;
        }
        server.stop().await;
    }
    report.table(
        &[
            "users × senders × messages",
            "deliveries/round",
            "lost / doubled",
            "deliveries/s",
            "p50",
            "p99",
            "max",
            "server CPU/delivery",
            "each round (/s)",
        ],
        &rows,
    );
    report.json(
        "delivery",
        json!({"transport": transport, "rounds": rounds, "cases": json_cases}),
    );
}

type Sink = SplitSink<Socket, Message>;
type Stream = SplitStream<Socket>;

async fn one_round(
    server: &Server,
    room: i64,
    round: usize,
    senders: usize,
    each: usize,
    sinks: &mut [Sink],
    streams: Vec<Stream>,
) -> (Round, Vec<Stream>) {
    let total = senders * each;
    let epoch = Instant::now();
    let sent_at: Arc<Vec<AtomicU64>> = Arc::new((0..total).map(|_| AtomicU64::new(0)).collect());
    let prefix = format!("r{round}-");
    let readers: Vec<_> = streams
        .into_iter()
        .map(|stream| {
            let (sent_at, prefix) = (sent_at.clone(), prefix.clone());
            tokio::spawn(read_round(stream, prefix, total, each, epoch, sent_at))
        })
        .collect();

    let cpu_before = server.cpu_time();
    let started = Instant::now();
    let sending: Vec<_> = sinks[..senders]
        .iter_mut()
        .enumerate()
        .map(|(s, sink)| {
            let (sent_at, prefix) = (sent_at.clone(), prefix.clone());
            async move {
                for j in 0..each {
                    let frame = json!({
                        "action": "sendMessage", "room_id": room,
                        "content": format!("message {j} from sender {s}"),
                        "client_id": format!("{prefix}{s}-{j}"),
                    });
                    sent_at[s * each + j]
                        .store(epoch.elapsed().as_nanos() as u64, Ordering::Relaxed);
                    sink.send(Message::text(frame.to_string())).await.unwrap();
                }
            }
        })
        .collect();
    futures_util::future::join_all(sending).await;

    let mut latencies = Vec::with_capacity(total * readers.len());
    let (mut received, mut doubled, mut last) = (0, 0, started);
    let mut back = Vec::with_capacity(readers.len());
    let expected = total * readers.len();
    for reader in readers {
        let done = reader.await.unwrap();
        received += done.distinct;
        doubled += done.doubled;
        if let Some(at) = done.last_arrival {
            last = last.max(at);
        }
        latencies.extend(done.latencies);
        back.push(done.stream);
    }
    // The quiet wait after the last frame is not delivery time.
    let elapsed = last - started;
    let server_cpu = server.cpu_time().saturating_sub(cpu_before);
    (
        Round {
            expected,
            received,
            doubled,
            elapsed,
            latency: Spread::of(&mut latencies),
            server_cpu,
        },
        back,
    )
}

struct ReadDone {
    stream: Stream,
    distinct: usize,
    doubled: usize,
    last_arrival: Option<Instant>,
    latencies: Vec<Duration>,
}

/// Reads one socket until it has every message of the round, then listens for doubles.
async fn read_round(
    mut stream: Stream,
    prefix: String,
    total: usize,
    each: usize,
    epoch: Instant,
    sent_at: Arc<Vec<AtomicU64>>,
) -> ReadDone {
    let mut seen = vec![false; total];
    let (mut distinct, mut doubled, mut last_arrival) = (0, 0, None);
    let mut latencies = Vec::with_capacity(total);
    loop {
        let wait = if distinct == total { QUIET } else { PATIENCE };
        let Ok(Some(Ok(frame))) = tokio::time::timeout(wait, stream.next()).await else {
            break;
        };
        let arrived = Instant::now();
        let Message::Text(text) = frame else {
            continue;
        };
        let Some(index) = index_of(text.as_str(), &prefix, each) else {
            continue;
        };
        if index >= total || seen[index] {
            doubled += 1;
            continue;
        }
        seen[index] = true;
        distinct += 1;
        last_arrival = Some(arrived);
        let sent = Duration::from_nanos(sent_at[index].load(Ordering::Relaxed));
        latencies.push((arrived - epoch).saturating_sub(sent));
    }
    ReadDone {
        stream,
        distinct,
        doubled,
        last_arrival,
        latencies,
    }
}

/// The round's `{prefix}{sender}-{j}` client id of a `message` frame, as an index.
fn index_of(frame: &str, prefix: &str, each: usize) -> Option<usize> {
    if !frame.starts_with(r#"{"type":"message""#) {
        return None;
    }
    let start = frame.find(r#""client_id":""#)? + r#""client_id":""#.len();
    let id = &frame[start..];
    let id = &id[..id.find('"')?];
    let (sender, j) = id.strip_prefix(prefix)?.split_once('-')?;
    Some(sender.parse::<usize>().ok()? * each + j.parse::<usize>().ok()?)
}
