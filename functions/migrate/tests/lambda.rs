//! `migrate` fed CloudFormation custom-resource events: it applies the migrations on Create,
//! leaves the data alone on Delete, and always PUTs its answer to the response URL — here a
//! local endpoint standing in for the pre-signed S3 URL.

use std::sync::{Arc, Mutex};

use aws_lambda_events::cloudformation::CloudFormationCustomResourceRequest;
use axum::body::Bytes;
use axum::http::HeaderMap;
use serde_json::Value;
use shared::custom_resource::Responder;

type Captured = Arc<Mutex<Vec<(String, Value)>>>;

/// A response URL that records what CloudFormation would receive.
async fn response_url() -> (String, Captured) {
    let captured: Captured = Arc::default();
    let sink = captured.clone();
    let app = axum::Router::new().route(
        "/response",
        axum::routing::put(move |headers: HeaderMap, body: Bytes| async move {
            let content_type = headers
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            sink.lock()
                .unwrap()
                .push((content_type, serde_json::from_slice(&body).unwrap()));
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/response", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, captured)
}

fn event(name: &str, response_url: &str) -> CloudFormationCustomResourceRequest {
    let path = format!("{}/events/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["ResponseURL"] = Value::String(response_url.into());
    serde_json::from_value(event).unwrap()
}

#[tokio::test]
async fn create_applies_the_migrations_once_and_delete_keeps_the_data() {
    let dir = std::env::temp_dir().join(format!("chat-migrate-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let database_url = format!("sqlite://{}", dir.join("chat.db").display());
    let env = [("DATABASE_URL", database_url.as_str())];
    let (url, captured) = response_url().await;
    let responder = Responder::new();

    let first = responder
        .handle_with(&env, event("create.json", &url))
        .await
        .unwrap();
    let again = responder
        .handle_with(&env, event("create.json", &url))
        .await
        .unwrap();
    let deleted = responder
        .handle_with(&env, event("delete.json", &url))
        .await
        .unwrap();
    let shipped = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations/sqlite"
    ))
    .unwrap()
    .count();
    assert_eq!(first.data["MigrationsApplied"], shipped.to_string());
    assert_eq!(again.data["MigrationsApplied"], "0", "already applied");
    assert_eq!(deleted.physical_resource_id, "chat-database-migrations");

    let answers = captured.lock().unwrap().clone();
    assert_eq!(answers.len(), 3, "every request is answered");
    for (content_type, body) in &answers {
        assert_eq!(content_type, "", "pre-signed S3 URLs take no content type");
        assert_eq!(body["Status"], "SUCCESS");
        assert_eq!(body["LogicalResourceId"], "DatabaseMigrations");
        assert_eq!(body["RequestId"], "7f9b3c2e-1d4a-4e8b-9f6c-2a3b4c5d6e7f");
    }
    let db = shared::db::Db::connect_lazy_url(&database_url, 1).unwrap();
    assert_eq!(
        db.applied_migrations().await.unwrap(),
        shipped,
        "the schema is still there after Delete"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_bad_database_setting_is_reported_as_failed_without_secrets() {
    let (url, captured) = response_url().await;
    let env = [("DATABASE_URL", "postgres://admin:hunter2@db/chat")];
    let answer = Responder::new()
        .handle_with(&env, event("create.json", &url))
        .await
        .unwrap();
    let (_, body) = captured.lock().unwrap()[0].clone();
    assert_eq!(body["Status"], "FAILED");
    let reason = body["Reason"].as_str().unwrap();
    assert!(
        reason.contains("DATABASE_URL") && !reason.contains("hunter2"),
        "{reason}"
    );
    assert_eq!(answer.reason.as_deref(), Some(reason));
}

/// Every fixture in `events/` must be named (as `"<file>"`) by this crate's tests, so a new one
/// cannot land without a test that asserts its outcome.
#[test]
fn every_event_fixture_is_named_by_a_test() {
    shared::testing::assert_every_event_fixture_is_named_by_a_test(env!("CARGO_MANIFEST_DIR"));
}
