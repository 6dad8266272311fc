//! Domain nouns and the validated inputs of docs/api.md's field rules. A value of `Username`,
//! `RoomName`, `MessageContent`… has passed its rule, so nothing invalid reaches `db/`.
//! Wire types serialize exactly as docs/api.md spells them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{Error, Result};

macro_rules! id_type {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { self.0.fmt(f) }
        }
    )*};
}
id_type!(UserId, RoomId, MessageId);

/// Milliseconds since the Unix epoch, stored as BIGINT in both databases (portable, sortable)
/// and written on the wire as RFC 3339 UTC with millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn now() -> Self {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(since_epoch.as_millis() as i64)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// From whole seconds since the epoch (a JWT's `exp`), saturating at the ends of the range.
    pub fn from_unix_secs(secs: i64) -> Self {
        Timestamp(secs.saturating_mul(1000))
    }

    /// Whole seconds since the epoch (toward zero): the unit of a JWT's `exp`.
    pub fn unix_secs(self) -> i64 {
        self.0 / 1000
    }

    pub fn rfc3339(self) -> String {
        const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .ok()
            .and_then(|t| t.format(FORMAT).ok())
            .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".into())
    }
}

/// A span in the `Timestamp` unit, saturating (no span of interest comes near the limit).
fn span_millis(span: std::time::Duration) -> i64 {
    i64::try_from(span.as_millis()).unwrap_or(i64::MAX)
}

/// `now + WS_TICKET_TTL`: expiry times are computed in one unit, from `Duration`s.
impl std::ops::Add<std::time::Duration> for Timestamp {
    type Output = Timestamp;

    fn add(self, span: std::time::Duration) -> Timestamp {
        Timestamp(self.0.saturating_add(span_millis(span)))
    }
}

/// `now - IDLE_TIMEOUT`: the cut-off of a window that ends now.
impl std::ops::Sub<std::time::Duration> for Timestamp {
    type Output = Timestamp;

    fn sub(self, span: std::time::Duration) -> Timestamp {
        Timestamp(self.0.saturating_sub(span_millis(span)))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .examples(["2026-11-23T20:31:07.123Z"])
            .into()
    }
}
impl ToSchema for Timestamp {}

// ---- validated inputs ----

/// 3–32 characters of `[A-Za-z0-9_.-]`; unique case-insensitively (see [`Username::key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self> {
        let ok_chars = raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        let len = raw.chars().count();
        if !(3..=32).contains(&len) || !ok_chars {
            return Err(Error::validation(
                "username",
                "must be 3–32 characters of letters, digits, '_', '.' or '-'",
            ));
        }
        Ok(Username(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form the unique index is on.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// 8–128 characters. Its bytes are never truncated: see `auth::PasswordHasher`.
pub struct Password(secrecy::SecretString);

impl Password {
    pub fn parse(raw: &str) -> Result<Self> {
        let len = raw.chars().count();
        if !(8..=128).contains(&len) {
            return Err(Error::validation("password", "must be 8–128 characters"));
        }
        Ok(Password(secrecy::SecretString::from(raw)))
    }

    pub fn expose(&self) -> &str {
        use secrecy::ExposeSecret;
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// 1–64 characters after trimming, no control characters; unique case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomName(String);

impl RoomName {
    pub fn parse(raw: &str) -> Result<Self> {
        let name = raw.trim();
        let len = name.chars().count();
        if len == 0 {
            return Err(Error::validation("name", "must not be empty"));
        }
        if len > 64 {
            return Err(Error::validation("name", "must be at most 64 characters"));
        }
        if name.chars().any(char::is_control) {
            return Err(Error::validation(
                "name",
                "must not contain control characters",
            ));
        }
        Ok(RoomName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form the unique index is on (Unicode-aware, unlike SQL's collations).
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

pub const MAX_MESSAGE_CHARS: usize = 4000;

/// 1–4000 Unicode scalar values after trimming, no NUL. Stored trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageContent(String);

impl MessageContent {
    pub fn parse(raw: &str) -> Result<Self> {
        let content = raw.trim();
        if content.is_empty() {
            return Err(Error::validation("content", "must not be empty"));
        }
        if content.chars().count() > MAX_MESSAGE_CHARS {
            return Err(Error::validation(
                "content",
                "must be at most 4000 characters",
            ));
        }
        if content.contains('\0') {
            return Err(Error::validation(
                "content",
                "must not contain NUL characters",
            ));
        }
        Ok(MessageContent(content.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 1–64 characters of `[A-Za-z0-9_-]`: the sender's idempotency key for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(raw: &str) -> Result<Self> {
        let len = raw.len();
        if !(1..=64).contains(&len)
            || !raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(Error::validation(
                "client_id",
                "must be 1–64 characters of letters, digits, '_' or '-'",
            ));
        }
        Ok(ClientId(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Page size of message listings: 1–100, default 50.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(pub u32);

impl PageLimit {
    pub const DEFAULT: PageLimit = PageLimit(50);

    pub fn parse(raw: Option<i64>) -> Result<Self> {
        match raw {
            None => Ok(Self::DEFAULT),
            Some(n @ 1..=100) => Ok(PageLimit(n as u32)),
            Some(_) => Err(Error::validation("limit", "must be between 1 and 100")),
        }
    }
}

/// Which page of a room's history: the newest, the one before an id, the one after it, the
/// changes after a seq, or the page around a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageCursor {
    Newest,
    Before(MessageId),
    After(MessageId),
    /// The current state of every message changed after this seq, in seq order.
    Since(i64),
    /// That message with up to `limit / 2` before it and the rest after.
    Around(MessageId),
}

/// The query parameters that choose a page; at most one may be given.
#[derive(Debug, Clone, Copy, Default)]
pub struct CursorParams {
    pub before: Option<i64>,
    pub after: Option<i64>,
    pub since: Option<i64>,
    pub around: Option<i64>,
}

impl PageCursor {
    pub fn parse(before: Option<i64>, after: Option<i64>) -> Result<Self> {
        PageCursor::parse_params(CursorParams {
            before,
            after,
            ..CursorParams::default()
        })
    }

    pub fn parse_params(p: CursorParams) -> Result<Self> {
        let given = [
            ("before", p.before),
            ("after", p.after),
            ("since", p.since),
            ("around", p.around),
        ];
        let mut chosen = given.iter().filter(|(_, v)| v.is_some());
        let Some(&(name, Some(value))) = chosen.next() else {
            return Ok(PageCursor::Newest);
        };
        if let Some((other, _)) = chosen.next() {
            return Err(Error::validation(
                name,
                format!("cannot be combined with {other}"),
            ));
        }
        match name {
            "before" if value < 1 => {
                Err(Error::validation("before", "must be a positive message id"))
            }
            "around" if value < 1 => {
                Err(Error::validation("around", "must be a positive message id"))
            }
            "after" if value < 0 => Err(Error::validation(
                "after",
                "must be a message id (0 or more)",
            )),
            "since" if value < 0 => Err(Error::validation("since", "must be a seq (0 or more)")),
            "before" => Ok(PageCursor::Before(MessageId(value))),
            "after" => Ok(PageCursor::After(MessageId(value))),
            "since" => Ok(PageCursor::Since(value)),
            _ => Ok(PageCursor::Around(MessageId(value))),
        }
    }
}

/// A reaction: 1–32 bytes of UTF-8 with no whitespace or control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emoji(String);

impl Emoji {
    pub fn parse(raw: &str) -> Result<Self> {
        if raw.is_empty() || raw.len() > 32 {
            return Err(Error::validation("emoji", "must be 1–32 bytes of UTF-8"));
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::validation(
                "emoji",
                "must not contain whitespace or control characters",
            ));
        }
        Ok(Emoji(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// ---- wire types (docs/api.md) ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, ToSchema)]
pub struct UserSummary {
    pub id: UserId,
    pub username: String,
}

/// Who can see a room: everyone (`public`), its members (`private`), or its two users
/// (`direct`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoomKind {
    Public,
    Private,
    Direct,
}

impl RoomKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomKind::Public => "public",
            RoomKind::Private => "private",
            RoomKind::Direct => "direct",
        }
    }

    /// As stored; anything unknown is treated as the most restrictive kind that still works.
    pub fn from_stored(raw: &str) -> RoomKind {
        match raw {
            "public" => RoomKind::Public,
            "direct" => RoomKind::Direct,
            _ => RoomKind::Private,
        }
    }

    /// The `kind` a client may ask for when creating a room.
    pub fn parse_new(raw: Option<&str>) -> Result<RoomKind> {
        match raw {
            None | Some("public") => Ok(RoomKind::Public),
            Some("private") => Ok(RoomKind::Private),
            Some(_) => Err(Error::validation(
                "kind",
                "must be \"public\" or \"private\" (direct rooms come from POST /api/dms)",
            )),
        }
    }

    /// Private and direct rooms do not exist for anyone but their members.
    pub fn is_hidden(self) -> bool {
        self != RoomKind::Public
    }
}

/// The caller's role in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Member,
}

/// A room as one caller sees it: the shared fields, then the caller's own (`is_member`,
/// `role` and the read state).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Room {
    pub id: RoomId,
    /// For a direct room, the other user's username.
    pub name: String,
    pub kind: RoomKind,
    pub created_by: UserSummary,
    pub created_at: Timestamp,
    pub member_count: u64,
    pub members: Vec<UserSummary>,
    /// The members who are online now (a connection of either kind).
    pub online_member_ids: Vec<UserId>,
    pub is_member: bool,
    pub last_message_at: Option<Timestamp>,
    /// The seq of the room's latest change (see `Message::seq`).
    pub last_seq: i64,
    /// Who may add and remove members and delete any message; `null` for direct rooms and for
    /// a room whose last member left.
    pub owner_id: Option<UserId>,
    pub role: Option<Role>,
    /// The caller's read marker: the newest message they have seen (null for non-members).
    pub last_read_id: Option<MessageId>,
    /// Messages by others after the marker.
    pub unread_count: u64,
    /// Unread messages that mention the caller (mentions arrive with the message lifecycle).
    pub mention_count: u64,
}

/// The caller's read state in one room (`POST /api/rooms/{id}/read`, the `read` frame).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReadMarker {
    pub room_id: RoomId,
    pub last_read_id: Option<MessageId>,
    pub unread_count: u64,
    pub mention_count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Message {
    pub id: MessageId,
    pub room_id: RoomId,
    pub sender: UserSummary,
    /// `""` once deleted.
    pub content: String,
    pub created_at: Timestamp,
    pub client_id: Option<String>,
    /// The room seq of this message's latest change.
    pub seq: i64,
    pub edited_at: Option<Timestamp>,
    /// A tombstone: id, sender and time stay; content, reactions, reply and mentions are gone.
    pub deleted: bool,
    pub reply_to: Option<ReplyPreview>,
    /// Ordered by first use.
    pub reactions: Vec<Reaction>,
    /// Members named as `@username` in the content, resolved when posted or edited.
    pub mentions: Vec<UserSummary>,
}

/// What a reply shows of its parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReplyPreview {
    pub id: MessageId,
    pub sender: UserSummary,
    /// The parent's first 100 characters; `""` once it is deleted.
    pub excerpt: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Reaction {
    pub emoji: String,
    pub count: u64,
    pub user_ids: Vec<UserId>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub has_more: bool,
    /// `around` pages: whether newer messages lie beyond the page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_more_after: Option<bool>,
    /// `since` pages: the room's latest seq.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seq: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc_with_milliseconds() {
        assert_eq!(
            Timestamp(1_795_120_267_123).rfc3339(),
            "2026-11-19T20:31:07.123Z"
        );
        assert_eq!(Timestamp(0).rfc3339(), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn timestamps_move_by_durations_and_convert_to_and_from_seconds() {
        use std::time::Duration;
        let t = Timestamp(1_795_120_267_123);
        assert_eq!(t + Duration::from_secs(60), Timestamp(1_795_120_327_123));
        assert_eq!(t - Duration::from_millis(123), Timestamp(1_795_120_267_000));
        assert_eq!(t.unix_secs(), 1_795_120_267);
        assert_eq!(
            Timestamp::from_unix_secs(1_795_120_267).unix_secs(),
            1_795_120_267
        );
        assert_eq!(
            Timestamp::from_unix_secs(1_795_120_267),
            Timestamp(1_795_120_267_000)
        );
        // A token that never expires stays in range.
        assert_eq!(Timestamp::from_unix_secs(i64::MAX), Timestamp(i64::MAX));
        assert_eq!(
            Timestamp(i64::MAX) + Duration::from_secs(1),
            Timestamp(i64::MAX)
        );
        assert_eq!(Timestamp(i64::MIN) - Duration::MAX, Timestamp(i64::MIN));
    }

    #[test]
    fn usernames_follow_the_rule() {
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("abc").is_ok());
        assert!(Username::parse(&"a".repeat(32)).is_ok());
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse("with space").is_err());
        assert!(Username::parse("émile").is_err());
        assert_eq!(Username::parse("Alice.B-c_1").unwrap().key(), "alice.b-c_1");
    }

    #[test]
    fn passwords_count_characters_not_bytes() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"é".repeat(128)).is_ok());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("12345678").unwrap()),
            "Password(…)"
        );
    }

    #[test]
    fn room_names_are_trimmed_and_free_of_control_characters() {
        assert_eq!(RoomName::parse("  general  ").unwrap().as_str(), "general");
        assert!(RoomName::parse("   ").is_err());
        assert!(RoomName::parse("tab\there").is_err());
        assert!(RoomName::parse(&"ü".repeat(64)).is_ok());
        assert!(RoomName::parse(&"ü".repeat(65)).is_err());
        assert_eq!(RoomName::parse("ÜBER").unwrap().key(), "über");
    }

    #[test]
    fn message_content_counts_unicode_scalars_after_trimming() {
        assert!(MessageContent::parse(" \n ").is_err());
        assert!(MessageContent::parse(&"😀".repeat(4000)).is_ok());
        assert!(MessageContent::parse(&"😀".repeat(4001)).is_err());
        assert_eq!(
            MessageContent::parse(&format!("  {}  ", "a".repeat(4000)))
                .unwrap()
                .as_str()
                .len(),
            4000
        );
        assert!(MessageContent::parse("nul\0here").is_err());
        assert!(MessageContent::parse("line one\nline two").is_ok());
    }

    #[test]
    fn client_ids_follow_the_rule() {
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse("abc-DEF_123").is_ok());
        assert!(ClientId::parse(&"a".repeat(65)).is_err());
        assert!(ClientId::parse("has space").is_err());
    }

    #[test]
    fn page_parameters_are_checked() {
        assert_eq!(PageLimit::parse(None).unwrap(), PageLimit(50));
        assert!(PageLimit::parse(Some(0)).is_err());
        assert!(PageLimit::parse(Some(101)).is_err());
        assert_eq!(
            PageCursor::parse(Some(5), None).unwrap(),
            PageCursor::Before(MessageId(5))
        );
        assert_eq!(
            PageCursor::parse(None, Some(0)).unwrap(),
            PageCursor::After(MessageId(0))
        );
        assert!(PageCursor::parse(Some(5), Some(1)).is_err());
        assert!(PageCursor::parse(Some(0), None).is_err());
    }
}
