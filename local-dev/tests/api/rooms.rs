//! `/api/rooms…`: create, list, read, join, leave.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, assert_error, spawn_app};

crate::both_backends!(
    creating_a_room_makes_the_creator_its_first_member,
    room_names_are_unique_case_insensitively_in_any_script,
    each_room_name_rule_answers_422,
    rooms_are_listed_newest_activity_first_with_membership,
    unknown_and_malformed_room_ids_are_404,
    joining_and_leaving_are_idempotent,
    rooms_need_a_token,
);

// The core cases once more with the real function binaries behind local-dev (forwarding.rs).
crate::forwarded_too!(
    creating_a_room_makes_the_creator_its_first_member,
    rooms_are_listed_newest_activity_first_with_membership,
    unknown_and_malformed_room_ids_are_404,
);

async fn creating_a_room_makes_the_creator_its_first_member(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let response = app.create_room(&alice, "  General 🎉  ").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let room: Value = response.json().await.unwrap();
    assert_eq!(room["name"], "General 🎉", "trimmed, emoji intact");
    assert_eq!(
        room["created_by"],
        json!({"id": alice.id, "username": "alice"})
    );
    assert_eq!(room["member_count"], 1);
    assert_eq!(
        room["members"],
        json!([{"id": alice.id, "username": "alice"}])
    );
    assert_eq!(room["is_member"], true);
    assert_eq!(room["last_message_at"], Value::Null);
    let again: Value = app
        .get(&format!("/api/rooms/{}", room["id"]), Some(&alice.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, room);
}

async fn room_names_are_unique_case_insensitively_in_any_script(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    app.room(&alice, "Über Café").await;
    assert_error(
        app.create_room(&alice, "über café").await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_error(
        app.create_room(&alice, " ÜBER CAFÉ ").await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(
        app.create_room(&alice, "Uber Cafe").await.status(),
        StatusCode::CREATED
    );
}

async fn each_room_name_rule_answers_422(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    for name in [
        json!(""),
        json!("   "),
        json!("x".repeat(65)),
        json!("bell\u{7}"),
        json!("new\nline"),
        json!(7),
    ] {
        let response = app
            .post_json("/api/rooms", Some(&alice.token), &json!({ "name": name }))
            .await;
        let message = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(message.starts_with("name"), "{name} → {message}");
    }
    let missing = app
        .post_json("/api/rooms", Some(&alice.token), &json!({}))
        .await;
    assert_error(
        missing,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        app.create_room(&alice, &"ü".repeat(64)).await.status(),
        StatusCode::CREATED
    );
    let rooms: Vec<Value> = app
        .get("/api/rooms", Some(&alice.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rooms.len(), 1, "only the valid room was stored");
}

async fn rooms_are_listed_newest_activity_first_with_membership(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let first = app.room(&alice, "first").await;
    let second = app.room(&alice, "second").await;
    let third = app.room(&bob, "third").await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    // A message makes the oldest room the most recently active.
    assert_eq!(
        app.post_message(&alice, first, "bump", None).await.status(),
        StatusCode::CREATED
    );

    let rooms: Vec<Value> = app
        .get("/api/rooms", Some(&alice.token))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = rooms.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![first, third, second]);
    assert!(rooms[0]["last_message_at"].is_string());
    let by_id = |id: i64| rooms.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(by_id(third)["is_member"], false);
    assert_eq!(by_id(third)["member_count"], 1);
    assert_eq!(by_id(first)["is_member"], true);
}

async fn unknown_and_malformed_room_ids_are_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    for path in [
        "/api/rooms/999",
        "/api/rooms/abc",
        "/api/rooms/-1",
        "/api/rooms/99999999999999999999999",
    ] {
        assert_error(
            app.get(path, Some(&alice.token)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    assert_error(
        app.join(&alice, 999).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        app.leave(&alice, 999).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn joining_and_leaving_are_idempotent(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let room = app.room(&alice, "lobby").await;
    for _ in 0..2 {
        let response = app.join(&bob, room).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["is_member"], true);
        assert_eq!(body["member_count"], 2);
    }
    for _ in 0..2 {
        let response = app.leave(&bob, room).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert!(response.text().await.unwrap().is_empty());
    }
    let body: Value = app
        .get(&format!("/api/rooms/{room}"), Some(&bob.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["is_member"], false);
    assert_eq!(body["member_count"], 1);
    assert_error(
        app.messages(&bob, room, "").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

async fn rooms_need_a_token(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_error(
        app.get("/api/rooms", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let create = app
        .post_json("/api/rooms", None, &json!({"name": "x"}))
        .await;
    assert_error(create, StatusCode::UNAUTHORIZED, "unauthorized").await;
}
