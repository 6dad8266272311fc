//! The forwarding mode (`LOCAL_FUNCTIONS`): local-dev as API Gateway in front of the real
//! function binaries ([`crate::function_host`]). The core cases of the other suites run in this
//! mode too (their `forwarded_too!` lines); these are the mode's own: every route of
//! `infra/routes.json` reaches the function it names, whose router serves it, and a function
//! that fails or says nothing gets API Gateway's answers.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::function_host::Fault;
use crate::helpers::{Backend, WsClient, assert_error, forwarded, spawn_app, spawn_app_with};

crate::both_backends!(
    every_route_of_the_table_reaches_the_function_it_names,
    a_failing_function_is_a_502_and_a_silent_one_a_504,
    websocket_events_go_to_the_ws_functions_and_their_failures_get_api_gateways_answers,
    nothing_listening_at_local_functions_is_a_502_and_the_server_stays_up,
    the_warm_up_starts_every_function_and_changes_nothing,
);

/// A concrete path for a route's template: `{id}` and friends become `1`, `{proxy+}` `me`.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| match segment {
            "{proxy+}" => "me",
            "{emoji}" => "%F0%9F%91%8D",
            s if s.starts_with('{') => "1",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn every_route_of_the_table_reaches_the_function_it_names(backend: Backend) {
    forwarded(async move {
        let app = spawn_app(backend).await;
        let host = app.functions.as_ref().unwrap();
        let table: Value =
            serde_json::from_str(include_str!("../../../infra/routes.json")).unwrap();
        let routes = table["http"].as_object().unwrap();
        assert!(routes.len() > 10, "{routes:?}");
        for (key, function) in routes {
            let (method, path) = match key.split_once(' ') {
                Some((method, template)) => (method, concrete(template)),
                None => ("GET", "/api/not-a-route".to_string()),
            };
            let method = if method == "ANY" { "GET" } else { method };
            host.clear_invoked();
            // No token: every route that needs one answers 401 — from inside the function's
            // router, which answers 404 "no such route" or 405 for a route it lacks.
            let response = app
                .http
                .request(method.parse().unwrap(), app.url(&path))
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert_eq!(
                host.invoked(),
                [(function.as_str().unwrap().to_string(), key.clone())],
                "{method} {path}"
            );
            if key == "$default" {
                assert_eq!(
                    (status, &body["error"]["code"]),
                    (StatusCode::NOT_FOUND, &json!("not_found"))
                );
            } else {
                assert!(
                    status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
                    "{key}: {function} answered {status} {body}"
                );
            }
        }
    })
    .await;
}

async fn a_failing_function_is_a_502_and_a_silent_one_a_504(backend: Backend) {
    forwarded(async move {
        let app = spawn_app_with(backend, &[("LOCAL_FUNCTION_TIMEOUT_SECONDS", "1")]).await;
        let host = app.functions.as_ref().unwrap();
        let alice = app.signed_in("alice").await;

        host.inject("rooms", Fault::Error);
        let message = assert_error(
            app.get("/api/rooms", Some(&alice.token)).await,
            StatusCode::BAD_GATEWAY,
            "bad_gateway",
        )
        .await;
        assert!(message.contains("rooms"), "{message}");

        host.inject("messages", Fault::Silence);
        let started = std::time::Instant::now();
        let response = app.get("/api/rooms/1/messages", Some(&alice.token)).await;
        assert_error(response, StatusCode::GATEWAY_TIMEOUT, "gateway_timeout").await;
        assert!(started.elapsed() >= std::time::Duration::from_secs(1));

        // Nothing stays broken: the next requests run the functions again.
        assert_eq!(app.rooms(&alice).await, Vec::<Value>::new());
        let room = app.room(&alice, "general").await;
        let posted = app
            .post_message(&alice, room, "after the outage", None)
            .await;
        assert_eq!(posted.status(), StatusCode::CREATED);
    })
    .await;
}

async fn websocket_events_go_to_the_ws_functions_and_their_failures_get_api_gateways_answers(
    backend: Backend,
) {
    forwarded(async move {
        let app = spawn_app_with(backend, &[("LOCAL_FUNCTION_TIMEOUT_SECONDS", "1")]).await;
        let host = app.functions.as_ref().unwrap();
        let alice = app.signed_in("alice").await;
        let url = app.user_ws_url(&alice.token);

        host.clear_invoked();
        let mut ws = WsClient::connect(&url).await.unwrap();
        ws.send(json!({"action": "ping"})).await;
        assert_eq!(ws.next_of("pong").await["type"], "pong");
        ws.close().await;
        let wanted = [
            ("ws-connect", "$connect"),
            ("ws-message", "$default"),
            ("ws-disconnect", "$disconnect"),
        ]
        .map(|(f, r)| (f.to_string(), r.to_string()));
        for _ in 0..100 {
            if host.invoked().len() >= 3 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(host.invoked(), wanted);

        // A $connect that fails or says nothing refuses the upgrade.
        host.inject("ws-connect", Fault::Error);
        assert_eq!(WsClient::connect(&url).await.err(), Some(502));
        host.inject("ws-connect", Fault::Silence);
        assert_eq!(WsClient::connect(&url).await.err(), Some(504));

        // A failing $default: API Gateway's frame, and the socket stays open.
        let mut ws = WsClient::connect(&url).await.unwrap();
        host.inject("ws-message", Fault::Error);
        ws.send(json!({"action": "ping"})).await;
        let frame = ws.next().await;
        assert_eq!(frame["message"], "Internal server error", "{frame}");
        assert!(
            frame["connectionId"]
                .as_str()
                .is_some_and(|id| id.len() == 16),
            "{frame}"
        );
        host.inject("ws-message", Fault::Silence);
        ws.send(json!({"action": "ping"})).await;
        assert_eq!(ws.next().await["message"], "Endpoint request timed out");
        ws.send(json!({"action": "ping"})).await;
        assert_eq!(ws.next_of("pong").await["type"], "pong");
    })
    .await;
}

async fn nothing_listening_at_local_functions_is_a_502_and_the_server_stays_up(backend: Backend) {
    // Port 1: nothing listens there.
    let app = spawn_app_with(backend, &[("LOCAL_FUNCTIONS", "http://127.0.0.1:1")]).await;
    for _ in 0..2 {
        assert_error(
            app.get("/api/health", None).await,
            StatusCode::BAD_GATEWAY,
            "bad_gateway",
        )
        .await;
    }
    let url = format!("ws://{}/ws?token=x", app.addr);
    assert_eq!(WsClient::connect(&url).await.err(), Some(502));
    // Over API Gateway's 10 MB, refused before any function is asked.
    let huge = app
        .http
        .post(app.url("/api/rooms/1/messages"))
        .header("content-type", "application/json")
        .body(vec![b' '; 11 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_error(huge, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    // The SPA and local-dev's own routes do not need the functions.
    assert_eq!(app.get("/metrics", None).await.status(), StatusCode::OK);
}

async fn the_warm_up_starts_every_function_and_changes_nothing(backend: Backend) {
    forwarded(async move {
        let app = spawn_app(backend).await;
        let host = app.functions.as_ref().unwrap();
        let local_dev::shim::Handlers::Forwarded(functions) = &app.sockets.handlers else {
            panic!("the app forwards");
        };
        let answers = functions.warm_up().await;
        let statuses: Vec<(String, i64)> = answers
            .into_iter()
            .map(|(function, answer)| {
                let answer = answer.unwrap_or_else(|e| panic!("{function}: {e}"));
                (function, answer["statusCode"].as_i64().unwrap())
            })
            .collect();
        let expected = [
            ("auth", 200),
            ("messages", 200),
            ("rooms", 200),
            ("ws-connect", 400),
            ("ws-message", 400),
            ("ws-disconnect", 400),
        ]
        .map(|(f, s)| (f.to_string(), s));
        assert_eq!(statuses, expected);
        assert_eq!(host.invoked().len(), 6);
        // Nothing was written: no user, no connection.
        let alice = app.signed_in("alice").await;
        assert_eq!(alice.id, 1);
        let connections: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM connections")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        assert_eq!(connections, 0);
    })
    .await;
}
