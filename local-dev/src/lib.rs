//! local-dev: the whole service in one process, standing in for API Gateway.
//!
//! - REST: the same routers the Lambda functions serve (`shared::http::app`).
//! - WebSocket: [`shim`] turns each socket into the `$connect` / `$default` / `$disconnect`
//!   events API Gateway would send and calls the same `shared::realtime` handlers, enforcing
//!   API Gateway's limits (32 KB frames, 10 min idle, 2 h lifetime).
//! - Management API: [`management`] serves `POST/GET/DELETE /@connections/{id}`, for the
//!   handlers' real AWS SDK client (`LOCAL_BROADCAST=sdk`, as in AWS) and for other processes.
//!   By default the handlers skip the HTTP round trip and hand frames to the sockets directly,
//!   by the same rules ([`shim::Registry::deliver`]).
//! - Forwarding mode (`LOCAL_FUNCTIONS`): [`forward`] hands the REST requests and the shim's
//!   events to the real Lambda binaries (under `cargo lambda watch`) instead, routed by
//!   `infra/routes.json` ([`routes`]); the shim's rules stay as they are.
//! - The SPA: [`spa`] serves `frontend/dist` and its `config.json`; the binary first builds it
//!   when it is missing or stale ([`spa_build`]; never [`start`], so tests never run npm).
//! - `/api/docs`: Swagger UI over `/api/openapi.json`, its files built in ([`spa::api_docs`]).
//!
//! Nothing here decides chat behaviour; that is `shared`'s job.

pub mod forward;
pub mod gateway;
pub mod management;
pub mod routes;
pub mod shim;
pub mod spa;
pub mod spa_build;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::routing::{get, post};
use tower::ServiceExt as _;

use shared::config::{Config, LocalTransport};
use shared::realtime::Broadcaster;
use shared::{AppState, db};

/// API Gateway's WebSocket limits, overridable so tests need not wait ten minutes.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub idle_timeout: Duration,
    pub max_lifetime: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            idle_timeout: shared::realtime::IDLE_TIMEOUT,
            max_lifetime: shared::realtime::MAX_CONNECTION_LIFETIME,
        }
    }
}

pub struct Options {
    pub config: Config,
    pub frontend_dist: PathBuf,
    pub limits: Limits,
    /// The SigV4 secret key `@connections` requests must be signed with
    /// (`LOCAL_MANAGEMENT_SECRET`; a random one per start when unset).
    pub management_secret: String,
    /// How handlers reach the sockets: directly (default) or through `@connections`.
    pub transport: LocalTransport,
    /// Added to every `@connections` request (API Gateway's round trip, for benchmarks).
    pub management_delay: Duration,
    /// The Lambda functions to forward to (`LOCAL_FUNCTIONS`); `None`: the handlers run here.
    pub functions: Option<forward::Functions>,
}

impl Options {
    /// A fresh random management key: only this process can sign its `@connections` calls.
    pub fn random_management_secret() -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }
}

/// A bound, migrated, ready-to-serve local-dev.
pub struct LocalDev {
    pub listener: tokio::net::TcpListener,
    pub addr: SocketAddr,
    pub state: AppState,
    /// The live sockets (tests look inside).
    pub sockets: shim::Sockets,
    pub router: Router,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    State(#[from] shared::state::StartupError),
    #[error(transparent)]
    NotReady(#[from] shared::db::reach::NotReady),
    #[error("cannot prepare the database ({url}): {source}")]
    Database { url: String, source: shared::Error },
}

/// Binds `addr`, applies migrations, clears connection rows a previous run of this address
/// left behind (a crash skips `$disconnect`), and assembles the router.
pub async fn start(addr: &str, mut options: Options) -> Result<LocalDev, StartError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: addr.to_string(),
            source,
        })?;
    let local = listener.local_addr().map_err(|source| StartError::Bind {
        addr: addr.to_string(),
        source,
    })?;
    // The management API is this process: handlers reach sockets through our own address.
    let reachable = if local.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], local.port()))
    } else {
        local
    };
    let endpoint = format!("http://{reachable}");
    if let Some(configured) = &options.config.websocket_api_endpoint
        && configured != &endpoint
    {
        tracing::warn!(%configured, %endpoint, "WEBSOCKET_API_ENDPOINT is ignored by local-dev: it is its own management API");
    }
    options.config.websocket_api_endpoint = Some(endpoint.clone());

    let url = options.config.database_url_redacted();
    let registry = shim::Registry::default();
    let broadcaster = match options.transport {
        LocalTransport::InProcess => Broadcaster::in_process(Arc::new(registry.clone())),
        LocalTransport::Sdk => Broadcaster::local(&options.management_secret),
    };
    let state = AppState::new(options.config, broadcaster)?;
    let db_error = |source| StartError::Database {
        url: url.clone(),
        source,
    };
    db::reach::prepare(&state.config, &state.db).await?;
    let removed = db::connections::delete_by_endpoint(&state.db.pool, &endpoint)
        .await
        .map_err(db_error)?;
    if removed > 0 {
        tracing::info!(removed, "cleared connections left by an earlier run");
    }

    let handlers = match &options.functions {
        Some(functions) => shim::Handlers::Forwarded(functions.clone()),
        None => shim::Handlers::InProcess,
    };
    let sockets = shim::Sockets::new(
        state.clone(),
        handlers,
        options.limits,
        registry,
        &options.management_secret,
        options.management_delay,
    );
    let router = router(state.clone(), sockets.clone(), options.frontend_dist);
    Ok(LocalDev {
        listener,
        addr: local,
        state,
        sockets,
        router,
    })
}

/// local-dev's routes: the shim, the management API and the API docs first, then `/api/*` to
/// the REST app (or the functions) and everything else to the SPA.
pub fn router(state: AppState, sockets: shim::Sockets, frontend_dist: PathBuf) -> Router {
    let rest = match &sockets.handlers {
        shim::Handlers::InProcess => shared::http::app(state),
        shim::Handlers::Forwarded(functions) => Router::new()
            .fallback(forward::rest)
            .with_state(functions.clone()),
    };
    let spa = spa::service(frontend_dist);
    let local = Router::new()
        .route("/metrics", get(metrics))
        .route("/ws", get(shim::upgrade))
        .route("/ws/rooms/{id}", get(shim::upgrade_alias))
        .route(
            "/@connections/{id}",
            post(management::post_to_connection)
                .get(management::get_connection)
                .delete(management::delete_connection)
                .layer(axum::middleware::from_fn_with_state(
                    sockets.clone(),
                    management::require_signature,
                )),
        )
        .with_state(sockets)
        .merge(spa::api_docs())
        .layer(shared::http::trace_layer());
    local.fallback_service(tower::service_fn(move |request: Request| {
        let (rest, spa) = (rest.clone(), spa.clone());
        async move {
            if request.uri().path().starts_with("/api/") || request.uri().path() == "/api" {
                rest.oneshot(request).await
            } else {
                spa.oneshot(request).await
            }
        }
    }))
}

/// The process' counters (`shared::metrics`) as Prometheus text: what the functions emit as
/// CloudWatch EMF lines in AWS.
async fn metrics() -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        shared::metrics::prometheus_text(),
    )
}

impl LocalDev {
    /// Serves until `shutdown` resolves, then closes every WebSocket with 1001 and runs its
    /// `$disconnect` before returning.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let sockets = self.sockets.clone();
        let shutdown = async move {
            shutdown.await;
            sockets.drain(Duration::from_secs(10)).await;
        };
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}
