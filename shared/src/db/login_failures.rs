//! Queries on `login_failures`: the evidence the login throttle counts.

use sqlx::{Any, Executor};

use crate::domain::Timestamp;
use crate::error::Result;

pub async fn insert<'c>(
    ex: impl Executor<'c, Database = Any>,
    username_key: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query("INSERT INTO login_failures (username_key, failed_at) VALUES (?, ?)")
        .bind(username_key)
        .bind(at.millis())
        .execute(ex)
        .await?;
    Ok(())
}

/// Times (newest first) of the latest `n` failures for this name since `since`.
pub async fn recent<'c>(
    ex: impl Executor<'c, Database = Any>,
    username_key: &str,
    since: Timestamp,
    n: u32,
) -> Result<Vec<Timestamp>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT failed_at FROM login_failures WHERE username_key = ? AND failed_at > ? ORDER BY failed_at DESC LIMIT ?",
    )
    .bind(username_key)
    .bind(since.millis())
    .bind(i64::from(n))
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(|(t,)| Timestamp(t)).collect())
}

/// Forgets this name's failures older than `before` (all of them when it is now).
pub async fn delete_before<'c>(
    ex: impl Executor<'c, Database = Any>,
    username_key: &str,
    before: Timestamp,
) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE username_key = ? AND failed_at <= ?")
        .bind(username_key)
        .bind(before.millis())
        .execute(ex)
        .await?;
    Ok(())
}
