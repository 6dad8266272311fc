//! `/api/auth/*`: registration rules, login (JSON and form), tokens.

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, JWT_SECRET, assert_error, spawn_app, spawn_app_with};

crate::both_backends!(
    registering_returns_201_with_the_user_and_never_a_hash,
    each_registration_rule_answers_422_naming_the_field,
    usernames_are_unique_case_insensitively,
    login_accepts_json_and_the_oauth2_password_form,
    unknown_users_and_wrong_passwords_get_the_same_answer,
    bytes_beyond_72_of_a_password_still_count,
    me_returns_the_signed_in_user,
    missing_malformed_tampered_expired_and_unsigned_tokens_get_401,
    repeated_failed_logins_for_a_name_are_throttled_with_429,
    a_successful_login_clears_the_failures,
);

// The core cases once more with the real function binaries behind local-dev (forwarding.rs).
crate::forwarded_too!(
    registering_returns_201_with_the_user_and_never_a_hash,
    login_accepts_json_and_the_oauth2_password_form,
    me_returns_the_signed_in_user,
    missing_malformed_tampered_expired_and_unsigned_tokens_get_401,
);

async fn registering_returns_201_with_the_user_and_never_a_hash(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.register("alice", "password123").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let user: Value = response.json().await.unwrap();
    assert!(user["id"].as_i64().unwrap() > 0);
    assert_eq!(user["username"], "alice");
    let created_at = user["created_at"].as_str().unwrap();
    assert!(
        created_at.ends_with('Z') && created_at.len() == 24,
        "RFC 3339 with ms: {created_at}"
    );
    assert_eq!(
        user.as_object().unwrap().len(),
        3,
        "id, username, created_at only: {user}"
    );
}

async fn each_registration_rule_answers_422_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        (
            json!({"username": "ab", "password": "password123"}),
            "username",
        ),
        (
            json!({"username": "a".repeat(33), "password": "password123"}),
            "username",
        ),
        (
            json!({"username": "bad name", "password": "password123"}),
            "username",
        ),
        (
            json!({"username": "émile", "password": "password123"}),
            "username",
        ),
        (
            json!({"username": "alice", "password": "short"}),
            "password",
        ),
        (
            json!({"username": "alice", "password": "x".repeat(129)}),
            "password",
        ),
        (json!({"password": "password123"}), "username"),
        (json!({"username": "alice"}), "password"),
        (
            json!({"username": 42, "password": "password123"}),
            "username",
        ),
    ];
    for (body, field) in cases {
        let response = app.post_json("/api/auth/register", None, &body).await;
        let message = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(message.starts_with(field), "{body} → {message}");
    }
    // Nothing was stored by the refusals: the name is still free.
    assert_eq!(
        app.register("alice", "password123").await.status(),
        StatusCode::CREATED
    );
}

async fn usernames_are_unique_case_insensitively(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(
        app.register("Alice", "password123").await.status(),
        StatusCode::CREATED
    );
    assert_error(
        app.register("alice", "password456").await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_error(
        app.register("ALICE", "password456").await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    // The first account is untouched.
    assert_eq!(
        app.login("alice", "password123").await.status(),
        StatusCode::OK
    );
}

async fn login_accepts_json_and_the_oauth2_password_form(backend: Backend) {
    let app = spawn_app(backend).await;
    app.register("bob", "password123").await;
    let json_login: Value = app.login("bob", "password123").await.json().await.unwrap();
    assert_eq!(json_login["token_type"], "bearer");
    assert_eq!(json_login["expires_in"], 86400);
    assert_eq!(json_login["user"]["username"], "bob");
    assert_eq!(
        json_login["access_token"]
            .as_str()
            .unwrap()
            .split('.')
            .count(),
        3
    );

    let form = app
        .http
        .post(app.url("/api/auth/login"))
        .form(&[
            ("grant_type", "password"),
            ("username", "bob"),
            ("password", "password123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let form_login: Value = form.json().await.unwrap();
    assert_eq!(form_login["user"], json_login["user"]);

    let plain = app
        .http
        .post(app.url("/api/auth/login"))
        .body("username=bob")
        .header("content-type", "text/plain")
        .send()
        .await
        .unwrap();
    assert_error(plain, StatusCode::BAD_REQUEST, "bad_request").await;
}

async fn unknown_users_and_wrong_passwords_get_the_same_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    app.register("carol", "password123").await;
    let wrong = app.login("carol", "password124").await;
    let (wrong_status, wrong_body) = (wrong.status(), wrong.text().await.unwrap());
    let unknown = app.login("nobody", "password123").await;
    let (unknown_status, unknown_body) = (unknown.status(), unknown.text().await.unwrap());
    assert_eq!(wrong_status, StatusCode::UNAUTHORIZED);
    assert_eq!((wrong_status, &wrong_body), (unknown_status, &unknown_body));
    let malformed = app.login("x", "y").await;
    assert_eq!(malformed.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(malformed.text().await.unwrap(), wrong_body);
}

async fn bytes_beyond_72_of_a_password_still_count(backend: Backend) {
    let app = spawn_app(backend).await;
    let password = format!("{}-tail-one", "p".repeat(80));
    assert_eq!(
        app.register("dave", &password).await.status(),
        StatusCode::CREATED
    );
    let same_first_72 = format!("{}-tail-two", "p".repeat(80));
    assert_eq!(
        app.login("dave", &same_first_72).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.login("dave", &password).await.status(), StatusCode::OK);
}

async fn me_returns_the_signed_in_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let erin = app.signed_in("erin").await;
    let me: Value = app
        .get("/api/auth/me", Some(&erin.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], erin.id);
    assert_eq!(me["username"], "erin");
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn sign_hs256(claims: &Value, secret: &str) -> String {
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn missing_malformed_tampered_expired_and_unsigned_tokens_get_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let frank = app.signed_in("frank").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = |exp: i64| json!({"sub": frank.id.to_string(), "username": "frank", "iat": now - 10, "exp": exp});

    let mut parts: Vec<String> = frank.token.split('.').map(String::from).collect();
    parts[1] = b64(
        json!({"sub": "1", "username": "admin", "iat": now, "exp": now + 3600})
            .to_string()
            .as_bytes(),
    );
    let tampered = parts.join(".");
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims(now + 3600).to_string().as_bytes())
    );
    let expired = sign_hs256(&claims(now - 120), JWT_SECRET);
    let other_key = sign_hs256(&claims(now + 3600), "some-other-secret-that-is-long-enough");
    let hs512 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &claims(now + 3600),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();

    let no_header = app.http.get(app.url("/api/auth/me")).send().await.unwrap();
    assert_error(no_header, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let basic = app
        .http
        .get(app.url("/api/auth/me"))
        .header("authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await
        .unwrap();
    assert_error(basic, StatusCode::UNAUTHORIZED, "unauthorized").await;
    for (what, token) in [
        ("tampered", tampered),
        ("alg none", none),
        ("expired", expired),
        ("other key", other_key),
        ("HS512", hs512),
        ("garbage", "a.b.c".into()),
    ] {
        let response = app.get("/api/auth/me", Some(&token)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{what}");
        assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    // A well-signed token still works.
    assert_eq!(
        app.get("/api/auth/me", Some(&frank.token)).await.status(),
        StatusCode::OK
    );
    // The same checks guard every protected route.
    assert_error(
        app.get("/api/rooms", Some("a.b.c")).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

const THROTTLE: &[(&str, &str)] = &[("LOGIN_MAX_FAILURES", "3"), ("LOGIN_LOCKOUT_SECONDS", "60")];

async fn repeated_failed_logins_for_a_name_are_throttled_with_429(backend: Backend) {
    let app = spawn_app_with(backend, THROTTLE).await;
    assert_eq!(
        app.register("gina", "password123").await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.register("hank", "password123").await.status(),
        StatusCode::CREATED
    );
    let before: Value = app.login("gina", "password123").await.json().await.unwrap();
    let issued_before = before["access_token"].as_str().unwrap().to_string();
    for _ in 0..3 {
        assert_eq!(
            app.login("gina", "wrong-password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password waits now: the guesser cannot tell it was right.
    let throttled = app.login("gina", "password123").await;
    let retry_after: u64 = throttled.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_error(throttled, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Per name: others are not affected; unknown names behave exactly like real ones.
    assert_eq!(
        app.login("hank", "password123").await.status(),
        StatusCode::OK
    );
    for _ in 0..3 {
        assert_eq!(
            app.login("nobody", "wrong-password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_error(
        app.login("nobody", "wrong-password").await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
    // The account itself is untouched: a token issued before still works.
    assert_eq!(
        app.get("/api/auth/me", Some(&issued_before)).await.status(),
        StatusCode::OK
    );
    let form = app
        .http
        .post(app.url("/api/auth/login"))
        .form(&[("username", "GINA"), ("password", "password123")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        form.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "case-insensitively the same name"
    );
}

async fn a_successful_login_clears_the_failures(backend: Backend) {
    let app = spawn_app_with(backend, THROTTLE).await;
    app.register("ivy", "password123").await;
    for round in 0..3 {
        for _ in 0..2 {
            assert_eq!(
                app.login("ivy", "wrong-password").await.status(),
                StatusCode::UNAUTHORIZED,
                "round {round}"
            );
        }
        assert_eq!(
            app.login("ivy", "password123").await.status(),
            StatusCode::OK,
            "round {round}"
        );
    }
}
