//! local-dev's own settings (`HOST`, `PORT`, `LOCAL_*`, `FRONTEND_DIST`); the functions never
//! read them.

use std::time::Duration;

use super::{ConfigError, Env, ProcessEnv, parse};

/// How local-dev's handlers reach its sockets (`LOCAL_BROADCAST`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTransport {
    /// Frames handed to the sockets directly, by the management API's rules (the default).
    InProcess,
    /// Every frame a SigV4-signed `PostToConnection` to local-dev's own `@connections`, as in
    /// AWS: slower, and the path the Lambda functions take.
    Sdk,
}

/// Whether local-dev builds the SPA at start-up (`LOCAL_BUILD_SPA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaBuild {
    /// Run `npm ci` / `npm run build` when the build is missing or older than its sources
    /// (the default: one `cargo run -p local-dev` serves the app on a fresh clone).
    Auto,
    /// Serve whatever is there (tests and CI bring a prebuilt SPA, or none).
    Off,
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
    pub build_spa: SpaBuild,
    /// Where the Lambda functions' `Invoke` API listens (`LOCAL_FUNCTIONS`, e.g. `cargo lambda
    /// watch`'s `http://127.0.0.1:9000`): set, local-dev forwards every REST request and
    /// WebSocket event to them instead of running the handlers itself.
    pub functions: Option<String>,
    /// How long a forwarded invocation may take (`LOCAL_FUNCTION_TIMEOUT_SECONDS`); `None`:
    /// API Gateway's limits, 30 s for REST and 29 s for WebSocket.
    pub function_timeout: Option<Duration>,
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
        let build_spa = match env.get("LOCAL_BUILD_SPA").as_deref().map(str::trim) {
            None | Some("auto") => SpaBuild::Auto,
            Some("off") => SpaBuild::Off,
            Some(other) => {
                return Err(ConfigError::new(
                    "LOCAL_BUILD_SPA",
                    format!("'{other}' is neither auto nor off"),
                ));
            }
        };
        let functions = match env.get("LOCAL_FUNCTIONS").map(|v| v.trim().to_string()) {
            None => None,
            Some(url) if url.is_empty() => None,
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                Some(url.trim_end_matches('/').to_string())
            }
            Some(other) => {
                return Err(ConfigError::new(
                    "LOCAL_FUNCTIONS",
                    format!(
                        "'{other}' is not an http:// address (cargo lambda watch: http://127.0.0.1:9000)"
                    ),
                ));
            }
        };
        let function_timeout = match env.get("LOCAL_FUNCTION_TIMEOUT_SECONDS") {
            None => None,
            Some(_) => Some(Duration::from_secs(parse(
                env,
                "LOCAL_FUNCTION_TIMEOUT_SECONDS",
                30,
                1..=900,
            )?)),
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
            build_spa,
            functions,
            function_timeout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_build_spa_is_auto_unless_turned_off_and_refuses_other_words() {
        let build = |value| LocalSettings::from_source(&[("LOCAL_BUILD_SPA", value)]);
        assert_eq!(
            LocalSettings::from_source(&[]).unwrap().build_spa,
            SpaBuild::Auto
        );
        assert_eq!(build("auto").unwrap().build_spa, SpaBuild::Auto);
        assert_eq!(build(" off ").unwrap().build_spa, SpaBuild::Off);
        let err = build("yes").unwrap_err();
        assert_eq!(err.variable, "LOCAL_BUILD_SPA");
        assert!(
            err.to_string().contains("'yes' is neither auto nor off"),
            "{err}"
        );
    }

    #[test]
    fn local_functions_takes_an_http_address_and_its_timeout_a_number_of_seconds() {
        let unset = LocalSettings::from_source(&[]).unwrap();
        assert_eq!((unset.functions, unset.function_timeout), (None, None));
        let set = LocalSettings::from_source(&[
            ("LOCAL_FUNCTIONS", " http://127.0.0.1:9000/ "),
            ("LOCAL_FUNCTION_TIMEOUT_SECONDS", "5"),
        ])
        .unwrap();
        assert_eq!(set.functions.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(set.function_timeout, Some(Duration::from_secs(5)));
        let err = LocalSettings::from_source(&[("LOCAL_FUNCTIONS", "127.0.0.1:9000")]).unwrap_err();
        assert_eq!(err.variable, "LOCAL_FUNCTIONS");
        assert!(err.to_string().contains("not an http:// address"), "{err}");
        let err =
            LocalSettings::from_source(&[("LOCAL_FUNCTION_TIMEOUT_SECONDS", "0")]).unwrap_err();
        assert_eq!(err.variable, "LOCAL_FUNCTION_TIMEOUT_SECONDS");
    }
}
