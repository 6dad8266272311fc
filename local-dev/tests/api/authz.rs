//! The authorization matrix, generated from one table: every REST operation, every WebSocket
//! action and both kinds of `$connect`, each tried with every kind of caller — no token,
//! garbage, a tampered token, `alg: none`, HS512 with the right key, an expired token, a
//! deleted user, a reused or expired ticket, a non-member of a public room, a member, an
//! outsider of a private room — must get exactly what docs/api.md prescribes. The table must
//! name every operation of the served OpenAPI document: a new endpoint missing from it fails.

use std::collections::BTreeSet;
use std::time::Duration;

use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, JWT_SECRET, Session, TestApp, WsClient, WsEvent, spawn_app};

crate::both_backends!(
    every_rest_operation_answers_every_kind_of_caller_as_documented,
    every_websocket_action_and_connect_answers_every_kind_of_caller_as_documented,
);

/// Operations anyone may call (and `GET /api/openapi.json`, which does not list itself).
const PUBLIC: &[&str] = &[
    "POST /api/auth/register",
    "POST /api/auth/login",
    "GET /api/health",
];

/// One row: a bearer-token operation, its path and body with placeholders (`{room}` is the
/// public room for the non-member and member columns and the private room for the outsider,
/// `{message}` a message in that room sent by the member, `{owner}` the room owner's id,
/// `{n}` a number unique per call), and what each kind of valid caller gets.
struct Row {
    method: Method,
    template: &'static str,
    /// The path as the OpenAPI document names it.
    operation: &'static str,
    body: Option<&'static str>,
    non_member: &'static [u16],
    member: &'static [u16],
    outsider: &'static [u16],
}

const fn row(
    method: Method,
    template: &'static str,
    operation: &'static str,
    body: Option<&'static str>,
    (non_member, member, outsider): (&'static [u16], &'static [u16], &'static [u16]),
) -> Row {
    Row {
        method,
        template,
        operation,
        body,
        non_member,
        member,
        outsider,
    }
}

fn rows() -> Vec<Row> {
    use Method as M;
    const ROOMLESS_OK: (&[u16], &[u16], &[u16]) = (&[200], &[200], &[200]);
    vec![
        row(M::GET, "/api/auth/me", "/api/auth/me", None, ROOMLESS_OK),
        row(
            M::POST,
            "/api/ws-ticket",
            "/api/ws-ticket",
            None,
            (&[201], &[201], &[201]),
        ),
        row(M::GET, "/api/rooms", "/api/rooms", None, ROOMLESS_OK),
        row(
            M::POST,
            "/api/rooms",
            "/api/rooms",
            Some(r#"{"name":"room {n}"}"#),
            (&[201], &[201], &[201]),
        ),
        row(
            M::POST,
            "/api/dms",
            "/api/dms",
            Some(r#"{"username":"owner"}"#),
            (&[201, 200], &[201, 200], &[201, 200]),
        ),
        row(
            M::GET,
            "/api/rooms/{room}",
            "/api/rooms/{id}",
            None,
            (&[200], &[200], &[404]),
        ),
        row(
            M::POST,
            "/api/rooms/{room}/join",
            "/api/rooms/{id}/join",
            None,
            (&[200], &[200], &[404]),
        ),
        row(
            M::POST,
            "/api/rooms/{room}/leave",
            "/api/rooms/{id}/leave",
            None,
            (&[204], &[204], &[404]),
        ),
        row(
            M::POST,
            "/api/rooms/{room}/read",
            "/api/rooms/{id}/read",
            Some(r#"{"message_id":{message}}"#),
            (&[403], &[200], &[404]),
        ),
        row(
            M::POST,
            "/api/rooms/{room}/members",
            "/api/rooms/{id}/members",
            Some(r#"{"username":"owner"}"#),
            (&[403], &[403], &[404]),
        ),
        row(
            M::DELETE,
            "/api/rooms/{room}/members/{owner}",
            "/api/rooms/{id}/members/{user_id}",
            None,
            (&[403], &[403], &[404]),
        ),
        row(
            M::GET,
            "/api/rooms/{room}/messages",
            "/api/rooms/{id}/messages",
            None,
            (&[403], &[200], &[404]),
        ),
        row(
            M::POST,
            "/api/rooms/{room}/messages",
            "/api/rooms/{id}/messages",
            Some(r#"{"content":"hi {n}"}"#),
            (&[403], &[201], &[404]),
        ),
        row(
            M::PATCH,
            "/api/rooms/{room}/messages/{message}",
            "/api/rooms/{id}/messages/{mid}",
            Some(r#"{"content":"edited"}"#),
            (&[403], &[200], &[404]),
        ),
        row(
            M::DELETE,
            "/api/rooms/{room}/messages/{message}",
            "/api/rooms/{id}/messages/{mid}",
            None,
            (&[403], &[204], &[404]),
        ),
        row(
            M::PUT,
            "/api/rooms/{room}/messages/{message}/reactions/%F0%9F%91%8D",
            "/api/rooms/{id}/messages/{mid}/reactions/{emoji}",
            None,
            (&[403], &[200], &[404]),
        ),
        row(
            M::DELETE,
            "/api/rooms/{room}/messages/{message}/reactions/%F0%9F%91%8D",
            "/api/rooms/{id}/messages/{mid}/reactions/{emoji}",
            None,
            (&[403], &[200], &[404]),
        ),
        row(
            M::GET,
            "/api/search?q=hello&room_id={room}",
            "/api/search",
            None,
            (&[403], &[200], &[404]),
        ),
    ]
}

/// The callers whose token must be refused everywhere (401).
const BAD_TOKENS: &[&str] = &[
    "no token",
    "garbage",
    "tampered",
    "alg none",
    "HS512 with the right key",
    "expired",
    "deleted user",
];

/// Everyone the matrix plays, built once per row.
struct Cast {
    owner: Session,
    member: Session,
    non_member: Session,
    outsider: Session,
    public_room: i64,
    private_room: i64,
    public_message: i64,
    private_message: i64,
    bad: Vec<(&'static str, Option<String>)>,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn signed(header: jsonwebtoken::Header, claims: &Value) -> String {
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

async fn cast(app: &TestApp) -> Cast {
    let owner = app.signed_in("owner").await;
    let member = app.signed_in("member").await;
    let non_member = app.signed_in("stranger").await;
    let outsider = app.signed_in("outsider").await;
    let public_room = app.room(&owner, "public").await;
    let private: Value = app
        .post_json(
            "/api/rooms",
            Some(&owner.token),
            &json!({"name": "private", "kind": "private"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let private_room = private["id"].as_i64().unwrap();
    assert_eq!(
        app.join(&member, public_room).await.status(),
        StatusCode::OK
    );
    let added = app
        .post_json(
            &format!("/api/rooms/{private_room}/members"),
            Some(&owner.token),
            &json!({"username": "member"}),
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    let message = |room| {
        let app = &app;
        let member = &member;
        async move {
            let posted: Value = app
                .post_message(member, room, "hello", None)
                .await
                .json()
                .await
                .unwrap();
            posted["id"].as_i64().unwrap()
        }
    };
    let public_message = message(public_room).await;
    let private_message = message(private_room).await;

    let now = shared::domain::Timestamp::now().millis() / 1000;
    let claims = |sub: i64, exp: i64| json!({"sub": sub.to_string(), "username": "member", "iat": now - 10, "exp": exp});
    let mut tampered: Vec<String> = member.token.split('.').map(String::from).collect();
    tampered[1] = b64(claims(owner.id, now + 600).to_string().as_bytes());
    let deleted = app.signed_in("ghost").await;
    sqlx::query("DELETE FROM users WHERE id = ?")
        .bind(deleted.id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let bad = vec![
        ("no token", None),
        ("garbage", Some("not-a-token".to_string())),
        ("tampered", Some(tampered.join("."))),
        (
            "alg none",
            Some(format!(
                "{}.{}.",
                b64(br#"{"alg":"none","typ":"JWT"}"#),
                b64(claims(member.id, now + 600).to_string().as_bytes())
            )),
        ),
        (
            "HS512 with the right key",
            Some(signed(
                jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
                &claims(member.id, now + 600),
            )),
        ),
        (
            "expired",
            Some(signed(
                jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
                &claims(member.id, now - 3600),
            )),
        ),
        ("deleted user", Some(deleted.token.clone())),
    ];
    assert_eq!(
        bad.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
        BAD_TOKENS
    );
    Cast {
        owner,
        member,
        non_member,
        outsider,
        public_room,
        private_room,
        public_message,
        private_message,
        bad,
    }
}

impl Cast {
    fn path(&self, template: &str, private: bool, n: usize) -> String {
        let (room, message) = if private {
            (self.private_room, self.private_message)
        } else {
            (self.public_room, self.public_message)
        };
        template
            .replace("{room}", &room.to_string())
            .replace("{message}", &message.to_string())
            .replace("{owner}", &self.owner.id.to_string())
            .replace("{n}", &n.to_string())
    }
}

async fn call(
    app: &TestApp,
    method: &Method,
    path: &str,
    body: Option<String>,
    token: Option<&str>,
) -> u16 {
    let mut request = app.http.request(method.clone(), app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    request.send().await.unwrap().status().as_u16()
}

async fn every_rest_operation_answers_every_kind_of_caller_as_documented(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    // The table covers the served document exactly.
    let document: Value = app
        .get("/api/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    let served: BTreeSet<String> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "put", "post", "delete", "patch"].contains(&k.as_str()))
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    let table = rows();
    let covered: BTreeSet<String> = table
        .iter()
        .map(|r| format!("{} {}", r.method, r.operation))
        .chain(PUBLIC.iter().map(|p| p.to_string()))
        .collect();
    assert_eq!(
        covered, served,
        "every operation is in the matrix, and only those"
    );

    let mut cases = 0;
    let mut n = 0;
    for row in &table {
        // A fresh cast per row: the member's call may change state (leave, delete).
        let app = spawn_app(backend.clone()).await;
        let cast = cast(&app).await;
        let mut next = || {
            n += 1;
            n
        };
        let body = |n: usize, private: bool| row.body.map(|b| cast.path(b, private, n));
        for (name, token) in &cast.bad {
            let i = next();
            let status = call(
                &app,
                &row.method,
                &cast.path(row.template, false, i),
                body(i, false),
                token.as_deref(),
            )
            .await;
            assert_eq!(status, 401, "{} {} as {name}", row.method, row.template);
            cases += 1;
        }
        for (who, session, private, expected) in [
            ("a non-member", &cast.non_member, false, row.non_member),
            (
                "a private room outsider",
                &cast.outsider,
                true,
                row.outsider,
            ),
            ("a member", &cast.member, false, row.member),
        ] {
            let i = next();
            let status = call(
                &app,
                &row.method,
                &cast.path(row.template, private, i),
                body(i, private),
                Some(&session.token),
            )
            .await;
            assert!(
                expected.contains(&status),
                "{} {} as {who}: {status}, expected {expected:?}",
                row.method,
                row.template
            );
            cases += 1;
        }
    }
    eprintln!("authorization matrix: {cases} REST cases on {backend:?}");
}

/// A client frame naming `room`, and what a member's own connection gets back.
fn frames(room: i64, message: i64) -> Vec<(&'static str, Value, Option<&'static str>)> {
    vec![
        (
            "sync",
            json!({"action": "sync", "room_id": room, "limit": 5}),
            Some("history"),
        ),
        (
            "sendMessage",
            json!({"action": "sendMessage", "room_id": room, "content": "over ws", "client_id": "ws-1"}),
            Some("message"),
        ),
        (
            "editMessage",
            json!({"action": "editMessage", "room_id": room, "message_id": message, "content": "edited over ws"}),
            Some("message_updated"),
        ),
        (
            "addReaction",
            json!({"action": "addReaction", "room_id": room, "message_id": message, "emoji": "👍"}),
            Some("message_updated"),
        ),
        (
            "removeReaction",
            json!({"action": "removeReaction", "room_id": room, "message_id": message, "emoji": "👍"}),
            Some("message_updated"),
        ),
        ("typing", json!({"action": "typing", "room_id": room}), None),
        (
            "read",
            json!({"action": "read", "room_id": room, "message_id": message}),
            Some("read"),
        ),
        (
            "deleteMessage",
            json!({"action": "deleteMessage", "room_id": room, "message_id": message}),
            Some("message_updated"),
        ),
    ]
}

/// The next frame of `kind` or an `error`, skipping presence and room noise.
async fn answer(ws: &mut WsClient, kind: Option<&str>) -> Option<Value> {
    loop {
        match ws
            .next_event(Duration::from_millis(if kind.is_some() {
                5000
            } else {
                400
            }))
            .await
        {
            WsEvent::Frame(frame)
                if frame["type"] == "error"
                    || Some(frame["type"].as_str().unwrap_or_default()) == kind =>
            {
                return Some(frame);
            }
            WsEvent::Frame(_) => continue,
            WsEvent::Silence => return None,
            WsEvent::Closed(code) => panic!("the socket closed ({code:?})"),
        }
    }
}

async fn ticket(app: &TestApp, token: &str) -> String {
    let body: Value = app
        .post_json("/api/ws-ticket", Some(token), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    body["ticket"].as_str().unwrap().to_string()
}

async fn every_websocket_action_and_connect_answers_every_kind_of_caller_as_documented(
    backend: Backend,
) {
    let app = spawn_app(backend.clone()).await;
    let cast = cast(&app).await;
    let mut cases = 0;
    let ws_url = |query: String| format!("ws://{}/ws?{query}", app.addr);

    // $connect, user connection and room connection, with every bad credential: 401.
    for (name, token) in &cast.bad {
        for room in [None, Some(cast.public_room)] {
            let mut query = token
                .as_ref()
                .map(|t| format!("token={t}"))
                .unwrap_or_default();
            if let Some(room) = room {
                query.push_str(&format!("&room_id={room}"));
            }
            assert_eq!(
                WsClient::connect(&ws_url(query)).await.err(),
                Some(401),
                "$connect as {name}, room {room:?}"
            );
            cases += 1;
        }
    }
    // Tickets: reused and expired ones are refused like bad tokens.
    let used = ticket(&app, &cast.member.token).await;
    let _first = WsClient::connect(&ws_url(format!("ticket={used}")))
        .await
        .unwrap();
    assert_eq!(
        WsClient::connect(&ws_url(format!("ticket={used}")))
            .await
            .err(),
        Some(401),
        "a reused ticket"
    );
    let stale = ticket(&app, &cast.member.token).await;
    sqlx::query("UPDATE ws_tickets SET expires_at = 0")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        WsClient::connect(&ws_url(format!("ticket={stale}")))
            .await
            .err(),
        Some(401),
        "an expired ticket"
    );
    cases += 2;
    // Valid callers: a room connection to a public room they are not in is 403, to a private
    // room they are not in 404; a user connection always opens.
    for (who, session, room, expected) in [
        (
            "a non-member",
            &cast.non_member,
            cast.public_room,
            Some(403),
        ),
        (
            "a private room outsider",
            &cast.outsider,
            cast.private_room,
            Some(404),
        ),
        ("a member", &cast.member, cast.public_room, None),
        ("a member", &cast.member, cast.private_room, None),
    ] {
        let t = ticket(&app, &session.token).await;
        let got = WsClient::connect(&ws_url(format!("ticket={t}&room_id={room}")))
            .await
            .err();
        assert_eq!(got, expected, "room $connect as {who}");
        let t = ticket(&app, &session.token).await;
        assert!(
            WsClient::connect(&ws_url(format!("ticket={t}")))
                .await
                .is_ok(),
            "user $connect as {who}"
        );
        cases += 2;
    }

    // Every action on a user connection, naming a room.
    let table_actions: BTreeSet<&str> = frames(0, 0).iter().map(|(a, _, _)| *a).collect();
    let known: BTreeSet<&str> = shared::realtime::frames::CLIENT_ACTIONS
        .iter()
        .copied()
        .filter(|a| *a != "ping")
        .collect();
    assert_eq!(
        table_actions, known,
        "every action naming a room is in the matrix"
    );
    for (who, session, room, message, code) in [
        (
            "a non-member",
            &cast.non_member,
            cast.public_room,
            cast.public_message,
            Some("forbidden"),
        ),
        (
            "a private room outsider",
            &cast.outsider,
            cast.private_room,
            cast.private_message,
            Some("not_found"),
        ),
        (
            "a member",
            &cast.member,
            cast.public_room,
            cast.public_message,
            None,
        ),
        (
            "a member",
            &cast.member,
            cast.private_room,
            cast.private_message,
            None,
        ),
    ] {
        let t = ticket(&app, &session.token).await;
        let mut ws = WsClient::connect(&ws_url(format!("ticket={t}")))
            .await
            .unwrap();
        for (action, frame, reply) in frames(room, message) {
            ws.send(frame).await;
            let got = answer(&mut ws, if code.is_some() { Some("error") } else { reply }).await;
            match code {
                Some(code) => {
                    let got = got.unwrap_or_else(|| panic!("{action} as {who}: no answer"));
                    assert_eq!(got["type"], "error", "{action} as {who}");
                    assert_eq!(got["code"], code, "{action} as {who}: {got}");
                    assert_eq!(got["room_id"], room);
                }
                None => {
                    if let Some(frame) = &got {
                        assert_ne!(frame["type"], "error", "{action} as {who}: {frame}");
                    }
                    assert_eq!(got.is_some(), reply.is_some(), "{action} as {who}: {got:?}");
                }
            }
            cases += 1;
        }
    }
    eprintln!("authorization matrix: {cases} WebSocket cases on {backend:?}");
}
