//! What the benchmarks share: a fresh database, a running local-dev, and a median.

use std::net::SocketAddr;
use std::time::Duration;

use shared::config::{Config, Profile};

/// Starts local-dev on `database_url` (cheap bcrypt, no rate limit) and serves it in the
/// background.
pub async fn start(database_url: &str) -> (SocketAddr, shared::AppState) {
    let env = std::collections::HashMap::from([
        ("DATABASE_URL".to_string(), database_url.to_string()),
        (
            "JWT_SECRET".to_string(),
            "benchmark-secret-0123456789abcdef0123".to_string(),
        ),
        ("BCRYPT_COST".to_string(), "4".to_string()),
        ("RATE_LIMIT_MESSAGES".to_string(), "0".to_string()),
        ("REGISTER_MAX_PER_ADDRESS".to_string(), "0".to_string()),
        (
            "LOGIN_MAX_ATTEMPTS_PER_ADDRESS".to_string(),
            "0".to_string(),
        ),
        ("DB_MAX_CONNECTIONS".to_string(), "5".to_string()),
    ]);
    let config = Config::from_source(&env, Profile::LocalDev).await.unwrap();
    let options = local_dev::Options {
        config,
        frontend_dist: std::env::temp_dir().join("none"),
        limits: Default::default(),
        management_secret: local_dev::Options::random_management_secret(),
        transport: shared::config::LocalTransport::InProcess,
        management_delay: Default::default(),
        functions: None,
    };
    let app = local_dev::start("127.0.0.1:0", options).await.unwrap();
    let (addr, state) = (app.addr, app.state.clone());
    tokio::spawn(app.serve(std::future::pending()));
    (addr, state)
}

/// The median, in milliseconds.
pub fn median(times: &mut [Duration]) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

/// A fresh database: a temp SQLite file, or a new MySQL database when `TEST_MYSQL_URL` is set.
/// Each call makes another one.
pub async fn database() -> (
    String,
    std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>,
) {
    static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let unique = format!(
        "{}_{}",
        std::process::id(),
        MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    match std::env::var("TEST_MYSQL_URL") {
        Ok(url) if !url.is_empty() => {
            let host_start = url.find("://").map_or(0, |i| i + 3);
            let server = match url[host_start..].find('/') {
                Some(slash) => url[..host_start + slash].to_string(),
                None => url.clone(),
            };
            let name = format!("chat_bench_{unique}");
            let admin = shared::db::Db::connect_lazy_url(&server, 1).unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin.pool)
                .await
                .unwrap();
            let name_again = name.clone();
            let drop = async move {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
                    .execute(&admin.pool)
                    .await;
            };
            (format!("{server}/{name_again}"), Box::pin(drop))
        }
        _ => {
            let dir = std::env::temp_dir().join(format!("chat-bench-{unique}"));
            std::fs::create_dir_all(&dir).unwrap();
            let url = format!("sqlite://{}", dir.join("chat.db").display());
            (
                url,
                Box::pin(async move {
                    let _ = std::fs::remove_dir_all(dir);
                }),
            )
        }
    }
}

/// The plan of `query` (a SELECT, values inlined), one line per row: MySQL's `EXPLAIN`
/// (table, access type, key, estimated rows, extra) or SQLite's `EXPLAIN QUERY PLAN`.
pub async fn explain(db: &shared::db::Db, query: &str) -> Vec<String> {
    use sqlx::Row as _;
    let sqlite = db.backend == shared::db::Backend::Sqlite;
    let sql = if sqlite {
        format!("EXPLAIN QUERY PLAN {query}")
    } else {
        format!("EXPLAIN {query}")
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.pool)
        .await
        .unwrap();
    rows.iter()
        .map(|row| {
            let cell = |name: &str| -> String {
                row.try_get::<Option<String>, _>(name)
                    .ok()
                    .flatten()
                    .or_else(|| {
                        row.try_get::<Option<i64>, _>(name)
                            .ok()
                            .flatten()
                            .map(|n| n.to_string())
                    })
                    .unwrap_or_else(|| "NULL".into())
            };
            if sqlite {
                cell("detail")
            } else {
                format!(
                    "table={} type={} key={} rows={} extra={}",
                    cell("table"),
                    cell("type"),
                    cell("key"),
                    cell("rows"),
                    cell("Extra")
                )
            }
        })
        .collect()
}
