//! Bad input of every kind gets docs/api.md's error body, never corrupts stored data and never
//! takes the server down; the database going away gives 503s and the server recovers.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestDatabase, assert_error, spawn_app, spawn_app_on};

crate::both_backends!(
    health_reports_the_database,
    the_openapi_document_lists_every_rest_route,
    malformed_bodies_get_400_and_the_server_stays_up,
    bodies_over_64_kib_get_413_declared_or_streamed,
    unknown_routes_and_methods_get_json_errors,
    a_barrage_of_bad_requests_leaves_stored_data_intact,
);

async fn health_reports_the_database(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/api/health", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"status": "ok", "database": "ok"})
    );
}

async fn the_openapi_document_lists_every_rest_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let doc: Value = app
        .get("/api/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let expected = [
        ("/api/auth/register", "post"),
        ("/api/auth/login", "post"),
        ("/api/auth/me", "get"),
        ("/api/rooms", "get"),
        ("/api/rooms", "post"),
        ("/api/rooms/{id}", "get"),
        ("/api/rooms/{id}/join", "post"),
        ("/api/rooms/{id}/leave", "post"),
        ("/api/rooms/{id}/messages", "get"),
        ("/api/rooms/{id}/messages", "post"),
        ("/api/health", "get"),
    ];
    for (path, method) in expected {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    for schema in [
        "User",
        "Room",
        "Message",
        "MessagePage",
        "ErrorBody",
        "LoginResponse",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "schema {schema} missing"
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

async fn malformed_bodies_get_400_and_the_server_stays_up(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let send = |body: &'static str, content_type: &'static str| {
        app.http
            .post(app.url("/api/rooms"))
            .bearer_auth(&alice.token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    for (body, content_type) in [
        ("{not json", "application/json"),
        ("", "application/json"),
        ("[1, 2", "application/json"),
        (r#"{"name": "x"}"#, "text/plain"),
        (r#"{"name": "x"}"#, "application/x-www-form-urlencoded"),
        ("\u{0}\u{1}\u{2}", "application/json"),
    ] {
        let response = send(body, content_type).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{body:?} as {content_type}"
        );
        assert_error(response, StatusCode::BAD_REQUEST, "bad_request").await;
    }
    let no_type = app
        .http
        .post(app.url("/api/auth/register"))
        .body(r#"{"username":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_error(no_type, StatusCode::BAD_REQUEST, "bad_request").await;
    let wrong_shape = app
        .post_json("/api/rooms", Some(&alice.token), &json!(["name"]))
        .await;
    assert_error(
        wrong_shape,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(app.get("/api/health", None).await.status(), StatusCode::OK);
}

async fn bodies_over_64_kib_get_413_declared_or_streamed(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let big = json!({ "name": "x".repeat(70 * 1024) }).to_string();
    let declared = app
        .http
        .post(app.url("/api/rooms"))
        .bearer_auth(&alice.token)
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_error(declared, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;

    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big
        .into_bytes()
        .chunks(8 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let streamed = app
        .http
        .post(app.url("/api/rooms"))
        .bearer_auth(&alice.token)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_error(streamed, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;

    let on_unknown_route = app
        .http
        .post(app.url("/api/nowhere"))
        .header("content-length", "999999")
        .body(vec![b'a'; 999_999])
        .send()
        .await
        .unwrap();
    assert_error(
        on_unknown_route,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    // Just under the limit is fine (and then fails on its content, not its size).
    let fits = json!({ "name": "x".repeat(60 * 1024) });
    assert_error(
        app.post_json("/api/rooms", Some(&alice.token), &fits).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

async fn unknown_routes_and_methods_get_json_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_error(
        app.get("/api/nope", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        app.get("/api/rooms/1/messages/2/extra", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // One message answers PATCH and DELETE, not GET.
    assert_error(
        app.get("/api/rooms/1/messages/2", None).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    let delete = app.http.delete(app.url("/api/rooms")).send().await.unwrap();
    assert_error(delete, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

async fn a_barrage_of_bad_requests_leaves_stored_data_intact(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("alice").await;
    let room = app.room(&alice, "keep me").await;
    let kept: Value = app
        .post_message(&alice, room, "precious", Some("keep"))
        .await
        .json()
        .await
        .unwrap();
    // Each body, and what posting it as a message and logging in with it answer.
    const BAD: (StatusCode, &str) = (StatusCode::BAD_REQUEST, "bad_request");
    const INVALID: (StatusCode, &str) = (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let garbage = [
        ("{", Some(BAD), BAD),
        ("null", Some(INVALID), INVALID),
        ("[]", Some(INVALID), INVALID),
        ("{\"content\":null}", Some(INVALID), INVALID),
        ("{\"content\":{\"$gt\":1}}", Some(INVALID), INVALID),
        // Stored as a message (`None`: 201), refused as a login.
        (
            "{\"content\":\"'; DROP TABLE messages; --\"}",
            None,
            INVALID,
        ),
    ];
    for (body, post_answer, login_answer) in garbage {
        let post = app
            .http
            .post(app.url(&format!("/api/rooms/{room}/messages")))
            .bearer_auth(&alice.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        match post_answer {
            Some((status, code)) => {
                assert_error(post, status, code).await;
            }
            None => assert_eq!(post.status(), StatusCode::CREATED, "{body}"),
        }
        let login = app
            .http
            .post(app.url("/api/auth/login"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_error(login, login_answer.0, login_answer.1).await;
    }
    let page: Value = app.messages(&alice, room, "").await.json().await.unwrap();
    let messages = page["messages"].as_array().unwrap();
    assert_eq!(messages[0], kept);
    assert_eq!(
        messages.last().unwrap()["content"],
        "'; DROP TABLE messages; --",
        "stored as text, not run"
    );
    assert_eq!(messages.len(), 2);
    assert_eq!(
        app.login("alice", "correct horse battery").await.status(),
        StatusCode::OK
    );
}

/// MySQL only: an embedded SQLite file cannot go away. The app talks to MariaDB through a TCP
/// relay the test can cut, as a failover or network blip would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_gives_503_and_the_server_recovers_by_itself() {
    let Some(backend) = Backend::mysql() else {
        return;
    };
    let db = TestDatabase::create(&backend).await;
    let relay = crate::relay::Relay::start(&db.url).await;
    let app = spawn_app_on(db, &[("DATABASE_URL", relay.url.as_str())]).await;
    let alice = app.signed_in("alice").await;
    let room = app.room(&alice, "resilient").await;

    relay.cut();
    let started = std::time::Instant::now();
    assert_error(
        app.get("/api/health", None).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    )
    .await;
    let post = app
        .post_message(&alice, room, "during the outage", None)
        .await;
    let message = assert_error(post, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert!(
        !message.to_lowercase().contains("mysql") && !message.contains("127.0.0.1"),
        "no internals: {message}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "answers promptly instead of hanging"
    );

    relay.restore();
    let mut recovered = false;
    for _ in 0..50 {
        if app.get("/api/health", None).await.status() == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(recovered, "health is ok again once the database is back");
    assert_eq!(
        app.post_message(&alice, room, "after the outage", None)
            .await
            .status(),
        StatusCode::CREATED
    );
    let page: Value = app.messages(&alice, room, "").await.json().await.unwrap();
    let contents: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        contents,
        vec!["after the outage"],
        "nothing half-written during the outage"
    );
}
