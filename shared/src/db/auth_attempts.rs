//! Queries on `auth_attempts`: the evidence the login and registration throttle counts.

use sqlx::{Any, AnyConnection, Executor};

use crate::domain::Timestamp;
use crate::error::Result;

/// What an attempt row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Login,
    Register,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::Register => "register",
        }
    }
}

/// Records an attempt and returns its id (the turn it takes among concurrent attempts).
pub async fn insert(
    conn: &mut AnyConnection,
    action: Action,
    name_key: Option<&str>,
    address: &str,
    at: Timestamp,
) -> Result<i64> {
    let done = sqlx::query(
        "INSERT INTO auth_attempts (action, name_key, address, at) VALUES (?, ?, ?, ?)",
    )
    .bind(action.as_str())
    .bind(name_key)
    .bind(address)
    .bind(at.millis())
    .execute(&mut *conn)
    .await?;
    Ok(super::inserted_id(conn, done).await?)
}

/// Times (newest first) of at most `n` attempts from this address since `since`, among those
/// up to and including attempt `upto`.
pub async fn recent_from_address<'c>(
    ex: impl Executor<'c, Database = Any>,
    action: Action,
    address: &str,
    since: Timestamp,
    upto: i64,
    n: u32,
) -> Result<Vec<Timestamp>> {
    let times: Vec<i64> = sqlx::query_scalar(
        "SELECT at FROM auth_attempts WHERE action = ? AND address = ? AND at > ? AND id <= ? ORDER BY at DESC LIMIT ?",
    )
    .bind(action.as_str())
    .bind(address)
    .bind(since.millis())
    .bind(upto)
    .bind(i64::from(n))
    .fetch_all(ex)
    .await?;
    Ok(times.into_iter().map(Timestamp).collect())
}

/// Like [`recent_from_address`] for the unsuccessful logins of one name, from one address
/// or (with `None`) from all of them.
pub async fn recent_for_name<'c>(
    ex: impl Executor<'c, Database = Any>,
    name_key: &str,
    address: Option<&str>,
    since: Timestamp,
    upto: i64,
    n: u32,
) -> Result<Vec<Timestamp>> {
    let times: Vec<i64> = sqlx::query_scalar(
        "SELECT at FROM auth_attempts WHERE name_key = ? AND (? IS NULL OR address = ?) AND at > ? AND id <= ? ORDER BY at DESC LIMIT ?",
    )
    .bind(name_key)
    .bind(address)
    .bind(address)
    .bind(since.millis())
    .bind(upto)
    .bind(i64::from(n))
    .fetch_all(ex)
    .await?;
    Ok(times.into_iter().map(Timestamp).collect())
}

/// Forgets one attempt (refused by the throttle, so it never ran).
pub async fn delete<'c>(ex: impl Executor<'c, Database = Any>, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM auth_attempts WHERE id = ?")
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

/// A successful login clears the failures of its name from its address.
pub async fn delete_for_name<'c>(
    ex: impl Executor<'c, Database = Any>,
    name_key: &str,
    address: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM auth_attempts WHERE name_key = ? AND address = ?")
        .bind(name_key)
        .bind(address)
        .execute(ex)
        .await?;
    Ok(())
}

/// The sweep: attempts older than every window count for nothing.
pub async fn delete_older_than<'c>(
    ex: impl Executor<'c, Database = Any>,
    before: Timestamp,
) -> Result<u64> {
    let done = sqlx::query("DELETE FROM auth_attempts WHERE at < ?")
        .bind(before.millis())
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}
