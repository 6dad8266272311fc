//! Queries on `users`.

use sqlx::{Any, AnyConnection, Executor};

use crate::domain::{Timestamp, User, UserId};
use crate::error::Result;

/// Inserts a user; a taken name surfaces as a unique violation for the caller to map.
pub async fn insert(
    conn: &mut AnyConnection,
    username: &str,
    username_key: &str,
    password_hash: &str,
    now: Timestamp,
) -> std::result::Result<UserId, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO users (username, username_key, password_hash, created_at) VALUES (?, ?, ?, ?)",
    )
    .bind(username)
    .bind(username_key)
    .bind(password_hash)
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    Ok(UserId(super::inserted_id(conn, done).await?))
}

/// The user with this case-folded name, with its password hash.
pub async fn find_by_key<'c>(
    ex: impl Executor<'c, Database = Any>,
    username_key: &str,
) -> Result<Option<(User, String)>> {
    let row: Option<(i64, String, i64, String)> = sqlx::query_as(
        "SELECT id, username, created_at, password_hash FROM users WHERE username_key = ?",
    )
    .bind(username_key)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(|(id, username, created_at, hash)| {
        (
            User {
                id: UserId(id),
                username,
                created_at: Timestamp(created_at),
            },
            hash,
        )
    }))
}

pub async fn find<'c>(ex: impl Executor<'c, Database = Any>, id: UserId) -> Result<Option<User>> {
    let row: Option<(i64, String, i64)> =
        sqlx::query_as("SELECT id, username, created_at FROM users WHERE id = ?")
            .bind(id.0)
            .fetch_optional(ex)
            .await?;
    Ok(row.map(|(id, username, created_at)| User {
        id: UserId(id),
        username,
        created_at: Timestamp(created_at),
    }))
}
