//! Reaching a MySQL server by hand (local-dev, `local-dev migrate`): one connection attempt
//! whose failure is said in one line a person can act on, and a missing database created.
//!
//! The pool cannot say this: it retries a failed connect until its acquire timeout, so a
//! wrong port reads "pool timed out". In Lambda the database exists (the stack creates it)
//! and a failure is a 503 like any other.

use std::str::FromStr as _;
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlDatabaseError};

/// How long one attempt may take before the server counts as not answering.
const ATTEMPT: Duration = Duration::from_secs(5);

/// MySQL's error numbers for refused logins (bad password; a user with no password login,
/// MariaDB's answer for an unknown user over TCP), a database the user may not use, and an
/// unknown database.
const ER_ACCESS_DENIED: [u32; 2] = [1045, 1698];
const ER_DB_ACCESS_DENIED: u32 = 1044;
const ER_BAD_DB: u32 = 1049;

/// What reaching the server found.
#[derive(Debug, PartialEq, Eq)]
pub enum Reached {
    Ready,
    /// The database was missing and has been created.
    Created(String),
}

/// Why the server could not be used, as one line (the password never appears).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct Unreachable(pub String);

/// Why a database could not be made ready.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    #[error(transparent)]
    Unreachable(#[from] Unreachable),
    #[error("migrating {url} failed: {source}")]
    Migration { url: String, source: crate::Error },
}

/// What local-dev and `local-dev migrate` do first: reach the server (a missing database is
/// created, and the log says so), then apply the migrations through `db`.
pub async fn prepare(config: &crate::Config, db: &super::Db) -> Result<(), NotReady> {
    if let Reached::Created(name) = database(config, true).await? {
        tracing::info!(database = %name, "created the database, which did not exist");
    }
    db.migrate().await.map_err(|source| NotReady::Migration {
        url: config.database_url_redacted(),
        source,
    })
}

/// `mysql` for a MySQL `DATABASE_URL`; a SQLite file needs nothing (its URL creates it).
async fn database(config: &crate::Config, create_missing: bool) -> Result<Reached, Unreachable> {
    use secrecy::ExposeSecret as _;
    let url = config.database_url.expose_secret();
    if url.starts_with("sqlite:") {
        return Ok(Reached::Ready);
    }
    mysql(url, create_missing).await
}

/// Connects once to the MySQL server of `url` and says precisely what failed: an unknown host,
/// a refused connection, silence, refused credentials, or a missing database — which is
/// created when `create_missing` (else the command that creates it is named).
pub async fn mysql(url: &str, create_missing: bool) -> Result<Reached, Unreachable> {
    let url = url.replacen("mariadb://", "mysql://", 1);
    let options = MySqlConnectOptions::from_str(&url)
        .map_err(|e| Unreachable(format!("DATABASE_URL is not a MySQL URL: {e}")))?;
    let (host, port) = (options.get_host().to_string(), options.get_port());
    let user = options.get_username().to_string();
    let server = format!("MySQL at {host}:{port}");

    if options.get_socket().is_none()
        && tokio::net::lookup_host((host.as_str(), port))
            .await
            .is_err()
    {
        return Err(Unreachable(format!(
            "unknown host '{host}' in DATABASE_URL: it does not resolve to an address"
        )));
    }
    let database = options.get_database().map(str::to_string);
    match attempt(&options, &server).await? {
        Ok(()) => Ok(Reached::Ready),
        Err(number) if ER_ACCESS_DENIED.contains(&number) => Err(Unreachable(format!(
            "{server} denied access to user '{user}': check the user and password in DATABASE_URL"
        ))),
        Err(ER_DB_ACCESS_DENIED) => Err(Unreachable(format!(
            "{server} lets user '{user}' log in but not use database '{}': grant it, or pick another database",
            database.unwrap_or_default()
        ))),
        Err(number) if number == ER_BAD_DB => {
            let name = database.unwrap_or_default();
            let create =
                format!("mysql -h {host} -P {port} -u {user} -p -e 'CREATE DATABASE `{name}`'");
            if !create_missing {
                return Err(Unreachable(format!(
                    "{server} has no database '{name}': create it with {create}"
                )));
            }
            create_database(&url, &name)
                .await
                .map_err(|why| {
                    Unreachable(format!(
                        "{server} has no database '{name}' and it could not be created ({why}): create it with {create}"
                    ))
                })?;
            Ok(Reached::Created(name))
        }
        Err(number) => Err(Unreachable(format!(
            "{server} refused the connection (MySQL error {number})"
        ))),
    }
}

/// One connection: `Ok(Ok)` connected, `Ok(Err(n))` the server answered with error `n`,
/// `Err` when no MySQL conversation took place at all.
async fn attempt(
    options: &MySqlConnectOptions,
    server: &str,
) -> Result<Result<(), u32>, Unreachable> {
    match connect(options).await {
        Ok(connection) => {
            let _ = connection.close().await;
            Ok(Ok(()))
        }
        Err(None) => Err(Unreachable(format!(
            "{server} did not answer within {} s: is that the right host and port?",
            ATTEMPT.as_secs()
        ))),
        Err(Some(sqlx::Error::Io(e))) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            Err(Unreachable(format!(
                "{server} refused the connection: is MySQL running, and on that port?"
            )))
        }
        Err(Some(sqlx::Error::Database(e))) => match e.try_downcast_ref::<MySqlDatabaseError>() {
            Some(mysql) => Ok(Err(u32::from(mysql.number()))),
            None => Err(Unreachable(format!("{server}: {e}"))),
        },
        Err(Some(e)) => Err(Unreachable(format!("cannot connect to {server}: {e}"))),
    }
}

/// One connection attempt, bounded by `ATTEMPT` (`Err(None)`: no answer in time).
async fn connect(options: &MySqlConnectOptions) -> Result<MySqlConnection, Option<sqlx::Error>> {
    match tokio::time::timeout(ATTEMPT, MySqlConnection::connect_with(options)).await {
        Ok(connected) => connected.map_err(Some),
        Err(_) => Err(None),
    }
}

/// `CREATE DATABASE` over a connection to the server without a database selected.
async fn create_database(url: &str, name: &str) -> Result<(), String> {
    if name.is_empty() || name.contains('`') || name.len() > 64 {
        return Err(format!("'{name}' is not a database name this tool creates"));
    }
    let options =
        MySqlConnectOptions::from_str(&without_database(url)).map_err(|e| e.to_string())?;
    let mut connection = connect(&options).await.map_err(|e| match e {
        Some(e) => e.to_string(),
        None => "no answer".to_string(),
    })?;
    let created = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE IF NOT EXISTS `{name}`"
    )))
    .execute(&mut connection)
    .await
    .map(|_| ())
    .map_err(|e| e.to_string());
    let _ = connection.close().await;
    created
}

/// The URL with its path (the database name) removed, query kept.
fn without_database(url: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_starts = base.find("://").map_or(0, |i| i + 3);
    let path_starts = base[authority_starts..]
        .find('/')
        .map_or(base.len(), |i| authority_starts + i);
    let base = &base[..path_starts];
    match query {
        Some(q) => format!("{base}/?{q}"),
        None => format!("{base}/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_cut_from_the_url_and_the_query_kept() {
        assert_eq!(
            without_database("mysql://u:p@h:3306/chat?ssl-mode=required"),
            "mysql://u:p@h:3306/?ssl-mode=required"
        );
        assert_eq!(without_database("mysql://u@h/chat"), "mysql://u@h/");
        assert_eq!(without_database("mysql://u@h:3306"), "mysql://u@h:3306/");
    }
}
