//! The forwarding mode (`LOCAL_FUNCTIONS=http://127.0.0.1:9000`): local-dev plays API Gateway
//! in front of the real Lambda binaries running under `cargo lambda watch`, instead of calling
//! the handlers in its own process.
//!
//! - REST: each `/api/*` request becomes the HTTP API payload 2.0 event API Gateway would
//!   send, routed by `infra/routes.json` ([`crate::routes`]) and invoked through Lambda's
//!   `Invoke` API (which cargo-lambda serves); the function's answer becomes the response.
//! - WebSocket: the shim ([`crate::shim`]) keeps API Gateway's rules and hands its
//!   `$connect` / `$default` / `$disconnect` events to [`Functions::invoke`].
//! - The functions' posts come back to local-dev's `@connections`, as in AWS.
//!
//! A function that fails or does not answer in time gets API Gateway's treatment: 502 / 504
//! for REST (with docs/api.md's error body), the error frame API Gateway sends for WebSocket.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::{Map, Value, json};
use shared::domain::Timestamp;

use crate::gateway::{error_response, request_time};
use crate::routes::Routes;

/// API Gateway's longest wait for an HTTP API integration.
pub const HTTP_INTEGRATION_TIMEOUT: Duration = Duration::from_secs(30);
/// API Gateway's longest wait for a WebSocket API integration.
pub const WEBSOCKET_INTEGRATION_TIMEOUT: Duration = Duration::from_secs(29);
/// The most of a request body API Gateway takes (HTTP API: 10 MB). The functions refuse
/// anything over 64 KiB themselves, with their own 413.
const MAX_PAYLOAD_BYTES: usize = 10 * 1024 * 1024;
/// What `requestContext.accountId` says: there is no account here.
const ACCOUNT_ID: &str = "000000000000";

/// Why an invocation gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Nothing listens at `LOCAL_FUNCTIONS`, or it answered something that is not Lambda's.
    Unreachable(String),
    /// The function returned an error (or crashed): Lambda's `{errorType, errorMessage}`.
    Errored(String),
    /// No answer within the integration timeout.
    TimedOut,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Unreachable(why) => write!(f, "unreachable: {why}"),
            Failure::Errored(why) => write!(f, "function error: {why}"),
            Failure::TimedOut => f.write_str("timed out"),
        }
    }
}

/// Which of API Gateway's APIs an invocation is for: they wait for different lengths of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Http,
    WebSocket,
}

/// The Lambda functions behind local-dev, reached through the `Invoke` API at `base`.
#[derive(Clone)]
pub struct Functions {
    inner: Arc<Inner>,
}

struct Inner {
    base: String,
    http: reqwest::Client,
    routes: Routes,
    /// `None`: API Gateway's own limits (30 s HTTP, 29 s WebSocket).
    timeout: Option<Duration>,
}

impl Functions {
    pub fn new(base: &str, timeout: Option<Duration>) -> Functions {
        Functions {
            inner: Arc::new(Inner {
                base: base.trim_end_matches('/').to_string(),
                // No pool timeout of its own: each invocation has its own deadline.
                http: reqwest::Client::new(),
                routes: Routes::built_in(),
                timeout,
            }),
        }
    }

    /// The functions `LOCAL_FUNCTIONS` names, if it is set.
    pub fn from_settings(settings: &shared::config::LocalSettings) -> Option<Functions> {
        let base = settings.functions.as_deref()?;
        Some(Functions::new(base, settings.function_timeout))
    }

    pub fn base(&self) -> &str {
        &self.inner.base
    }

    pub fn routes(&self) -> &Routes {
        &self.inner.routes
    }

    /// Invokes `function` with `event` and returns its answer, logging which function ran,
    /// how it ended and how long it took.
    pub async fn invoke(
        &self,
        api: Api,
        function: &str,
        route_key: &str,
        event: &impl Serialize,
    ) -> Result<Value, Failure> {
        let limit = self.inner.timeout.unwrap_or(match api {
            Api::Http => HTTP_INTEGRATION_TIMEOUT,
            Api::WebSocket => WEBSOCKET_INTEGRATION_TIMEOUT,
        });
        let started = Instant::now();
        let url = format!(
            "{}/2015-03-31/functions/{function}/invocations",
            self.inner.base
        );
        let answer = tokio::time::timeout(limit, async {
            let response = self
                .inner
                .http
                .post(&url)
                .json(event)
                .send()
                .await
                .map_err(|e| {
                    let why = if e.is_connect() {
                        "nothing listens there (is `cargo lambda watch` running?)".to_string()
                    } else {
                        e.to_string()
                    };
                    Failure::Unreachable(format!("{url}: {why}"))
                })?;
            let function_error = response.headers().contains_key("x-amz-function-error");
            let status = response.status();
            let body = response
                .bytes()
                .await
                .map_err(|e| Failure::Unreachable(format!("{url}: {e}")))?;
            read_invoke_answer(status, function_error, &body)
        })
        .await
        .unwrap_or(Err(Failure::TimedOut));
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match &answer {
            Ok(value) => {
                let status = value.get("statusCode").and_then(Value::as_i64);
                tracing::info!(
                    function,
                    route = route_key,
                    status,
                    ms = format!("{ms:.1}"),
                    "invoked"
                );
            }
            Err(failure) => {
                tracing::warn!(function, route = route_key, %failure, ms = format!("{ms:.1}"), "invocation failed");
            }
        }
        answer
    }
}

impl Functions {
    /// Invokes every function once with an event that changes nothing, so that `cargo lambda
    /// watch` builds and starts each now rather than on the first click (a first build takes a
    /// minute or more), and logs when each answers: `GET /api/health` for the REST functions
    /// (every REST router serves it), and for the ws-* functions an event naming no connection
    /// (a 400). Returns each function's answer.
    pub async fn warm_up(&self) -> Vec<(String, Result<Value, Failure>)> {
        if !self.wait_until_listening().await {
            return Vec::new();
        }
        let headers = HeaderMap::new();
        let health = http_event(&HttpRequest {
            method: "GET",
            path: "/api/health",
            query: "",
            headers: &headers,
            body: &[],
            peer: SocketAddr::from(([127, 0, 0, 1], 0)),
            route_key: "GET /api/health",
            path_parameters: &BTreeMap::new(),
        });
        let mut calls: Vec<(Api, &str, &str, Value)> = self
            .routes()
            .http_functions()
            .into_iter()
            .map(|function| (Api::Http, function, "GET /api/health", health.clone()))
            .collect();
        for (route_key, event_type) in [
            ("$connect", "CONNECT"),
            ("$default", "MESSAGE"),
            ("$disconnect", "DISCONNECT"),
        ] {
            let event = json!({
                "requestContext": {
                    "routeKey": route_key,
                    "eventType": event_type,
                    "stage": "local",
                    "apiId": "local",
                    "requestId": "warm-up",
                    "connectedAt": 0,
                    "requestTimeEpoch": 0,
                    "messageDirection": "IN",
                    "identity": {"sourceIp": "127.0.0.1"},
                },
                "isBase64Encoded": false,
            });
            let function = self.routes().websocket(route_key);
            calls.push((Api::WebSocket, function, route_key, event));
        }
        let warm = Functions::new(self.base(), Some(WARM_UP_PATIENCE));
        let mut answers = Vec::new();
        for (api, function, route_key, event) in calls {
            let started = Instant::now();
            tracing::info!(
                function,
                "warming up: the first answer waits for cargo lambda to build the function"
            );
            let answer = warm.invoke(api, function, route_key, &event).await;
            if answer.is_ok() {
                let seconds = format!("{:.1}", started.elapsed().as_secs_f64());
                tracing::info!(function, seconds, "ready");
            }
            answers.push((function.to_string(), answer));
        }
        answers
    }
}

impl Functions {
    /// Waits until something accepts connections at `LOCAL_FUNCTIONS` (`cargo lambda watch`
    /// may start after local-dev), saying so once; `false` after [`WARM_UP_PATIENCE`].
    async fn wait_until_listening(&self) -> bool {
        let authority = self
            .base()
            .split_once("://")
            .map_or(self.base(), |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let started = Instant::now();
        let mut said = false;
        loop {
            if tokio::net::TcpStream::connect(&authority).await.is_ok() {
                return true;
            }
            if !said {
                tracing::warn!(
                    functions = self.base(),
                    "nothing answers at LOCAL_FUNCTIONS yet: start `cargo lambda watch` (docs/deploy.md); waiting for it"
                );
                said = true;
            }
            if started.elapsed() > WARM_UP_PATIENCE {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// How long a warm-up waits for a function that cargo is still building.
const WARM_UP_PATIENCE: Duration = Duration::from_secs(15 * 60);

/// Lambda's `Invoke` answer: the function's result, or `{errorType, errorMessage}` when the
/// function failed (AWS marks that with `X-Amz-Function-Error` on a 200; cargo-lambda answers
/// it with a 500).
fn read_invoke_answer(
    status: StatusCode,
    function_error: bool,
    body: &[u8],
) -> Result<Value, Failure> {
    let value: Option<Value> = serde_json::from_slice(body).ok();
    let lambda_error = value
        .as_ref()
        .filter(|v| v.get("errorType").is_some() && v.get("statusCode").is_none());
    if let Some(error) = lambda_error {
        let kind = error["errorType"].as_str().unwrap_or("Error");
        let message = error["errorMessage"].as_str().unwrap_or_default();
        return Err(Failure::Errored(format!("{kind}: {}", message.trim_end())));
    }
    let shown = || String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
    if function_error {
        return Err(Failure::Errored(shown()));
    }
    if !status.is_success() {
        return Err(Failure::Unreachable(format!(
            "the Invoke API answered {status}: {}",
            shown()
        )));
    }
    value.ok_or_else(|| Failure::Errored("the function's answer is not JSON".into()))
}

/// `/api/*` in the forwarding mode: the request as an HTTP API event to the function its route
/// names, and the function's answer as the response.
pub async fn rest(
    State(functions): State<Functions>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_PAYLOAD_BYTES).await else {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is over API Gateway's 10 MB",
        );
    };
    let path = parts.uri.path();
    let matched = functions.routes().http(parts.method.as_str(), path);
    let event = http_event(&HttpRequest {
        method: parts.method.as_str(),
        path,
        query: parts.uri.query().unwrap_or_default(),
        headers: &parts.headers,
        body: &body,
        peer,
        route_key: matched.route_key,
        path_parameters: &matched.path_parameters.into_iter().collect(),
    });
    let function = matched.function;
    match functions
        .invoke(Api::Http, function, matched.route_key, &event)
        .await
    {
        Ok(answer) => http_response(&answer).unwrap_or_else(|why| {
            tracing::warn!(function, %why, "the function's answer is not an HTTP API response");
            failure_response(function, &Failure::Errored(why))
        }),
        Err(failure) => failure_response(function, &failure),
    }
}

/// API Gateway's answer to an integration that failed: 504 when it said nothing in time,
/// 502 otherwise (in docs/api.md's error body, naming the function).
pub fn failure_response(function: &str, failure: &Failure) -> Response {
    match failure {
        Failure::TimedOut => error_response(
            StatusCode::GATEWAY_TIMEOUT,
            "gateway_timeout",
            &format!("the {function} function did not answer in time"),
        ),
        Failure::Unreachable(_) | Failure::Errored(_) => error_response(
            StatusCode::BAD_GATEWAY,
            "bad_gateway",
            &format!("the {function} function failed (local-dev's log says why)"),
        ),
    }
}

/// What [`http_event`] needs of a request.
pub struct HttpRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub peer: SocketAddr,
    pub route_key: &'a str,
    pub path_parameters: &'a BTreeMap<String, String>,
}

/// The HTTP API payload 2.0 event API Gateway sends for `request` on its `$default` stage.
pub fn http_event(request: &HttpRequest<'_>) -> Value {
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in request.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == header::COOKIE {
            cookies.extend(
                value
                    .split(';')
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty()),
            );
            continue;
        }
        // Repeated headers arrive joined with commas.
        match headers.get_mut(name.as_str()) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_string(), Value::String(value));
            }
        }
    }
    let source_ip = request.peer.ip().to_string();
    let now = Timestamp::now();
    let trace = uuid::Uuid::new_v4().simple().to_string();
    for (name, value) in [
        ("x-forwarded-for", source_ip.clone()),
        ("x-forwarded-port", request.peer.port().to_string()),
        ("x-forwarded-proto", "http".to_string()),
        (
            "x-amzn-trace-id",
            format!("Root=1-{:08x}-{}", now.millis() / 1000, &trace[..24]),
        ),
    ] {
        headers.entry(name).or_insert(Value::String(value));
    }
    let host = headers
        .get("host")
        .and_then(Value::as_str)
        .unwrap_or("localhost")
        .to_string();
    let user_agent = headers.get("user-agent").cloned().unwrap_or(json!(""));
    let mut query = Map::new();
    for (name, value) in
        serde_urlencoded::from_str::<Vec<(String, String)>>(request.query).unwrap_or_default()
    {
        match query.get_mut(&name) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                query.insert(name, Value::String(value));
            }
        }
    }
    let content_type = request
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let (body, is_base64) = if request.body.is_empty() {
        (Value::Null, false)
    } else {
        match std::str::from_utf8(request.body) {
            Ok(text) if arrives_as_text(content_type) => (Value::String(text.to_string()), false),
            _ => (Value::String(STANDARD.encode(request.body)), true),
        }
    };
    let mut event = json!({
        "version": "2.0",
        "routeKey": request.route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(['.', ':']).next().unwrap_or_default(),
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": user_agent,
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": request.route_key,
            "stage": "$default",
            "time": request_time(now),
            "timeEpoch": now.millis(),
        },
        "isBase64Encoded": is_base64,
    });
    // API Gateway leaves out what a request does not have.
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !request.path_parameters.is_empty() {
        event["pathParameters"] = json!(request.path_parameters);
    }
    if !body.is_null() {
        event["body"] = body;
    }
    event
}

/// HTTP APIs pass these bodies as text and base64-encode every other one — form posts and a
/// missing `Content-Type` included.
fn arrives_as_text(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence.starts_with("text/")
        || matches!(
            essence.as_str(),
            "application/json" | "application/xml" | "application/javascript"
        )
}

/// A function's payload 2.0 answer as the response API Gateway would give. A JSON answer
/// without `statusCode` is a 200 with that JSON as its body, as API Gateway reads it.
pub fn http_response(answer: &Value) -> Result<Response, String> {
    let Some(status) = answer.get("statusCode") else {
        let mut response = Response::new(Body::from(answer.to_string()));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return Ok(response);
    };
    let status = status
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| format!("statusCode {status} is not an HTTP status"))?;
    let body = match answer.get("body") {
        None | Some(Value::Null) => Bytes::new(),
        Some(Value::String(text)) if answer["isBase64Encoded"] == json!(true) => STANDARD
            .decode(text)
            .map(Bytes::from)
            .map_err(|e| format!("isBase64Encoded but the body is not base64: {e}"))?,
        Some(Value::String(text)) => Bytes::from(text.clone()),
        Some(other) => return Err(format!("the body is {other}, not a string")),
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    let mut add = |name: &str, value: &Value| -> Result<(), String> {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(_) | Value::Bool(_) => value.to_string(),
            _ => return Err(format!("header {name} is {value}")),
        };
        let name = HeaderName::try_from(name).map_err(|e| format!("header {name}: {e}"))?;
        let value = HeaderValue::try_from(text).map_err(|e| format!("header {name}: {e}"))?;
        headers.append(name, value);
        Ok(())
    };
    if let Some(Value::Object(single)) = answer.get("headers") {
        for (name, value) in single {
            add(name, value)?;
        }
    }
    if let Some(Value::Object(multi)) = answer.get("multiValueHeaders") {
        for (name, values) in multi {
            for value in values.as_array().into_iter().flatten() {
                add(name, value)?;
            }
        }
    }
    for cookie in answer
        .get("cookies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        add("set-cookie", cookie)?;
    }
    Ok(response)
}

/// The frame API Gateway sends a client whose `$default` integration failed.
pub fn websocket_failure_frame(failure: &Failure, connection_id: &str) -> String {
    let message = match failure {
        Failure::TimedOut => "Endpoint request timed out",
        Failure::Unreachable(_) | Failure::Errored(_) => "Internal server error",
    };
    json!({
        "message": message,
        "connectionId": connection_id,
        "requestId": uuid::Uuid::new_v4().to_string(),
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::apigw::ApiGatewayV2httpRequest;

    fn event_for(
        method: &str,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Value {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                HeaderName::try_from(*name).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let routes = Routes::built_in();
        let matched = routes.http(method, path);
        http_event(&HttpRequest {
            method,
            path,
            query,
            headers: &map,
            body,
            peer: "127.0.0.1:50000".parse().unwrap(),
            route_key: matched.route_key,
            path_parameters: &matched.path_parameters.into_iter().collect(),
        })
    }

    #[test]
    fn a_json_post_is_a_payload_2_event_with_its_route_and_a_text_body() {
        let event = event_for(
            "POST",
            "/api/rooms/3/messages",
            "",
            &[
                ("host", "127.0.0.1:8787"),
                ("content-type", "application/json"),
                ("authorization", "Bearer t"),
            ],
            br#"{"content":"hi"}"#,
        );
        let parsed: ApiGatewayV2httpRequest = serde_json::from_value(event.clone()).unwrap();
        assert_eq!(
            parsed.route_key.as_deref(),
            Some("POST /api/rooms/{id}/messages")
        );
        assert_eq!(parsed.raw_path.as_deref(), Some("/api/rooms/3/messages"));
        assert_eq!(parsed.path_parameters["id"], "3");
        assert_eq!(parsed.request_context.stage.as_deref(), Some("$default"));
        assert_eq!(parsed.request_context.http.method, "POST");
        assert_eq!(
            parsed.request_context.http.source_ip.as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(parsed.body.as_deref(), Some(r#"{"content":"hi"}"#));
        assert!(!parsed.is_base64_encoded);
        assert_eq!(event["headers"]["authorization"], "Bearer t");
        assert_eq!(event["headers"]["x-forwarded-for"], "127.0.0.1");
        assert!(event.get("cookies").is_none() && event.get("queryStringParameters").is_none());
    }

    #[test]
    fn form_posts_and_untyped_bodies_arrive_base64_encoded_as_from_an_http_api() {
        for content_type in [
            Some("application/x-www-form-urlencoded"),
            Some("application/octet-stream"),
            None,
        ] {
            let headers: Vec<(&str, &str)> = content_type
                .map(|c| ("content-type", c))
                .into_iter()
                .collect();
            let event = event_for(
                "POST",
                "/api/auth/login",
                "",
                &headers,
                b"username=a&password=b",
            );
            assert_eq!(event["isBase64Encoded"], true, "{content_type:?}");
            assert_eq!(event["body"], STANDARD.encode("username=a&password=b"));
        }
        let event = event_for(
            "POST",
            "/api/x",
            "",
            &[("content-type", "text/plain; charset=utf-8")],
            b"hi",
        );
        assert_eq!(
            (event["isBase64Encoded"].clone(), event["body"].clone()),
            (json!(false), json!("hi"))
        );
    }

    #[test]
    fn repeated_headers_and_query_parameters_are_joined_and_cookies_have_their_own_list() {
        let event = event_for(
            "GET",
            "/api/rooms/1/messages",
            "limit=5&tag=a&tag=b",
            &[("accept", "a/b"), ("accept", "c/d"), ("cookie", "x=1; y=2")],
            b"",
        );
        assert_eq!(event["headers"]["accept"], "a/b,c/d");
        assert_eq!(event["cookies"], json!(["x=1", "y=2"]));
        assert!(event["headers"].get("cookie").is_none());
        assert_eq!(event["rawQueryString"], "limit=5&tag=a&tag=b");
        assert_eq!(
            event["queryStringParameters"],
            json!({"limit": "5", "tag": "a,b"})
        );
        assert!(event.get("body").is_none());
    }

    #[tokio::test]
    async fn an_answer_becomes_the_response_with_its_headers_cookies_and_decoded_body() {
        let answer = json!({
            "statusCode": 201,
            "headers": {"content-type": "application/json"},
            "multiValueHeaders": {"vary": ["origin", "accept"]},
            "cookies": ["a=1"],
            "body": STANDARD.encode(r#"{"ok":true}"#),
            "isBase64Encoded": true,
        });
        let response = http_response(&answer).unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(response.headers().get_all("vary").iter().count(), 2);
        assert_eq!(response.headers()["set-cookie"], "a=1");
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(&body[..], br#"{"ok":true}"#);
    }

    #[test]
    fn an_answer_without_status_is_a_200_and_a_broken_one_is_refused() {
        assert_eq!(
            http_response(&json!({"hello": 1})).unwrap().status(),
            StatusCode::OK
        );
        assert!(
            http_response(&json!({"statusCode": "x"}))
                .unwrap_err()
                .contains("not an HTTP status")
        );
        assert!(
            http_response(&json!({"statusCode": 200, "body": "%%", "isBase64Encoded": true}))
                .is_err()
        );
        assert!(http_response(&json!({"statusCode": 200, "body": 5})).is_err());
    }

    #[test]
    fn lambda_errors_are_told_apart_from_answers() {
        // AWS: a 200 marked X-Amz-Function-Error; cargo-lambda: a 500.
        let error = br#"{"errorType":"Runtime.ExitError","errorMessage":"exit 1\n"}"#;
        for (status, marked) in [
            (StatusCode::OK, true),
            (StatusCode::INTERNAL_SERVER_ERROR, false),
        ] {
            assert_eq!(
                read_invoke_answer(status, marked, error),
                Err(Failure::Errored("Runtime.ExitError: exit 1".into()))
            );
        }
        assert!(matches!(
            read_invoke_answer(StatusCode::NOT_FOUND, false, b"no such function"),
            Err(Failure::Unreachable(_))
        ));
        assert_eq!(
            read_invoke_answer(StatusCode::OK, false, br#"{"statusCode":200}"#),
            Ok(json!({"statusCode": 200}))
        );
    }

    #[test]
    fn a_failed_websocket_integration_gets_api_gateways_frame() {
        let frame: Value =
            serde_json::from_str(&websocket_failure_frame(&Failure::TimedOut, "abc=")).unwrap();
        assert_eq!(frame["message"], "Endpoint request timed out");
        assert_eq!(frame["connectionId"], "abc=");
        let frame: Value = serde_json::from_str(&websocket_failure_frame(
            &Failure::Errored("x".into()),
            "abc=",
        ))
        .unwrap();
        assert_eq!(frame["message"], "Internal server error");
    }
}
