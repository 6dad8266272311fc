//! The database going away mid-run, through a relay the test controls (MySQL only: an
//! embedded SQLite file cannot go away): cut like a failover, blackholed like a partition.
//! REST answers 503, every WebSocket frame still gets an answer, nothing is half-written, and
//! everything recovers without a restart.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, TestDatabase, WsClient, assert_error, spawn_app_on};
use crate::relay::Relay;

async fn app_behind_a_relay() -> Option<(TestApp, Relay)> {
    let backend = Backend::mysql()?;
    let db = TestDatabase::create(&backend).await;
    let relay = Relay::start(&db.url).await;
    let app = spawn_app_on(db, &[("DATABASE_URL", relay.url.as_str())]).await;
    Some((app, relay))
}

/// During an outage: REST 503 promptly, `ping` → `pong`, a `sendMessage` → `unavailable` with
/// its `client_id`.
async fn assert_unavailable(app: &TestApp, ws: &mut WsClient, token: &str, room: i64, tag: &str) {
    let started = Instant::now();
    assert_error(
        app.post_json(
            &format!("/api/rooms/{room}/messages"),
            Some(token),
            &json!({"content": format!("rest {tag}")}),
        )
        .await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    )
    .await;
    ws.send(json!({"action": "ping"})).await;
    assert_eq!(
        ws.next_of("pong").await["type"],
        "pong",
        "{tag}: ping answered"
    );
    ws.send(json!({"action": "sendMessage", "room_id": room, "content": format!("ws {tag}"), "client_id": tag}))
        .await;
    let error = ws.next_of("error").await;
    assert_eq!(error["code"], "unavailable", "{tag}: {error}");
    assert_eq!(error["client_id"], tag);
    assert_eq!(error["room_id"], room);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{tag}: answers come within the pool's acquire timeout, not never"
    );
}

async fn recovered(app: &TestApp) {
    for _ in 0..100 {
        if app.get("/api/health", None).await.status() == StatusCode::OK {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("health never came back after the database did");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_get_answers_through_a_cut_and_a_blackhole_and_nothing_is_half_written() {
    let Some((app, relay)) = app_behind_a_relay().await else {
        return;
    };
    let (alice, bob, room, _, _) = app.alice_and_bob_with_sockets().await;
    let mut ws = WsClient::connect(&app.user_ws_url(&alice.token))
        .await
        .unwrap();
    ws.sync_room(room, None).await;
    let mut watcher = WsClient::connect(&app.user_ws_url(&bob.token))
        .await
        .unwrap();
    watcher.sync_room(room, None).await;

    for (tag, fault) in [
        ("cut", Relay::cut as fn(&Relay)),
        ("blackhole", Relay::blackhole),
    ] {
        fault(&relay);
        assert_unavailable(&app, &mut ws, &alice.token, room, tag).await;
        relay.restore();
        recovered(&app).await;
        // The same socket works again, without reconnecting: the retry of the lost frame lands.
        ws.send(json!({"action": "sendMessage", "room_id": room, "content": format!("retried after {tag}"), "client_id": tag}))
            .await;
        let landed = watcher.next_of("message").await;
        assert_eq!(landed["message"]["content"], format!("retried after {tag}"));
    }

    let page: Value = app.messages(&alice, room, "").await.json().await.unwrap();
    let contents: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        contents,
        vec!["retried after cut", "retried after blackhole"],
        "exactly the retried messages, once each, and nothing from during the outages"
    );
    let seqs: Vec<i64> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![1, 2], "the change sequence has no gap");
}
