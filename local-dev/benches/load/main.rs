//! The load bench: drives a real local-dev process (release build, SQLite or MySQL) with a
//! compiled client over real sockets, and writes a Markdown + JSON report.
//!
//! ```text
//! cargo bench -p local-dev --bench load                       # every scenario
//! cargo bench -p local-dev --bench load -- delivery fanout    # some of them
//! TEST_MYSQL_URL=mysql://root@127.0.0.1:3306 cargo bench -p local-dev --bench load
//! BENCH_SMOKE=1 cargo bench -p local-dev --bench load         # seconds-long, for CI
//! ```
//!
//! Scenarios: `delivery` (N users in a room, S senders × M messages over user connections),
//! `fanout` (one message to many connections over the SDK path at injected round trips),
//! `rest` (login, room list, history page, post at concurrency 1 and 16), `history` (pages
//! and search in a room of 1,000,000 messages), `lambda` (artifact sizes, cold init, first
//! invocation), `memory` (RSS idle and with 1,000 and 10,000 idle sockets, and after they
//! close), `forwarding` (what local-dev's forwarding mode adds per request, in front of
//! `cargo lambda watch`; it needs `BENCH_CARGO_LAMBDA` and is left out of a run of every
//! scenario without it). docs/performance.md explains each, with the figures of this machine.
//!
//! The report goes to `BENCH_OUT` (default: `bench-report/` in cargo's target tmp dir).

mod client;
mod delivery;
mod fanout;
mod forwarding;
mod history;
mod lambda;
mod memory;
mod report;
mod rest;
mod server;

#[path = "../common/mod.rs"]
#[allow(dead_code)] // shared with the other benches; this one uses only `database`
mod common;

use report::Report;

/// A whole-number knob from the environment.
pub fn knob(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(raw) if !raw.trim().is_empty() => raw
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}: '{raw}' is not a whole number")),
        _ => default,
    }
}

/// A comma-separated list of whole numbers from the environment.
pub fn knobs(name: &str, default: &[usize]) -> Vec<usize> {
    match std::env::var(name) {
        Ok(raw) if !raw.trim().is_empty() => raw
            .split(',')
            .map(|n| {
                n.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("{name}: '{n}' is not a whole number"))
            })
            .collect(),
        _ => default.to_vec(),
    }
}

pub fn smoke() -> bool {
    std::env::var("BENCH_SMOKE").is_ok_and(|v| v == "1")
}

const SCENARIOS: &[&str] = &[
    "delivery",
    "fanout",
    "rest",
    "history",
    "lambda",
    "memory",
    "forwarding",
];

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; anything else names scenarios.
    let asked: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    for name in &asked {
        assert!(
            SCENARIOS.contains(&name.as_str()),
            "unknown scenario '{name}'; one of {SCENARIOS:?}"
        );
    }
    let run = |name: &str| asked.is_empty() || asked.iter().any(|a| a == name);
    let mut report = Report::new();
    if run("delivery") {
        delivery::run(&mut report).await;
    }
    if run("fanout") {
        fanout::run(&mut report).await;
    }
    if run("rest") {
        rest::run(&mut report).await;
    }
    if run("history") {
        history::run(&mut report).await;
    }
    if run("lambda") {
        lambda::run(&mut report).await;
    }
    if run("memory") {
        memory::run(&mut report).await;
    }
    let named = asked.iter().any(|a| a == "forwarding");
    if named || (asked.is_empty() && std::env::var("BENCH_CARGO_LAMBDA").is_ok()) {
        forwarding::run(&mut report).await;
    } else if asked.is_empty() {
        report.note("Forwarding mode: not run (set BENCH_CARGO_LAMBDA to a cargo-lambda binary).");
    }
    report.write();
}
