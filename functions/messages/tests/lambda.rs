//! The `messages` function fed API Gateway HTTP API (payload 2.0) events through the exact
//! service its binary runs. A REST post is pushed to the room's live connections through the
//! management API, which here is a local endpoint the test inspects.

use lambda_http::{Context, LambdaEvent, Service as _, request::LambdaRequest};
use serde_json::{Value, json};
use shared::domain::RoomId;
use shared::testing::{ManagementRecorder, event_fixture, sqlite_state, with_token};

fn event(name: &str) -> Value {
    event_fixture(env!("CARGO_MANIFEST_DIR"), name)
}

async fn invoke(state: &shared::AppState, event: Value) -> Value {
    let request: LambdaRequest = serde_json::from_value(event).expect("an HTTP API event");
    let mut service = lambda_http::Adapter::from(shared::http::messages_router(state.clone()));
    let response = service
        .call(LambdaEvent::new(request, Context::default()))
        .await
        .unwrap();
    serde_json::to_value(response).unwrap()
}

#[tokio::test]
async fn the_fixtures_as_shipped_are_refused_with_401_and_nothing_is_stored() {
    let test = sqlite_state(&[]).await;
    let alice = test.user("alice").await;
    let room = shared::rooms::create(&test.state, &alice, "General")
        .await
        .unwrap();
    for name in [
        "add-reaction.json",
        "edit-message.json",
        "list-messages-prod-stage.json",
        "post-message.json",
        "search.json",
    ] {
        let answer = invoke(&test.state, event(name)).await;
        assert_eq!(answer["statusCode"], 401, "{name}: {answer}");
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["error"]["code"], "unauthorized", "{name}");
    }
    let page = shared::messages::page(
        &test.state,
        &alice,
        room.id,
        shared::domain::PageCursor::Newest,
        shared::domain::PageLimit::DEFAULT,
    )
    .await
    .unwrap();
    assert!(page.messages.is_empty());
}

#[tokio::test]
async fn a_posted_message_is_stored_pushed_to_live_sockets_and_paged_on_a_named_stage() {
    let test = sqlite_state(&[]).await;
    let state = &test.state;
    let recorder = ManagementRecorder::start().await;
    let alice = test.user("alice").await;
    let token = test.token(&alice);
    let room = shared::rooms::create(state, &alice, "General")
        .await
        .unwrap();
    assert_eq!(room.id, RoomId(1), "the fixtures name room 1");
    test.live_connection("live-1", &alice, room.id, &recorder.endpoint)
        .await;
    test.live_connection("gone-1", &alice, room.id, &recorder.endpoint)
        .await;
    recorder.mark_gone("gone-1");

    let posted = invoke(state, with_token(event("post-message.json"), &token)).await;
    assert_eq!(posted["statusCode"], 201, "{posted}");
    let message: Value = serde_json::from_str(posted["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        [
            &message["content"],
            &message["client_id"],
            &message["sender"]["username"]
        ],
        [
            &json!("hello from Lambda 👋"),
            &json!("lambda-1"),
            &json!("alice")
        ]
    );

    // The push happened before the function answered, signed like any SDK call.
    assert_eq!(
        recorder.frames_to("live-1"),
        vec![json!({"type": "message", "room_id": room.id, "message": message})]
    );
    assert!(recorder.calls().iter().all(|c| c.signed));
    // 410 Gone removed exactly the stale row.
    let left = shared::db::connections::receivers_of_room(&state.db.pool, room.id)
        .await
        .unwrap();
    assert_eq!(
        left.iter()
            .map(|c| c.connection_id.as_str())
            .collect::<Vec<_>>(),
        vec!["live-1"]
    );

    let listed = invoke(
        state,
        with_token(event("list-messages-prod-stage.json"), &token),
    )
    .await;
    assert_eq!(listed["statusCode"], 200, "{listed}");
    let page: Value = serde_json::from_str(listed["body"].as_str().unwrap()).unwrap();
    assert_eq!(page["messages"], json!([message]));
}

#[tokio::test]
async fn edits_and_reactions_through_the_function_take_seqs_and_are_pushed() {
    let test = sqlite_state(&[]).await;
    let state = &test.state;
    let recorder = ManagementRecorder::start().await;
    let alice = test.user("alice").await;
    let token = test.token(&alice);
    let room = shared::rooms::create(state, &alice, "General")
        .await
        .unwrap();
    test.live_user_connection("alice-user", &alice, None, &recorder.endpoint)
        .await;
    let authorized = |name: &str| with_token(event(name), &token);
    let posted = invoke(state, authorized("post-message.json")).await;
    assert_eq!(posted["statusCode"], 201, "{posted}");

    let edited = invoke(state, authorized("edit-message.json")).await;
    assert_eq!(edited["statusCode"], 200, "{edited}");
    let message: Value = serde_json::from_str(edited["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        [&message["content"], &message["seq"]],
        [&json!("edited in Lambda"), &json!(2)]
    );
    let reacted = invoke(state, authorized("add-reaction.json")).await;
    assert_eq!(reacted["statusCode"], 200, "{reacted}");
    let message: Value = serde_json::from_str(reacted["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        message["reactions"],
        json!([{"emoji": "👍", "count": 1, "user_ids": [alice.id]}])
    );

    let frames = recorder.frames_to("alice-user");
    let kinds: Vec<(&str, i64)> = frames
        .iter()
        .map(|f| {
            (
                f["type"].as_str().unwrap(),
                f["message"]["seq"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("message", 1),
            ("message_updated", 2),
            ("message_updated", 3)
        ]
    );
    assert_eq!(room.id, RoomId(1));
}

#[tokio::test]
async fn search_through_the_function_finds_messages_of_the_callers_rooms() {
    let test = sqlite_state(&[]).await;
    let state = &test.state;
    let alice = test.user("alice").await;
    let token = test.token(&alice);
    let room = shared::rooms::create(state, &alice, "General")
        .await
        .unwrap();
    for content in [
        "deploying lambda functions",
        "nothing to see",
        "Lambda cold starts",
    ] {
        let new = shared::messages::NewPost {
            content,
            client_id: None,
            reply_to: None,
        };
        shared::messages::post(state, &alice, room.id, new)
            .await
            .unwrap();
    }
    let found = invoke(state, with_token(event("search.json"), &token)).await;
    assert_eq!(found["statusCode"], 200, "{found}");
    let page: Value = serde_json::from_str(found["body"].as_str().unwrap()).unwrap();
    let contents: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        contents,
        vec!["Lambda cold starts", "deploying lambda functions"]
    );
}

/// Every fixture in `events/` must be named (as `"<file>"`) by this crate's tests, so a new one
/// cannot land without a test that asserts its outcome.
#[test]
fn every_event_fixture_is_named_by_a_test() {
    shared::testing::assert_every_event_fixture_is_named_by_a_test(env!("CARGO_MANIFEST_DIR"));
}
