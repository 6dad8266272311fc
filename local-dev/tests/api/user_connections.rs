//! One connection per user (`/ws?token=…` without `room_id`): a crowd connecting at once, every
//! room of the user on one socket, frames that name their room, app-wide presence, unread
//! counts and read markers, and membership events.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, Session, WsClient, assert_error, spawn_app};

crate::both_backends!(
    fifty_sockets_connecting_at_once_each_get_every_message_exactly_once,
    a_user_connection_carries_every_room_of_its_user_and_no_other,
    frames_on_a_user_connection_must_name_a_room_of_the_user,
    presence_is_app_wide_across_kinds_of_connection_and_tabs,
    unread_counts_count_others_messages_after_a_marker_that_never_moves_back,
    marking_a_room_read_reaches_the_users_other_tabs,
    membership_changes_reach_every_open_client,
);

// The core cases once more with the real function binaries behind local-dev (forwarding.rs).
crate::forwarded_too!(
    fifty_sockets_connecting_at_once_each_get_every_message_exactly_once,
    presence_is_app_wide_across_kinds_of_connection_and_tabs,
);

const QUIET: Duration = Duration::from_millis(400);

async fn id_of(response: reqwest::Response) -> i64 {
    assert!(response.status().is_success(), "{}", response.status());
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// The next frame of `kind` about `room`, skipping everything else.
async fn next_in(ws: &mut WsClient, kind: &str, room: i64) -> Value {
    loop {
        let frame = ws.next_of(kind).await;
        let about = frame["room_id"]
            .as_i64()
            .or_else(|| frame["room"]["id"].as_i64());
        if about == Some(room) {
            return frame;
        }
    }
}

fn of_type<'a>(frames: &'a [Value], kind: &str) -> Vec<&'a Value> {
    frames.iter().filter(|f| f["type"] == kind).collect()
}

async fn fifty_sockets_connecting_at_once_each_get_every_message_exactly_once(backend: Backend) {
    const USERS: usize = 25;
    const SENDERS: usize = 5;
    const EACH: usize = 10;
    let app = spawn_app(backend).await;
    let users: Vec<Session> = futures_util::future::join_all((0..USERS).map(|i| {
        let app = &app;
        async move { app.signed_in(&format!("user{i}")).await }
    }))
    .await;
    let room = app.room(&users[0], "crowd").await;
    for user in &users[1..] {
        assert_eq!(app.join(user, room).await.status(), StatusCode::OK);
    }

    // Every user opens a user connection and a room connection, all 50 at the same moment:
    // presence pushes meet sockets still inside their $connect (API Gateway answers 410 then).
    let urls: Vec<String> = users
        .iter()
        .flat_map(|u| [app.user_ws_url(&u.token), app.ws_url(&u.token, room)])
        .collect();
    let sockets: Vec<WsClient> =
        futures_util::future::join_all(urls.iter().map(|url| WsClient::connect(url)))
            .await
            .into_iter()
            .map(|s| s.expect("upgrade"))
            .collect();
    let rows = shared::db::connections::receivers_of_room(
        &app.state.db.pool,
        shared::domain::RoomId(room),
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 2 * USERS, "no connection knocked out another");

    // Five senders at once, each posting its ten messages one after another.
    let sent: Vec<Vec<i64>> = futures_util::future::join_all(users[..SENDERS].iter().map(|u| {
        let app = &app;
        async move {
            let mut ids = Vec::new();
            for i in 0..EACH {
                ids.push(id_of(app.post_message(u, room, &format!("m{i}"), None).await).await);
            }
            ids
        }
    }))
    .await;
    let sender_of: HashMap<i64, usize> = sent
        .iter()
        .enumerate()
        .flat_map(|(s, ids)| ids.iter().map(move |id| (*id, s)))
        .collect();
    let expected: HashSet<i64> = sender_of.keys().copied().collect();

    let received = futures_util::future::join_all(sockets.into_iter().map(|mut ws| async move {
        let mut ids = Vec::new();
        while ids.len() < SENDERS * EACH {
            let frame = ws.next_of("message").await;
            assert_eq!(frame["room_id"], room);
            ids.push(frame["message"]["id"].as_i64().unwrap());
        }
        let extra = of_type(&ws.drain(QUIET).await, "message").len();
        (ids, extra)
    }))
    .await;
    for (ids, extra) in received {
        assert_eq!(extra, 0, "nothing doubled");
        assert_eq!(
            ids.iter().copied().collect::<HashSet<_>>(),
            expected,
            "nothing lost"
        );
        for (s, theirs) in sent.iter().enumerate() {
            let mine: Vec<i64> = ids
                .iter()
                .copied()
                .filter(|id| sender_of[id] == s)
                .collect();
            assert_eq!(&mine, theirs, "one sender's messages arrive in order");
        }
    }
}

async fn a_user_connection_carries_every_room_of_its_user_and_no_other(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let (one, two, three) = (
        app.room(&alice, "one").await,
        app.room(&alice, "two").await,
        app.room(&alice, "three").await,
    );
    app.join(&bob, one).await;
    app.join(&bob, two).await;
    let mut ws = WsClient::connect(&app.user_ws_url(&bob.token))
        .await
        .unwrap();

    for (room, text) in [(one, "to one"), (three, "to three"), (two, "to two")] {
        app.post_message(&alice, room, text, None).await;
    }
    let first = ws.next_of("message").await;
    let second = ws.next_of("message").await;
    assert_eq!(
        [&first["room_id"], &first["message"]["content"]],
        [&json!(one), &json!("to one")]
    );
    assert_eq!(
        [&second["room_id"], &second["message"]["content"]],
        [&json!(two), &json!("to two")]
    );
    assert!(
        of_type(&ws.drain(QUIET).await, "message").is_empty(),
        "nothing of room three"
    );

    // Leaving stops the room at once; the others keep coming.
    assert_eq!(app.leave(&bob, two).await.status(), StatusCode::NO_CONTENT);
    let left = next_in(&mut ws, "room", two).await;
    assert_eq!(left["event"], "left");
    assert_eq!(left["room"]["is_member"], false);
    app.post_message(&alice, two, "after the leave", None).await;
    app.post_message(&alice, one, "still here", None).await;
    let next = ws.next_of("message").await;
    assert_eq!(next["message"]["content"], "still here");
    assert!(of_type(&ws.drain(QUIET).await, "message").is_empty());
}

async fn frames_on_a_user_connection_must_name_a_room_of_the_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let mine = app.room(&bob, "mine").await;
    let hers = app.room(&alice, "hers").await;
    let mut ws = WsClient::connect(&app.user_ws_url(&bob.token))
        .await
        .unwrap();

    ws.send(json!({"action": "ping"})).await;
    assert_eq!(ws.next().await, json!({"type": "pong"}));
    for (frame, code) in [
        (json!({"action": "typing"}), "validation_failed"),
        (
            json!({"action": "sync", "after": null}),
            "validation_failed",
        ),
        (
            json!({"action": "typing", "room_id": "one"}),
            "validation_failed",
        ),
        (
            json!({"action": "sync", "room_id": hers, "after": null}),
            "forbidden",
        ),
        (json!({"action": "typing", "room_id": 999_999}), "not_found"),
    ] {
        ws.send(frame.clone()).await;
        let error = ws.next_of("error").await;
        assert_eq!(error["code"], code, "{frame} → {error}");
    }
    ws.send(json!({"action": "sendMessage", "room_id": hers, "content": "hi", "client_id": "c-1"}))
        .await;
    let error = ws.next_of("error").await;
    assert_eq!(
        [&error["code"], &error["client_id"], &error["room_id"]],
        [&json!("forbidden"), &json!("c-1"), &json!(hers)]
    );
    // The socket stays open and serves the user's own room.
    ws.send(json!({"action": "sendMessage", "room_id": mine, "content": "hi", "client_id": "c-2"}))
        .await;
    let echo = ws.next_of("message").await;
    assert_eq!(
        [&echo["room_id"], &echo["message"]["client_id"]],
        [&json!(mine), &json!("c-2")]
    );

    // A room connection serves its own room only.
    let mut scoped = WsClient::connect(&app.ws_url(&bob.token, mine))
        .await
        .unwrap();
    scoped
        .send(json!({"action": "typing", "room_id": hers}))
        .await;
    assert_eq!(scoped.next_of("error").await["code"], "validation_failed");
}

async fn presence_is_app_wide_across_kinds_of_connection_and_tabs(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let carol = app.signed_in("carol").await;
    let room = app.room(&bob, "general").await;
    let elsewhere = app.room(&carol, "elsewhere").await;
    app.join(&alice, room).await;
    app.join(&carol, room).await;

    // Bob views the room on his user connection; Carol views another room.
    let mut bob_ws = WsClient::connect(&app.user_ws_url(&bob.token))
        .await
        .unwrap();
    let (_, presence) = bob_ws.sync_room(room, None).await;
    assert_eq!(
        presence["online"],
        json!([{"id": bob.id, "username": "bob"}])
    );
    let mut carol_ws = WsClient::connect(&app.user_ws_url(&carol.token))
        .await
        .unwrap();
    carol_ws.sync_room(elsewhere, None).await;
    let joined = next_in(&mut bob_ws, "presence", room).await;
    assert_eq!(joined["joined"]["username"], "carol", "carol came online");

    // Alice comes online through a room connection: Bob hears it; Carol, viewing another room
    // Alice is not in, does not.
    let alice_room_ws = WsClient::connect(&app.ws_url(&alice.token, room))
        .await
        .unwrap();
    let joined = next_in(&mut bob_ws, "presence", room).await;
    assert_eq!(
        joined["joined"],
        json!({"id": alice.id, "username": "alice"})
    );
    assert_eq!(joined["online"].as_array().unwrap().len(), 3);
    assert!(of_type(&carol_ws.drain(QUIET).await, "presence").is_empty());

    // A second tab (a user connection) is not a second arrival; closing the first tab is not a
    // departure while the second is open; closing the last one is.
    let alice_user_ws = WsClient::connect(&app.user_ws_url(&alice.token))
        .await
        .unwrap();
    alice_room_ws.close().await;
    assert!(of_type(&bob_ws.drain(QUIET).await, "presence").is_empty());
    alice_user_ws.close().await;
    let left = next_in(&mut bob_ws, "presence", room).await;
    assert_eq!(left["left"], json!({"id": alice.id, "username": "alice"}));
    assert_eq!(left["online"].as_array().unwrap().len(), 2);
}

async fn unread_counts_count_others_messages_after_a_marker_that_never_moves_back(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let room = app.room(&alice, "general").await;
    let other = app.room(&alice, "other").await;
    for i in 0..3 {
        app.post_message(&alice, room, &format!("before {i}"), None)
            .await;
    }
    let foreign = id_of(app.post_message(&alice, other, "elsewhere", None).await).await;

    // Bob arrives to history that is not unread.
    let joined: Value = app.join(&bob, room).await.json().await.unwrap();
    assert_eq!(joined["unread_count"], 0);
    assert!(joined["last_read_id"].as_i64().is_some());
    let card = |rooms: Vec<Value>, id: i64| rooms.into_iter().find(|r| r["id"] == id).unwrap();
    let not_joined = card(app.rooms(&bob).await, other);
    assert_eq!(
        [
            &not_joined["last_read_id"],
            &not_joined["unread_count"],
            &not_joined["mention_count"]
        ],
        [&Value::Null, &json!(0), &json!(0)]
    );

    let mut news = Vec::new();
    for i in 0..4 {
        news.push(
            id_of(
                app.post_message(&alice, room, &format!("new {i}"), None)
                    .await,
            )
            .await,
        );
    }
    app.post_message(&bob, room, "mine are never unread", None)
        .await;
    let bobs = card(app.rooms(&bob).await, room);
    assert_eq!(
        bobs["unread_count"], 0,
        "posting moves your own marker to your message"
    );
    let alices = card(app.rooms(&alice).await, room);
    assert_eq!(alices["unread_count"], 1, "Alice has Bob's message to read");

    // Bob's marker, set by his own post, is past Alice's four: moving it back changes nothing.
    let answer: Value = app
        .mark_read(&bob, room, json!(news[1]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["unread_count"], 0);
    assert_eq!(answer["room_id"], room);
    let answer: Value = app
        .mark_read(&alice, room, json!(news[3]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["unread_count"], 1);
    assert_eq!(answer["last_read_id"], news[3]);
    let newest = card(app.rooms(&alice).await, room)["last_message_at"].clone();
    assert!(!newest.is_null());

    // A newcomer who reads part of the backlog sees the rest as unread, never negative.
    let carol = app.signed_in("carol").await;
    app.join(&carol, other).await;
    let fresh = id_of(app.post_message(&alice, other, "one more", None).await).await;
    assert_eq!(card(app.rooms(&carol).await, other)["unread_count"], 1);
    let answer: Value = app
        .mark_read(&carol, other, json!(fresh))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        [&answer["unread_count"], &answer["last_read_id"]],
        [&json!(0), &json!(fresh)]
    );
    let answer: Value = app
        .mark_read(&carol, other, json!(foreign))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["last_read_id"], fresh, "the marker never moves back");

    // Bad input: clear errors, and the marker is untouched.
    assert_error(
        app.mark_read(&alice, room, json!(foreign)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_error(
        app.mark_read(&alice, room, json!(-4)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_error(
        app.mark_read(&alice, room, Value::Null).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_error(
        app.mark_read(&alice, room, json!("12")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_error(
        app.mark_read(&carol, room, json!(news[0])).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.mark_read(&alice, 999_999, json!(news[0])).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(card(app.rooms(&alice).await, room)["last_read_id"], news[3]);
}

async fn marking_a_room_read_reaches_the_users_other_tabs(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let room = app.room(&alice, "general").await;
    app.join(&bob, room).await;
    let mut tab1 = WsClient::connect(&app.user_ws_url(&bob.token))
        .await
        .unwrap();
    let mut tab2 = WsClient::connect(&app.user_ws_url(&bob.token))
        .await
        .unwrap();
    let first = id_of(app.post_message(&alice, room, "one", None).await).await;
    let second = id_of(app.post_message(&alice, room, "two", None).await).await;

    // Over REST: both tabs hear it.
    assert_eq!(
        app.mark_read(&bob, room, json!(first)).await.status(),
        StatusCode::OK
    );
    let expected = json!({"type": "read", "room_id": room, "last_read_id": first, "unread_count": 1, "mention_count": 0});
    assert_eq!(tab1.next_of("read").await, expected);
    assert_eq!(tab2.next_of("read").await, expected);

    // By frame from one tab: the other hears it (and the sender gets it as its answer).
    tab1.send(json!({"action": "read", "room_id": room, "message_id": second}))
        .await;
    let expected = json!({"type": "read", "room_id": room, "last_read_id": second, "unread_count": 0, "mention_count": 0});
    assert_eq!(tab2.next_of("read").await, expected);
    assert_eq!(tab1.next_of("read").await, expected);

    // Alice's connection hears nothing of Bob's marker.
    let mut alice_ws = WsClient::connect(&app.user_ws_url(&alice.token))
        .await
        .unwrap();
    tab1.send(json!({"action": "read", "room_id": room, "message_id": first}))
        .await;
    tab1.next_of("read").await;
    assert!(of_type(&alice_ws.drain(QUIET).await, "read").is_empty());
}

async fn membership_changes_reach_every_open_client(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let mut alice_ws = WsClient::connect(&app.user_ws_url(&alice.token))
        .await
        .unwrap();
    let mut bob_ws = WsClient::connect(&app.user_ws_url(&bob.token))
        .await
        .unwrap();
    let mut alice_tab2 = WsClient::connect(&app.user_ws_url(&alice.token))
        .await
        .unwrap();

    let room = app.room(&alice, "general").await;
    for ws in [&mut alice_ws, &mut alice_tab2] {
        let joined = next_in(ws, "room", room).await;
        assert_eq!(
            [&joined["event"], &joined["room"]["is_member"]],
            [&json!("joined"), &json!(true)]
        );
    }
    let created = next_in(&mut bob_ws, "room", room).await;
    assert_eq!(created["event"], "created");
    assert_eq!(
        [&created["room"]["name"], &created["room"]["is_member"]],
        [&json!("general"), &json!(false)]
    );

    // Alice views the room: Bob, online, joining it shows up in its presence too.
    alice_ws.sync_room(room, None).await;
    app.join(&bob, room).await;
    let joined = next_in(&mut bob_ws, "room", room).await;
    assert_eq!(
        [&joined["event"], &joined["room"]["member_count"]],
        [&json!("joined"), &json!(2)]
    );
    for ws in [&mut alice_ws, &mut alice_tab2] {
        let updated = next_in(ws, "room", room).await;
        assert_eq!(
            [&updated["event"], &updated["room"]["member_count"]],
            [&json!("updated"), &json!(2)]
        );
    }
    let arrived = next_in(&mut alice_ws, "presence", room).await;
    assert_eq!(arrived["joined"], json!({"id": bob.id, "username": "bob"}));
    assert_eq!(arrived["online"].as_array().unwrap().len(), 2);
    // Joining twice announces nothing.
    assert_eq!(app.join(&bob, room).await.status(), StatusCode::OK);
    assert!(of_type(&alice_ws.drain(QUIET).await, "room").is_empty());

    app.leave(&bob, room).await;
    let left = next_in(&mut bob_ws, "room", room).await;
    assert_eq!(
        [&left["event"], &left["room"]["is_member"]],
        [&json!("left"), &json!(false)]
    );
    let updated = next_in(&mut alice_ws, "room", room).await;
    assert_eq!(
        [&updated["event"], &updated["room"]["member_count"]],
        [&json!("updated"), &json!(1)]
    );
    assert_eq!(
        updated["room"]["members"],
        json!([{"id": alice.id, "username": "alice"}])
    );
    let departed = next_in(&mut alice_ws, "presence", room).await;
    assert_eq!(departed["left"], json!({"id": bob.id, "username": "bob"}));
}
