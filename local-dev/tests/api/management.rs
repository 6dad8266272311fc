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
    forged_and_wrongly_keyed_signatures_are_refused_on_every_route,
    the_in_process_transport_keeps_api_gateways_rules,
    an_injected_delay_slows_every_management_call,
);

fn sdk(app: &TestApp) -> aws_sdk_apigatewaymanagement::Client {
    shared::realtime::Broadcaster::local(crate::helpers::MANAGEMENT_SECRET)
        .client(&app.base)
        .expect("the SDK transport")
}

/// A socket whose `$connect` has not returned; keep the inbox while it should stay open.
fn insert_connecting_socket(
    app: &TestApp,
    id: &str,
) -> tokio::sync::mpsc::Receiver<local_dev::shim::Outbound> {
    let (outbox, inbox) = tokio::sync::mpsc::channel(1);
    app.sockets.lock().insert(
        id.into(),
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
    inbox
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
    let _inbox = insert_connecting_socket(&app, "ConnectingId000=");
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

async fn forged_and_wrongly_keyed_signatures_are_refused_on_every_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, _, mut ws) = app.alice_with_a_socket().await;
    let id = only_connection_id(&app);
    let path = format!(
        "/@connections/{}",
        id.replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    );
    // Shaped like SigV4, signed with nothing (local-dev accepted these before).
    let amz_date = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap();
    let junk = "AWS4-HMAC-SHA256 Credential=local-dev/20261202/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000";
    for method in [
        reqwest::Method::POST,
        reqwest::Method::GET,
        reqwest::Method::DELETE,
    ] {
        let response = app
            .http
            .request(method.clone(), app.url(&path))
            .header("authorization", junk)
            .header("x-amz-date", &amz_date)
            .body(r#"{"type":"forged"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{method}");
        assert_eq!(response.headers()["x-amzn-errortype"], "ForbiddenException");
    }
    // The real SDK client, with another key: its signatures do not verify either.
    let stranger = shared::realtime::Broadcaster::local("someone-elses-key")
        .client(&app.base)
        .expect("the SDK transport");
    let post = stranger
        .post_to_connection()
        .connection_id(&id)
        .data(Blob::new(br#"{"type":"forged"}"#.to_vec()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(post.raw_response().map(|r| r.status().as_u16()), Some(403));
    let get = stranger
        .get_connection()
        .connection_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(get.raw_response().map(|r| r.status().as_u16()), Some(403));
    let delete = stranger
        .delete_connection()
        .connection_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        delete.raw_response().map(|r| r.status().as_u16()),
        Some(403)
    );
    // Nothing reached the socket, which is still open.
    ws.send(json!({"action": "ping"})).await;
    assert_eq!(ws.next().await, json!({"type": "pong"}));
}

/// What the handlers use by default: the same 410s, 1009 and close as `@connections`, without
/// the HTTP round trip.
async fn the_in_process_transport_keeps_api_gateways_rules(backend: Backend) {
    use shared::realtime::broadcast::PostOutcome;
    let app = spawn_app(backend).await;
    let broadcaster = &app.state.broadcaster;
    assert!(broadcaster.is_in_process());
    let (_, _, mut ws) = app.alice_with_a_socket().await;
    let id = only_connection_id(&app);

    let posted = broadcaster
        .post(&app.base, &id, br#"{"type":"pong"}"#.to_vec())
        .await;
    assert_eq!(posted, PostOutcome::Delivered);
    assert_eq!(ws.next().await, json!({"type": "pong"}));

    let unknown = broadcaster
        .post(&app.base, "NoSuchConnId00=", b"{}".to_vec())
        .await;
    assert_eq!(unknown, PostOutcome::Gone);
    let _inbox = insert_connecting_socket(&app, "ConnectingId000=");
    let connecting = broadcaster
        .post(&app.base, "ConnectingId000=", b"{}".to_vec())
        .await;
    assert_eq!(connecting, PostOutcome::Gone, "410 while $connect runs");

    // Over 32 KB: not delivered, the socket closes with 1009, and it is gone afterwards.
    let frame = format!(r#"{{"type":"pong","pad":"{}"}}"#, "x".repeat(40 * 1024));
    assert_eq!(
        broadcaster.post(&app.base, &id, frame.into_bytes()).await,
        PostOutcome::Delivered
    );
    match ws.next_event(Duration::from_secs(5)).await {
        WsEvent::Closed(code) => assert_eq!(code, Some(1009)),
        other => panic!("expected a 1009 close, got {other:?}"),
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        broadcaster.post(&app.base, &id, b"{}".to_vec()).await,
        PostOutcome::Gone
    );
}

/// `LOCAL_MANAGEMENT_DELAY_MS` stands for API Gateway's round trip in benchmarks.
async fn an_injected_delay_slows_every_management_call(backend: Backend) {
    let app =
        crate::helpers::spawn_app_with(backend, &[("LOCAL_MANAGEMENT_DELAY_MS", "150")]).await;
    let (_, _, mut ws) = app.alice_with_a_socket().await;
    let id = only_connection_id(&app);
    let started = std::time::Instant::now();
    sdk(&app)
        .post_to_connection()
        .connection_id(&id)
        .data(Blob::new(br#"{"type":"pong"}"#.to_vec()))
        .send()
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(ws.next().await, json!({"type": "pong"}));
}
