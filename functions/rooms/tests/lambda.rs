//! The `rooms` function fed API Gateway HTTP API (payload 2.0) events through the exact service
//! its binary runs, on the `$default` stage and on a named stage.

use lambda_http::{Context, LambdaEvent, Service as _, request::LambdaRequest};
use serde_json::{Value, json};
use shared::testing::{event_fixture, sqlite_state, with_token};

fn event(name: &str) -> Value {
    event_fixture(env!("CARGO_MANIFEST_DIR"), name)
}

async fn invoke(state: &shared::AppState, event: Value) -> Value {
    let request: LambdaRequest = serde_json::from_value(event).expect("an HTTP API event");
    let mut service = lambda_http::Adapter::from(shared::http::rooms_router(state.clone()));
    let response = service
        .call(LambdaEvent::new(request, Context::default()))
        .await
        .unwrap();
    serde_json::to_value(response).unwrap()
}

fn body(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn the_fixtures_as_shipped_are_refused_with_401_for_their_placeholder_token() {
    let test = sqlite_state(&[]).await;
    for name in [
        "add-member.json",
        "create-private-room.json",
        "create-room-prod-stage.json",
        "join-room.json",
        "list-rooms.json",
        "open-direct-room.json",
    ] {
        let answer = invoke(&test.state, event(name)).await;
        assert_eq!(answer["statusCode"], 401, "{name}: {answer}");
        assert_eq!(body(&answer)["error"]["code"], "unauthorized", "{name}");
    }
}

#[tokio::test]
async fn rooms_are_created_listed_and_joined_through_lambda_events() {
    let test = sqlite_state(&[]).await;
    let state = &test.state;
    let alice_token = test.token(&test.user("alice").await);
    let bob_token = test.token(&test.user("bob").await);

    let created = invoke(
        state,
        with_token(event("create-room-prod-stage.json"), &alice_token),
    )
    .await;
    assert_eq!(created["statusCode"], 201, "{created}");
    let room: Value = serde_json::from_str(created["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        (room["id"].as_i64(), room["name"].as_str()),
        (Some(1), Some("General"))
    );

    let joined = invoke(state, with_token(event("join-room.json"), &bob_token)).await;
    assert_eq!(joined["statusCode"], 200, "{joined}");
    let room = body(&joined);
    assert_eq!(
        [&room["id"], &room["member_count"], &room["role"]],
        [&json!(1), &json!(2), &json!("member")]
    );

    let listed = invoke(state, with_token(event("list-rooms.json"), &bob_token)).await;
    assert_eq!(listed["statusCode"], 200);
    let rooms: Value = serde_json::from_str(listed["body"].as_str().unwrap()).unwrap();
    assert_eq!(rooms.as_array().unwrap().len(), 1, "{rooms}");
    assert_eq!(
        [
            &rooms[0]["id"],
            &rooms[0]["member_count"],
            &rooms[0]["is_member"]
        ],
        [&json!(1), &json!(2), &json!(true)]
    );
}

#[tokio::test]
async fn health_checks_the_database_through_a_lambda_event() {
    let test = sqlite_state(&[]).await;
    let health = invoke(&test.state, event("health.json")).await;
    assert_eq!(health["statusCode"], 200);
    assert_eq!(
        serde_json::from_str::<Value>(health["body"].as_str().unwrap()).unwrap(),
        json!({"status": "ok", "database": "ok"})
    );
}

#[tokio::test]
async fn private_rooms_members_and_direct_rooms_through_lambda_events() {
    let test = sqlite_state(&[]).await;
    let state = &test.state;
    let alice = test.user("alice").await;
    let bob = test.user("bob").await;
    let (alice_token, bob_token) = (test.token(&alice), test.token(&bob));

    let created = invoke(
        state,
        with_token(event("create-private-room.json"), &alice_token),
    )
    .await;
    assert_eq!(created["statusCode"], 201, "{created}");
    let room: Value = serde_json::from_str(created["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        [&room["id"], &room["kind"], &room["role"]],
        [&json!(1), &json!("private"), &json!("owner")]
    );

    // Bob cannot see it until Alice adds him.
    let list = |token: &str| with_token(event("list-rooms.json"), token);
    let listed = invoke(state, list(&bob_token)).await;
    assert_eq!(listed["body"], "[]");
    let added = invoke(state, with_token(event("add-member.json"), &alice_token)).await;
    assert_eq!(added["statusCode"], 200, "{added}");
    let room = body(&added);
    assert_eq!(
        [&room["member_count"], &room["members"][1]["username"]],
        [&json!(2), &json!("bob")]
    );
    let listed = invoke(state, list(&bob_token)).await;
    let rooms: Value = serde_json::from_str(listed["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        [&rooms[0]["id"], &rooms[0]["role"]],
        [&json!(1), &json!("member")]
    );
    // Bob, a member but not the owner, cannot add anyone.
    let refused = invoke(state, with_token(event("add-member.json"), &bob_token)).await;
    assert_eq!(refused["statusCode"], 403);

    let opened = invoke(
        state,
        with_token(event("open-direct-room.json"), &alice_token),
    )
    .await;
    assert_eq!(opened["statusCode"], 201, "{opened}");
    let again = invoke(
        state,
        with_token(event("open-direct-room.json"), &alice_token),
    )
    .await;
    assert_eq!(again["statusCode"], 200);
    let dm: Value = serde_json::from_str(again["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        [&dm["kind"], &dm["name"], &dm["member_count"]],
        [&json!("direct"), &json!("bob"), &json!(2)]
    );
}

/// Every fixture in `events/` must be named (as `"<file>"`) by this crate's tests, so a new one
/// cannot land without a test that asserts its outcome.
#[test]
fn every_event_fixture_is_named_by_a_test() {
    shared::testing::assert_every_event_fixture_is_named_by_a_test(env!("CARGO_MANIFEST_DIR"));
}
