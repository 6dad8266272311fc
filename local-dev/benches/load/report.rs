//! The report: Markdown for people, JSON for comparisons, both printed as they grow.

use std::time::Duration;

use serde_json::{Map, Value, json};

pub struct Report {
    markdown: String,
    json: Map<String, Value>,
}

impl Report {
    pub fn new() -> Report {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1))
                    .map(|m| m.trim().to_string())
            })
            .unwrap_or_else(|| "unknown CPU".into());
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let database = match std::env::var("TEST_MYSQL_URL") {
            Ok(url) if !url.is_empty() => "MySQL (TEST_MYSQL_URL)",
            _ => "SQLite",
        };
        let mut report = Report {
            markdown: String::new(),
            json: Map::new(),
        };
        report.line(&format!(
            "# Load bench\n\n{cores} cores ({cpu}), database {database}{}.\n",
            if crate::smoke() { ", smoke sizes" } else { "" }
        ));
        report.json.insert(
            "machine".into(),
            json!({"cores": cores, "cpu": cpu, "database": database, "smoke": crate::smoke()}),
        );
        report
    }

    fn line(&mut self, text: &str) {
        println!("{text}");
        self.markdown.push_str(text);
        self.markdown.push('\n');
    }

    pub fn section(&mut self, title: &str, text: &str) {
        self.line(&format!("\n## {title}\n\n{text}\n"));
    }

    pub fn note(&mut self, text: &str) {
        self.line(&format!("\n{text}\n"));
    }

    pub fn table(&mut self, header: &[&str], rows: &[Vec<String>]) {
        self.line(&format!("| {} |", header.join(" | ")));
        self.line(&format!(
            "|{}",
            header.iter().map(|_| "---|").collect::<String>()
        ));
        for row in rows {
            self.line(&format!("| {} |", row.join(" | ")));
        }
    }

    pub fn code(&mut self, text: &str) {
        self.line(&format!("```\n{}\n```", text.trim_end()));
    }

    pub fn json(&mut self, key: &str, value: Value) {
        self.json.insert(key.into(), value);
    }

    pub fn write(&self) {
        let dir = std::env::var("BENCH_OUT").map_or_else(
            |_| std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-report"),
            std::path::PathBuf::from,
        );
        std::fs::create_dir_all(&dir).expect("BENCH_OUT is writable");
        std::fs::write(dir.join("report.md"), &self.markdown).expect("report.md");
        std::fs::write(
            dir.join("report.json"),
            serde_json::to_string_pretty(&self.json).unwrap(),
        )
        .expect("report.json");
        println!("\nreport: {}/report.{{md,json}}", dir.display());
    }
}

/// Latency percentiles of a set of samples.
#[derive(Debug, Clone, Copy)]
pub struct Spread {
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Spread {
    pub fn of(samples: &mut [Duration]) -> Spread {
        samples.sort_unstable();
        let at = |q: f64| {
            if samples.is_empty() {
                return Duration::ZERO;
            }
            samples[((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1]
        };
        Spread {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: at(1.0),
        }
    }

    pub fn json(&self) -> Value {
        json!({"p50_ms": ms(self.p50), "p95_ms": ms(self.p95), "p99_ms": ms(self.p99), "max_ms": ms(self.max)})
    }
}

pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

/// `12.34 ms`
pub fn show(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The median of three (or any number of) runs.
pub fn median<T: PartialOrd + Copy>(values: &mut [T]) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    values[values.len() / 2]
}
