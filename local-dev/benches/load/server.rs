//! A local-dev process for one scenario: the release binary cargo built beside this bench,
//! on a fresh database, configured like a self-hosted install unless a scenario says more.

use std::time::Duration;

use tokio::io::AsyncBufReadExt as _;

pub const JWT_SECRET: &str = "load-bench-secret-0123456789abcdef0123";

pub struct Server {
    child: tokio::process::Child,
    /// `cargo lambda watch` in front of which local-dev forwards ([`Server::start_forwarded`]).
    functions: Option<tokio::process::Child>,
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
        Server::spawn(database_url, cleanup, "0", settings, None).await
    }

    /// Starts local-dev in its forwarding mode in front of `cargo lambda watch` (`cargo_lambda`,
    /// the cargo-lambda binary; `--release` when `release`), which runs the real function
    /// binaries of this checkout with the same settings. Waits until every function answers
    /// (the first start waits for cargo lambda's builds).
    pub async fn start_forwarded(cargo_lambda: &str, release: bool) -> Server {
        let (database_url, cleanup) = crate::common::database().await;
        let free_port = || {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        };
        let (port, invoke_port) = (free_port(), free_port());
        let secret = "bench-management-secret";
        let mut watch = tokio::process::Command::new(cargo_lambda);
        watch
            .args([
                "lambda",
                "watch",
                "--ignore-changes",
                "-A",
                "127.0.0.1",
                "-P",
            ])
            .arg(invoke_port.to_string())
            .args(release.then_some("--release"))
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .env("DATABASE_URL", &database_url)
            .env("JWT_SECRET", JWT_SECRET)
            .env("WEBSOCKET_API_ENDPOINT", format!("http://127.0.0.1:{port}"))
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "local")
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env(
                "RUST_LOG",
                std::env::var("BENCH_SERVER_LOG").unwrap_or("warn".into()),
            )
            .stdin(std::process::Stdio::null())
            // Its own process group: stopping it stops the function processes it started.
            .process_group(0)
            .kill_on_drop(true);
        for (k, v) in BENCH_SETTINGS {
            watch.env(k, v);
        }
        // The functions' logs (and cargo's) only with `BENCH_SERVER_LOG`.
        if std::env::var("BENCH_SERVER_LOG").is_err() {
            watch
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
        }
        let watch = watch.spawn().expect("cargo lambda watch starts");
        let functions = format!("http://127.0.0.1:{invoke_port}");
        let forwarding = [
            ("LOCAL_FUNCTIONS", functions.as_str()),
            ("LOCAL_MANAGEMENT_SECRET", secret),
            ("LOCAL_FUNCTION_TIMEOUT_SECONDS", "900"),
        ];
        let server = Server::spawn(
            database_url,
            cleanup,
            &port.to_string(),
            &forwarding,
            Some(watch),
        )
        .await;
        // Every function once, as local-dev's own warm-up does: waits out cargo lambda's builds.
        let warm = local_dev::forward::Functions::new(&functions, None);
        for (function, answer) in warm.warm_up().await {
            if let Err(failure) = answer {
                panic!("{function} did not start under cargo lambda watch: {failure}");
            }
        }
        server
    }

    async fn spawn(
        database_url: String,
        cleanup: std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>,
        port: &str,
        settings: &[(&str, &str)],
        functions: Option<tokio::process::Child>,
    ) -> Server {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_local-dev"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &database_url)
            .env("JWT_SECRET", JWT_SECRET)
            .env("HOST", "127.0.0.1")
            .env("PORT", port)
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
            functions,
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
        if let Some(mut watch) = self.functions.take() {
            stop_group(&watch);
            let _ = tokio::time::timeout(Duration::from_secs(5), watch.wait()).await;
        }
        if let Some(cleanup) = self.cleanup.take() {
            cleanup.await;
        }
    }
}

/// Ends `cargo lambda watch` and everything it started (cargo, the function processes): the
/// processes of its process group, found in `/proc` and killed by pid. (Killing cargo-lambda
/// alone would leave them running. Not `kill -KILL -<pgid>`: on this machine, procps-ng
/// 4.0.2's kill took that as every process there is, MariaDB included.)
fn stop_group(watch: &tokio::process::Child) {
    let Some(group) = watch.id() else {
        return;
    };
    let members: Vec<String> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // Fields after the command name (which may hold spaces): state, ppid, pgrp, …
            let pgrp: u32 = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(2)?
                .parse()
                .ok()?;
            (pgrp == group && pid > 1).then(|| pid.to_string())
        })
        .collect();
    if !members.is_empty() {
        let _ = std::process::Command::new("kill")
            .arg("-KILL")
            .args(&members)
            .status();
    }
}

impl Drop for Server {
    /// A scenario that panics still ends the functions it started.
    fn drop(&mut self) {
        if let Some(watch) = &self.functions {
            stop_group(watch);
        }
    }
}
