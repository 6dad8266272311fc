//! `ws-message` fed API Gateway WebSocket MESSAGE events through the same handler its binary
//! runs; replies and pushes land on a local management endpoint the test inspects.

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use serde_json::json;
use shared::realtime::on_message;
use shared::testing::{ManagementRecorder, event_fixture, sqlite_state};

fn message_event(
    fixture: &str,
    connection_id: &str,
    body: Option<&str>,
) -> ApiGatewayWebsocketProxyRequest {
    let mut event = event_fixture(env!("CARGO_MANIFEST_DIR"), fixture);
    event["requestContext"]["connectionId"] = json!(connection_id);
    if let Some(body) = body {
        event["body"] = json!(body);
    }
    serde_json::from_value(event).unwrap()
}

/// The connection id every fixture carries (the one the shipped connect.json records).
const FIXTURE_CONNECTION: &str = "Bx5wYd4NDoECFdg=";

fn shipped(fixture: &str) -> ApiGatewayWebsocketProxyRequest {
    let event = event_fixture(env!("CARGO_MANIFEST_DIR"), fixture);
    assert_eq!(event["requestContext"]["connectionId"], FIXTURE_CONNECTION);
    serde_json::from_value(event).unwrap()
}

#[tokio::test]
async fn the_shipped_frames_from_the_fixtures_connection_are_answered_and_pushed() {
    let recorder = ManagementRecorder::start().await;
    let test = sqlite_state(&[("WEBSOCKET_API_ENDPOINT", recorder.endpoint.as_str())]).await;
    let state = &test.state;
    let (alice, bob) = (test.user("alice").await, test.user("bob").await);
    let room = shared::rooms::create(state, &alice, "General")
        .await
        .unwrap();
    shared::rooms::join(state, &bob, room.id).await.unwrap();
    test.live_connection(FIXTURE_CONNECTION, &alice, room.id, &recorder.endpoint)
        .await;
    test.live_connection("bob-ws", &bob, room.id, &recorder.endpoint)
        .await;
    let alice_summary = json!({"id": alice.id, "username": "alice"});

    assert_eq!(
        on_message(state, &shipped("ping.json")).await.status_code,
        200
    );
    assert_eq!(
        recorder.frames_to(FIXTURE_CONNECTION),
        vec![json!({"type": "pong"})]
    );

    assert_eq!(
        on_message(state, &shipped("send-message.json"))
            .await
            .status_code,
        200
    );
    let to_bob = recorder.frames_to("bob-ws");
    assert_eq!(to_bob.len(), 1, "{to_bob:?}");
    assert_eq!(
        [
            &to_bob[0]["type"],
            &to_bob[0]["room_id"],
            &to_bob[0]["message"]["content"],
            &to_bob[0]["message"]["client_id"],
            &to_bob[0]["message"]["sender"],
        ],
        [
            &json!("message"),
            &json!(room.id),
            &json!("hello over the socket"),
            &json!("ws-1"),
            &alice_summary,
        ]
    );
    assert_eq!(
        recorder.frames_to(FIXTURE_CONNECTION)[1],
        to_bob[0],
        "the sender gets its echo"
    );

    assert_eq!(
        on_message(state, &shipped("typing.json")).await.status_code,
        200
    );
    assert_eq!(
        recorder.frames_to("bob-ws")[1],
        json!({"type": "typing", "room_id": room.id, "user": alice_summary})
    );
    assert_eq!(
        recorder.frames_to(FIXTURE_CONNECTION).len(),
        2,
        "the typist is not told"
    );

    assert_eq!(
        on_message(state, &shipped("sync.json")).await.status_code,
        200
    );
    let frames = recorder.frames_to(FIXTURE_CONNECTION);
    assert_eq!(frames.len(), 4, "{frames:?}");
    let (history, presence) = (&frames[2], &frames[3]);
    assert_eq!(
        [&history["type"], &history["room_id"], &history["has_more"]],
        [&json!("history"), &json!(room.id), &json!(false)]
    );
    assert_eq!(history["messages"], json!([to_bob[0]["message"]]));
    assert_eq!(presence["type"], "presence");
    assert_eq!(
        presence["online"],
        json!([alice_summary, {"id": bob.id, "username": "bob"}])
    );
    assert!(recorder.calls().iter().all(|c| c.signed));
}

#[tokio::test]
async fn a_shipped_frame_from_an_unregistered_connection_is_told_to_reconnect_and_closed() {
    let recorder = ManagementRecorder::start().await;
    let test = sqlite_state(&[("WEBSOCKET_API_ENDPOINT", recorder.endpoint.as_str())]).await;
    for fixture in ["ping.json", "send-message.json", "sync.json", "typing.json"] {
        let answer = on_message(&test.state, &shipped(fixture)).await;
        assert_eq!(answer.status_code, 200, "{fixture}");
    }
    let calls = recorder.calls();
    assert_eq!(calls.len(), 8, "a post and a close per frame: {calls:?}");
    for pair in calls.chunks(2) {
        assert_eq!(
            [pair[0].method.as_str(), pair[1].method.as_str()],
            ["POST", "DELETE"]
        );
        assert!(pair.iter().all(|c| c.connection_id == FIXTURE_CONNECTION));
        let frame = pair[0].frame.as_ref().unwrap();
        assert_eq!(
            [&frame["type"], &frame["code"]],
            [&json!("error"), &json!("unauthorized")]
        );
    }
}

#[tokio::test]
async fn every_action_is_answered_by_posts_and_bad_frames_get_error_frames() {
    let recorder = ManagementRecorder::start().await;
    let test = sqlite_state(&[("WEBSOCKET_API_ENDPOINT", recorder.endpoint.as_str())]).await;
    let state = &test.state;
    let (alice, bob) = (test.user("alice").await, test.user("bob").await);
    let room = shared::rooms::create(state, &alice, "General")
        .await
        .unwrap();
    shared::rooms::join(state, &bob, room.id).await.unwrap();
    test.live_connection("alice-ws", &alice, room.id, &recorder.endpoint)
        .await;
    test.live_connection("bob-ws", &bob, room.id, &recorder.endpoint)
        .await;
    test.live_connection("stale-ws", &bob, room.id, &recorder.endpoint)
        .await;
    recorder.mark_gone("stale-ws");

    assert_eq!(
        on_message(state, &message_event("ping.json", "alice-ws", None))
            .await
            .status_code,
        200
    );
    assert_eq!(
        recorder.frames_to("alice-ws"),
        vec![json!({"type": "pong"})]
    );

    on_message(state, &message_event("send-message.json", "alice-ws", None)).await;
    let pushed = recorder.frames_to("bob-ws");
    assert_eq!(pushed.len(), 1);
    assert_eq!(pushed[0]["type"], "message");
    assert_eq!(pushed[0]["message"]["content"], "hello over the socket");
    assert_eq!(pushed[0]["message"]["client_id"], "ws-1");
    assert_eq!(
        recorder.frames_to("alice-ws").last().unwrap()["message"],
        pushed[0]["message"],
        "the sender gets its echo"
    );
    let rows = shared::db::connections::receivers_of_room(&state.db.pool, room.id)
        .await
        .unwrap();
    assert!(
        rows.iter().all(|c| c.connection_id != "stale-ws"),
        "410 removed the stale row"
    );

    on_message(state, &message_event("sync.json", "bob-ws", None)).await;
    let frames = recorder.frames_to("bob-ws");
    let (history, presence) = (&frames[frames.len() - 2], &frames[frames.len() - 1]);
    assert_eq!(history["type"], "history");
    assert_eq!(history["messages"][0]["content"], "hello over the socket");
    assert_eq!(history["has_more"], false);
    assert_eq!(presence["type"], "presence");
    assert_eq!(presence["online"].as_array().unwrap().len(), 2);

    on_message(state, &message_event("typing.json", "alice-ws", None)).await;
    let typing = json!({"type": "typing", "room_id": room.id, "user": {"id": alice.id, "username": "alice"}});
    assert_eq!(recorder.frames_to("bob-ws").last().unwrap(), &typing);

    let before = recorder.frames_to("alice-ws").len();
    for bad in [
        "{oops",
        r#"{"action":"dance"}"#,
        r#"{"action":"sendMessage","content":"  ","client_id":"c-7"}"#,
    ] {
        let answer = on_message(state, &message_event("ping.json", "alice-ws", Some(bad))).await;
        assert_eq!(answer.status_code, 200, "the connection stays");
    }
    let errors = &recorder.frames_to("alice-ws")[before..];
    let codes: Vec<&str> = errors.iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        vec!["bad_request", "bad_request", "validation_failed"]
    );
    assert_eq!(errors[2]["client_id"], "c-7");
}

#[tokio::test]
async fn a_user_connection_gets_the_frames_of_two_rooms_and_its_frames_name_them() {
    let recorder = ManagementRecorder::start().await;
    let test = sqlite_state(&[("WEBSOCKET_API_ENDPOINT", recorder.endpoint.as_str())]).await;
    let state = &test.state;
    let (alice, bob) = (test.user("alice").await, test.user("bob").await);
    let one = shared::rooms::create(state, &alice, "One").await.unwrap();
    let two = shared::rooms::create(state, &alice, "Two").await.unwrap();
    let three = shared::rooms::create(state, &alice, "Three").await.unwrap();
    shared::rooms::join(state, &bob, one.id).await.unwrap();
    shared::rooms::join(state, &bob, two.id).await.unwrap();
    test.live_user_connection("alice-user", &alice, None, &recorder.endpoint)
        .await;
    test.live_user_connection("bob-user", &bob, None, &recorder.endpoint)
        .await;

    for room in [one.id, three.id, two.id] {
        let body =
            json!({"action": "sendMessage", "room_id": room, "content": format!("to {room}")});
        on_message(
            state,
            &message_event("send-message.json", "alice-user", Some(&body.to_string())),
        )
        .await;
    }
    let to_bob: Vec<_> = recorder
        .frames_to("bob-user")
        .into_iter()
        .filter(|f| f["type"] == "message")
        .map(|f| (f["room_id"].clone(), f["message"]["content"].clone()))
        .collect();
    assert_eq!(
        to_bob,
        vec![
            (json!(one.id), json!(format!("to {}", one.id))),
            (json!(two.id), json!(format!("to {}", two.id)))
        ],
        "both of Bob's rooms, not the third"
    );

    // A frame without a room, or naming a room Bob is not in, gets an error frame.
    for (body, code) in [
        (json!({"action": "typing"}), "validation_failed"),
        (
            json!({"action": "typing", "room_id": three.id}),
            "forbidden",
        ),
    ] {
        let answer = on_message(
            state,
            &message_event("typing.json", "bob-user", Some(&body.to_string())),
        )
        .await;
        assert_eq!(answer.status_code, 200);
        assert_eq!(
            recorder.frames_to("bob-user").last().unwrap()["code"],
            code,
            "{body}"
        );
    }

    // Marking read by frame reaches Bob's connection as a read frame.
    let newest = shared::messages::page(
        state,
        &bob,
        one.id,
        shared::domain::PageCursor::Newest,
        shared::domain::PageLimit::DEFAULT,
    )
    .await
    .unwrap()
    .messages
    .pop()
    .unwrap();
    let body = json!({"action": "read", "room_id": one.id, "message_id": newest.id});
    on_message(
        state,
        &message_event("typing.json", "bob-user", Some(&body.to_string())),
    )
    .await;
    assert_eq!(
        recorder.frames_to("bob-user").last().unwrap(),
        &json!({"type": "read", "room_id": one.id, "last_read_id": newest.id, "unread_count": 0, "mention_count": 0})
    );
}

#[tokio::test]
async fn edit_delete_and_reaction_frames_change_the_message_and_push_message_updated() {
    let recorder = ManagementRecorder::start().await;
    let test = sqlite_state(&[("WEBSOCKET_API_ENDPOINT", recorder.endpoint.as_str())]).await;
    let state = &test.state;
    let (alice, bob) = (test.user("alice").await, test.user("bob").await);
    let room = shared::rooms::create(state, &alice, "General")
        .await
        .unwrap();
    shared::rooms::join(state, &bob, room.id).await.unwrap();
    test.live_user_connection("alice-user", &alice, None, &recorder.endpoint)
        .await;
    test.live_user_connection("bob-user", &bob, None, &recorder.endpoint)
        .await;
    let send = |body: serde_json::Value| {
        let event = message_event("send-message.json", "alice-user", Some(&body.to_string()));
        async move { on_message(state, &event).await }
    };
    send(json!({"action": "sendMessage", "room_id": room.id, "content": "first"})).await;
    let id = recorder.frames_to("bob-user").last().unwrap()["message"]["id"].clone();
    send(
        json!({"action": "editMessage", "room_id": room.id, "message_id": id, "content": "second"}),
    )
    .await;
    send(json!({"action": "addReaction", "room_id": room.id, "message_id": id, "emoji": "👀"}))
        .await;
    send(json!({"action": "deleteMessage", "room_id": room.id, "message_id": id})).await;
    let to_bob: Vec<serde_json::Value> = recorder
        .frames_to("bob-user")
        .into_iter()
        .filter(|f| f["type"] == "message_updated")
        .map(|f| {
            json!([
                f["message"]["seq"],
                f["message"]["content"],
                f["message"]["reactions"].as_array().unwrap().len(),
                f["message"]["deleted"]
            ])
        })
        .collect();
    assert_eq!(
        to_bob,
        vec![
            json!([2, "second", 0, false]),
            json!([3, "second", 1, false]),
            json!([4, "", 0, true])
        ]
    );

    // Bob may not edit Alice's message: an error frame, nothing changes.
    let event = message_event(
        "send-message.json",
        "bob-user",
        Some(&json!({"action": "editMessage", "room_id": room.id, "message_id": id, "content": "mine"}).to_string()),
    );
    on_message(state, &event).await;
    assert_eq!(
        recorder.frames_to("bob-user").last().unwrap()["code"],
        "forbidden"
    );
}

/// Every fixture in `events/` must be named (as `"<file>"`) by this crate's tests, so a new one
/// cannot land without a test that asserts its outcome.
#[test]
fn every_event_fixture_is_named_by_a_test() {
    shared::testing::assert_every_event_fixture_is_named_by_a_test(env!("CARGO_MANIFEST_DIR"));
}
