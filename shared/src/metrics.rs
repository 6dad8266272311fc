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

/// What one fan-out did, as measured by the broadcaster.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FanOut {
    pub size: usize,
    pub delivered: usize,
    pub gone: usize,
    pub failed: usize,
    pub duration: Duration,
}

static COUNTS: [AtomicU64; SERIES.len()] = [const { AtomicU64::new(0) }; SERIES.len()];
static FAN_OUT_MICROS: AtomicU64 = AtomicU64::new(0);
/// Counts per bucket of `DURATION_BUCKETS_MS` (not cumulative), then one for "above".
static FAN_OUT_BUCKETS: [AtomicU64; DURATION_BUCKETS_MS.len() + 1] =
    [const { AtomicU64::new(0) }; DURATION_BUCKETS_MS.len() + 1];
static EMF_NAMESPACE: OnceLock<String> = OnceLock::new();

/// The counted events; each is one row of `SERIES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    ConnectionsOpened,
    ConnectionsClosed,
    /// A new message was stored (a retried `client_id` is not a new message).
    MessagesPosted,
    /// A request or frame was refused with `rate_limited`.
    RateLimited,
    FanOuts,
    FanOutTargets,
    PostsDelivered,
    PostsGone,
    PostsFailed,
}

/// One counter's names: its CloudWatch metric (the per-event value) and its Prometheus series.
struct Series {
    emf: &'static str,
    prometheus: &'static str,
    help: &'static str,
}

/// Indexed by `Counter as usize`.
const SERIES: [Series; 9] = [
    Series {
        emf: "ConnectionsOpened",
        prometheus: "chat_connections_opened_total",
        help: "WebSocket connections accepted at $connect.",
    },
    Series {
        emf: "ConnectionsClosed",
        prometheus: "chat_connections_closed_total",
        help: "WebSocket connections that ran $disconnect.",
    },
    Series {
        emf: "MessagesPosted",
        prometheus: "chat_messages_posted_total",
        help: "New messages stored (retries of a client_id not counted).",
    },
    Series {
        emf: "RateLimited",
        prometheus: "chat_rate_limited_total",
        help: "Requests and frames refused with rate_limited.",
    },
    // In CloudWatch this is FanOutSize's sample count: no line of its own.
    Series {
        emf: "FanOuts",
        prometheus: "chat_fan_outs_total",
        help: "Fan-outs of one frame to the connections of a room or a user.",
    },
    Series {
        emf: "FanOutSize",
        prometheus: "chat_fan_out_targets_total",
        help: "Connections targeted by fan-outs (the sum of fan-out sizes).",
    },
    Series {
        emf: "PostsDelivered",
        prometheus: "chat_posts_delivered_total",
        help: "Frames delivered to a connection.",
    },
    Series {
        emf: "PostsGone",
        prometheus: "chat_posts_gone_total",
        help: "Posts answered 410 Gone (the connection was forgotten).",
    },
    Series {
        emf: "PostsFailed",
        prometheus: "chat_posts_failed_total",
        help: "Posts that failed otherwise (logged).",
    },
];

/// From now on every event is also printed as an EMF line under `namespace` (Lambda's cold
/// start calls this once; later calls keep the first namespace).
pub fn emit_emf(namespace: &str) {
    let _already_set = EMF_NAMESPACE.set(namespace.to_string());
}

/// One event happened.
pub fn count(counter: Counter) {
    add(counter, 1);
    emf(&[(SERIES[counter as usize].emf, Unit::Count, 1.0)]);
}

fn add(counter: Counter, n: usize) {
    COUNTS[counter as usize].fetch_add(n as u64, Relaxed);
}

/// One fan-out: counted, timed into the histogram, and one EMF line with its size, outcome
/// and duration (so CloudWatch can chart averages and percentiles per fan-out).
pub fn fan_out(f: FanOut) {
    add(Counter::FanOuts, 1);
    let outcome = [
        (Counter::FanOutTargets, f.size),
        (Counter::PostsDelivered, f.delivered),
        (Counter::PostsGone, f.gone),
        (Counter::PostsFailed, f.failed),
    ];
    for (counter, n) in outcome {
        add(counter, n);
    }
    FAN_OUT_MICROS.fetch_add(f.duration.as_micros() as u64, Relaxed);
    let ms = f.duration.as_secs_f64() * 1000.0;
    let bucket = DURATION_BUCKETS_MS
        .iter()
        .position(|&bound| ms <= bound as f64)
        .unwrap_or(DURATION_BUCKETS_MS.len());
    FAN_OUT_BUCKETS[bucket].fetch_add(1, Relaxed);

    let mut values: Vec<(&str, Unit, f64)> = outcome
        .iter()
        .map(|&(counter, n)| (SERIES[counter as usize].emf, Unit::Count, n as f64))
        .collect();
    values.push(("FanOutDuration", Unit::Milliseconds, ms));
    emf(&values);
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

/// The name of the fan-out duration histogram in `prometheus_text`.
const DURATION_HISTOGRAM: &str = "chat_fan_out_duration_seconds";

/// The counters in Prometheus' text exposition format (version 0.0.4).
pub fn prometheus_text() -> String {
    let mut out = String::new();
    for (series, value) in SERIES.iter().zip(&COUNTS) {
        let name = series.prometheus;
        let _ = writeln!(out, "# HELP {name} {}", series.help);
        let _ = writeln!(out, "# TYPE {name} counter");
        let _ = writeln!(out, "{name} {}", value.load(Relaxed));
    }

    let name = DURATION_HISTOGRAM;
    let _ = writeln!(
        out,
        "# HELP {name} Wall time of one fan-out (all its posts)."
    );
    let _ = writeln!(out, "# TYPE {name} histogram");
    let mut cumulative = 0;
    for (bound, count) in DURATION_BUCKETS_MS.iter().zip(&FAN_OUT_BUCKETS) {
        cumulative += count.load(Relaxed);
        let le = *bound as f64 / 1000.0;
        let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
    }
    cumulative += FAN_OUT_BUCKETS[DURATION_BUCKETS_MS.len()].load(Relaxed);
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
    let seconds = FAN_OUT_MICROS.load(Relaxed) as f64 / 1e6;
    let _ = writeln!(out, "{name}_sum {seconds}");
    let _ = writeln!(
        out,
        "{name}_count {}",
        COUNTS[Counter::FanOuts as usize].load(Relaxed)
    );
    out
}

/// The value of one series (`name` or `name{labels}`) in a `prometheus_text` answer: for tests
/// and probes that read the counters back, e.g. over local-dev's `GET /metrics`.
pub fn read_series(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.trim().parse().ok()
    })
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
        let value = |text: &str, series: &str| -> f64 {
            read_series(text, series).unwrap_or_else(|| panic!("{series} missing in\n{text}"))
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
            ("chat_fan_out_targets_total", 4.0),
            ("chat_posts_delivered_total", 2.0),
            ("chat_posts_gone_total", 1.0),
            ("chat_posts_failed_total", 1.0),
            ("chat_fan_out_duration_seconds_count", 1.0),
            ("chat_fan_out_duration_seconds_bucket{le=\"0.01\"}", 1.0),
            ("chat_fan_out_duration_seconds_bucket{le=\"+Inf\"}", 1.0),
        ] {
            assert!(
                value(&after, series) >= value(&before, series) + added,
                "{series}"
            );
        }
        let five_ms = value(&after, "chat_fan_out_duration_seconds_bucket{le=\"0.005\"}");
        let ten_ms = value(&after, "chat_fan_out_duration_seconds_bucket{le=\"0.01\"}");
        assert!(
            five_ms < ten_ms,
            "7 ms lands above the 5 ms bound, cumulatively counted"
        );
    }

    #[test]
    fn each_counter_has_its_own_row_and_counts_into_it() {
        use Counter::*;
        let all = [
            ConnectionsOpened,
            ConnectionsClosed,
            MessagesPosted,
            RateLimited,
            FanOuts,
            FanOutTargets,
            PostsDelivered,
            PostsGone,
            PostsFailed,
        ];
        assert_eq!(all.len(), SERIES.len());
        let mut names: Vec<&str> = SERIES.iter().map(|s| s.prometheus).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SERIES.len(), "one series per counter");
        let before = prometheus_text();
        count(MessagesPosted);
        count(MessagesPosted);
        let after = prometheus_text();
        let posted = |text: &str| read_series(text, "chat_messages_posted_total").unwrap();
        assert!(posted(&after) >= posted(&before) + 2.0);
        assert_eq!(
            read_series("chat_x_total 3\nchat_x_total_more 9", "chat_x_total"),
            Some(3.0)
        );
        assert_eq!(read_series("chat_x_total_more 9", "chat_x_total"), None);
    }
}
