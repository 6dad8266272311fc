//! Message search: the live messages of the caller's rooms that contain every word of the
//! query (as a prefix), newest first, paged with `before`. The databases' own full-text
//! indexes do the matching (InnoDB FULLTEXT, SQLite FTS5), kept in step with posts, edits and
//! deletions; nothing scans with `LIKE`.

use crate::auth::AuthUser;
use crate::db;
use crate::domain::{MessageId, MessagePage, PageLimit, RoomId};
use crate::error::{Error, Result};
use crate::rooms;
use crate::state::AppState;

/// At most this many words of a query are used.
const MAX_TERMS: usize = 10;

/// The words of a query: 1–200 characters after trimming, split on anything that is not a
/// letter or digit (so no query syntax of either database gets through).
pub fn terms(q: &str) -> Result<Vec<String>> {
    let q = q.trim();
    let len = q.chars().count();
    if len == 0 || len > 200 {
        return Err(Error::validation("q", "must be 1–200 characters"));
    }
    let terms: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(MAX_TERMS)
        .map(str::to_lowercase)
        .collect();
    if terms.is_empty() {
        return Err(Error::validation("q", "must contain a word"));
    }
    Ok(terms)
}

/// Searches the caller's rooms (or one of them: 403/404 as for reading it).
pub async fn messages(
    state: &AppState,
    user: &AuthUser,
    q: &str,
    room: Option<RoomId>,
    before: Option<i64>,
    limit: PageLimit,
) -> Result<MessagePage> {
    let terms = terms(q)?;
    let before = match before {
        None => MessageId(i64::MAX),
        Some(b) if b >= 1 => MessageId(b),
        Some(_) => return Err(Error::validation("before", "must be a positive message id")),
    };
    if let Some(room) = room {
        rooms::require_member(state, user, room).await?;
    }
    let mut conn = state.db.pool.acquire().await?;
    let mut messages = db::messages::search(
        &mut conn,
        state.db.backend,
        user.id,
        &terms,
        room,
        before,
        db::messages::fetch_for(limit),
    )
    .await?;
    let has_more = messages.len() > limit.0 as usize;
    messages.truncate(limit.0 as usize);
    Ok(MessagePage {
        messages,
        has_more,
        has_more_after: None,
        last_seq: None,
    })
}

#[cfg(test)]
mod tests {
    use super::terms;

    #[test]
    fn queries_become_plain_words() {
        assert_eq!(
            terms("  Deploy the LAMBDA!  ").unwrap(),
            ["deploy", "the", "lambda"]
        );
        assert_eq!(
            terms("+a* -b \"c\" (d) e:f").unwrap(),
            ["a", "b", "c", "d", "e", "f"]
        );
        assert_eq!(terms("Überall 東京").unwrap(), ["überall", "東京"]);
        assert!(terms("   ").is_err());
        assert!(terms("*** ---").is_err());
        assert!(terms(&"x".repeat(201)).is_err());
    }
}
