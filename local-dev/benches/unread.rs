//! Room-list benchmark: `GET /api/rooms` with unread counts for a user in many busy rooms.
//!
//! Seeds `UNREAD_ROOMS` rooms (default 100) of `UNREAD_MESSAGES` messages each (default
//! 10,000) with multi-row INSERTs, makes one reader a member of all of them, and times the
//! list over HTTP with the reader's markers 10 messages behind in every room, with nothing
//! read at all, and with everything read; then a `since` page and searches over all of it.
//! Prints the `EXPLAIN` of the unread-count, `since` and fan-out statements.
//!
//! `TEST_MYSQL_URL=mysql://root@127.0.0.1:3306 cargo bench -p local-dev --bench unread`
//! (SQLite without it). `UNREAD_REQUESTS=30` sets the requests per case.

use std::time::{Duration, Instant};

mod common;
use common::{database, median, start};

use shared::domain::RoomId;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let rooms = env_number("UNREAD_ROOMS", 100);
    let per_room = env_number("UNREAD_MESSAGES", 10_000);
    let requests = env_number("UNREAD_REQUESTS", 30);
    let (database_url, cleanup) = database().await;
    let (addr, state) = start(&database_url).await;
    let pool = &state.db.pool;

    let writer = shared::accounts::register(
        &state,
        &shared::accounts::ClientAddress("127.0.0.1".into()),
        "writer",
        "benchmark password",
    )
    .await
    .unwrap();
    let reader = shared::accounts::register(
        &state,
        &shared::accounts::ClientAddress("127.0.0.1".into()),
        "reader",
        "benchmark password",
    )
    .await
    .unwrap();
    let as_user = |u: &shared::domain::User| shared::auth::AuthUser {
        id: u.id,
        username: u.username.clone(),
        expires_at: shared::domain::Timestamp(i64::MAX / 2),
    };
    let (writer_auth, reader_auth) = (as_user(&writer), as_user(&reader));

    let seeding = Instant::now();
    let mut room_ids = Vec::new();
    for r in 0..rooms {
        let room = shared::rooms::create(&state, &writer_auth, &format!("busy-{r}"))
            .await
            .unwrap();
        shared::rooms::join(&state, &reader_auth, room.id)
            .await
            .unwrap();
        room_ids.push(room.id);
        let mut tx = pool.begin().await.unwrap();
        for chunk in (0..per_room).collect::<Vec<_>>().chunks(1000) {
            // Only numbers are interpolated.
            let values: Vec<String> = chunk
                .iter()
                .map(|i| {
                    format!(
                        "({}, {}, 'message {i} of a busy room', {}, {})",
                        room.id,
                        writer.id,
                        1_700_000_000_000i64 + *i as i64,
                        *i as i64 + 1
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
        }
        sqlx::query("UPDATE rooms SET last_seq = ? WHERE id = ?")
            .bind(per_room as i64)
            .bind(room.id.0)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    if state.db.backend == shared::db::Backend::MySql {
        sqlx::query("ANALYZE TABLE messages, room_members, connections")
            .execute(pool)
            .await
            .unwrap();
    }
    println!(
        "seeded {rooms} rooms × {per_room} messages on {} in {:.1} s",
        database_url.split(':').next().unwrap(),
        seeding.elapsed().as_secs_f64()
    );

    let token = state.jwt.issue(reader.id, "reader").unwrap();
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/api/rooms");
    println!(
        "{:>28}  {:>10}  {:>10}  {:>12}",
        "case", "median", "p95", "unread total"
    );
    for (case, behind) in [
        ("10 unread per room", Some(10)),
        ("nothing read (all unread)", None),
        ("everything read", Some(0)),
    ] {
        set_markers(&state, reader.id, &room_ids, behind).await;
        let (mut times, listed) = timed_gets(&http, &url, &token, requests).await;
        let total: u64 = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["unread_count"].as_u64().unwrap())
            .sum();
        let p95 = p95(&mut times);
        println!(
            "{case:>28}  {:>8.2}ms  {:>8.2}ms  {total:>12}",
            median(&mut times),
            p95
        );
    }

    let since_url = format!(
        "http://{addr}/api/rooms/{}/messages?since={}&limit=50",
        room_ids[0],
        per_room as i64 - 50
    );
    let (mut times, page) = timed_gets(&http, &since_url, &token, requests).await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 50);
    println!(
        "{:>28}  {:>8.2}ms  {:>8.2}ms",
        "since page (50 changes)",
        median(&mut times),
        p95(&mut times)
    );

    for (what, query) in [
        ("search, rare word (100 hits)", "q=4242"),
        ("search, common word (1M hits)", "q=busy"),
        ("search, two words", "q=message+4242"),
    ] {
        let url = format!("http://{addr}/api/search?{query}&limit=20");
        let (mut times, page) = timed_gets(&http, &url, &token, requests).await;
        let hits = page["messages"].as_array().map_or(0, Vec::len);
        println!(
            "{what:>28}  {:>8.2}ms  {:>8.2}ms  {hits:>12}",
            median(&mut times),
            p95(&mut times)
        );
    }

    if state.db.backend == shared::db::Backend::MySql {
        let (newest,): (i64,) = sqlx::query_as("SELECT MAX(id) FROM messages WHERE room_id = ?")
            .bind(room_ids[0].0)
            .fetch_one(pool)
            .await
            .unwrap();
        explain(
            &state,
            "one room's unread count, marker 10 behind (GET /api/rooms runs one per room, UNION ALL)",
            &format!(
                "EXPLAIN SELECT {0}, COUNT(*) FROM messages WHERE room_id = {0} AND id > {1} AND sender_id <> {2}",
                room_ids[0],
                newest - 10,
                reader.id
            ),
        )
        .await;
        explain(
            &state,
            "a since page (GET /api/rooms/{id}/messages?since=<seq>)",
            &format!(
                "EXPLAIN SELECT m.id FROM messages m WHERE m.room_id = {} AND m.seq > {} ORDER BY m.seq ASC LIMIT 51",
                room_ids[0],
                per_room as i64 - 50
            ),
        )
        .await;
        explain(
            &state,
            "fan-out (receivers of a room)",
            &format!(
                "EXPLAIN SELECT c.connection_id FROM connections c WHERE c.room_id = {0} UNION ALL SELECT c.connection_id FROM connections c JOIN room_members m ON m.user_id = c.user_id AND c.room_id IS NULL WHERE m.room_id = {0}",
                room_ids[0]
            ),
        )
        .await;
    }
    cleanup.await;
}

/// Puts the reader's marker `behind` messages before the newest in every room (`None`: unset).
async fn set_markers(
    state: &shared::AppState,
    reader: shared::domain::UserId,
    rooms: &[RoomId],
    behind: Option<i64>,
) {
    for room in rooms {
        let marker = match behind {
            None => None,
            Some(n) => {
                let (newest,): (i64,) =
                    sqlx::query_as("SELECT MAX(id) FROM messages WHERE room_id = ?")
                        .bind(room.0)
                        .fetch_one(&state.db.pool)
                        .await
                        .unwrap();
                Some(newest - n)
            }
        };
        sqlx::query("UPDATE room_members SET last_read_id = ? WHERE room_id = ? AND user_id = ?")
            .bind(marker)
            .bind(room.0)
            .bind(reader.0)
            .execute(&state.db.pool)
            .await
            .unwrap();
    }
}

/// `n` GETs of `url`, timed; the last answer.
async fn timed_gets(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    n: usize,
) -> (Vec<Duration>, serde_json::Value) {
    let mut times = Vec::new();
    let mut last = serde_json::Value::Null;
    for _ in 0..n {
        let started = Instant::now();
        last = http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        times.push(started.elapsed());
    }
    (times, last)
}

fn p95(times: &mut [Duration]) -> f64 {
    times.sort();
    times[(times.len() * 95 / 100).min(times.len() - 1)].as_secs_f64() * 1000.0
}

async fn explain(state: &shared::AppState, what: &str, sql: &str) {
    println!("\nEXPLAIN, {what}:");
    let query = sql.strip_prefix("EXPLAIN ").unwrap_or(sql);
    for line in common::explain(&state.db, query).await {
        println!("  {line}");
    }
}
