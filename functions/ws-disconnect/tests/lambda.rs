//! `ws-disconnect` fed API Gateway WebSocket DISCONNECT events through the same handler its
//! binary runs; presence lands on a local management endpoint the test inspects.

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use serde_json::{Value, json};
use shared::auth::AuthUser;
use shared::db::connections::Connection;
use shared::domain::Timestamp;
use shared::testing::{ManagementRecorder, sqlite_state};

fn disconnect_event(connection_id: &str) -> ApiGatewayWebsocketProxyRequest {
    let path = format!("{}/events/disconnect.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["requestContext"]["connectionId"] = json!(connection_id);
    serde_json::from_value(event).unwrap()
}

#[tokio::test]
async fn the_last_tab_closing_announces_left_and_unknown_ids_are_fine() {
    let recorder = ManagementRecorder::start().await;
    let test = sqlite_state(&[]).await;
    let state = &test.state;
    let alice = shared::accounts::register(state, "alice", "correct horse battery")
        .await
        .unwrap();
    let bob = shared::accounts::register(state, "bob", "correct horse battery")
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
    for (id, user) in [("alice-1", &alice), ("alice-2", &alice), ("bob-1", &bob)] {
        let connection = Connection {
            connection_id: id.into(),
            endpoint: recorder.endpoint.clone(),
            room_id: room.id,
            user_id: user.id,
            connected_at: Timestamp::now(),
            expires_at: Timestamp(i64::MAX / 2),
        };
        shared::db::connections::insert(&state.db.pool, &connection)
            .await
            .unwrap();
    }

    assert_eq!(
        shared::realtime::on_disconnect(state, &disconnect_event("alice-1"))
            .await
            .status_code,
        200
    );
    assert!(
        recorder.frames_to("bob-1").is_empty(),
        "Alice still has a tab open"
    );
    assert_eq!(
        shared::realtime::on_disconnect(state, &disconnect_event("alice-2"))
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
        shared::realtime::on_disconnect(state, &disconnect_event("alice-2"))
            .await
            .status_code,
        200
    );
    assert_eq!(
        shared::realtime::on_disconnect(state, &disconnect_event("never-existed"))
            .await
            .status_code,
        200
    );
    assert_eq!(recorder.frames_to("bob-1").len(), 1);
}
