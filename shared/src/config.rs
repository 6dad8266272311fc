//! Settings from environment variables, read once at start-up. The same names are used by the
//! Lambda functions, `local-dev` and the infra templates (README lists them).
//!
//! A bad or missing setting is a [`ConfigError`]: one line naming the variable, never a panic.
//! This module reads; it never connects to a database.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

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

/// At most `limit` events per `window` (messages per user per room, failed logins per
/// username); `limit == 0` turns it off. The events themselves are rows in the database, so
/// the limit holds across every Lambda instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: u32,
    pub window: Duration,
}

impl RateLimit {
    pub fn enabled(&self) -> bool {
        self.limit > 0
    }

    /// The start of the window that ends `now`.
    pub fn window_start(&self, now: crate::domain::Timestamp) -> crate::domain::Timestamp {
        crate::domain::Timestamp(now.millis() - self.window.as_millis() as i64)
    }

    /// Given the times (newest first, at most `limit`) of the events inside the window, refuses
    /// one more with 429 and the seconds until the oldest of them leaves the window.
    pub fn check(
        &self,
        recent: &[crate::domain::Timestamp],
        now: crate::domain::Timestamp,
    ) -> crate::Result<()> {
        if !self.enabled() || recent.len() < self.limit as usize {
            return Ok(());
        }
        let oldest = recent.last().copied().unwrap_or(now);
        let wait_ms = (oldest.millis() + self.window.as_millis() as i64 - now.millis()).max(1);
        crate::metrics::rate_limited();
        Err(crate::Error::RateLimited {
            retry_after_secs: (wait_ms as u64).div_ceil(1000),
        })
    }
}

/// Limits on unauthenticated bcrypt work, each off at 0. Attempts are rows in the database, so
/// they hold across Lambda instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Failed logins per (username, client address) per window: the lockout a user meets.
    pub per_name_and_address: RateLimit,
    /// Failed logins per username from all addresses: the ceiling a distributed guesser meets.
    pub per_name: RateLimit,
    /// Login attempts per client address, whatever the name.
    pub per_address: RateLimit,
    /// Registrations per client address.
    pub registrations: RateLimit,
}

impl LoginThrottle {
    /// The longest window: attempts older than it count for nothing and are swept.
    pub fn longest_window(&self) -> Duration {
        [
            self.per_name_and_address,
            self.per_name,
            self.per_address,
            self.registrations,
        ]
        .iter()
        .map(|l| l.window)
        .max()
        .unwrap_or_default()
    }
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
        let rate_messages: u32 = parse(env, "RATE_LIMIT_MESSAGES", 10, 0..=100_000)?;
        let rate_window: u64 = parse(env, "RATE_LIMIT_WINDOW_SECONDS", 10, 1..=86_400)?;
        let login_failures: u32 = parse(env, "LOGIN_MAX_FAILURES", 10, 0..=10_000)?;
        let login_window: u64 = parse(env, "LOGIN_LOCKOUT_SECONDS", 900, 1..=86_400)?;
        let name_failures: u32 = parse(env, "LOGIN_MAX_FAILURES_PER_NAME", 100, 0..=1_000_000)?;
        let address_logins: u32 = parse(env, "LOGIN_MAX_ATTEMPTS_PER_ADDRESS", 100, 0..=1_000_000)?;
        let registrations: u32 = parse(env, "REGISTER_MAX_PER_ADDRESS", 20, 0..=1_000_000)?;
        let register_window: u64 = parse(env, "REGISTER_WINDOW_SECONDS", 3600, 1..=86_400)?;
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
            rate_limit: RateLimit {
                limit: rate_messages,
                window: Duration::from_secs(rate_window),
            },
            login_throttle: LoginThrottle {
                per_name_and_address: RateLimit {
                    limit: login_failures,
                    window: Duration::from_secs(login_window),
                },
                per_name: RateLimit {
                    limit: name_failures,
                    window: Duration::from_secs(login_window),
                },
                per_address: RateLimit {
                    limit: address_logins,
                    window: Duration::from_secs(login_window),
                },
                registrations: RateLimit {
                    limit: registrations,
                    window: Duration::from_secs(register_window),
                },
            },
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

/// How local-dev's handlers reach its sockets (`LOCAL_BROADCAST`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTransport {
    /// Frames handed to the sockets directly, by the management API's rules (the default).
    InProcess,
    /// Every frame a SigV4-signed `PostToConnection` to local-dev's own `@connections`, as in
    /// AWS: slower, and the path the Lambda functions take.
    Sdk,
}

/// local-dev's own settings; the functions never read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalSettings {
    pub host: String,
    pub port: u16,
    /// API Gateway's idle and lifetime limits, shortened for tests.
    pub idle_timeout: Duration,
    pub max_lifetime: Duration,
    /// The SPA build to serve (`FRONTEND_DIST`); `None`: `frontend/dist` of the repository.
    pub frontend_dist: Option<std::path::PathBuf>,
    /// The SigV4 key for `@connections` (`LOCAL_MANAGEMENT_SECRET`); `None`: random per start.
    pub management_secret: Option<String>,
    pub transport: LocalTransport,
    /// Added to every `@connections` request (`LOCAL_MANAGEMENT_DELAY_MS`).
    pub management_delay: Duration,
}

impl LocalSettings {
    pub fn from_env() -> Result<LocalSettings, ConfigError> {
        LocalSettings::from_source(&ProcessEnv)
    }

    pub fn from_source(env: &impl Env) -> Result<LocalSettings, ConfigError> {
        const DAY: u64 = 86_400;
        let transport = match env.get("LOCAL_BROADCAST").as_deref().map(str::trim) {
            None | Some("in-process") => LocalTransport::InProcess,
            Some("sdk") => LocalTransport::Sdk,
            Some(other) => {
                return Err(ConfigError::new(
                    "LOCAL_BROADCAST",
                    format!("'{other}' is neither in-process nor sdk"),
                ));
            }
        };
        Ok(LocalSettings {
            host: env.get("HOST").unwrap_or_else(|| "127.0.0.1".into()),
            port: parse(env, "PORT", 8787, 0..=u16::MAX)?,
            idle_timeout: Duration::from_secs(parse(
                env,
                "LOCAL_WS_IDLE_TIMEOUT_SECONDS",
                600,
                1..=DAY,
            )?),
            max_lifetime: Duration::from_secs(parse(
                env,
                "LOCAL_WS_MAX_LIFETIME_SECONDS",
                7200,
                1..=DAY,
            )?),
            frontend_dist: env.get("FRONTEND_DIST").map(Into::into),
            management_secret: env.get("LOCAL_MANAGEMENT_SECRET"),
            transport,
            management_delay: Duration::from_millis(parse(
                env,
                "LOCAL_MANAGEMENT_DELAY_MS",
                0,
                0..=10_000,
            )?),
        })
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

#[cfg(feature = "aws-secrets")]
mod secrets {
    //! Secrets Manager look-ups, done once per cold start.
    use super::{ConfigError, Env};

    async fn fetch(arn: &str, variable: &'static str) -> Result<String, ConfigError> {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let client = aws_sdk_secretsmanager::Client::new(&config);
        let out = client
            .get_secret_value()
            .secret_id(arn)
            .send()
            .await
            .map_err(|e| {
                ConfigError::new(
                    variable,
                    format!(
                        "cannot read the secret: {}",
                        aws_sdk_secretsmanager::error::DisplayErrorContext(e)
                    ),
                )
            })?;
        out.secret_string
            .ok_or_else(|| ConfigError::new(variable, "the secret has no SecretString"))
    }

    pub async fn plain(arn: &str, variable: &'static str) -> Result<String, ConfigError> {
        fetch(arn, variable).await
    }

    /// Builds a MySQL URL from an RDS-style secret (`username`, `password`, `host`, `port`,
    /// `dbname`); `DATABASE_HOST` and `DATABASE_NAME` override the secret (e.g. the RDS Proxy endpoint).
    pub async fn database_url(env: &impl Env, arn: &str) -> Result<String, ConfigError> {
        let raw = fetch(arn, "DATABASE_SECRET_ARN").await?;
        super::url_from_rds_secret(env, &raw)
    }
}

#[cfg(not(feature = "aws-secrets"))]
mod secrets {
    use super::{ConfigError, Env};

    pub async fn plain(_arn: &str, variable: &'static str) -> Result<String, ConfigError> {
        Err(ConfigError::new(
            variable,
            "this build cannot read Secrets Manager; set the value directly",
        ))
    }

    pub async fn database_url(_env: &impl Env, _arn: &str) -> Result<String, ConfigError> {
        plain(_arn, "DATABASE_SECRET_ARN").await
    }
}

/// Builds a MySQL URL from an RDS-style secret (`username`, `password`, `host`, `port`,
/// `dbname`); `DATABASE_HOST`, `DATABASE_NAME` and `DATABASE_SSL_MODE` override it.
#[cfg_attr(not(feature = "aws-secrets"), allow(dead_code))]
fn url_from_rds_secret(env: &impl Env, raw: &str) -> Result<String, ConfigError> {
    #[derive(serde::Deserialize)]
    struct RdsSecret {
        username: String,
        password: String,
        host: Option<String>,
        port: Option<u16>,
        dbname: Option<String>,
    }
    let secret: RdsSecret = serde_json::from_str(raw).map_err(|e| {
        ConfigError::new(
            "DATABASE_SECRET_ARN",
            format!("the secret is not RDS JSON: {e}"),
        )
    })?;
    let host = env
        .get("DATABASE_HOST")
        .or(secret.host)
        .ok_or_else(|| ConfigError::new("DATABASE_HOST", "required: the secret names no host"))?;
    let name = env
        .get("DATABASE_NAME")
        .or(secret.dbname)
        .unwrap_or_else(|| "chat".into());
    // RDS Proxy requires TLS by default, and the link should be encrypted anyway;
    // VERIFY_IDENTITY also checks the proxy's certificate (ACM, publicly trusted).
    let ssl_mode = env
        .get("DATABASE_SSL_MODE")
        .unwrap_or_else(|| "required".into());
    Ok(format!(
        "mysql://{}:{}@{}:{}/{}?ssl-mode={}",
        percent_encode(&secret.username),
        percent_encode(&secret.password),
        host,
        secret.port.unwrap_or(3306),
        name,
        percent_encode(&ssl_mode),
    ))
}

/// Percent-encodes a URL userinfo component (generated RDS passwords contain `@`, `/`, `:`…).
#[cfg_attr(not(feature = "aws-secrets"), allow(dead_code))]
fn percent_encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
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

    #[test]
    fn an_rds_secret_becomes_a_tls_url_pointed_at_the_proxy() {
        let secret = r#"{"username":"chat","password":"p@ss/w:rd","host":"db.internal","port":3306,"dbname":"chat","engine":"mysql"}"#;
        let env = [("DATABASE_HOST", "proxy.example")];
        assert_eq!(
            url_from_rds_secret(&env, secret).unwrap(),
            "mysql://chat:p%40ss%2Fw%3Ard@proxy.example:3306/chat?ssl-mode=required"
        );
        let env = [
            ("DATABASE_SSL_MODE", "VERIFY_IDENTITY"),
            ("DATABASE_NAME", "other"),
        ];
        assert_eq!(
            url_from_rds_secret(&env, secret).unwrap(),
            "mysql://chat:p%40ss%2Fw%3Ard@db.internal:3306/other?ssl-mode=VERIFY_IDENTITY"
        );
        assert_eq!(
            url_from_rds_secret(&[], "not json").unwrap_err().variable,
            "DATABASE_SECRET_ARN"
        );
        assert_eq!(
            url_from_rds_secret(&[], r#"{"username":"u","password":"p"}"#)
                .unwrap_err()
                .variable,
            "DATABASE_HOST"
        );
    }

    #[test]
    fn a_rate_limit_refuses_the_event_past_its_limit_until_the_oldest_leaves_the_window() {
        use crate::domain::Timestamp;
        let limit = RateLimit {
            limit: 3,
            window: Duration::from_secs(10),
        };
        let now = Timestamp(100_000);
        assert!(
            limit
                .check(&[Timestamp(99_000), Timestamp(98_000)], now)
                .is_ok()
        );
        let full = [Timestamp(99_000), Timestamp(95_000), Timestamp(91_500)];
        match limit.check(&full, now) {
            Err(crate::Error::RateLimited { retry_after_secs }) => {
                assert_eq!(retry_after_secs, 2, "91.5 s + 10 s - 100 s, rounded up")
            }
            other => panic!("expected 429, got {other:?}"),
        }
        assert_eq!(limit.window_start(now), Timestamp(90_000));
        assert!(
            RateLimit {
                limit: 0,
                window: Duration::from_secs(10)
            }
            .check(&full, now)
            .is_ok(),
            "0 turns it off"
        );
    }

    #[test]
    fn userinfo_is_percent_encoded() {
        assert_eq!(percent_encode("p@ss/w:rd"), "p%40ss%2Fw%3Ard");
    }
}
