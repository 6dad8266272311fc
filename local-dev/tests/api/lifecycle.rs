//! The message lifecycle: the per-room change sequence under concurrent writers, `since`
//! catch-up, edits, tombstones, replies, reactions, mentions, `around` pages, and the same
//! changes live over WebSocket.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, WsClient, assert_error, spawn_app, spawn_app_with,
};

crate::both_backends!(
    seqs_stay_contiguous_under_twenty_concurrent_writers_of_mixed_kinds,
    since_returns_each_changed_message_once_in_seq_order_with_its_final_state,
    only_the_sender_edits_and_the_sender_or_the_owner_deletes,
    a_deleted_parent_blanks_its_replies_excerpt_and_gives_them_new_seqs,
    reactions_are_idempotent_and_one_per_user_per_emoji,
    mentions_resolve_members_only_and_feed_the_mention_count,
    around_pages_center_on_a_message,
    changes_are_pushed_live_and_work_over_websocket_too,
    edits_and_reactions_count_against_the_send_rate_limit,
);

// The core cases once more with the real function binaries behind local-dev (forwarding.rs).
crate::forwarded_too!(changes_are_pushed_live_and_work_over_websocket_too,);

async fn json_of(response: reqwest::Response) -> Value {
    assert!(
        response.status().is_success(),
        "status {}",
        response.status()
    );
    response.json().await.unwrap()
}

impl TestApp {
    async fn edit(&self, who: &Session, room: i64, id: i64, content: &str) -> reqwest::Response {
        self.http
            .patch(self.url(&format!("/api/rooms/{room}/messages/{id}")))
            .bearer_auth(&who.token)
            .json(&json!({ "content": content }))
            .send()
            .await
            .unwrap()
    }

    async fn delete_message(&self, who: &Session, room: i64, id: i64) -> reqwest::Response {
        self.http
            .delete(self.url(&format!("/api/rooms/{room}/messages/{id}")))
            .bearer_auth(&who.token)
            .send()
            .await
            .unwrap()
    }

    /// PUT (`on`) or DELETE a reaction; `emoji` is percent-encoded here.
    async fn react(
        &self,
        who: &Session,
        room: i64,
        id: i64,
        emoji: &str,
        on: bool,
    ) -> reqwest::Response {
        let encoded: String = emoji
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let url = self.url(&format!(
            "/api/rooms/{room}/messages/{id}/reactions/{encoded}"
        ));
        let request = if on {
            self.http.put(url)
        } else {
            self.http.delete(url)
        };
        request.bearer_auth(&who.token).send().await.unwrap()
    }

    async fn post_reply(&self, who: &Session, room: i64, content: &str, parent: i64) -> Value {
        json_of(
            self.post_json(
                &format!("/api/rooms/{room}/messages"),
                Some(&who.token),
                &json!({"content": content, "reply_to": parent}),
            )
            .await,
        )
        .await
    }

    async fn posted(&self, who: &Session, room: i64, content: &str) -> Value {
        json_of(self.post_message(who, room, content, None).await).await
    }

    /// Every message changed after `since`, paging with `limit`.
    async fn changes_since(&self, who: &Session, room: i64, since: i64, limit: u32) -> Vec<Value> {
        let mut all = Vec::new();
        let mut since = since;
        loop {
            let page = json_of(
                self.messages(who, room, &format!("?since={since}&limit={limit}"))
                    .await,
            )
            .await;
            let messages = page["messages"].as_array().unwrap().clone();
            if let Some(last) = messages.last() {
                since = last["seq"].as_i64().unwrap();
            }
            all.extend(messages);
            if !page["has_more"].as_bool().unwrap() {
                return all;
            }
        }
    }

    async fn last_seq(&self, who: &Session, room: i64) -> i64 {
        json_of(
            self.get(&format!("/api/rooms/{room}"), Some(&who.token))
                .await,
        )
        .await["last_seq"]
            .as_i64()
            .unwrap()
    }
}

async fn seqs_stay_contiguous_under_twenty_concurrent_writers_of_mixed_kinds(backend: Backend) {
    const WRITERS: usize = 20;
    let app = spawn_app(backend).await;
    let owner = app.signed_in("owner").await;
    let room = app.room(&owner, "busy").await;
    let seed = app.posted(&owner, room, "react to me").await["id"]
        .as_i64()
        .unwrap();
    let writers: Vec<Session> = futures_util::future::join_all((0..WRITERS).map(|i| {
        let app = &app;
        async move {
            let s = app.signed_in(&format!("writer{i}")).await;
            app.join(&s, room).await;
            s
        }
    }))
    .await;
    // A user connection watching every change as it happens.
    let mut watcher = WsClient::connect(&app.user_ws_url(&owner.token))
        .await
        .unwrap();
    let start = app.last_seq(&owner, room).await;

    // Each writer: post, edit it, react (twice: the repeat changes nothing), post again,
    // delete the second, take the reaction back. Six changes each, one no-op.
    let changes: Vec<usize> = futures_util::future::join_all(writers.iter().map(|w| {
        let app = &app;
        async move {
            let first = app.posted(w, room, "first").await["id"].as_i64().unwrap();
            json_of(app.edit(w, room, first, "first, edited").await).await;
            json_of(app.react(w, room, seed, "👍", true).await).await;
            json_of(app.react(w, room, seed, "👍", true).await).await;
            let second = app.posted(w, room, "second").await["id"].as_i64().unwrap();
            assert_eq!(
                app.delete_message(w, room, second).await.status(),
                StatusCode::NO_CONTENT
            );
            json_of(app.react(w, room, seed, "👍", false).await).await;
            6
        }
    }))
    .await;
    let expected: i64 = changes.iter().sum::<usize>() as i64;
    let last = app.last_seq(&owner, room).await;
    assert_eq!(
        last - start,
        expected,
        "one seq per change, none for the no-ops"
    );

    // Every change was pushed once with its own seq: together exactly start+1..=last.
    let mut seen = Vec::new();
    while seen.len() < expected as usize {
        let frame = watcher.next().await;
        if matches!(frame["type"].as_str(), Some("message" | "message_updated")) {
            seen.push(frame["message"]["seq"].as_i64().unwrap());
        }
    }
    seen.sort();
    assert_eq!(seen, ((start + 1)..=last).collect::<Vec<_>>());

    // `since` from the start: each message once, in strictly increasing seq order.
    let changed = app.changes_since(&owner, room, start, 7).await;
    let seqs: Vec<i64> = changed.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let ids: HashSet<i64> = changed.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), changed.len(), "each message once");
    assert_eq!(
        changed.len(),
        1 + 2 * WRITERS,
        "the seed and both posts of each"
    );
    let seed_now = changed.iter().find(|m| m["id"] == seed).unwrap();
    assert_eq!(
        seed_now["reactions"],
        json!([]),
        "every reaction was taken back"
    );
    let deleted = changed.iter().filter(|m| m["deleted"] == true).count();
    assert_eq!(deleted, WRITERS);
}

async fn since_returns_each_changed_message_once_in_seq_order_with_its_final_state(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let room = app.room(&alice, "general").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            app.posted(&alice, room, &format!("m{i}")).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let after_posts = app.last_seq(&alice, room).await;
    assert_eq!(after_posts, 5);
    json_of(app.edit(&alice, room, ids[1], "m1 once").await).await;
    json_of(app.react(&alice, room, ids[2], "🎉", true).await).await;
    json_of(app.edit(&alice, room, ids[1], "m1 twice").await).await;
    assert_eq!(
        app.delete_message(&alice, room, ids[3]).await.status(),
        StatusCode::NO_CONTENT
    );

    for limit in [100, 1] {
        let changed = app.changes_since(&alice, room, after_posts, limit).await;
        let summary: Vec<(i64, i64)> = changed
            .iter()
            .map(|m| (m["id"].as_i64().unwrap(), m["seq"].as_i64().unwrap()))
            .collect();
        assert_eq!(
            summary,
            vec![(ids[2], 7), (ids[1], 8), (ids[3], 9)],
            "limit {limit}"
        );
        assert_eq!(changed[1]["content"], "m1 twice");
        assert!(changed[1]["edited_at"].is_string());
        assert_eq!(changed[0]["reactions"][0]["emoji"], "🎉");
        assert_eq!(
            [&changed[2]["deleted"], &changed[2]["content"]],
            [&json!(true), &json!("")]
        );
    }
    let page = json_of(app.messages(&alice, room, "?since=9").await).await;
    assert_eq!(
        [&page["messages"], &page["has_more"], &page["last_seq"]],
        [&json!([]), &json!(false), &json!(9)]
    );
    let everything: Vec<i64> = app
        .changes_since(&alice, room, 0, 100)
        .await
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        everything,
        vec![ids[0], ids[4], ids[2], ids[1], ids[3]],
        "each message once, by its latest seq"
    );
    // Bad cursors.
    for query in [
        "?since=-1",
        "?since=1&after=2",
        "?around=0",
        "?before=3&around=2",
    ] {
        assert_error(
            app.messages(&alice, room, query).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
}

async fn only_the_sender_edits_and_the_sender_or_the_owner_deletes(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.signed_in("owner").await;
    let bob = app.signed_in("bob").await;
    let carol = app.signed_in("carol").await;
    let outsider = app.signed_in("outsider").await;
    let room = app.room(&owner, "general").await;
    let other_room = app.room(&owner, "other").await;
    app.join(&bob, room).await;
    app.join(&carol, room).await;
    let bobs = app.posted(&bob, room, "bob's words").await["id"]
        .as_i64()
        .unwrap();
    let elsewhere = app.posted(&owner, other_room, "elsewhere").await["id"]
        .as_i64()
        .unwrap();

    assert_error(
        app.edit(&carol, room, bobs, "mine now").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.edit(&owner, room, bobs, "owners cannot edit").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.edit(&outsider, room, bobs, "x").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.edit(&bob, room, bobs, "   ").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_error(
        app.edit(&bob, room, 999_999, "x").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        app.edit(&owner, room, elsewhere, "x").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        app.edit(&bob, 999_999, bobs, "x").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let edited = json_of(app.edit(&bob, room, bobs, "bob's better words").await).await;
    assert_eq!(edited["content"], "bob's better words");

    assert_error(
        app.delete_message(&carol, room, bobs).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.delete_message(&owner, room, elsewhere + 1000).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // The owner moderates; a second delete is fine and changes nothing.
    assert_eq!(
        app.delete_message(&owner, room, bobs).await.status(),
        StatusCode::NO_CONTENT
    );
    let seq = app.last_seq(&owner, room).await;
    assert_eq!(
        app.delete_message(&bob, room, bobs).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.last_seq(&owner, room).await, seq, "no seq for a repeat");
    assert_error(
        app.edit(&bob, room, bobs, "too late").await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_error(
        app.react(&carol, room, bobs, "👍", true).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;

    // The tombstone keeps id, sender and time.
    let page = json_of(app.messages(&carol, room, "").await).await;
    let tombstone = &page["messages"][0];
    assert_eq!(
        [
            &tombstone["id"],
            &tombstone["sender"]["username"],
            &tombstone["deleted"],
            &tombstone["content"]
        ],
        [&json!(bobs), &json!("bob"), &json!(true), &json!("")]
    );
    assert!(tombstone["created_at"].is_string());
}

async fn a_deleted_parent_blanks_its_replies_excerpt_and_gives_them_new_seqs(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let room = app.room(&alice, "general").await;
    let other = app.room(&alice, "other").await;
    app.join(&bob, room).await;
    let long = "x".repeat(150);
    let parent = app.posted(&alice, room, &long).await["id"]
        .as_i64()
        .unwrap();
    let reply = app.post_reply(&bob, room, "a reply", parent).await;
    assert_eq!(reply["reply_to"]["id"], parent);
    assert_eq!(reply["reply_to"]["sender"]["username"], "alice");
    assert_eq!(
        reply["reply_to"]["excerpt"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        100
    );

    // Replies must point at a live message of this room.
    let foreign = app.posted(&alice, other, "elsewhere").await["id"]
        .as_i64()
        .unwrap();
    for bad in [json!(foreign), json!(999_999), json!(0), json!("1")] {
        let response = app
            .post_json(
                &format!("/api/rooms/{room}/messages"),
                Some(&bob.token),
                &json!({"content": "x", "reply_to": bad}),
            )
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }

    let before = app.last_seq(&alice, room).await;
    assert_eq!(
        app.delete_message(&alice, room, parent).await.status(),
        StatusCode::NO_CONTENT
    );
    let changed = app.changes_since(&bob, room, before, 100).await;
    assert_eq!(changed.len(), 2, "the parent and its reply");
    assert_eq!(changed[0]["id"], parent);
    assert_eq!(changed[1]["id"], reply["id"]);
    assert!(changed[1]["seq"].as_i64().unwrap() > changed[0]["seq"].as_i64().unwrap());
    assert_eq!(changed[1]["reply_to"]["excerpt"], "");
    assert_eq!(
        changed[1]["reply_to"]["id"], parent,
        "still says what it answered"
    );
    assert_eq!(changed[0]["reply_to"], Value::Null);

    let deleted_parent = json!(parent);
    let response = app
        .post_json(
            &format!("/api/rooms/{room}/messages"),
            Some(&bob.token),
            &json!({"content": "x", "reply_to": deleted_parent}),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

async fn reactions_are_idempotent_and_one_per_user_per_emoji(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let room = app.room(&alice, "general").await;
    app.join(&bob, room).await;
    let id = app.posted(&alice, room, "react").await["id"]
        .as_i64()
        .unwrap();

    let once = json_of(app.react(&bob, room, id, "👍", true).await).await;
    let twice = json_of(app.react(&bob, room, id, "👍", true).await).await;
    assert_eq!(once, twice, "a repeat changes nothing, seq included");
    json_of(app.react(&alice, room, id, "👍", true).await).await;
    let both = json_of(app.react(&alice, room, id, "🎉", true).await).await;
    assert_eq!(
        both["reactions"],
        json!([
            {"emoji": "👍", "count": 2, "user_ids": [bob.id, alice.id]},
            {"emoji": "🎉", "count": 1, "user_ids": [alice.id]},
        ])
    );
    let off = json_of(app.react(&bob, room, id, "👍", false).await).await;
    let off_again = json_of(app.react(&bob, room, id, "👍", false).await).await;
    assert_eq!(off, off_again);
    assert_eq!(off["reactions"][0]["user_ids"], json!([alice.id]));
    // A text "emoji" is fine too (any short token), as long as it follows the rule.
    json_of(app.react(&bob, room, id, "+1", true).await).await;

    for bad in ["a b", &"x".repeat(33), "\u{7}"] {
        assert_error(
            app.react(&bob, room, id, bad, true).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let outsider = app.signed_in("outsider").await;
    assert_error(
        app.react(&outsider, room, id, "👍", true).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.react(&bob, room, 999_999, "👍", true).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn mentions_resolve_members_only_and_feed_the_mention_count(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let _eve = app.signed_in("eve").await; // exists, not a member
    let room = app.room(&alice, "general").await;
    app.join(&bob, room).await;
    let card = |rooms: Vec<Value>| rooms.into_iter().find(|r| r["id"] == room).unwrap();

    let m = app
        .posted(&alice, room, "hey @Bob and @eve and @nobody, mail a@bob")
        .await;
    assert_eq!(m["mentions"], json!([{"id": bob.id, "username": "bob"}]));
    app.posted(&alice, room, "no mention here").await;
    let bobs = card(app.rooms(&bob).await);
    assert_eq!(
        [&bobs["unread_count"], &bobs["mention_count"]],
        [&json!(2), &json!(1)]
    );

    let edited = json_of(
        app.edit(&alice, room, m["id"].as_i64().unwrap(), "hey everyone")
            .await,
    )
    .await;
    assert_eq!(edited["mentions"], json!([]));
    assert_eq!(card(app.rooms(&bob).await)["mention_count"], 0);
    let again = app.posted(&alice, room, "@bob look").await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(card(app.rooms(&bob).await)["mention_count"], 1);
    assert_eq!(
        app.delete_message(&alice, room, again).await.status(),
        StatusCode::NO_CONTENT
    );
    let bobs = card(app.rooms(&bob).await);
    assert_eq!(
        [&bobs["unread_count"], &bobs["mention_count"]],
        [&json!(2), &json!(0)],
        "deleted messages are neither unread nor mentions"
    );
    let read: Value = app
        .mark_read(&bob, room, m["id"].clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        [&read["unread_count"], &read["mention_count"]],
        [&json!(1), &json!(0)]
    );
}

async fn around_pages_center_on_a_message(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let room = app.room(&alice, "general").await;
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(
            app.posted(&alice, room, &format!("m{i}")).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let page = json_of(
        app.messages(&alice, room, &format!("?around={}&limit=6", ids[10]))
            .await,
    )
    .await;
    let got: Vec<i64> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids[7..13].to_vec(), "3 before, the message, 2 after");
    assert_eq!(
        [&page["has_more"], &page["has_more_after"]],
        [&json!(true), &json!(true)]
    );

    let page = json_of(
        app.messages(&alice, room, &format!("?around={}&limit=10", ids[1]))
            .await,
    )
    .await;
    let got: Vec<i64> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids[0..6].to_vec());
    assert_eq!(
        [&page["has_more"], &page["has_more_after"]],
        [&json!(false), &json!(true)]
    );

    let page = json_of(
        app.messages(&alice, room, &format!("?around={}&limit=10", ids[19]))
            .await,
    )
    .await;
    let got: Vec<i64> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids[14..].to_vec(), "5 before the newest, none after");
    assert_eq!(
        [&page["has_more"], &page["has_more_after"]],
        [&json!(true), &json!(false)]
    );

    let other = app.room(&alice, "other").await;
    let foreign = app.posted(&alice, other, "x").await["id"].as_i64().unwrap();
    assert_error(
        app.messages(&alice, room, &format!("?around={foreign}"))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn changes_are_pushed_live_and_work_over_websocket_too(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let room = app.room(&alice, "general").await;
    app.join(&bob, room).await;
    let mut a = WsClient::connect(&app.user_ws_url(&alice.token))
        .await
        .unwrap();
    let mut b = WsClient::connect(&app.user_ws_url(&bob.token))
        .await
        .unwrap();

    a.send(
        json!({"action": "sendMessage", "room_id": room, "content": "hi @bob", "client_id": "c1"}),
    )
    .await;
    let sent = b.next_of("message").await;
    let id = sent["message"]["id"].as_i64().unwrap();
    assert_eq!(sent["message"]["mentions"][0]["username"], "bob");
    a.next_of("message").await;

    b.send(json!({"action": "sendMessage", "room_id": room, "content": "reply", "reply_to": id}))
        .await;
    let reply = a.next_of("message").await;
    assert_eq!(reply["message"]["reply_to"]["id"], id);
    b.next_of("message").await;

    // An edit changes the reply's excerpt too: two updates, in seq order.
    let mut last_seq = reply["message"]["seq"].as_i64().unwrap();
    a.send(
        json!({"action": "editMessage", "room_id": room, "message_id": id, "content": "hi all"}),
    )
    .await;
    for ws in [&mut a, &mut b] {
        let parent = ws.next_of("message_updated").await;
        let child = ws.next_of("message_updated").await;
        assert_eq!(
            [&parent["message"]["content"], &parent["message"]["seq"]],
            [&json!("hi all"), &json!(last_seq + 1)]
        );
        assert_eq!(
            [
                &child["message"]["reply_to"]["excerpt"],
                &child["message"]["seq"]
            ],
            [&json!("hi all"), &json!(last_seq + 2)]
        );
    }
    last_seq += 2;
    let frames = [
        json!({"action": "addReaction", "room_id": room, "message_id": id, "emoji": "👍"}),
        json!({"action": "removeReaction", "room_id": room, "message_id": id, "emoji": "👍"}),
    ];
    for frame in frames {
        a.send(frame.clone()).await;
        for ws in [&mut a, &mut b] {
            let updated = ws.next_of("message_updated").await;
            assert_eq!(updated["room_id"], room);
            assert_eq!(updated["message"]["seq"], last_seq + 1, "{frame}");
        }
        last_seq += 1;
    }
    a.send(json!({"action": "deleteMessage", "room_id": room, "message_id": id}))
        .await;
    for ws in [&mut a, &mut b] {
        let parent = ws.next_of("message_updated").await;
        assert_eq!(parent["message"]["deleted"], true);
        let child = ws.next_of("message_updated").await;
        assert_eq!(
            [
                &child["message"]["id"],
                &child["message"]["reply_to"]["excerpt"]
            ],
            [&reply["message"]["id"], &json!("")]
        );
    }

    // Errors come back as error frames naming the room.
    for (frame, code) in [
        (
            json!({"action": "editMessage", "room_id": room, "message_id": reply["message"]["id"], "content": "not mine"}),
            "forbidden",
        ),
        (
            json!({"action": "editMessage", "room_id": room, "message_id": id, "content": "deleted"}),
            "conflict",
        ),
        (
            json!({"action": "addReaction", "room_id": room, "message_id": 999_999, "emoji": "x"}),
            "not_found",
        ),
        (
            json!({"action": "addReaction", "room_id": room, "message_id": id}),
            "validation_failed",
        ),
        (
            json!({"action": "deleteMessage", "room_id": room}),
            "validation_failed",
        ),
    ] {
        a.send(frame.clone()).await;
        let error = a.next_of("error").await;
        assert_eq!(error["code"], code, "{frame} → {error}");
    }

    // A reconnecting client catches up with `sync since`.
    let before = app.last_seq(&alice, room).await;
    app.posted(&alice, room, "while you were away").await;
    b.send(json!({"action": "sync", "room_id": room, "since": before}))
        .await;
    let history = b.next_of("history").await;
    assert_eq!(
        [&history["since"], &history["last_seq"]],
        [&json!(before), &json!(before + 1)]
    );
    assert_eq!(
        history["messages"][0]["content"], "while you were away",
        "{history}"
    );
    assert_eq!(history["messages"].as_array().unwrap().len(), 1);
    // Then the room's presence, and nothing else.
    let rest: Vec<Value> = b.drain(Duration::from_millis(200)).await;
    assert_eq!(
        rest.iter().map(|f| &f["type"]).collect::<Vec<_>>(),
        [&json!("presence")],
        "{rest:?}"
    );
}

async fn edits_and_reactions_count_against_the_send_rate_limit(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("RATE_LIMIT_MESSAGES", "3"),
            ("RATE_LIMIT_WINDOW_SECONDS", "60"),
        ],
    )
    .await;
    let alice = app.signed_in("alice").await;
    let room = app.room(&alice, "general").await;
    let id = app.posted(&alice, room, "one").await["id"]
        .as_i64()
        .unwrap();
    json_of(app.edit(&alice, room, id, "two").await).await;
    json_of(app.react(&alice, room, id, "👍", true).await).await;
    let limited = app.react(&alice, room, id, "🎉", true).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    assert_error(
        app.edit(&alice, room, id, "three").await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
    assert_error(
        app.post_message(&alice, room, "four", None).await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
}
