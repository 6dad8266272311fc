//! Private rooms, direct rooms, member management and search: who can see what (a private or
//! direct room is a 404 to outsiders everywhere, exactly like a room that does not exist),
//! what the owner can do, DM uniqueness under concurrent creation, and full-text search.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, Session, TestApp, WsClient, WsEvent, assert_error, spawn_app};

crate::both_backends!(
    private_and_direct_rooms_are_404_to_outsiders_on_every_endpoint_frame_and_connect,
    the_owner_adds_and_removes_members_and_removal_stops_delivery_at_once,
    ownership_passes_to_the_longest_standing_member,
    one_direct_room_per_pair_even_under_twenty_concurrent_creations,
    search_finds_words_in_the_callers_rooms_newest_first_and_follows_edits_and_deletions,
    a_dm_partner_sees_presence_live_from_any_room_and_in_the_room_list,
);

impl TestApp {
    async fn create_room_of_kind(&self, who: &Session, name: &str, kind: &str) -> i64 {
        let response = self
            .post_json(
                "/api/rooms",
                Some(&who.token),
                &json!({"name": name, "kind": kind}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap()
    }

    async fn open_dm(&self, who: &Session, username: &str) -> reqwest::Response {
        self.post_json(
            "/api/dms",
            Some(&who.token),
            &json!({ "username": username }),
        )
        .await
    }

    async fn add_member(&self, who: &Session, room: i64, username: &str) -> reqwest::Response {
        self.post_json(
            &format!("/api/rooms/{room}/members"),
            Some(&who.token),
            &json!({ "username": username }),
        )
        .await
    }

    async fn remove_member(&self, who: &Session, room: i64, user: i64) -> reqwest::Response {
        self.http
            .delete(self.url(&format!("/api/rooms/{room}/members/{user}")))
            .bearer_auth(&who.token)
            .send()
            .await
            .unwrap()
    }

    async fn search(&self, who: &Session, query: &str) -> reqwest::Response {
        self.get(&format!("/api/search?{query}"), Some(&who.token))
            .await
    }
}

async fn id_of(response: reqwest::Response) -> i64 {
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// What one caller gets from every way in to a room.
async fn answers(app: &TestApp, who: &Session, room: i64, message: i64) -> Vec<(String, u16)> {
    let mut out = Vec::new();
    let mut record = |what: &str, status: StatusCode| out.push((what.to_string(), status.as_u16()));
    record(
        "GET room",
        app.get(&format!("/api/rooms/{room}"), Some(&who.token))
            .await
            .status(),
    );
    record("join", app.join(who, room).await.status());
    record("messages", app.messages(who, room, "").await.status());
    record(
        "post",
        app.post_message(who, room, "knock knock", None)
            .await
            .status(),
    );
    record(
        "read",
        app.mark_read(who, room, json!(message)).await.status(),
    );
    record(
        "search in room",
        app.search(who, &format!("q=secret&room_id={room}"))
            .await
            .status(),
    );
    let listed = app.rooms(who).await.iter().any(|r| r["id"] == room);
    record(
        "listed",
        if listed {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        },
    );
    match WsClient::connect(&app.ws_url(&who.token, room)).await {
        Ok(ws) => {
            ws.close().await;
            record("$connect", StatusCode::OK)
        }
        Err(status) => record("$connect", StatusCode::from_u16(status).unwrap()),
    }
    let mut user_ws = WsClient::connect(&app.user_ws_url(&who.token))
        .await
        .unwrap();
    user_ws
        .send(json!({"action": "sync", "room_id": room, "after": null}))
        .await;
    let first = user_ws.next().await;
    let code = match first["type"].as_str() {
        Some("history") => 200,
        _ => match first["code"].as_str() {
            Some("not_found") => 404,
            Some("forbidden") => 403,
            other => panic!("unexpected sync answer {other:?}"),
        },
    };
    out.push(("sync frame".into(), code));
    out
}

async fn private_and_direct_rooms_are_404_to_outsiders_on_every_endpoint_frame_and_connect(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let owner = app.signed_in("owner").await;
    let member = app.signed_in("member").await;
    let outsider = app.signed_in("outsider").await;
    let public = app.room(&owner, "town square").await;
    let private = app
        .create_room_of_kind(&owner, "back room", "private")
        .await;
    let in_private = id_of(app.post_message(&owner, private, "a secret", None).await).await;
    let in_public = id_of(
        app.post_message(&owner, public, "a public secret", None)
            .await,
    )
    .await;
    assert_eq!(
        app.add_member(&owner, private, "member").await.status(),
        StatusCode::OK
    );
    let dm: Value = app.open_dm(&owner, "member").await.json().await.unwrap();
    let dm = dm["id"].as_i64().unwrap();
    let in_dm = id_of(app.post_message(&owner, dm, "a direct secret", None).await).await;
    let nowhere = 999_999;

    let all = |status: u16| -> Vec<u16> { vec![status; 9] };
    let statuses = |a: Vec<(String, u16)>| a.into_iter().map(|(_, s)| s).collect::<Vec<_>>();
    // An outsider gets exactly what a room that does not exist gets: 404 on every way in.
    let missing = statuses(answers(&app, &outsider, nowhere, in_public).await);
    assert_eq!(missing, all(404));
    assert_eq!(
        statuses(answers(&app, &outsider, private, in_private).await),
        missing,
        "private, outsider"
    );
    assert_eq!(
        statuses(answers(&app, &outsider, dm, in_dm).await),
        missing,
        "direct, outsider"
    );
    // Members (and the direct room's two users) get in everywhere.
    // (posting answers 201)
    let mut inside = all(200);
    inside[3] = 201;
    assert_eq!(
        statuses(answers(&app, &member, private, in_private).await),
        inside,
        "private, member"
    );
    assert_eq!(
        statuses(answers(&app, &member, dm, in_dm).await),
        inside,
        "direct, participant"
    );
    // A public room: visible and joinable by anyone; messages need membership (403 before).
    let stranger = app.signed_in("stranger").await;
    let before_joining = vec![
        app.get(&format!("/api/rooms/{public}"), Some(&stranger.token))
            .await
            .status()
            .as_u16(),
        app.messages(&stranger, public, "").await.status().as_u16(),
    ];
    assert_eq!(before_joining, vec![200, 403]);
    assert_eq!(
        statuses(answers(&app, &outsider, public, in_public).await),
        inside,
        "public, joins on the way"
    );

    // The room cards say what kind and role.
    let cards = app.rooms(&member).await;
    let card = |id: i64| cards.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(
        [&card(private)["kind"], &card(private)["role"]],
        [&json!("private"), &json!("member")]
    );
    assert_eq!(
        [&card(dm)["kind"], &card(dm)["name"], &card(dm)["owner_id"]],
        [&json!("direct"), &json!("owner"), &Value::Null]
    );
    let owners: Vec<Value> = app.rooms(&owner).await;
    let dm_for_owner = owners.iter().find(|r| r["id"] == dm).unwrap();
    assert_eq!(dm_for_owner["name"], "member", "named after the other user");
    assert_eq!(
        owners.iter().find(|r| r["id"] == private).unwrap()["role"],
        "owner"
    );

    // Nobody joins, invites to or is removed from a direct room; the kind is checked.
    assert_error(
        app.add_member(&owner, dm, "outsider").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.remove_member(&owner, dm, member.id).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.leave(&owner, dm).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let bad_kind = app
        .post_json(
            "/api/rooms",
            Some(&owner.token),
            &json!({"name": "x", "kind": "direct"}),
        )
        .await;
    assert_error(
        bad_kind,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_error(
        app.open_dm(&owner, "owner").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_error(
        app.open_dm(&owner, "nobody-here").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn the_owner_adds_and_removes_members_and_removal_stops_delivery_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.signed_in("owner").await;
    let bob = app.signed_in("bob").await;
    let carol = app.signed_in("carol").await;
    let room = app.create_room_of_kind(&owner, "team", "private").await;
    let mut bob_ws = WsClient::connect(&app.user_ws_url(&bob.token))
        .await
        .unwrap();

    let added: Value = app
        .add_member(&owner, room, "BOB")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(added["member_count"], 2);
    let joined = bob_ws.next_of("room").await;
    assert_eq!(
        [&joined["event"], &joined["room"]["id"]],
        [&json!("joined"), &json!(room)]
    );
    assert_eq!(
        app.add_member(&owner, room, "bob").await.status(),
        StatusCode::OK,
        "idempotent"
    );
    assert_eq!(
        app.add_member(&owner, room, "carol").await.status(),
        StatusCode::OK
    );
    assert_error(
        app.add_member(&bob, room, "carol").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.add_member(&owner, room, "ghost").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        app.remove_member(&carol, room, bob.id).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.remove_member(&owner, room, owner.id).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    assert_eq!(
        app.post_message(&owner, room, "before", None)
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        bob_ws.next_of("message").await["message"]["content"],
        "before"
    );
    let mut bob_room_ws = WsClient::connect(&app.ws_url(&bob.token, room))
        .await
        .unwrap();
    assert_eq!(
        app.remove_member(&owner, room, bob.id).await.status(),
        StatusCode::NO_CONTENT
    );
    let removed = bob_ws.next_of("room").await;
    assert_eq!(
        [&removed["event"], &removed["room"]["id"]],
        [&json!("removed"), &json!(room)]
    );
    assert_eq!(
        app.post_message(&owner, room, "after", None).await.status(),
        StatusCode::CREATED
    );
    let late: Vec<Value> = bob_ws.drain(Duration::from_millis(400)).await;
    assert!(late.iter().all(|f| f["type"] != "message"), "{late:?}");
    // His room connection to it is closed by the server, and "after" never reached it.
    let closed = loop {
        match bob_room_ws.next_event(Duration::from_secs(5)).await {
            WsEvent::Frame(frame) => assert_ne!(frame["type"], "message", "{frame}"),
            other => break other,
        }
    };
    assert_eq!(closed, WsEvent::Closed(Some(1000)));
    // Gone for Bob: a room that does not exist.
    assert_error(
        app.get(&format!("/api/rooms/{room}"), Some(&bob.token))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(
        app.remove_member(&owner, room, bob.id).await.status(),
        StatusCode::NO_CONTENT,
        "twice is fine"
    );
}

async fn ownership_passes_to_the_longest_standing_member(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.signed_in("owner").await;
    let first = app.signed_in("first").await;
    let second = app.signed_in("second").await;
    let room = app.room(&owner, "handover").await;
    app.join(&first, room).await;
    app.join(&second, room).await;
    app.leave(&owner, room).await;
    let card: Value = app
        .get(&format!("/api/rooms/{room}"), Some(&first.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        [&card["owner_id"], &card["role"]],
        [&json!(first.id), &json!("owner")]
    );
    // The new owner moderates.
    let theirs = app
        .post_message(&second, room, "x", None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    let deleted = app
        .http
        .delete(app.url(&format!("/api/rooms/{room}/messages/{}", theirs["id"])))
        .bearer_auth(&first.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    app.leave(&first, room).await;
    app.leave(&second, room).await;
    let card: Value = app
        .get(&format!("/api/rooms/{room}"), Some(&owner.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        [&card["owner_id"], &card["member_count"]],
        [&Value::Null, &json!(0)],
        "ownerless, still there"
    );
    // Whoever comes back first owns it again.
    app.join(&second, room).await;
    let card: Value = app
        .get(&format!("/api/rooms/{room}"), Some(&second.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(card["role"], "owner");

    // Private names are not unique, and a taken one reveals nothing.
    let a = app.create_room_of_kind(&owner, "war room", "private").await;
    let b = app.create_room_of_kind(&first, "war room", "private").await;
    assert_ne!(a, b);
    assert_eq!(
        app.create_room(&second, "war room").await.status(),
        StatusCode::CREATED,
        "a public one too"
    );
}

async fn one_direct_room_per_pair_even_under_twenty_concurrent_creations(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let answers = futures_util::future::join_all((0..20).map(|i| {
        let (app, alice, bob) = (&app, &alice, &bob);
        async move {
            let response = if i % 2 == 0 {
                app.open_dm(alice, "bob").await
            } else {
                app.open_dm(bob, "alice").await
            };
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }
    }))
    .await;
    let ids: std::collections::HashSet<i64> = answers
        .iter()
        .map(|(_, r)| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "one room: {answers:?}");
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "created once, found 19 times");
    assert!(
        answers
            .iter()
            .all(|(s, _)| *s == StatusCode::CREATED || *s == StatusCode::OK)
    );
    for (_, room) in &answers {
        assert_eq!(room["member_count"], 2);
        assert_eq!(room["kind"], "direct");
    }
    let dms = app
        .rooms(&alice)
        .await
        .into_iter()
        .filter(|r| r["kind"] == "direct")
        .count();
    assert_eq!(dms, 1);
}

async fn search_finds_words_in_the_callers_rooms_newest_first_and_follows_edits_and_deletions(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let mine = app.room(&alice, "mine").await;
    let theirs = app.create_room_of_kind(&bob, "theirs", "private").await;
    let mut ids = Vec::new();
    for text in [
        "deploying the lambda functions today",
        "the weather is nice",
        "Lambda cold starts are fast",
        "unrelated chatter",
        "another LAMBDA deploy tomorrow",
    ] {
        ids.push(
            app.post_message(&alice, mine, text, None)
                .await
                .json::<Value>()
                .await
                .unwrap()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    assert_eq!(
        app.post_message(&bob, theirs, "lambda secrets of bob", None)
            .await
            .status(),
        StatusCode::CREATED
    );

    let found = |page: &Value| -> Vec<i64> {
        page["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect()
    };
    let page: Value = app.search(&alice, "q=lambda").await.json().await.unwrap();
    assert_eq!(
        found(&page),
        vec![ids[4], ids[2], ids[0]],
        "newest first, any case, only her rooms"
    );
    let page: Value = app
        .search(&alice, "q=lambda+deploy")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        found(&page),
        vec![ids[4], ids[0]],
        "every word, as a prefix (deploying)"
    );
    let page: Value = app
        .search(&alice, "q=lambda&limit=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (found(&page), page["has_more"].clone()),
        (vec![ids[4], ids[2]], json!(true))
    );
    let page: Value = app
        .search(&alice, &format!("q=lambda&limit=2&before={}", ids[2]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (found(&page), page["has_more"].clone()),
        (vec![ids[0]], json!(false))
    );
    let page: Value = app
        .search(&alice, &format!("q=lambda&room_id={mine}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found(&page), vec![ids[4], ids[2], ids[0]]);
    assert_eq!(
        page["messages"][0]["room_id"], mine,
        "enough to open the room at the message"
    );

    // Edits and deletions are reflected.
    let edited = app
        .http
        .patch(app.url(&format!("/api/rooms/{mine}/messages/{}", ids[1])))
        .bearer_auth(&alice.token)
        .json(&json!({"content": "the lambda weather"}))
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), StatusCode::OK);
    let deleted = app
        .http
        .delete(app.url(&format!("/api/rooms/{mine}/messages/{}", ids[4])))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let page: Value = app.search(&alice, "q=lambda").await.json().await.unwrap();
    assert_eq!(found(&page), vec![ids[2], ids[1], ids[0]]);
    let page: Value = app.search(&alice, "q=tomorrow").await.json().await.unwrap();
    assert_eq!(
        found(&page),
        Vec::<i64>::new(),
        "a deleted message is not found"
    );
    // Bob finds his own; query syntax is just words.
    let page: Value = app
        .search(&bob, "q=%2Blambda*+-secrets")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        page["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| &m["content"])
            .collect::<Vec<_>>(),
        [&json!("lambda secrets of bob")]
    );

    for (query, status, code) in [
        ("", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        ("q=", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (
            "q=***",
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "q=lambda&limit=0",
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "q=lambda&before=0",
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "q=lambda&room_id=abc",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
    ] {
        assert_error(app.search(&alice, query).await, status, code).await;
    }
    let long = "x".repeat(201);
    assert_error(
        app.search(&alice, &format!("q={long}")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_error(
        app.search(&alice, &format!("q=lambda&room_id={theirs}"))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn a_dm_partner_sees_presence_live_from_any_room_and_in_the_room_list(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let dm = id_of(app.open_dm(&alice, "bob").await).await;
    let elsewhere = app.room(&alice, "elsewhere").await;
    // Alice is online, viewing another room; Bob is offline.
    let mut alice_ws = WsClient::connect(&app.user_ws_url(&alice.token))
        .await
        .unwrap();
    alice_ws.sync_room(elsewhere, None).await;
    let card = |rooms: Vec<Value>| rooms.into_iter().find(|r| r["id"] == dm).unwrap();
    assert_eq!(
        card(app.rooms(&alice).await)["online_member_ids"],
        json!([alice.id])
    );

    let bob_ws = WsClient::connect(&app.user_ws_url(&bob.token))
        .await
        .unwrap();
    let came = alice_ws.next_of("presence").await;
    assert_eq!(
        [&came["room_id"], &came["joined"]["id"]],
        [&json!(dm), &json!(bob.id)]
    );
    assert_eq!(
        card(app.rooms(&alice).await)["online_member_ids"],
        json!([alice.id, bob.id])
    );
    bob_ws.close().await;
    let went = alice_ws.next_of("presence").await;
    assert_eq!(
        [&went["room_id"], &went["left"]["id"]],
        [&json!(dm), &json!(bob.id)]
    );
    assert!(
        alice_ws
            .drain(Duration::from_millis(300))
            .await
            .iter()
            .all(|f| f["type"] != "presence"),
        "once per change"
    );
}
