//! Operational counters: connections, messages, fan-outs and refusals.
//!
//! Every event is counted in this process' counters (local-dev serves them as Prometheus text
//! at `GET /metrics`). In Lambda each event also becomes one CloudWatch Embedded Metric Format
//! line on stdout, which CloudWatch Logs turns into metrics: no API call, no extra latency.
//! docs/deploy.md lists the metrics, the dashboard and the alarms built on them.
//!
//! The counters are process-wide, like a metrics registry: the events happen deep in the
//! domain (a 429 is decided next to the data it counts), far from any handle to pass around.

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// CloudWatch's namespace when `METRICS_NAMESPACE` is not set.
pub const DEFAULT_NAMESPACE: &str = "ServerlessChat";
/// The one dimension every metric carries (`Service` = `chat`), so dashboards need no search.
const SERVICE: &str = "chat";

/// Upper bounds (ms) of the fan-out duration histogram's buckets.
const DURATION_BUCKETS_MS: [u64; 10] = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000];

static COUNTERS: Counters = Counters::new();
static EMF_NAMESPACE: OnceLock<String> = OnceLock::new();

/// What one fan-out did, as measured by the broadcaster.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FanOut {
    pub size: usize,
    pub delivered: usize,
    pub gone: usize,
    pub failed: usize,
    pub duration: Duration,
}

struct Counters {
    connections_opened: AtomicU64,
    connections_closed: AtomicU64,
    messages_posted: AtomicU64,
    rate_limited: AtomicU64,
    fan_outs: AtomicU64,
    fan_out_targets: AtomicU64,
    posts_delivered: AtomicU64,
    posts_gone: AtomicU64,
    posts_failed: AtomicU64,
    fan_out_micros: AtomicU64,
    /// Cumulative-free counts per bucket of `DURATION_BUCKETS_MS`, then one for "above".
    fan_out_buckets: [AtomicU64; DURATION_BUCKETS_MS.len() + 1],
}

impl Counters {
    const fn new() -> Counters {
        #[allow(clippy::declare_interior_mutable_const)] // a template for the array, copied
        const ZERO: AtomicU64 = AtomicU64::new(0);
        Counters {
            connections_opened: ZERO,
            connections_closed: ZERO,
            messages_posted: ZERO,
            rate_limited: ZERO,
            fan_outs: ZERO,
            fan_out_targets: ZERO,
            posts_delivered: ZERO,
            posts_gone: ZERO,
            posts_failed: ZERO,
            fan_out_micros: ZERO,
            fan_out_buckets: [ZERO; DURATION_BUCKETS_MS.len() + 1],
        }
    }
}

/// From now on every event is also printed as an EMF line under `namespace` (Lambda's cold
/// start calls this once; later calls keep the first namespace).
pub fn emit_emf(namespace: &str) {
    let _already_set = EMF_NAMESPACE.set(namespace.to_string());
}

pub fn connection_opened() {
    COUNTERS.connections_opened.fetch_add(1, Relaxed);
    emf(&[("ConnectionsOpened", Unit::Count, 1.0)]);
}

pub fn connection_closed() {
    COUNTERS.connections_closed.fetch_add(1, Relaxed);
    emf(&[("ConnectionsClosed", Unit::Count, 1.0)]);
}

/// A new message was stored (a retried `client_id` is not a new message).
pub fn message_posted() {
    COUNTERS.messages_posted.fetch_add(1, Relaxed);
    emf(&[("MessagesPosted", Unit::Count, 1.0)]);
}

/// A request or frame was refused with `rate_limited`.
pub fn rate_limited() {
    COUNTERS.rate_limited.fetch_add(1, Relaxed);
    emf(&[("RateLimited", Unit::Count, 1.0)]);
}

pub fn fan_out(f: FanOut) {
    let c = &COUNTERS;
    c.fan_outs.fetch_add(1, Relaxed);
    c.fan_out_targets.fetch_add(f.size as u64, Relaxed);
    c.posts_delivered.fetch_add(f.delivered as u64, Relaxed);
    c.posts_gone.fetch_add(f.gone as u64, Relaxed);
    c.posts_failed.fetch_add(f.failed as u64, Relaxed);
    c.fan_out_micros
        .fetch_add(f.duration.as_micros() as u64, Relaxed);
    let ms = f.duration.as_secs_f64() * 1000.0;
    let bucket = DURATION_BUCKETS_MS
        .iter()
        .position(|&bound| ms <= bound as f64)
        .unwrap_or(DURATION_BUCKETS_MS.len());
    c.fan_out_buckets[bucket].fetch_add(1, Relaxed);
    emf(&[
        ("FanOutSize", Unit::Count, f.size as f64),
        ("PostsDelivered", Unit::Count, f.delivered as f64),
        ("PostsGone", Unit::Count, f.gone as f64),
        ("PostsFailed", Unit::Count, f.failed as f64),
        ("FanOutDuration", Unit::Milliseconds, ms),
    ]);
}

#[derive(Clone, Copy)]
enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

fn emf(values: &[(&str, Unit, f64)]) {
    if let Some(namespace) = EMF_NAMESPACE.get() {
        println!("{}", emf_line(namespace, now_millis(), values));
    }
}

fn now_millis() -> i64 {
    crate::domain::Timestamp::now().millis()
}

/// One EMF document: the metric declarations under `_aws`, the values and the dimension at
/// the top level.
fn emf_line(namespace: &str, timestamp_ms: i64, values: &[(&str, Unit, f64)]) -> String {
    let declared: Vec<serde_json::Value> = values
        .iter()
        .map(|(name, unit, _)| serde_json::json!({ "Name": name, "Unit": unit.name() }))
        .collect();
    let mut line = serde_json::json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [["Service"]],
                "Metrics": declared,
            }],
        },
        "Service": SERVICE,
    });
    for (name, _, value) in values {
        line[*name] = serde_json::json!(value);
    }
    line.to_string()
}

/// The counters in Prometheus' text exposition format (version 0.0.4).
pub fn prometheus_text() -> String {
    let c = &COUNTERS;
    let mut out = String::new();
    let mut counter = |name: &str, help: &str, value: &AtomicU64| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} counter");
        let _ = writeln!(out, "{name} {}", value.load(Relaxed));
    };
    counter(
        "chat_connections_opened_total",
        "WebSocket connections accepted at $connect.",
        &c.connections_opened,
    );
    counter(
        "chat_connections_closed_total",
        "WebSocket connections that ran $disconnect.",
        &c.connections_closed,
    );
    counter(
        "chat_messages_posted_total",
        "New messages stored (retries of a client_id not counted).",
        &c.messages_posted,
    );
    counter(
        "chat_rate_limited_total",
        "Requests and frames refused with rate_limited.",
        &c.rate_limited,
    );
    counter(
        "chat_fan_out_targets_total",
        "Connections targeted by fan-outs (the sum of fan-out sizes).",
        &c.fan_out_targets,
    );
    counter(
        "chat_posts_delivered_total",
        "Frames delivered to a connection.",
        &c.posts_delivered,
    );
    counter(
        "chat_posts_gone_total",
        "Posts answered 410 Gone (the connection was forgotten).",
        &c.posts_gone,
    );
    counter(
        "chat_posts_failed_total",
        "Posts that failed otherwise (logged).",
        &c.posts_failed,
    );

    let name = "chat_fan_out_duration_seconds";
    let _ = writeln!(
        out,
        "# HELP {name} Wall time of one fan-out (all its posts)."
    );
    let _ = writeln!(out, "# TYPE {name} histogram");
    let mut cumulative = 0;
    for (bound, count) in DURATION_BUCKETS_MS.iter().zip(&c.fan_out_buckets) {
        cumulative += count.load(Relaxed);
        let le = *bound as f64 / 1000.0;
        let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
    }
    cumulative += c.fan_out_buckets[DURATION_BUCKETS_MS.len()].load(Relaxed);
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
    let seconds = c.fan_out_micros.load(Relaxed) as f64 / 1e6;
    let _ = writeln!(out, "{name}_sum {seconds}");
    let _ = writeln!(out, "{name}_count {}", c.fan_outs.load(Relaxed));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_emf_line_declares_each_value_under_the_namespace_with_the_service_dimension() {
        let line = emf_line(
            "Chat/test",
            1_700_000_000_000,
            &[
                ("FanOutSize", Unit::Count, 3.0),
                ("FanOutDuration", Unit::Milliseconds, 12.5),
            ],
        );
        let doc: serde_json::Value = serde_json::from_str(&line).expect("one JSON object");
        assert!(!line.contains('\n'), "one log line");
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(doc["_aws"]["Timestamp"], 1_700_000_000_000_i64);
        assert_eq!(directive["Namespace"], "Chat/test");
        assert_eq!(directive["Dimensions"], serde_json::json!([["Service"]]));
        assert_eq!(
            directive["Metrics"],
            serde_json::json!([
                { "Name": "FanOutSize", "Unit": "Count" },
                { "Name": "FanOutDuration", "Unit": "Milliseconds" },
            ])
        );
        assert_eq!(doc["Service"], "chat");
        assert_eq!(doc["FanOutSize"], 3.0);
        assert_eq!(doc["FanOutDuration"], 12.5);
    }

    #[test]
    fn the_prometheus_text_counts_fan_outs_into_cumulative_buckets() {
        // Counters are process-wide and other tests add to them: compare before and after.
        let value = |text: &str, series: &str| -> u64 {
            text.lines()
                .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
                .unwrap_or_else(|| panic!("{series} missing in\n{text}"))
        };
        let before = prometheus_text();
        fan_out(FanOut {
            size: 4,
            delivered: 2,
            gone: 1,
            failed: 1,
            duration: Duration::from_millis(7),
        });
        let after = prometheus_text();
        for (series, added) in [
            ("chat_fan_out_targets_total ", 4),
            ("chat_posts_delivered_total ", 2),
            ("chat_posts_gone_total ", 1),
            ("chat_posts_failed_total ", 1),
            ("chat_fan_out_duration_seconds_count ", 1),
            ("chat_fan_out_duration_seconds_bucket{le=\"0.01\"} ", 1),
            ("chat_fan_out_duration_seconds_bucket{le=\"+Inf\"} ", 1),
        ] {
            assert!(
                value(&after, series) >= value(&before, series) + added,
                "{series}"
            );
        }
        let five_ms = value(
            &after,
            "chat_fan_out_duration_seconds_bucket{le=\"0.005\"} ",
        );
        let ten_ms = value(&after, "chat_fan_out_duration_seconds_bucket{le=\"0.01\"} ");
        assert!(
            five_ms < ten_ms,
            "7 ms lands above the 5 ms bound, cumulatively counted"
        );
    }
}
