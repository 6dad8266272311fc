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
