//! Queries on `users`.

use sqlx::{Any, AnyConnection, Executor};

use crate::domain::{Timestamp, User, UserId};
use crate::error::Result;

/// A user as stored (the password hash is read only where it is checked).
#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    username: String,
    created_at: i64,
}

impl From<Row> for User {
    fn from(row: Row) -> User {
        User {
            id: UserId(row.id),
            username: row.username,
            created_at: Timestamp(row.created_at),
        }
    }
}

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
    #[derive(sqlx::FromRow)]
    struct WithHash {
        #[sqlx(flatten)]
        user: Row,
        password_hash: String,
    }
    let row: Option<WithHash> = sqlx::query_as(
        "SELECT id, username, created_at, password_hash FROM users WHERE username_key = ?",
    )
    .bind(username_key)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(|row| (User::from(row.user), row.password_hash)))
}

pub async fn find<'c>(ex: impl Executor<'c, Database = Any>, id: UserId) -> Result<Option<User>> {
    let row: Option<Row> =
        sqlx::query_as("SELECT id, username, created_at FROM users WHERE id = ?")
            .bind(id.0)
            .fetch_optional(ex)
            .await?;
    Ok(row.map(User::from))
}
