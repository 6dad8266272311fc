//! Serves the built SPA (`frontend/dist`) with an SPA fallback to `index.html`, plus the
//! runtime `config.json`. Without a build it answers a short page that says how to make one.
//! Also the one other page a browser opens here: the API docs at `/api/docs` ([`api_docs`]).

use std::path::PathBuf;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};

/// What the SPA may load and who may frame it: everything from this origin, nothing inline,
/// no framing. CloudFront sends the same policy (infra/), with the API domains in connect-src.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// The security headers of every SPA (and API docs) response.
fn security_headers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    use axum::http::HeaderValue;
    use tower_http::set_header::SetResponseHeaderLayer;
    let headers = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    headers.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ))
    })
}

/// Empty values tell the SPA to use its own origin (`/api/…`, `ws://<host>/ws`).
const SAME_ORIGIN_CONFIG: &str = r#"{"apiBaseUrl":"","wsUrl":""}"#;

const NOT_BUILT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Chat — SPA not built</title></head>
<body>
<h1>The chat SPA is not built</h1>
<p>local-dev found no build of the web app (no <code>index.html</code> in <code>frontend/dist</code>,
or in the folder <code>FRONTEND_DIST</code> names), so it serves the API alone:
<a href="/api/health">/api/health</a>, <a href="/api/docs/">/api/docs</a>,
<a href="/api/openapi.json">/api/openapi.json</a>.</p>
<p>Started from the repository, local-dev builds the app itself unless <code>LOCAL_BUILD_SPA=off</code>;
when it cannot (npm missing, or the build failed), the terminal it runs in says why.
To build it by hand, run this from the repository root, then restart local-dev and reload this page:</p>
<pre>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</pre>
</body></html>"#;

/// `GET /api/docs/`: Swagger UI over `/api/openapi.json` (`/api/docs` redirects there, so its
/// relative asset paths resolve). Its files are compiled into the binary (the crate's
/// `vendored` feature), so the page works offline and loads nothing from a CDN. It runs under
/// the SPA's policy: its HTML has no inline script or style, and what it styles as it renders
/// goes through the CSSOM, which CSP allows (checked in Chromium: no violation, "Try it out"
/// included).
pub fn api_docs<S: Clone + Send + Sync + 'static>() -> Router<S> {
    use utoipa_swagger_ui::{Config, SwaggerUi};
    let config = Config::from("/api/openapi.json")
        .use_base_layout()
        // Swagger UI would fetch a badge from validator.swagger.io.
        .validator_url("none");
    security_headers(SwaggerUi::new("/api/docs").config(config).into())
}

pub fn service(dist: PathBuf) -> Router {
    let index = dist.join("index.html");
    let config = dist.join("config.json");
    let config_route = if config.is_file() {
        get_service_file(config)
    } else {
        Router::new().route(
            "/config.json",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "application/json"),
                        (header::CACHE_CONTROL, "no-cache"),
                    ],
                    SAME_ORIGIN_CONFIG,
                )
            }),
        )
    };
    if !index.is_file() {
        tracing::warn!(dist = %dist.display(), "no SPA build found; serving a how-to page at /");
        return security_headers(
            config_route.fallback(|| async { (StatusCode::OK, Html(NOT_BUILT)).into_response() }),
        );
    }
    security_headers(
        config_route.fallback_service(ServeDir::new(dist).fallback(ServeFile::new(index))),
    )
}

fn get_service_file(path: PathBuf) -> Router {
    Router::new().route_service("/config.json", ServeFile::new(path))
}
