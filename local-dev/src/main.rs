//! `local-dev`: the whole chat service in one process (see the crate docs in lib.rs).
//!
//! `local-dev` serves; `local-dev migrate` applies the migrations to `DATABASE_URL` and exits
//! (the documented way to migrate an RDS database by hand).

use std::path::PathBuf;

use local_dev::spa_build::build_if_stale;
use shared::config::{Config, LocalSettings, Profile, SpaBuild};
use tracing_subscriber::EnvFilter;

const USAGE: &str = "usage: local-dev [migrate]

  (no argument)  serve the REST API, the WebSocket shim and the SPA on HOST:PORT, building
                 the SPA first when it is missing or stale (LOCAL_BUILD_SPA=off: never)
  migrate        apply the database migrations to DATABASE_URL and exit

Configuration comes from environment variables (and a .env file): see README.md.";

#[tokio::main]
async fn main() {
    let _ = dotenvy::dotenv();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    let command = std::env::args().nth(1);
    let config = match Config::from_env(Profile::LocalDev).await {
        Ok(config) => config,
        Err(e) => exit(&e),
    };
    match command.as_deref() {
        None => serve(config).await,
        Some("migrate") => migrate(config).await,
        Some("-h" | "--help" | "help") => println!("{USAGE}"),
        Some(other) => exit(&format!("unknown command '{other}'\n\n{USAGE}")),
    }
}

fn exit(message: &dyn std::fmt::Display) -> ! {
    eprintln!("local-dev: {message}");
    std::process::exit(1)
}

async fn migrate(config: Config) {
    let db = shared::db::Db::connect_lazy(&config).unwrap_or_else(|e| exit(&e));
    match shared::db::reach::prepare(&config, &db).await {
        Ok(()) => println!("migrations applied to {}", config.database_url_redacted()),
        Err(e) => exit(&e),
    }
}

async fn serve(config: Config) {
    let settings = LocalSettings::from_env().unwrap_or_else(|e| exit(&e));
    if config.jwt_secret_is_dev_default {
        tracing::warn!(
            "JWT_SECRET is not set: signing tokens with local-dev's built-in key. Never use it in production."
        );
    }
    let database = config.database_url_redacted();
    let frontend_dist = settings.frontend_dist.clone().unwrap_or_else(default_dist);
    let addr = format!("{}:{}", settings.host, settings.port);
    if settings.build_spa == SpaBuild::Auto {
        // A taken port is said now, not after a build that can take half a minute.
        if let Err(e) = std::net::TcpListener::bind(&addr) {
            exit(&format!("cannot listen on {addr}: {e}"));
        }
        // Before `start`, so the router sees the fresh build; a build that goes wrong (even a
        // panic, caught by the task) still leaves the API to start.
        let dist = frontend_dist.clone();
        if let Err(panicked) = tokio::task::spawn_blocking(move || build_if_stale(&dist)).await {
            tracing::warn!(error = %panicked, "building the SPA failed; serving the API anyway");
        }
    }
    let functions = local_dev::forward::Functions::from_settings(&settings);
    let options = local_dev::Options {
        config,
        frontend_dist,
        limits: local_dev::Limits {
            idle_timeout: settings.idle_timeout,
            max_lifetime: settings.max_lifetime,
        },
        management_secret: settings
            .management_secret
            .clone()
            .unwrap_or_else(local_dev::Options::random_management_secret),
        transport: settings.transport,
        management_delay: settings.management_delay,
        functions: functions.clone(),
    };
    let app = local_dev::start(&addr, options)
        .await
        .unwrap_or_else(|e| exit(&e));
    if let Some(functions) = functions {
        // Here, not in `start`: tests count every invocation.
        tokio::spawn(async move {
            functions.warm_up().await;
        });
    }
    match &settings.functions {
        Some(functions) => tracing::info!(
            database = %database,
            functions = %functions,
            "database ready; REST and WebSocket events go to the Lambda functions (LOCAL_FUNCTIONS)"
        ),
        None => {
            tracing::info!(database = %database, transport = ?settings.transport, "database ready")
        }
    }
    tracing::info!(
        "local-dev listening on http://{}  (REST /api, WebSocket /ws, SPA /)",
        app.addr
    );
    if let Err(e) = app.serve(shutdown_signal()).await {
        exit(&e);
    }
}

/// `frontend/dist` from the repository root, wherever `cargo run` was started.
fn default_dist() -> PathBuf {
    let from_cwd = PathBuf::from("frontend/dist");
    if from_cwd.exists() {
        return from_cwd;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../frontend/dist")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
    tracing::info!("shutting down");
}
