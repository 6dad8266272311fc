//! Secrets Manager look-ups (feature `aws-secrets`), done once per cold start, and the MySQL URL
//! built from an RDS-style secret.

use super::{ConfigError, Env};

pub(super) use aws::{database_url, plain};

#[cfg(feature = "aws-secrets")]
mod aws {
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
mod aws {
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
    fn userinfo_is_percent_encoded() {
        assert_eq!(percent_encode("p@ss/w:rd"), "p%40ss%2Fw%3Ard");
    }
}
