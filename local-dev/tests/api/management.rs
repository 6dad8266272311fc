//! local-dev's `@connections` API spoken by the real AWS SDK client, as the handlers speak it:
//! the SDK must see the same answers (and typed errors) it would get from API Gateway.

use std::time::Duration;

use aws_sdk_apigatewaymanagement::primitives::Blob;
use serde_json::json;

use crate::helpers::{Backend, TestApp, WsEvent, spawn_app};

crate::both_backends!(
    posting_to_an_open_connection_delivers_the_frame,
    unknown_and_still_connecting_connections_are_gone,
    get_describes_and_delete_closes_a_connection,
    oversized_and_unsigned_posts_are_refused_as_api_gateway_does,
);

fn sdk(app: &TestApp) -> aws_sdk_apigatewaymanagement::Client {
    shared::realtime::Broadcaster::local().client(&app.base)
}

/// The id of the only socket open in local-dev.
fn only_connection_id(app: &TestApp) -> String {
    let sockets = app.sockets.lock();
    assert_eq!(sockets.len(), 1);
    sockets.keys().next().unwrap().clone()
}

async fn posting_to_an_open_connection_delivers_the_frame(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, _, mut ws) = app.alice_with_a_socket().await;
    let id = only_connection_id(&app);
    sdk(&app)
        .post_to_connection()
        .connection_id(&id)
        .data(Blob::new(br#"{"type":"pong"}"#.to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(ws.next().await, json!({"type": "pong"}));
}

async fn unknown_and_still_connecting_connections_are_gone(backend: Backend) {
    let app = spawn_app(backend).await;
    let err = sdk(&app)
        .post_to_connection()
        .connection_id("NoSuchConnId00=")
        .data(Blob::new(b"{}".to_vec()))
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_gone_exception()),
        "{err:?}"
    );

    // A socket whose $connect has not returned cannot be posted to (API Gateway answers 410).
    let (outbox, _inbox) = tokio::sync::mpsc::channel(1);
    app.sockets.lock().insert(
        "ConnectingId000=".into(),
        local_dev::shim::Socket {
            phase: local_dev::shim::Phase::Connecting,
            outbox,
            closed: Default::default(),
            connected_at: shared::domain::Timestamp::now(),
            last_active: Default::default(),
            source_ip: "127.0.0.1".into(),
            user_agent: "test".into(),
        },
    );
    let err = sdk(&app)
        .post_to_connection()
        .connection_id("ConnectingId000=")
        .data(Blob::new(b"{}".to_vec()))
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_gone_exception()),
        "{err:?}"
    );
}

async fn get_describes_and_delete_closes_a_connection(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, room, mut ws) = app.alice_with_a_socket().await;
    let id = only_connection_id(&app);
    let described = sdk(&app)
        .get_connection()
        .connection_id(&id)
        .send()
        .await
        .unwrap();
    assert!(described.connected_at().is_some());
    assert_eq!(
        described.identity().and_then(|i| i.source_ip()),
        Some("127.0.0.1")
    );

    sdk(&app)
        .delete_connection()
        .connection_id(&id)
        .send()
        .await
        .unwrap();
    assert!(matches!(
        ws.next_event(Duration::from_secs(5)).await,
        WsEvent::Closed(_)
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let err = sdk(&app)
        .get_connection()
        .connection_id(&id)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_gone_exception())
    );
    let rows = shared::db::connections::receivers_of_room(
        &app.state.db.pool,
        shared::domain::RoomId(room),
    )
    .await
    .unwrap();
    assert!(
        rows.is_empty(),
        "$disconnect ran after the server-side close"
    );
}

async fn oversized_and_unsigned_posts_are_refused_as_api_gateway_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, _, mut ws) = app.alice_with_a_socket().await;
    let id = only_connection_id(&app);

    let err = sdk(&app)
        .post_to_connection()
        .connection_id(&id)
        .data(Blob::new(vec![b'x'; 129 * 1024]))
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_payload_too_large_exception()),
        "{err:?}"
    );

    // Ids are base64 and may hold '+', '/' and '=': the path needs them percent-encoded.
    let encoded = id
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let unsigned = app
        .http
        .post(app.url(&format!("/@connections/{encoded}")))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 403);

    // A frame over 32 KB is not delivered: the socket is closed with 1009.
    let frame = format!(r#"{{"type":"pong","pad":"{}"}}"#, "x".repeat(40 * 1024));
    sdk(&app)
        .post_to_connection()
        .connection_id(&id)
        .data(Blob::new(frame.into_bytes()))
        .send()
        .await
        .unwrap();
    match ws.next_event(Duration::from_secs(5)).await {
        WsEvent::Closed(code) => assert_eq!(code, Some(1009)),
        other => panic!("expected a 1009 close, got {other:?}"),
    }
}
