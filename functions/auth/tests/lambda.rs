//! The `auth` function fed API Gateway HTTP API (payload 2.0) events, as AWS sends them,
//! through the exact service its binary runs (`lambda_http`'s adapter over `auth_router`),
//! on the `$default` stage and on a named stage.

use lambda_http::{Context, LambdaEvent, Service as _, request::LambdaRequest};
use serde_json::{Value, json};
use shared::testing::{event_fixture, sqlite_state, with_token};

fn event(name: &str) -> Value {
    event_fixture(env!("CARGO_MANIFEST_DIR"), name)
}

/// Runs one event through the function's service and returns the response AWS would get.
async fn invoke(state: &shared::AppState, event: Value) -> Value {
    let request: LambdaRequest = serde_json::from_value(event).expect("an HTTP API event");
    let mut service = lambda_http::Adapter::from(shared::http::auth_router(state.clone()));
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
async fn register_login_and_me_work_on_the_default_and_a_named_stage() {
    let test = sqlite_state(&[]).await;

    let registered = invoke(&test.state, event("register.json")).await;
    assert_eq!(registered["statusCode"], 201, "{registered}");
    assert_eq!(registered["headers"]["content-type"], "application/json");
    assert_eq!(body(&registered)["username"], "alice");

    // On the `prod` stage the path arrives as /prod/api/auth/login.
    let login = invoke(&test.state, event("login-prod-stage.json")).await;
    assert_eq!(login["statusCode"], 200, "{login}");
    let answer = body(&login);
    assert_eq!(
        [
            &answer["token_type"],
            &answer["expires_in"],
            &answer["user"]["username"]
        ],
        [&json!("bearer"), &json!(86_400), &json!("alice")]
    );
    let token = answer["access_token"].as_str().unwrap().to_string();

    // The OAuth2 password form signs in the same user, with a token that works as well.
    let form_login = invoke(&test.state, event("login-form.json")).await;
    assert_eq!(form_login["statusCode"], 200, "{form_login}");
    let form_answer = body(&form_login);
    assert_eq!(form_answer["user"], answer["user"]);
    let form_token = form_answer["access_token"].as_str().unwrap();

    for token in [token.as_str(), form_token] {
        let me = invoke(&test.state, with_token(event("me.json"), token)).await;
        assert_eq!(me["statusCode"], 200, "{me}");
        assert_eq!(body(&me), answer["user"]);
    }
}

#[tokio::test]
async fn the_function_answers_api_errors_not_runtime_failures() {
    let test = sqlite_state(&[]).await;
    // The sample token is a placeholder: a 401 body, not an Err to the runtime (which API
    // Gateway would turn into an opaque 502).
    let me = invoke(&test.state, event("me.json")).await;
    assert_eq!(me["statusCode"], 401);
    assert_eq!(body(&me)["error"]["code"], "unauthorized");

    let mut unknown = event("me.json");
    unknown["rawPath"] = json!("/api/auth/nothing-here");
    let unknown = invoke(&test.state, unknown).await;
    assert_eq!(unknown["statusCode"], 404);
    assert_eq!(body(&unknown)["error"]["code"], "not_found");

    let mut broken = event("register.json");
    broken["body"] = json!("{\"username\":");
    let broken = invoke(&test.state, broken).await;
    assert_eq!(broken["statusCode"], 400);
}

#[tokio::test]
async fn a_ws_ticket_is_issued_to_a_signed_in_user_and_never_cached() {
    let test = sqlite_state(&[]).await;
    assert_eq!(
        invoke(&test.state, event("register.json")).await["statusCode"],
        201
    );
    let login = invoke(&test.state, event("login-prod-stage.json")).await;
    let token = body(&login)["access_token"].as_str().unwrap().to_string();

    let issued = invoke(&test.state, with_token(event("ws-ticket.json"), &token)).await;
    assert_eq!(issued["statusCode"], 201, "{issued}");
    assert_eq!(issued["headers"]["cache-control"], "no-store");
    let ticket = body(&issued);
    assert_eq!(ticket["expires_in"], 60);
    assert!(ticket["ticket"].as_str().unwrap().len() >= 40);

    // The fixture's placeholder token is refused like any bad token.
    let refused = invoke(&test.state, event("ws-ticket.json")).await;
    assert_eq!(refused["statusCode"], 401);
    assert_eq!(body(&refused)["error"]["code"], "unauthorized");
}

/// Every fixture in `events/` must be named (as `"<file>"`) by this crate's tests, so a new one
/// cannot land without a test that asserts its outcome.
#[test]
fn every_event_fixture_is_named_by_a_test() {
    shared::testing::assert_every_event_fixture_is_named_by_a_test(env!("CARGO_MANIFEST_DIR"));
}
