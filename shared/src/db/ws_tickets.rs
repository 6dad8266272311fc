//! Queries on `ws_tickets`: single-use tickets that open a WebSocket without a token in the URL.

use sqlx::{Any, Executor};

use crate::domain::{Timestamp, UserId, UserSummary};
use crate::error::Result;

pub async fn insert<'c>(
    ex: impl Executor<'c, Database = Any>,
    ticket_hash: &str,
    user_id: UserId,
    token_expires_at: Timestamp,
    expires_at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO ws_tickets (ticket_hash, user_id, token_expires_at, expires_at) VALUES (?, ?, ?, ?)",
    )
    .bind(ticket_hash)
    .bind(user_id.0)
    .bind(token_expires_at.millis())
    .bind(expires_at.millis())
    .execute(ex)
    .await?;
    Ok(())
}

/// The unexpired ticket with this hash: its user (who still exists: tickets go with their
/// user) and the expiry of the token it came from.
pub async fn find<'c>(
    ex: impl Executor<'c, Database = Any>,
    ticket_hash: &str,
    now: Timestamp,
) -> Result<Option<(UserSummary, Timestamp)>> {
    #[derive(sqlx::FromRow)]
    struct Ticket {
        user_id: i64,
        username: String,
        token_expires_at: i64,
    }
    let row: Option<Ticket> = sqlx::query_as(
        "SELECT t.user_id, u.username, t.token_expires_at FROM ws_tickets t JOIN users u ON u.id = t.user_id WHERE t.ticket_hash = ? AND t.expires_at > ?",
    )
    .bind(ticket_hash)
    .bind(now.millis())
    .fetch_optional(ex)
    .await?;
    Ok(row.map(|row| {
        (
            UserSummary {
                id: UserId(row.user_id),
                username: row.username,
            },
            Timestamp(row.token_expires_at),
        )
    }))
}

/// Uses a ticket up: true for exactly one of any number of concurrent callers.
pub async fn take<'c>(ex: impl Executor<'c, Database = Any>, ticket_hash: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM ws_tickets WHERE ticket_hash = ?")
        .bind(ticket_hash)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_expired<'c>(
    ex: impl Executor<'c, Database = Any>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("DELETE FROM ws_tickets WHERE expires_at <= ?")
        .bind(now.millis())
        .execute(ex)
        .await?;
    Ok(())
}
