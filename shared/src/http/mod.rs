//! The REST side: one axum router per area (auth, rooms, messages) for the three Lambda
//! functions, and [`app`] merging them for local-dev. Each router carries the same edges:
//! health, OpenAPI, a JSON 404/405, the 64 KiB body limit, CORS, tracing and panic safety,
//! so every answer — axum's own rejections included — speaks docs/api.md's error body.

mod auth;
mod extract;
mod messages;
pub mod openapi;
mod rooms;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{MakeSpan, TraceLayer};

pub use extract::ApiJson;

use crate::error::{Error, Result};
use crate::state::AppState;

/// The largest REST body accepted (docs/api.md).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The auth function's router: register, login, me.
pub fn auth_router(state: AppState) -> Router {
    finish(auth::routes(), state)
}

/// The rooms function's router: list, create, read, join, leave.
pub fn rooms_router(state: AppState) -> Router {
    finish(rooms::routes(), state)
}

/// The messages function's router: history pages and posting.
pub fn messages_router(state: AppState) -> Router {
    finish(messages::routes(), state)
}

/// Every REST route in one router (local-dev, tests).
pub fn app(state: AppState) -> Router {
    finish(
        auth::routes()
            .merge(rooms::routes())
            .merge(messages::routes()),
        state,
    )
}

fn finish(routes: Router<AppState>, state: AppState) -> Router {
    let cors = cors_layer(&state.config.cors_allowed_origins);
    let app = routes
        .route("/api/health", get(health))
        .route("/api/openapi.json", get(openapi::serve))
        .fallback(|| async { Error::NotFound("no such route") })
        .method_not_allowed_fallback(|| async {
            Error::MethodNotAllowed("method not allowed on this route")
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(reject_oversized_bodies))
        .layer(CatchPanicLayer::custom(|_| {
            Error::internal("handler panicked").into_response()
        }))
        .layer(trace_layer())
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(cors)
        .with_state(state);
    // The prefix is removed before routing, so the whole router sits behind the rewrite.
    Router::new().fallback_service(tower::util::MapRequest::new(app, strip_base_path))
}

/// Request spans name the method and the path, never the query string: v1 WebSocket clients
/// put their token there (`/ws?token=…`), and a token must not reach a log at any level.
#[derive(Debug, Clone, Copy)]
pub struct PathOnlySpan;

impl<B> MakeSpan<B> for PathOnlySpan {
    fn make_span(&mut self, request: &axum::http::Request<B>) -> tracing::Span {
        tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
    }
}

/// tower-http's request tracing with [`PathOnlySpan`] (local-dev uses it too).
pub fn trace_layer() -> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, PathOnlySpan> {
    TraceLayer::new_for_http().make_span_with(PathOnlySpan)
}

/// Behind an API Gateway HTTP API on a named stage, the path arrives with the stage in front
/// (`/prod/api/rooms`; lambda_http keeps it), and a custom domain's base-path mapping adds a
/// segment the same way. Routes live at `/api/…`, so one leading segment before `/api` is
/// dropped.
fn strip_base_path(mut request: Request) -> Request {
    let path = request.uri().path();
    if path.starts_with("/api/") || path == "/api" {
        return request;
    }
    let Some(next_slash) = path.get(1..).and_then(|p| p.find('/')) else {
        return request;
    };
    let rest = &path[1 + next_slash..];
    if !(rest.starts_with("/api/") || rest == "/api") {
        return request;
    }
    let rewritten = match request.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_string(),
    };
    if let Ok(uri) = rewritten.parse() {
        *request.uri_mut() = uri;
    }
    request
}

/// Refuses a declared body over the limit before any handler runs (also on unknown routes);
/// undeclared (chunked) bodies are cut by `DefaultBodyLimit` in the extractors.
async fn reject_oversized_bodies(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return Error::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        }
        .into_response();
    }
    next.run(request).await
}

fn cors_layer(origins: &[String]) -> CorsLayer {
    let base = CorsLayer::new()
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(600));
    if origins.iter().any(|o| o == "*") {
        base.allow_origin(AllowOrigin::any())
    } else if origins.is_empty() {
        // Same-origin only (local-dev serves the SPA itself; API Gateway can add CORS on its own).
        CorsLayer::new()
    } else {
        base.allow_origin(AllowOrigin::list(
            origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_after(uri: &str) -> String {
        let request = Request::builder()
            .uri(uri)
            .body(axum::body::Body::empty())
            .unwrap();
        strip_base_path(request).uri().to_string()
    }

    #[test]
    fn a_stage_or_base_path_segment_before_api_is_dropped() {
        assert_eq!(path_after("/prod/api/rooms?limit=5"), "/api/rooms?limit=5");
        assert_eq!(path_after("/api/rooms"), "/api/rooms");
        assert_eq!(path_after("/v1/api"), "/api");
        assert_eq!(path_after("/a/b/api/rooms"), "/a/b/api/rooms");
        assert_eq!(path_after("/assets/app.js"), "/assets/app.js");
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`
    status: &'static str,
    /// `ok`
    database: &'static str,
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/api/health", tag = "health",
    responses((status = 200, body = Health), (status = 503, description = "database unreachable", body = crate::error::ErrorBody)))]
async fn health(State(state): State<AppState>) -> Result<axum::Json<Health>> {
    state.db.ping().await?;
    Ok(axum::Json(Health {
        status: "ok",
        database: "ok",
    }))
}
