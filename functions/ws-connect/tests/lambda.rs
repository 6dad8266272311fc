//! `ws-connect` fed API Gateway WebSocket CONNECT events, as AWS sends them, through the same
//! handler its binary runs; management API calls land on a local endpoint the test inspects.

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use serde_json::json;
use shared::realtime::on_connect;
use shared::testing::{
    ManagementRecorder, TOKEN_PLACEHOLDER, event_fixture, sqlite_state, with_token,
};

/// A CONNECT event for a room connection (`room`), or a user connection (`""`).
fn connect_event(token: &str, room: &str, connection_id: &str) -> ApiGatewayWebsocketProxyRequest {
    let mut event = event_fixture(env!("CARGO_MANIFEST_DIR"), "connect.json");
    event["queryStringParameters"] = json!({"token": token, "room_id": room});
    event["multiValueQueryStringParameters"] = json!({"token": [token], "room_id": [room]});
    if room.is_empty() {
        for query in ["queryStringParameters", "multiValueQueryStringParameters"] {
            event[query].as_object_mut().unwrap().remove("room_id");
        }
    }
    event["requestContext"]["connectionId"] = json!(connection_id);
    serde_json::from_value(event).unwrap()
}

/// The fixture as shipped, or with its placeholder replaced as the documented `sed` does.
fn shipped_connect_event(token: Option<&str>) -> ApiGatewayWebsocketProxyRequest {
    let event = event_fixture(env!("CARGO_MANIFEST_DIR"), "connect.json");
    assert!(event.to_string().contains(TOKEN_PLACEHOLDER));
    let event = match token {
        Some(token) => with_token(event, token),
        None => event,
    };
    serde_json::from_value(event).unwrap()
}

#[tokio::test]
async fn the_shipped_connect_event_is_refused_until_its_placeholder_is_a_token() {
    let recorder = ManagementRecorder::start().await;
    let test = sqlite_state(&[("WEBSOCKET_API_ENDPOINT", recorder.endpoint.as_str())]).await;
    let state = &test.state;
    let (alice, bob) = (test.user("alice").await, test.user("bob").await);
    let room = shared::rooms::create(state, &alice, "General")
        .await
        .unwrap();
    assert_eq!(room.id.to_string(), "1", "the fixture names room 1");
    shared::rooms::join(state, &bob, room.id).await.unwrap();
    test.live_connection("bob-conn", &bob, room.id, &recorder.endpoint)
        .await;
    let fixture_id = "Bx5wYd4NDoECFdg=";

    let refused = on_connect(state, &shipped_connect_event(None)).await;
    assert_eq!(refused.status_code, 401);
    let Some(aws_lambda_events::encodings::Body::Text(body)) = &refused.body else {
        panic!("a refusal has a body: {refused:?}");
    };
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert!(
        shared::db::connections::find(&state.db.pool, fixture_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(recorder.calls().is_empty());

    let accepted = on_connect(state, &shipped_connect_event(Some(&test.token(&alice)))).await;
    assert_eq!(accepted.status_code, 200);
    let row = shared::db::connections::find(&state.db.pool, fixture_id)
        .await
        .unwrap()
        .expect("the fixture's connection is recorded");
    assert_eq!(
        (row.user_id, row.room_id, row.endpoint.as_str()),
        (alice.id, Some(room.id), recorder.endpoint.as_str())
    );
    let presence = recorder.frames_to("bob-conn");
    assert_eq!(presence.len(), 1, "Bob hears Alice come online");
    assert_eq!(
        presence[0]["joined"],
        json!({"id": alice.id, "username": "alice"})
    );
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

#[tokio::test]
async fn a_410_from_a_connection_still_connecting_keeps_its_row_and_an_old_one_goes() {
    let recorder = ManagementRecorder::start().await;
    let test = sqlite_state(&[("WEBSOCKET_API_ENDPOINT", recorder.endpoint.as_str())]).await;
    let state = &test.state;
    let (alice, bob, carol) = (
        test.user("alice").await,
        test.user("bob").await,
        test.user("carol").await,
    );
    let room = shared::rooms::create(state, &alice, "General")
        .await
        .unwrap();
    shared::rooms::join(state, &bob, room.id).await.unwrap();
    shared::rooms::join(state, &carol, room.id).await.unwrap();
    let room_id = room.id.to_string();
    let pool = &state.db.pool;

    // Bob's room connection has just passed $connect: to API Gateway it is still connecting,
    // so the presence push Alice's arrival makes answers 410.
    let bob_connect = on_connect(
        state,
        &connect_event(&test.token(&bob), &room_id, "bob-new"),
    )
    .await;
    assert_eq!(bob_connect.status_code, 200);
    recorder.mark_gone("bob-new");
    // Carol's row is a minute old and its socket is gone ($disconnect was missed).
    test.live_connection("carol-old", &carol, room.id, &recorder.endpoint)
        .await;
    recorder.mark_gone("carol-old");

    let alice_connect =
        on_connect(state, &connect_event(&test.token(&alice), "", "alice-user")).await;
    assert_eq!(alice_connect.status_code, 200);
    let posted_to: Vec<String> = recorder
        .calls()
        .iter()
        .map(|c| c.connection_id.clone())
        .collect();
    assert!(
        posted_to.contains(&"bob-new".to_string()),
        "Bob was told: {posted_to:?}"
    );
    assert!(
        shared::db::connections::find(pool, "bob-new")
            .await
            .unwrap()
            .is_some(),
        "a 410 during $connect keeps the row"
    );
    assert!(
        shared::db::connections::find(pool, "carol-old")
            .await
            .unwrap()
            .is_none(),
        "an old row that answers 410 is removed"
    );
    let alice_row = shared::db::connections::find(pool, "alice-user")
        .await
        .unwrap()
        .expect("a user connection is recorded");
    assert_eq!((alice_row.room_id, alice_row.viewing_room_id), (None, None));
}

/// Every fixture in `events/` must be named (as `"<file>"`) by this crate's tests, so a new one
/// cannot land without a test that asserts its outcome.
#[test]
fn every_event_fixture_is_named_by_a_test() {
    shared::testing::assert_every_event_fixture_is_named_by_a_test(env!("CARGO_MANIFEST_DIR"));
}
