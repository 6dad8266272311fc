//! `ws-connect` fed API Gateway WebSocket CONNECT events, as AWS sends them, through the same
//! handler its binary runs; management API calls land on a local endpoint the test inspects.

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use serde_json::json;
use shared::realtime::on_connect;
use shared::testing::{ManagementRecorder, event_fixture, sqlite_state};

fn connect_event(token: &str, room: &str, connection_id: &str) -> ApiGatewayWebsocketProxyRequest {
    let mut event = event_fixture(env!("CARGO_MANIFEST_DIR"), "connect.json");
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
    let (alice, bob, eve) = (
        test.user("alice").await,
        test.user("bob").await,
        test.user("eve").await,
    );
    let room = shared::rooms::create(state, &alice, "General")
        .await
        .unwrap();
    shared::rooms::join(state, &bob, room.id).await.unwrap();
    let room_id = room.id.to_string();
    test.live_connection("bob-conn", &bob, room.id, &recorder.endpoint)
        .await; // Bob is online

    assert_eq!(
        on_connect(state, &connect_event("not-a-token", &room_id, "c0"))
            .await
            .status_code,
        401
    );
    assert_eq!(
        on_connect(state, &connect_event(&test.token(&eve), &room_id, "c1"))
            .await
            .status_code,
        403
    );
    assert_eq!(
        on_connect(state, &connect_event(&test.token(&alice), "999", "c2"))
            .await
            .status_code,
        404
    );

    let ok = on_connect(
        state,
        &connect_event(&test.token(&alice), &room_id, "alice-1"),
    )
    .await;
    assert_eq!(ok.status_code, 200);
    let row = shared::db::connections::find(&state.db.pool, "alice-1")
        .await
        .unwrap()
        .expect("row stored");
    assert_eq!(
        (row.room_id, row.user_id, row.endpoint.as_str()),
        (Some(room.id), alice.id, recorder.endpoint.as_str())
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
    let second = on_connect(
        state,
        &connect_event(&test.token(&alice), &room_id, "alice-2"),
    )
    .await;
    assert_eq!(second.status_code, 200);
    assert_eq!(recorder.frames_to("bob-conn").len(), 1);
}

#[tokio::test]
async fn without_a_configured_endpoint_the_event_names_the_management_api() {
    let test = sqlite_state(&[]).await;
    let alice = test.user("alice").await;
    let room = shared::rooms::create(&test.state, &alice, "General")
        .await
        .unwrap();
    let answer = on_connect(
        &test.state,
        &connect_event(&test.token(&alice), &room.id.to_string(), "c9"),
    )
    .await;
    assert_eq!(answer.status_code, 200);
    let row = shared::db::connections::find(&test.state.db.pool, "c9")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.endpoint,
        "https://w9x8y7z6v5.execute-api.eu-west-1.amazonaws.com/prod"
    );
}
