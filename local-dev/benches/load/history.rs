//! History and search at scale: one room of 1,000,000 messages (multi-row INSERTs straight
//! into the database local-dev serves), then the newest page, a deep `before` page, a deep
//! `since` page, an `around` page and searches for a rare and a common word, over REST;
//! with the `EXPLAIN` of each page's statement.

use std::time::Instant;

use serde_json::json;

use crate::client::Api;
use crate::report::{Report, Spread, show};
use crate::server::Server;

/// Rows per INSERT statement and per transaction.
const ROWS_PER_INSERT: usize = 2_000;
const ROWS_PER_COMMIT: usize = 50_000;

pub async fn run(report: &mut Report) {
    let smoke = crate::smoke();
    let total = crate::knob(
        "BENCH_HISTORY_MESSAGES",
        if smoke { 10_000 } else { 1_000_000 },
    );
    let requests = if smoke { 5 } else { 30 };
    let server = Server::start(&[]).await;
    let api = Api::new(&server.base);
    let writer = api.register("writer").await;
    let reader = api.register("reader").await;
    let room = api.create_room(&writer, "archive").await;
    api.join_all(room, std::slice::from_ref(&reader)).await;

    let db = shared::db::Db::connect_lazy_url(&server.database_url, 2).unwrap();
    let seeding = Instant::now();
    let rare_at = total / 3;
    let mut done = 0;
    while done < total {
        let mut tx = db.pool.begin().await.unwrap();
        let commit_end = (done + ROWS_PER_COMMIT).min(total);
        while done < commit_end {
            let end = (done + ROWS_PER_INSERT).min(commit_end);
            // Only numbers are interpolated.
            let values: Vec<String> = (done..end)
                .map(|i| {
                    let word = if i == rare_at { "needle" } else { "hay" };
                    format!(
                        "({room}, {}, 'message {i} about topic{} and {word}', {}, {})",
                        writer.id,
                        i % 1000,
                        1_700_000_000_000i64 + i as i64,
                        i + 1
                    )
                })
                .collect();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO messages (room_id, sender_id, content, created_at, seq) VALUES {}",
                values.join(", ")
            )))
            .execute(&mut *tx)
            .await
            .unwrap();
            done = end;
        }
        tx.commit().await.unwrap();
    }
    sqlx::query("UPDATE rooms SET last_seq = ? WHERE id = ?")
        .bind(total as i64)
        .bind(room)
        .execute(&db.pool)
        .await
        .unwrap();
    if db.backend == shared::db::Backend::MySql {
        sqlx::query("ANALYZE TABLE messages")
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let seeded = seeding.elapsed();
    let (first_id,): (i64,) = sqlx::query_as("SELECT MIN(id) FROM messages WHERE room_id = ?")
        .bind(room)
        .fetch_one(&db.pool)
        .await
        .unwrap();

    let deep_id = first_id + 1_000;
    let middle_id = first_id + total as i64 / 2;
    let deep_seq = total / 2;
    let cases: Vec<(&str, String, String)> = vec![
        (
            "newest page",
            format!("/api/rooms/{room}/messages?limit=50"),
            format!(
                "SELECT m.id FROM messages m WHERE m.room_id = {room} AND m.id < {} ORDER BY m.id DESC LIMIT 51",
                i64::MAX
            ),
        ),
        (
            "deep `before` page (the 1,000th message)",
            format!("/api/rooms/{room}/messages?before={deep_id}&limit=50"),
            format!(
                "SELECT m.id FROM messages m WHERE m.room_id = {room} AND m.id < {deep_id} ORDER BY m.id DESC LIMIT 51"
            ),
        ),
        (
            "deep `since` page (half the room changed after it)",
            format!("/api/rooms/{room}/messages?since={deep_seq}&limit=50"),
            format!(
                "SELECT m.id FROM messages m WHERE m.room_id = {room} AND m.seq > {deep_seq} ORDER BY m.seq ASC LIMIT 51"
            ),
        ),
        (
            "`around` page (the middle)",
            format!("/api/rooms/{room}/messages?around={middle_id}&limit=50"),
            format!(
                "SELECT m.id FROM messages m WHERE m.room_id = {room} AND m.id >= {middle_id} ORDER BY m.id ASC LIMIT 26"
            ),
        ),
        (
            "search, a word in one message",
            "/api/search?q=needle".into(),
            String::new(),
        ),
        (
            "search, a word in 1 of 1,000 messages",
            "/api/search?q=topic7".into(),
            String::new(),
        ),
        (
            "search, a word in every message",
            "/api/search?q=hay".into(),
            String::new(),
        ),
    ];
    let (mut rows, mut json_rows, mut plans) = (Vec::new(), Vec::new(), String::new());
    for (what, path, plan_sql) in cases {
        let mut latencies = Vec::new();
        let mut count = 0;
        for _ in 0..requests + 1 {
            let at = Instant::now();
            let response = api
                .http
                .get(api.url(&path))
                .bearer_auth(&reader.token)
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            let body: serde_json::Value = response.json().await.unwrap();
            latencies.push(at.elapsed());
            count = body["messages"].as_array().map_or(0, Vec::len);
        }
        latencies.remove(0); // the first one warms caches
        let spread = Spread::of(&mut latencies);
        rows.push(vec![
            what.to_string(),
            format!("`{path}`"),
            count.to_string(),
            show(spread.p50),
            show(spread.p99),
        ]);
        json_rows
            .push(json!({"case": what, "path": path, "messages": count, "latency": spread.json()}));
        if !plan_sql.is_empty() {
            plans.push_str(&format!("{what}: {plan_sql}\n"));
            for line in crate::common::explain(&db, &plan_sql).await {
                plans.push_str(&format!("  {line}\n"));
            }
        }
    }
    report.section(
        "History and search at scale",
        &format!(
            "One room of {total} messages, seeded in {:.1} s ({:.0} rows/s); {requests} requests \
             per case after one warm-up, over REST.",
            seeded.as_secs_f64(),
            total as f64 / seeded.as_secs_f64()
        ),
    );
    report.table(&["case", "request", "messages", "p50", "p99"], &rows);
    report.note("The statements' plans:");
    report.code(&plans);
    report.json(
        "history",
        json!({"messages": total, "seed_s": seeded.as_secs_f64(), "cases": json_rows}),
    );
    server.stop().await;
}
