//! What crowds do: many sockets connecting and sending at once, a client reconnecting in the
//! middle of the burst, and retries racing their originals over REST and two sockets. Nothing
//! lost, nothing doubled, each sender's messages in order.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, Session, TestApp, WsClient, spawn_app, spawn_app_with};

crate::both_backends!(
    twenty_clients_sending_fifty_each_at_once_store_and_deliver_exactly_a_thousand,
    retries_racing_over_rest_and_two_sockets_store_one_message_per_client_id,
    the_same_crowd_over_the_sdk_path,
    the_same_retries_over_the_sdk_path,
);

// The core cases once more with the real function binaries behind local-dev (forwarding.rs).
crate::forwarded_too!(retries_racing_over_rest_and_two_sockets_store_one_message_per_client_id,);

/// The SDK path (`LOCAL_BROADCAST=sdk`): every delivery a signed `PostToConnection` to
/// local-dev's `@connections`, as the Lambda functions post.
const SDK: &[(&str, &str)] = &[("LOCAL_BROADCAST", "sdk")];

async fn the_same_crowd_over_the_sdk_path(backend: Backend) {
    crowd_of_twenty(spawn_app_with(backend, SDK).await, Repeats::ExactCopiesOnly).await;
}

async fn the_same_retries_over_the_sdk_path(backend: Backend) {
    racing_retries(spawn_app_with(backend, SDK).await).await;
}

const CLIENTS: usize = 20;
const EACH: usize = 50;
const QUIET: Duration = Duration::from_millis(500);
/// A thousand posts on two loaded cores can pause a socket for many seconds (SQLite takes one
/// writer at a time); a lost frame still fails, only later.
const CROWD_WAIT: Duration = Duration::from_secs(60);

async fn count_messages(app: &crate::helpers::TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM messages")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    n
}

/// Collects `message` frames until `want` distinct ids arrived; returns them in arrival order
/// with the number of frames that repeated an id. A repeat must be an exact copy of the frame
/// first received (a new message is never changed by this crowd).
async fn collect(ws: &mut WsClient, want: usize) -> (Vec<Value>, usize) {
    let mut first: HashMap<i64, Value> = HashMap::new();
    let mut arrived = Vec::new();
    let mut repeats = 0;
    let mut take = |message: Value, arrived: &mut Vec<Value>| {
        let id = message["id"].as_i64().unwrap();
        match first.get(&id) {
            Some(copy) => {
                assert_eq!(
                    copy, &message,
                    "a repeated frame differs from its first copy"
                );
                repeats += 1;
            }
            None => {
                first.insert(id, message.clone());
                arrived.push(message);
            }
        }
    };
    while arrived.len() < want {
        let frame = ws.next_of("message").await;
        take(frame["message"].clone(), &mut arrived);
    }
    for frame in ws.drain(QUIET).await {
        if frame["type"] == "message" {
            take(frame["message"].clone(), &mut arrived);
        }
    }
    assert_eq!(arrived.len(), want, "no message beyond the crowd's");
    (arrived, repeats)
}

/// Each sender's client_ids in the order they arrived must be the order it sent them.
fn assert_in_sender_order(arrived: &[Value]) {
    let mut last: HashMap<String, usize> = HashMap::new();
    for message in arrived {
        let client_id = message["client_id"].as_str().unwrap();
        let (sender, n) = client_id.split_once('-').unwrap();
        let n: usize = n.parse().unwrap();
        if let Some(previous) = last.insert(sender.to_string(), n) {
            assert!(
                n > previous,
                "{sender}'s message {n} arrived after {previous}"
            );
        }
    }
}

async fn twenty_clients_sending_fifty_each_at_once_store_and_deliver_exactly_a_thousand(
    backend: Backend,
) {
    crowd_of_twenty(spawn_app(backend).await, Repeats::None).await;
}

/// What a socket may receive twice. In-process hand-over queues each frame once. Over the SDK
/// path a post whose answer comes late (a loaded machine: over the client's 3 s attempt
/// timeout) is retried after it was delivered, as the functions' posts to API Gateway are, so a
/// frame can arrive twice: the very same frame, which the merge rule (by id, higher seq wins)
/// makes harmless.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repeats {
    None,
    ExactCopiesOnly,
}

async fn crowd_of_twenty(app: TestApp, repeats_allowed: Repeats) {
    let users: Vec<Session> = futures_util::future::join_all((0..=CLIENTS).map(|i| {
        let app = &app;
        async move { app.signed_in(&format!("user{i}")).await }
    }))
    .await;
    let room = app.room(&users[0], "crowd").await;
    for user in &users[1..] {
        assert_eq!(app.join(user, room).await.status(), StatusCode::OK);
    }
    let total = CLIENTS * EACH;

    // All connect at once (one user connection each, the last user is the one who reconnects).
    let urls: Vec<String> = users.iter().map(|u| app.user_ws_url(&u.token)).collect();
    let mut sockets: Vec<WsClient> =
        futures_util::future::join_all(urls.iter().map(|url| WsClient::connect(url)))
            .await
            .into_iter()
            .map(|s| s.expect("upgrade").patient(CROWD_WAIT))
            .collect();
    let mut reconnecting = sockets.pop().unwrap();
    let reconnecting_user = users[CLIENTS].clone();

    // Every client fires its fifty frames without waiting for anything, all at the same time,
    // then reads until it has seen all thousand.
    let senders = sockets.into_iter().enumerate().map(|(i, mut ws)| async move {
        for n in 0..EACH {
            ws.send(json!({"action": "sendMessage", "room_id": room, "content": format!("{i}:{n}"), "client_id": format!("u{i}-{n}")}))
                .await;
        }
        collect(&mut ws, total).await
    });
    // Meanwhile one client drops after a hundred messages, reconnects and catches up with
    // `since` (the seq it applied), taking the rest live.
    let app_ref = &app;
    let catch_up = async move {
        let (first, _) = collect_some(&mut reconnecting, 100).await;
        reconnecting.close().await;
        // Pushes of concurrent posts may arrive out of seq order: what is applied is the
        // gap-free prefix (as the SPA keeps it), not the highest seq seen, which would skip a
        // late one for good.
        let mut seqs: Vec<i64> = first.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
        seqs.sort_unstable();
        let applied = seqs
            .iter()
            .zip(1..)
            .take_while(|(seq, expected)| **seq == *expected)
            .count() as i64;
        let mut ws = WsClient::connect(&app_ref.user_ws_url(&reconnecting_user.token))
            .await
            .unwrap()
            .patient(CROWD_WAIT);
        let mut seen: HashMap<i64, Value> = first
            .into_iter()
            .map(|m| (m["id"].as_i64().unwrap(), m))
            .collect();
        let mut since = applied;
        loop {
            ws.send(json!({"action": "sync", "room_id": room, "since": since, "limit": 100}))
                .await;
            let mut has_more = false;
            loop {
                let frame = ws.next().await;
                match frame["type"].as_str() {
                    Some("history") => {
                        for m in frame["messages"].as_array().unwrap() {
                            since = since.max(m["seq"].as_i64().unwrap());
                            seen.insert(m["id"].as_i64().unwrap(), m.clone());
                        }
                        has_more |= frame["has_more"] == true;
                    }
                    Some("message") => {
                        let m = &frame["message"];
                        seen.insert(m["id"].as_i64().unwrap(), m.clone());
                    }
                    Some("presence") if frame["joined"].is_null() && frame["left"].is_null() => {
                        break;
                    }
                    _ => {}
                }
            }
            if !has_more {
                break;
            }
        }
        while seen.len() < total {
            let frame = ws.next_of("message").await;
            let m = &frame["message"];
            seen.insert(m["id"].as_i64().unwrap(), m.clone());
        }
        seen
    };
    let (received, caught_up) = tokio::join!(futures_util::future::join_all(senders), catch_up);

    assert_eq!(
        count_messages(&app).await,
        total as i64,
        "exactly one row per frame"
    );
    let expected: HashSet<i64> = received[0]
        .0
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(expected.len(), total);
    for (arrived, repeats) in &received {
        if repeats_allowed == Repeats::None {
            assert_eq!(*repeats, 0, "nothing doubled");
        }
        let ids: HashSet<i64> = arrived.iter().map(|m| m["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, expected, "nothing lost");
        assert_in_sender_order(arrived);
    }
    let caught: HashSet<i64> = caught_up.keys().copied().collect();
    assert_eq!(
        caught, expected,
        "the reconnecting client has every message once"
    );
    // Seqs are a gap-free 1..=1000: every change is ordered, none skipped.
    let mut seqs: Vec<i64> = caught_up
        .values()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=total as i64).collect::<Vec<_>>());
}

/// The first `want` message frames (distinct ids), without draining.
async fn collect_some(ws: &mut WsClient, want: usize) -> (Vec<Value>, usize) {
    let mut seen = HashSet::new();
    let mut arrived = Vec::new();
    while seen.len() < want {
        let frame = ws.next_of("message").await;
        let message = frame["message"].clone();
        if seen.insert(message["id"].as_i64().unwrap()) {
            arrived.push(message);
        }
    }
    (arrived, 0)
}

async fn retries_racing_over_rest_and_two_sockets_store_one_message_per_client_id(
    backend: Backend,
) {
    racing_retries(spawn_app(backend).await).await;
}

async fn racing_retries(app: TestApp) {
    const RACES: usize = 20;
    let alice = app.signed_in("alice").await;
    let room = app.room(&alice, "retries").await;
    let mut a = WsClient::connect(&app.user_ws_url(&alice.token))
        .await
        .unwrap();
    let mut b = WsClient::connect(&app.user_ws_url(&alice.token))
        .await
        .unwrap();
    a.sync_room(room, None).await;
    b.sync_room(room, None).await;

    let mut ids_by_client_id: HashMap<String, HashSet<i64>> = HashMap::new();
    for k in 0..RACES {
        let client_id = format!("retry-{k}");
        let frame = json!({"action": "sendMessage", "room_id": room, "content": "once", "client_id": client_id});
        let (rest, (), ()) = tokio::join!(
            app.post_message(&alice, room, "once", Some(&client_id)),
            a.send(frame.clone()),
            b.send(frame.clone()),
        );
        assert!(
            matches!(rest.status(), StatusCode::CREATED | StatusCode::OK),
            "{}",
            rest.status()
        );
        let body: Value = rest.json().await.unwrap();
        ids_by_client_id
            .entry(client_id)
            .or_default()
            .insert(body["id"].as_i64().unwrap());
    }
    for ws in [&mut a, &mut b] {
        for frame in ws.drain(Duration::from_secs(1)).await {
            if frame["type"] == "message" {
                let m = &frame["message"];
                ids_by_client_id
                    .entry(m["client_id"].as_str().unwrap().to_string())
                    .or_default()
                    .insert(m["id"].as_i64().unwrap());
            }
            assert_ne!(frame["type"], "error", "a retry is not an error: {frame}");
        }
    }
    assert_eq!(ids_by_client_id.len(), RACES);
    for (client_id, ids) in &ids_by_client_id {
        assert_eq!(
            ids.len(),
            1,
            "{client_id} answered with one message id: {ids:?}"
        );
    }
    assert_eq!(
        count_messages(&app).await,
        RACES as i64,
        "one row per client_id"
    );
}
