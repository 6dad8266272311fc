//! `AppState`: everything a handler needs, built once per cold start (or once per local-dev
//! process) and shared by cheap clones. Nothing here connects eagerly: the pool is lazy.

use std::sync::Arc;

use crate::auth::{JwtKeys, PasswordHasher};
use crate::config::{Config, ConfigError, Profile};
use crate::db::Db;
use crate::error::Result;
use crate::realtime::broadcast::Broadcaster;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub jwt: JwtKeys,
    pub passwords: PasswordHasher,
    pub broadcaster: Broadcaster,
}

/// Start-up failures: a bad setting, or a database URL the driver cannot parse.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("DATABASE_URL: {0}")]
    Database(#[from] crate::Error),
}

impl AppState {
    /// The Lambda functions' state: configuration from the environment (secrets from Secrets
    /// Manager when `*_SECRET_ARN` is set) and an SDK client for the management API.
    pub async fn for_lambda() -> Result<AppState, StartupError> {
        let config = Config::from_env(Profile::Lambda).await?;
        crate::metrics::emit_emf(&config.metrics_namespace);
        let broadcaster = Broadcaster::from_aws_environment().await;
        AppState::new(config, broadcaster)
    }

    pub fn new(config: Config, broadcaster: Broadcaster) -> Result<AppState, StartupError> {
        let db = Db::connect_lazy(&config)?;
        let broadcaster = broadcaster.with_fan_out_concurrency(config.fan_out_concurrency);
        Ok(AppState {
            jwt: JwtKeys::new(&config.jwt_secret, config.jwt_ttl),
            passwords: PasswordHasher::new(config.bcrypt_cost),
            config: Arc::new(config),
            db,
            broadcaster,
        })
    }
}

/// Prints a start-up failure as one line and exits: a misconfigured process should say what
/// is wrong, not print a panic trace.
pub fn or_exit<T>(result: Result<T, StartupError>) -> T {
    result.unwrap_or_else(|e| {
        eprintln!("{e}");
        tracing::error!("{e}");
        std::process::exit(1)
    })
}
