//! `ws-connect` fed API Gateway WebSocket CONNECT events, as AWS sends them, through the same
//! handler its binary runs; management API calls land on a local endpoint the test inspects.

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use serde_json::{Value, json};
use shared::auth::AuthUser;
use shared::db::connections::Connection;
use shared::domain::Timestamp;
use shared::testing::{ManagementRecorder, sqlite_state};

fn connect_event(token: &str, room: &str, connection_id: &str) -> ApiGatewayWebsocketProxyRequest {
    let path = format!("{}/events/connect.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["queryStringParameters"] = json!({"token": token, "room_id": room});
    event["multiValueQueryStringParameters"] = json!({"token": [token], "room_id": [room]});
    event["requestContext"]["connectionId"] = json!(connection_id);
    serde_json::from_value(event).unwrap()
}

#[tokio::test]
async fn connect_checks_token_and_membership_records_the_row_and_announces_presence() {
    let recorder = ManagementRecorder::start().await;
    let test = sqlite_state(&[("WEBSOCKET_API_ENDPOINT", recorder.endpoint.as_str())]).await;
    let state = &test.state;
    let alice = shared::accounts::register(state, "alice", "correct horse battery")
        .await
        .unwrap();
    let bob = shared::accounts::register(state, "bob", "correct horse battery")
        .await
        .unwrap();
    let eve = shared::accounts::register(state, "eve", "correct horse battery")
        .await
        .unwrap();
    let auth = |u: &shared::domain::User| AuthUser {
        id: u.id,
        username: u.username.clone(),
        expires_at: i64::MAX / 1000,
    };
    let room = shared::rooms::create(state, &auth(&alice), "General")
        .await
        .unwrap();
    shared::rooms::join(state, &auth(&bob), room.id)
        .await
        .unwrap();
    let room_id = room.id.to_string();
    let token = |u: &shared::domain::User| state.jwt.issue(u.id, &u.username).unwrap();

    // Bob is already online in the room.
    shared::db::connections::insert(
        &state.db.pool,
        &Connection {
            connection_id: "bob-conn".into(),
            endpoint: recorder.endpoint.clone(),
            room_id: room.id,
            user_id: bob.id,
            connected_at: Timestamp::now(),
            expires_at: Timestamp(i64::MAX / 2),
        },
    )
    .await
    .unwrap();

    let refused =
        shared::realtime::on_connect(state, &connect_event("not-a-token", &room_id, "c0")).await;
    assert_eq!(refused.status_code, 401);
    let outsider =
        shared::realtime::on_connect(state, &connect_event(&token(&eve), &room_id, "c1")).await;
    assert_eq!(outsider.status_code, 403);
    let nowhere =
        shared::realtime::on_connect(state, &connect_event(&token(&alice), "999", "c2")).await;
    assert_eq!(nowhere.status_code, 404);

    let ok =
        shared::realtime::on_connect(state, &connect_event(&token(&alice), &room_id, "alice-1"))
            .await;
    assert_eq!(ok.status_code, 200);
    let row = shared::db::connections::find(&state.db.pool, "alice-1")
        .await
        .unwrap()
        .expect("row stored");
    assert_eq!(
        (row.room_id, row.user_id, row.endpoint.as_str()),
        (room.id, alice.id, recorder.endpoint.as_str())
    );

    // Bob hears Alice join; nothing is posted to the connecting socket (API Gateway refuses that).
    let presence = recorder.frames_to("bob-conn");
    assert_eq!(presence.len(), 1);
    assert_eq!(presence[0]["type"], "presence");
    assert_eq!(
        presence[0]["joined"],
        json!({"id": alice.id, "username": "alice"})
    );
    assert_eq!(presence[0]["online"].as_array().unwrap().len(), 2);
    assert!(recorder.frames_to("alice-1").is_empty());

    // A second tab is not a second join.
    let second =
        shared::realtime::on_connect(state, &connect_event(&token(&alice), &room_id, "alice-2"))
            .await;
    assert_eq!(second.status_code, 200);
    assert_eq!(recorder.frames_to("bob-conn").len(), 1);
}

#[tokio::test]
async fn without_a_configured_endpoint_the_event_names_the_management_api() {
    let test = sqlite_state(&[]).await;
    let state = &test.state;
    let alice = shared::accounts::register(state, "alice", "correct horse battery")
        .await
        .unwrap();
    let auth = AuthUser {
        id: alice.id,
        username: "alice".into(),
        expires_at: i64::MAX / 1000,
    };
    let room = shared::rooms::create(state, &auth, "General")
        .await
        .unwrap();
    let token = state.jwt.issue(alice.id, "alice").unwrap();
    let answer =
        shared::realtime::on_connect(state, &connect_event(&token, &room.id.to_string(), "c9"))
            .await;
    assert_eq!(answer.status_code, 200);
    let row = shared::db::connections::find(&state.db.pool, "c9")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.endpoint,
        "https://w9x8y7z6v5.execute-api.eu-west-1.amazonaws.com/prod"
    );
}
