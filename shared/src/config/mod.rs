//! Settings from environment variables, read once at start-up. The same names are used by the
//! Lambda functions, `local-dev` and the infra templates (README lists them).
//!
//! A bad or missing setting is a [`ConfigError`]: one line naming the variable, never a panic.
//! This module reads; it never connects to a database. Beside the core settings here:
//! `limits` (the message rate limit and the login throttle), `local` (local-dev's own
//! settings) and `secrets` (Secrets Manager and the RDS secret's URL).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

mod limits;
mod local;
mod secrets;

pub use limits::{LoginThrottle, RateLimit};
pub use local::{LocalSettings, LocalTransport, SpaBuild};

/// How the process runs: Lambda functions insist on real secrets; local-dev has defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Lambda,
    LocalDev,
}

/// Local-dev's signing key when `JWT_SECRET` is unset. Tokens signed with it are worthless
/// outside this machine, and start-up says so in the log.
const DEV_JWT_SECRET: &str = "local-dev-only-secret-never-use-in-production!";
const DEV_DATABASE_URL: &str = "sqlite://chat.db";
const MIN_JWT_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: SecretString,
    pub jwt_secret: SecretString,
    /// True when local-dev fell back to its built-in signing key.
    pub jwt_secret_is_dev_default: bool,
    pub jwt_ttl: Duration,
    pub bcrypt_cost: u32,
    pub db_max_connections: u32,
    /// Origins allowed by CORS; empty means no CORS headers, `["*"]` means any origin.
    pub cors_allowed_origins: Vec<String>,
    pub rate_limit: RateLimit,
    /// The login and registration throttle (`accounts`).
    pub login_throttle: LoginThrottle,
    /// The API Gateway management endpoint (`https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`).
    /// Needed where no WebSocket event names it: the REST messages function and local runs.
    pub websocket_api_endpoint: Option<String>,
    /// Management API posts in flight at once during one fan-out (`FAN_OUT_CONCURRENCY`).
    pub fan_out_concurrency: usize,
    /// CloudWatch namespace of the functions' EMF metrics (`METRICS_NAMESPACE`).
    pub metrics_namespace: String,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl ConfigError {
    fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        ConfigError {
            variable,
            problem: problem.into(),
        }
    }
}

/// Where variables come from: the process environment in production, a map in tests.
pub trait Env {
    fn get(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

impl Env for std::collections::HashMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        std::collections::HashMap::get(self, name).cloned()
    }
}

impl<const N: usize> Env for [(&str, &str); N] {
    fn get(&self, name: &str) -> Option<String> {
        self.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

impl Config {
    /// Reads the process environment, resolving `*_SECRET_ARN` variables from Secrets Manager
    /// when the `aws-secrets` feature is on.
    pub async fn from_env(profile: Profile) -> Result<Config, ConfigError> {
        Config::from_source(&ProcessEnv, profile).await
    }

    pub async fn from_source(env: &impl Env, profile: Profile) -> Result<Config, ConfigError> {
        let database_url = database_url(env, profile).await?;

        let (jwt_secret, jwt_secret_is_dev_default) = match env.get("JWT_SECRET") {
            Some(secret) => (secret, false),
            None => match env.get("JWT_SECRET_ARN") {
                Some(arn) => (secrets::plain(&arn, "JWT_SECRET_ARN").await?, false),
                None if profile == Profile::LocalDev => (DEV_JWT_SECRET.to_string(), true),
                None => {
                    return Err(ConfigError::new(
                        "JWT_SECRET",
                        "required (or JWT_SECRET_ARN): the functions refuse to sign tokens with a default key",
                    ));
                }
            },
        };
        if jwt_secret.len() < MIN_JWT_SECRET_BYTES {
            return Err(ConfigError::new(
                "JWT_SECRET",
                format!("must be at least {MIN_JWT_SECRET_BYTES} bytes long"),
            ));
        }

        let jwt_ttl_secs: u64 = parse(env, "JWT_TTL_SECONDS", 86_400, 60..=30 * 86_400)?;
        let bcrypt_cost: u32 = parse(env, "BCRYPT_COST", 12, 4..=31)?;
        let default_pool = if profile == Profile::Lambda { 1 } else { 5 };
        let db_max_connections: u32 = parse(env, "DB_MAX_CONNECTIONS", default_pool, 1..=100)?;
        let fan_out_concurrency: usize = parse(
            env,
            "FAN_OUT_CONCURRENCY",
            crate::realtime::broadcast::DEFAULT_FAN_OUT_CONCURRENCY,
            1..=1024,
        )?;

        let cors_allowed_origins = match env.get("CORS_ALLOWED_ORIGINS") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(|o| validate_origin(o).map(|_| o.trim_end_matches('/').to_string()))
                .collect::<Result<_, _>>()?,
        };

        let websocket_api_endpoint = env
            .get("WEBSOCKET_API_ENDPOINT")
            .map(|e| e.trim_end_matches('/').to_string());
        if let Some(endpoint) = &websocket_api_endpoint
            && !(endpoint.starts_with("https://") || endpoint.starts_with("http://"))
        {
            return Err(ConfigError::new(
                "WEBSOCKET_API_ENDPOINT",
                "must be an http(s):// URL",
            ));
        }

        let metrics_namespace = env
            .get("METRICS_NAMESPACE")
            .unwrap_or_else(|| crate::metrics::DEFAULT_NAMESPACE.to_string());
        validate_namespace(&metrics_namespace)?;

        Ok(Config {
            database_url: SecretString::from(database_url),
            jwt_secret: SecretString::from(jwt_secret),
            jwt_secret_is_dev_default,
            jwt_ttl: Duration::from_secs(jwt_ttl_secs),
            bcrypt_cost,
            db_max_connections,
            cors_allowed_origins,
            rate_limit: limits::message_rate_limit(env)?,
            login_throttle: limits::login_throttle(env)?,
            websocket_api_endpoint,
            fan_out_concurrency,
            metrics_namespace,
        })
    }

    /// The database URL without its password, for logs.
    pub fn database_url_redacted(&self) -> String {
        let url = self.database_url.expose_secret();
        match (url.find("://"), url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                format!("{}://…@{}", &url[..scheme], &url[at + 1..])
            }
            _ => url.to_string(),
        }
    }
}

/// The database URL alone (the migration runner needs nothing else): `DATABASE_URL`, or a URL
/// built from `DATABASE_SECRET_ARN`.
pub async fn database_url(env: &impl Env, profile: Profile) -> Result<String, ConfigError> {
    let database_url = match env.get("DATABASE_URL") {
        Some(url) => url,
        None => match env.get("DATABASE_SECRET_ARN") {
            Some(arn) => secrets::database_url(env, &arn).await?,
            None if profile == Profile::LocalDev => DEV_DATABASE_URL.to_string(),
            None => {
                return Err(ConfigError::new(
                    "DATABASE_URL",
                    "required (or DATABASE_SECRET_ARN); e.g. mysql://user:pass@host:3306/chat",
                ));
            }
        },
    };
    if !(database_url.starts_with("mysql://")
        || database_url.starts_with("mariadb://")
        || database_url.starts_with("sqlite:"))
    {
        return Err(ConfigError::new(
            "DATABASE_URL",
            "must start with mysql:// or sqlite:// (e.g. sqlite://chat.db)",
        ));
    }
    Ok(database_url)
}

fn parse<T>(
    env: &impl Env,
    variable: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(raw) = env.get(variable) else {
        return Ok(default);
    };
    let value: T = raw
        .trim()
        .parse()
        .map_err(|_| ConfigError::new(variable, format!("'{raw}' is not a whole number")))?;
    if !range.contains(&value) {
        return Err(ConfigError::new(
            variable,
            format!(
                "{value} is out of range ({}..={})",
                range.start(),
                range.end()
            ),
        ));
    }
    Ok(value)
}

/// CloudWatch's rule: 1–255 printable ASCII characters, and `AWS/` is reserved.
fn validate_namespace(namespace: &str) -> Result<(), ConfigError> {
    let printable = namespace.bytes().all(|b| (b' '..=b'~').contains(&b));
    if namespace.is_empty() || namespace.len() > 255 || !printable {
        return Err(ConfigError::new(
            "METRICS_NAMESPACE",
            "must be 1-255 printable ASCII characters",
        ));
    }
    if namespace.starts_with("AWS/") {
        return Err(ConfigError::new(
            "METRICS_NAMESPACE",
            "must not start with AWS/ (reserved for AWS services)",
        ));
    }
    Ok(())
}

fn validate_origin(origin: &str) -> Result<(), ConfigError> {
    let ok = origin == "*"
        || ((origin.starts_with("https://") || origin.starts_with("http://"))
            && !origin.contains(char::is_whitespace)
            && axum::http::HeaderValue::from_str(origin).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ConfigError::new(
            "CORS_ALLOWED_ORIGINS",
            format!("'{origin}' is not an origin like https://chat.example.com (or *)"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[tokio::test]
    async fn lambda_profile_refuses_to_start_without_a_jwt_secret() {
        let err = Config::from_source(&[("DATABASE_URL", "mysql://u@h/db")], Profile::Lambda)
            .await
            .unwrap_err();
        assert_eq!(err.variable, "JWT_SECRET");
        assert!(
            err.to_string()
                .starts_with("configuration error: JWT_SECRET:")
        );
    }

    #[tokio::test]
    async fn local_dev_profile_works_with_no_configuration() {
        let config = Config::from_source(&[], Profile::LocalDev).await.unwrap();
        assert!(config.jwt_secret_is_dev_default);
        assert_eq!(config.database_url.expose_secret(), "sqlite://chat.db");
        assert_eq!(config.bcrypt_cost, 12);
        assert_eq!(
            config.rate_limit,
            RateLimit {
                limit: 10,
                window: Duration::from_secs(10)
            }
        );
    }

    #[tokio::test]
    async fn a_bad_number_names_its_variable() {
        let env = [("JWT_SECRET", SECRET), ("BCRYPT_COST", "twelve")];
        let err = Config::from_source(&env, Profile::LocalDev)
            .await
            .unwrap_err();
        assert_eq!(err.variable, "BCRYPT_COST");
        let env = [("JWT_SECRET", SECRET), ("BCRYPT_COST", "3")];
        assert_eq!(
            Config::from_source(&env, Profile::LocalDev)
                .await
                .unwrap_err()
                .variable,
            "BCRYPT_COST"
        );
    }

    #[tokio::test]
    async fn short_secrets_unknown_databases_and_bad_origins_are_refused() {
        let env = [("JWT_SECRET", "short")];
        assert_eq!(
            Config::from_source(&env, Profile::LocalDev)
                .await
                .unwrap_err()
                .variable,
            "JWT_SECRET"
        );
        let env = [("JWT_SECRET", SECRET), ("DATABASE_URL", "postgres://x")];
        assert_eq!(
            Config::from_source(&env, Profile::LocalDev)
                .await
                .unwrap_err()
                .variable,
            "DATABASE_URL"
        );
        let env = [
            ("JWT_SECRET", SECRET),
            ("CORS_ALLOWED_ORIGINS", "https://ok.example, not an origin"),
        ];
        assert_eq!(
            Config::from_source(&env, Profile::LocalDev)
                .await
                .unwrap_err()
                .variable,
            "CORS_ALLOWED_ORIGINS"
        );
    }

    #[tokio::test]
    async fn the_metrics_namespace_defaults_and_refuses_what_cloudwatch_would() {
        let config = Config::from_source(&[("JWT_SECRET", SECRET)], Profile::LocalDev)
            .await
            .unwrap();
        assert_eq!(config.metrics_namespace, "ServerlessChat");
        let env = [("JWT_SECRET", SECRET), ("METRICS_NAMESPACE", "Chat/prod")];
        let config = Config::from_source(&env, Profile::LocalDev).await.unwrap();
        assert_eq!(config.metrics_namespace, "Chat/prod");
        for bad in ["", "AWS/Lambda", "tab\there", &"x".repeat(256)] {
            let env = [("JWT_SECRET", SECRET), ("METRICS_NAMESPACE", bad)];
            let err = Config::from_source(&env, Profile::LocalDev)
                .await
                .unwrap_err();
            assert_eq!(err.variable, "METRICS_NAMESPACE", "{bad:?}");
        }
    }

    #[tokio::test]
    async fn logs_never_show_the_database_password() {
        let env = [
            ("JWT_SECRET", SECRET),
            ("DATABASE_URL", "mysql://chat:hunter2@db:3306/chat"),
        ];
        let config = Config::from_source(&env, Profile::Lambda).await.unwrap();
        assert_eq!(config.database_url_redacted(), "mysql://…@db:3306/chat");
        assert_eq!(config.db_max_connections, 1);
    }
}
