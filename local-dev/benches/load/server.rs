//! A local-dev process for one scenario: the release binary cargo built beside this bench,
//! on a fresh database, configured like a self-hosted install unless a scenario says more.

use std::time::Duration;

use tokio::io::AsyncBufReadExt as _;

pub const JWT_SECRET: &str = "load-bench-secret-0123456789abcdef0123";

pub struct Server {
    child: tokio::process::Child,
    pub pid: u32,
    pub addr: std::net::SocketAddr,
    pub base: String,
    pub database_url: String,
    cleanup: Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>>,
}

/// Settings every scenario uses: the per-address limits would refuse one machine's hundreds
/// of clients, the send rate limit would refuse a burst, and registering hundreds of users at
/// bcrypt cost 12 takes minutes (`settings` can put each back).
const BENCH_SETTINGS: &[(&str, &str)] = &[
    ("BCRYPT_COST", "4"),
    ("RATE_LIMIT_MESSAGES", "0"),
    ("REGISTER_MAX_PER_ADDRESS", "0"),
    ("LOGIN_MAX_ATTEMPTS_PER_ADDRESS", "0"),
    ("LOGIN_MAX_FAILURES", "0"),
    ("LOGIN_MAX_FAILURES_PER_NAME", "0"),
];

impl Server {
    /// Starts local-dev on a new database with `settings` on top of the defaults, and waits
    /// until it listens.
    pub async fn start(settings: &[(&str, &str)]) -> Server {
        let (database_url, cleanup) = crate::common::database().await;
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_local-dev"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &database_url)
            .env("JWT_SECRET", JWT_SECRET)
            .env("HOST", "127.0.0.1")
            .env("PORT", "0")
            .env("FRONTEND_DIST", "/nonexistent")
            .env("NO_COLOR", "1")
            .current_dir(std::env::temp_dir())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        if let Ok(filter) = std::env::var("BENCH_SERVER_LOG") {
            command.env("RUST_LOG", filter);
        }
        if let Ok(threads) = std::env::var("TOKIO_WORKER_THREADS") {
            command.env("TOKIO_WORKER_THREADS", threads);
        }
        for (k, v) in BENCH_SETTINGS.iter().chain(settings) {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("local-dev starts");
        let pid = child.id().expect("a pid");
        let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.expect("local-dev's log") {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap();
                    return addr.parse::<std::net::SocketAddr>().unwrap();
                }
            }
            panic!("local-dev exited before listening");
        })
        .await
        .expect("local-dev listens within a minute");
        // Keep reading its log so the pipe never fills; warnings and errors are shown (all of
        // it when `BENCH_SERVER_LOG` chose a filter).
        let everything = std::env::var("BENCH_SERVER_LOG").is_ok();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if everything || line.contains("WARN") || line.contains("ERROR") {
                    eprintln!("local-dev: {line}");
                }
            }
        });
        Server {
            child,
            pid,
            addr,
            base: format!("http://{addr}"),
            database_url,
            cleanup: Some(cleanup),
        }
    }

    /// Resident memory of the process, in KiB (`VmRSS`).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// CPU time the process has used (user + system).
    pub fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap();
        // Fields after the command name (which may hold spaces) end with ')'.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
    }

    pub fn ws(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
        if let Some(cleanup) = self.cleanup.take() {
            cleanup.await;
        }
    }
}
