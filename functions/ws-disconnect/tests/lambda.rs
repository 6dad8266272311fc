//! `ws-disconnect` fed API Gateway WebSocket DISCONNECT events through the same handler its
//! binary runs; presence lands on a local management endpoint the test inspects.

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use serde_json::json;
use shared::realtime::on_disconnect;
use shared::testing::{ManagementRecorder, event_fixture, sqlite_state};

fn disconnect_event(connection_id: &str) -> ApiGatewayWebsocketProxyRequest {
    let mut event = event_fixture(env!("CARGO_MANIFEST_DIR"), "disconnect.json");
    event["requestContext"]["connectionId"] = json!(connection_id);
    serde_json::from_value(event).unwrap()
}

#[tokio::test]
async fn the_shipped_disconnect_event_removes_its_connection_and_announces_left() {
    let recorder = ManagementRecorder::start().await;
    let test = sqlite_state(&[]).await;
    let state = &test.state;
    let (alice, bob) = (test.user("alice").await, test.user("bob").await);
    let room = shared::rooms::create(state, &alice, "General")
        .await
        .unwrap();
    shared::rooms::join(state, &bob, room.id).await.unwrap();
    // The connection the fixture names, as the shipped connect.json records it.
    let fixture_id = "Bx5wYd4NDoECFdg=";
    test.live_connection(fixture_id, &alice, room.id, &recorder.endpoint)
        .await;
    test.live_connection("bob-1", &bob, room.id, &recorder.endpoint)
        .await;

    let shipped: ApiGatewayWebsocketProxyRequest =
        serde_json::from_value(event_fixture(env!("CARGO_MANIFEST_DIR"), "disconnect.json"))
            .unwrap();
    assert_eq!(on_disconnect(state, &shipped).await.status_code, 200);
    assert!(
        shared::db::connections::find(&state.db.pool, fixture_id)
            .await
            .unwrap()
            .is_none(),
        "the row is gone"
    );
    let frames = recorder.frames_to("bob-1");
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(
        [&frames[0]["type"], &frames[0]["left"]],
        [
            &json!("presence"),
            &json!({"id": alice.id, "username": "alice"})
        ]
    );
    // As shipped again (the row is already gone): still 200, nothing more is said.
    assert_eq!(on_disconnect(state, &shipped).await.status_code, 200);
    assert_eq!(recorder.frames_to("bob-1").len(), 1);
}

#[tokio::test]
async fn the_last_tab_closing_announces_left_and_unknown_ids_are_fine() {
    let recorder = ManagementRecorder::start().await;
    let test = sqlite_state(&[]).await;
    let state = &test.state;
    let (alice, bob) = (test.user("alice").await, test.user("bob").await);
    let room = shared::rooms::create(state, &alice, "General")
        .await
        .unwrap();
    shared::rooms::join(state, &bob, room.id).await.unwrap();
    test.live_connection("alice-1", &alice, room.id, &recorder.endpoint)
        .await;
    test.live_connection("alice-2", &alice, room.id, &recorder.endpoint)
        .await;
    test.live_connection("bob-1", &bob, room.id, &recorder.endpoint)
        .await;

    assert_eq!(
        on_disconnect(state, &disconnect_event("alice-1"))
            .await
            .status_code,
        200
    );
    assert!(
        recorder.frames_to("bob-1").is_empty(),
        "Alice still has a tab open"
    );
    assert_eq!(
        on_disconnect(state, &disconnect_event("alice-2"))
            .await
            .status_code,
        200
    );
    let frames = recorder.frames_to("bob-1");
    assert_eq!(frames.len(), 1);
    assert_eq!(
        frames[0]["left"],
        json!({"id": alice.id, "username": "alice"})
    );
    assert_eq!(
        frames[0]["online"],
        json!([{"id": bob.id, "username": "bob"}])
    );

    // $disconnect may arrive after a 410 clean-up removed the row, or twice.
    assert_eq!(
        on_disconnect(state, &disconnect_event("alice-2"))
            .await
            .status_code,
        200
    );
    assert_eq!(
        on_disconnect(state, &disconnect_event("never-existed"))
            .await
            .status_code,
        200
    );
    assert_eq!(recorder.frames_to("bob-1").len(), 1);
}

/// Every fixture in `events/` must be named (as `"<file>"`) by this crate's tests, so a new one
/// cannot land without a test that asserts its outcome.
#[test]
fn every_event_fixture_is_named_by_a_test() {
    shared::testing::assert_every_event_fixture_is_named_by_a_test(env!("CARGO_MANIFEST_DIR"));
}
