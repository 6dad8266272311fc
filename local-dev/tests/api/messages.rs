//! `/api/rooms/{id}/messages`: membership, content rules, idempotency, pagination,
//! concurrency and the rate limit.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Backend, assert_error, spawn_app, spawn_app_with};

crate::both_backends!(
    only_members_read_and_post,
    emoji_and_4000_character_messages_round_trip,
    each_content_rule_answers_422,
    a_repeated_client_id_stores_one_message_and_answers_it_twice,
    pages_walk_backwards_and_forwards_without_gaps_or_repeats,
    page_parameters_are_checked,
    fifty_parallel_posts_store_fifty_rows_in_increasing_id_order,
    senders_over_the_rate_limit_get_429_with_retry_after,
);

// The core cases once more with the real function binaries behind local-dev (forwarding.rs).
crate::forwarded_too!(
    only_members_read_and_post,
    emoji_and_4000_character_messages_round_trip,
    a_repeated_client_id_stores_one_message_and_answers_it_twice,
    pages_walk_backwards_and_forwards_without_gaps_or_repeats,
);

async fn ids(response: reqwest::Response) -> (Vec<i64>, bool) {
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    let ids = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    (ids, page["has_more"].as_bool().unwrap())
}

async fn only_members_read_and_post(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let mallory = app.signed_in("mallory").await;
    let room = app.room(&alice, "private-ish").await;
    assert_error(
        app.messages(&mallory, room, "").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.post_message(&mallory, room, "hi", None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.messages(&mallory, 4242, "").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        app.post_message(&alice, 4242, "hi", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    app.join(&mallory, room).await;
    assert_eq!(
        app.post_message(&mallory, room, "hi", None).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(ids(app.messages(&alice, room, "").await).await.0.len(), 1);
}

async fn emoji_and_4000_character_messages_round_trip(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let room = app.room(&alice, "unicode").await;
    let long = "😀".repeat(4000);
    let mixed = "Grüße 👋🏽 — 你好 — مرحبا\nsecond line\ttab";
    for content in [long.as_str(), mixed, "<script>alert(1)</script>"] {
        let response = app.post_message(&alice, room, content, None).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let message: Value = response.json().await.unwrap();
        assert_eq!(message["content"], content);
        assert_eq!(message["sender"]["username"], "alice");
        assert_eq!(message["room_id"], room);
        assert_eq!(message["client_id"], Value::Null);
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
        vec![long.as_str(), mixed, "<script>alert(1)</script>"]
    );
    let trimmed: Value = app
        .post_message(&alice, room, "  padded  ", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(trimmed["content"], "padded");
}

async fn each_content_rule_answers_422(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let room = app.room(&alice, "rules").await;
    let too_long = "a".repeat(4001);
    for (content, field) in [
        ("", "content"),
        ("  \n\t ", "content"),
        (too_long.as_str(), "content"),
        ("nul\0byte", "content"),
    ] {
        let message = assert_error(
            app.post_message(&alice, room, content, None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(message.starts_with(field), "{message}");
    }
    for client_id in ["", "has space", "ünïcode", &"c".repeat(65)] {
        let message = assert_error(
            app.post_message(&alice, room, "ok", Some(client_id)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(message.starts_with("client_id"), "{message}");
    }
    let no_content = app
        .post_json(
            &format!("/api/rooms/{room}/messages"),
            Some(&alice.token),
            &serde_json::json!({}),
        )
        .await;
    assert_error(
        no_content,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        ids(app.messages(&alice, room, "").await).await.0.is_empty(),
        "nothing stored"
    );
}

async fn a_repeated_client_id_stores_one_message_and_answers_it_twice(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let room = app.room(&alice, "retries").await;
    app.join(&bob, room).await;
    let first = app
        .post_message(&alice, room, "only once", Some("msg-1"))
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["client_id"], "msg-1");
    let second = app
        .post_message(&alice, room, "only once", Some("msg-1"))
        .await;
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(second.json::<Value>().await.unwrap(), first);
    // Another sender may use the same key: keys are per sender.
    assert_eq!(
        app.post_message(&bob, room, "mine", Some("msg-1"))
            .await
            .status(),
        StatusCode::CREATED
    );
    // Concurrent retries with one key still store one message.
    let retries = (0..8).map(|_| app.post_message(&alice, room, "burst", Some("msg-2")));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(retries)
        .await
        .iter()
        .map(|r| r.status())
        .collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::OK)
    );
    assert_eq!(ids(app.messages(&alice, room, "").await).await.0.len(), 3);
}

async fn pages_walk_backwards_and_forwards_without_gaps_or_repeats(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let room = app.room(&alice, "history").await;
    let other = app.room(&alice, "elsewhere").await;
    let mut posted = Vec::new();
    for i in 0..120 {
        let m: Value = app
            .post_message(&alice, room, &format!("message {i}"), None)
            .await
            .json()
            .await
            .unwrap();
        posted.push(m["id"].as_i64().unwrap());
        if i % 10 == 0 {
            app.post_message(&alice, other, "noise", None).await;
        }
    }

    let (newest, more) = ids(app.messages(&alice, room, "").await).await;
    assert_eq!(newest, posted[70..].to_vec(), "the newest 50, oldest first");
    assert!(more);
    let (older, more) = ids(app
        .messages(&alice, room, &format!("?before={}", newest[0]))
        .await)
    .await;
    assert_eq!(older, posted[20..70].to_vec());
    assert!(more);
    let (oldest, more) = ids(app
        .messages(&alice, room, &format!("?before={}&limit=50", older[0]))
        .await)
    .await;
    assert_eq!(oldest, posted[..20].to_vec());
    assert!(!more);
    let (none, more) = ids(app
        .messages(&alice, room, &format!("?before={}", posted[0]))
        .await)
    .await;
    assert!(none.is_empty() && !more);

    let (after, more) = ids(app
        .messages(&alice, room, &format!("?after={}&limit=100", posted[9]))
        .await)
    .await;
    assert_eq!(after, posted[10..110].to_vec());
    assert!(more);
    let (tail, more) = ids(app
        .messages(&alice, room, &format!("?after={}", posted[109]))
        .await)
    .await;
    assert_eq!(tail, posted[110..].to_vec());
    assert!(!more);
    let (nothing_new, more) = ids(app
        .messages(&alice, room, &format!("?after={}", posted[119]))
        .await)
    .await;
    assert!(nothing_new.is_empty() && !more);
    let (from_start, _) = ids(app.messages(&alice, room, "?after=0&limit=1").await).await;
    assert_eq!(from_start, vec![posted[0]]);
    let (one, more) = ids(app.messages(&alice, room, "?limit=1").await).await;
    assert_eq!((one, more), (vec![posted[119]], true));
}

async fn page_parameters_are_checked(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let room = app.room(&alice, "params").await;
    for query in [
        "?limit=0",
        "?limit=101",
        "?limit=-5",
        "?before=1&after=2",
        "?before=0",
    ] {
        assert_error(
            app.messages(&alice, room, query).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    for query in [
        "?limit=abc",
        "?before=1.5",
        "?after=x",
        "?limit=99999999999999999999999",
    ] {
        assert_error(
            app.messages(&alice, room, query).await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        )
        .await;
    }
    assert_eq!(
        app.messages(&alice, room, "?limit=100").await.status(),
        StatusCode::OK
    );
}

async fn fifty_parallel_posts_store_fifty_rows_in_increasing_id_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let room = app.room(&alice, "busy").await;
    let posts = (0..50).map(|i| {
        let (app, alice) = (&app, &alice);
        async move {
            app.post_message(
                alice,
                room,
                &format!("parallel {i}"),
                Some(&format!("p{i}")),
            )
            .await
            .status()
        }
    });
    let statuses = futures_util::future::join_all(posts).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );
    let page: Value = app
        .messages(&alice, room, "?limit=100")
        .await
        .json()
        .await
        .unwrap();
    let messages = page["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 50);
    let ids: Vec<i64> = messages.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing: {ids:?}"
    );
    let times: Vec<&str> = messages
        .iter()
        .map(|m| m["created_at"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "ids follow time");
    let mut contents: Vec<&str> = messages
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    contents.sort();
    contents.dedup();
    assert_eq!(contents.len(), 50);
}

async fn senders_over_the_rate_limit_get_429_with_retry_after(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("RATE_LIMIT_MESSAGES", "3"),
            ("RATE_LIMIT_WINDOW_SECONDS", "60"),
        ],
    )
    .await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let room = app.room(&alice, "slow down").await;
    let other = app.room(&alice, "other room").await;
    app.join(&bob, room).await;
    for i in 0..3 {
        assert_eq!(
            app.post_message(&alice, room, &format!("m{i}"), Some(&format!("k{i}")))
                .await
                .status(),
            StatusCode::CREATED
        );
    }
    let limited = app.post_message(&alice, room, "one too many", None).await;
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_error(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // A retry of an already-stored message is not a new send.
    assert_eq!(
        app.post_message(&alice, room, "m0", Some("k0"))
            .await
            .status(),
        StatusCode::OK
    );
    // The limit is per user and per room.
    assert_eq!(
        app.post_message(&bob, room, "bob is fine", None)
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.post_message(&alice, other, "other room is fine", None)
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(ids(app.messages(&alice, room, "").await).await.0.len(), 4);
}
