//! The WebSocket frames of docs/api.md. Client frames are parsed by hand from JSON so that every
//! mistake gets a precise `error` frame instead of a generic serde message.

use serde::Serialize;
use serde_json::Value;

use crate::db::room_members::ReadState;
use crate::domain::{Message, MessageId, Room, RoomId, UserSummary};
use crate::error::Error;

/// A client frame: the action and the room it names (`room_id`; required on a user
/// connection, implied by a room connection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFrame {
    pub room_id: Option<RoomId>,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Sync {
        after: Option<i64>,
        since: Option<i64>,
        limit: Option<i64>,
    },
    SendMessage {
        content: String,
        client_id: Option<String>,
        reply_to: Option<i64>,
    },
    EditMessage {
        message_id: i64,
        content: String,
    },
    DeleteMessage {
        message_id: i64,
    },
    React {
        message_id: i64,
        emoji: String,
        on: bool,
    },
    Typing,
    Read {
        message_id: i64,
    },
    Ping,
}

impl Action {
    /// The `client_id` an error about this frame echoes.
    pub fn client_id(&self) -> Option<String> {
        match self {
            Action::SendMessage { client_id, .. } => client_id.clone(),
            _ => None,
        }
    }
}

/// Every `action` a client frame may name (the authorization matrix checks it covers them all).
pub const CLIENT_ACTIONS: &[&str] = &[
    "sync",
    "sendMessage",
    "editMessage",
    "deleteMessage",
    "addReaction",
    "removeReaction",
    "typing",
    "read",
    "ping",
];

/// Why a client frame was rejected, with the `client_id` to echo when the frame carried one.
#[derive(Debug)]
pub struct Rejected {
    pub error: Error,
    pub client_id: Option<String>,
}

impl ClientFrame {
    pub fn parse(body: &str) -> Result<ClientFrame, Rejected> {
        let reject = |error, client_id| Rejected { error, client_id };
        let value: Value = serde_json::from_str(body)
            .map_err(|_| reject(Error::BadRequest("frame is not valid JSON".into()), None))?;
        let Value::Object(fields) = value else {
            return Err(reject(
                Error::BadRequest("frame must be a JSON object".into()),
                None,
            ));
        };
        let client_id = fields
            .get("client_id")
            .and_then(Value::as_str)
            .map(String::from);
        let action = fields
            .get("action")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                reject(
                    Error::BadRequest("frame needs an \"action\" string".into()),
                    client_id.clone(),
                )
            })?;
        let optional_int = |name: &'static str| -> Result<Option<i64>, Rejected> {
            match fields.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_i64()
                    .map(Some)
                    .ok_or_else(|| reject(Error::validation(name, "must be an integer"), None)),
            }
        };
        let required_int = |name: &'static str| -> Result<i64, Rejected> {
            optional_int(name)?.ok_or_else(|| reject(Error::validation(name, "is required"), None))
        };
        let required_string = |name: &'static str| -> Result<String, Rejected> {
            match fields.get(name) {
                Some(Value::String(s)) => Ok(s.clone()),
                _ => Err(reject(Error::validation(name, "must be a string"), None)),
            }
        };
        let room_id = match optional_int("room_id")? {
            None => None,
            Some(id) if id > 0 => Some(RoomId(id)),
            Some(_) => {
                return Err(reject(
                    Error::validation("room_id", "must be a room id"),
                    client_id,
                ));
            }
        };
        let action = match action {
            "sync" => Action::Sync {
                after: optional_int("after")?,
                since: optional_int("since")?,
                limit: optional_int("limit")?,
            },
            "sendMessage" => {
                let content = match fields.get("content") {
                    Some(Value::String(s)) => s.clone(),
                    _ => {
                        return Err(reject(
                            Error::validation("content", "must be a string"),
                            client_id,
                        ));
                    }
                };
                match fields.get("client_id") {
                    None | Some(Value::Null | Value::String(_)) => {}
                    Some(_) => {
                        return Err(reject(
                            Error::validation("client_id", "must be a string"),
                            None,
                        ));
                    }
                }
                let reply_to = optional_int("reply_to").map_err(|r| Rejected {
                    client_id: client_id.clone(),
                    ..r
                })?;
                Action::SendMessage {
                    content,
                    client_id,
                    reply_to,
                }
            }
            "editMessage" => Action::EditMessage {
                message_id: required_int("message_id")?,
                content: required_string("content")?,
            },
            "deleteMessage" => Action::DeleteMessage {
                message_id: required_int("message_id")?,
            },
            "addReaction" | "removeReaction" => Action::React {
                message_id: required_int("message_id")?,
                emoji: required_string("emoji")?,
                on: action == "addReaction",
            },
            "typing" => Action::Typing,
            "read" => Action::Read {
                message_id: required_int("message_id")?,
            },
            "ping" => Action::Ping,
            other => {
                let shown: String = other.chars().take(40).collect();
                return Err(reject(
                    Error::BadRequest(format!("unknown action \"{shown}\"")),
                    client_id,
                ));
            }
        };
        Ok(ClientFrame { room_id, action })
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    History {
        room_id: RoomId,
        messages: Vec<Message>,
        has_more: bool,
        /// The room's latest seq when the page was read (`since` answers, and newest pages).
        #[serde(skip_serializing_if = "Option::is_none")]
        last_seq: Option<i64>,
        /// The `since` this answers: its messages are in seq order.
        #[serde(skip_serializing_if = "Option::is_none")]
        since: Option<i64>,
    },
    Message {
        room_id: RoomId,
        message: Message,
    },
    /// A message was edited, deleted or its reactions or reply preview changed.
    MessageUpdated {
        room_id: RoomId,
        message: Message,
    },
    Presence {
        room_id: RoomId,
        online: Vec<UserSummary>,
        joined: Option<UserSummary>,
        left: Option<UserSummary>,
    },
    Typing {
        room_id: RoomId,
        user: UserSummary,
    },
    /// The user's read state in a room changed (another tab, or REST, marked it read).
    Read {
        room_id: RoomId,
        last_read_id: Option<MessageId>,
        unread_count: u64,
        mention_count: u64,
    },
    /// A membership event: see [`RoomEvent`].
    Room {
        event: RoomEvent,
        room: Box<Room>,
    },
    Error {
        code: String,
        message: String,
        client_id: Option<String>,
        /// The room the rejected frame named, when it named one.
        #[serde(skip_serializing_if = "Option::is_none")]
        room_id: Option<RoomId>,
    },
    Pong,
}

/// What a `room` frame announces.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RoomEvent {
    /// To the user's own connections: they joined or created the room.
    Joined,
    /// To the user's own connections: they left the room.
    Left,
    /// To the user's own connections: the owner removed them.
    Removed,
    /// To the members' connections: the member list (or name) changed. The per-caller fields
    /// of the room are not the recipient's.
    Updated,
    /// To every other user connection: a new room to discover.
    Created,
}

/// API Gateway closes a socket that receives a frame over 32 KB; frames stay under this.
pub const MAX_FRAME_BYTES: usize = 32 * 1024;
/// Room for the frame's envelope around its messages.
const ENVELOPE_BYTES: usize = 256;

impl ServerFrame {
    /// One page of history as one or more `history` frames, oldest first, each under the
    /// 32 KB frame limit (50 long messages do not fit in one). Each part carries the page's
    /// `has_more`; clients merge parts by id.
    pub fn history(
        room_id: RoomId,
        page: crate::domain::MessagePage,
        since: Option<i64>,
    ) -> Vec<ServerFrame> {
        let (messages, has_more, last_seq) = (page.messages, page.has_more, page.last_seq);
        let mut frames = Vec::new();
        let mut part = Vec::new();
        let mut part_bytes = ENVELOPE_BYTES;
        for message in messages {
            let size = serde_json::to_vec(&message).map_or(MAX_FRAME_BYTES, |v| v.len()) + 1;
            if !part.is_empty() && part_bytes + size > MAX_FRAME_BYTES {
                frames.push(ServerFrame::History {
                    room_id,
                    messages: std::mem::take(&mut part),
                    has_more,
                    last_seq,
                    since,
                });
                part_bytes = ENVELOPE_BYTES;
            }
            part_bytes += size;
            part.push(message);
        }
        if !part.is_empty() || frames.is_empty() {
            frames.push(ServerFrame::History {
                room_id,
                messages: part,
                has_more,
                last_seq,
                since,
            });
        }
        frames
    }

    pub fn error(error: &Error, client_id: Option<String>) -> ServerFrame {
        ServerFrame::error_in(error, client_id, None)
    }

    /// An `error` frame about a frame that named `room_id`.
    pub fn error_in(
        error: &Error,
        client_id: Option<String>,
        room_id: Option<RoomId>,
    ) -> ServerFrame {
        error.report();
        ServerFrame::Error {
            code: error.code().to_string(),
            message: error.public_message(),
            client_id,
            room_id,
        }
    }

    pub fn read(room_id: RoomId, state: ReadState) -> ServerFrame {
        ServerFrame::Read {
            room_id,
            last_read_id: state.last_read_id,
            unread_count: state.unread_count,
            mention_count: state.mention_count,
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_else(|_| br#"{"type":"error","code":"internal","message":"internal server error","client_id":null}"#.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(body: &str) -> ClientFrame {
        ClientFrame::parse(body).unwrap()
    }

    #[test]
    fn client_frames_parse_as_api_md_writes_them() {
        assert_eq!(
            parsed(r#"{"action":"sync","after":null,"limit":50}"#),
            ClientFrame {
                room_id: None,
                action: Action::Sync {
                    after: None,
                    since: None,
                    limit: Some(50)
                }
            }
        );
        assert_eq!(
            parsed(r#"{"action":"sendMessage","content":"hi","client_id":"c1"}"#).action,
            Action::SendMessage {
                content: "hi".into(),
                client_id: Some("c1".into()),
                reply_to: None,
            }
        );
        assert_eq!(parsed(r#"{"action":"typing"}"#).action, Action::Typing);
        assert_eq!(parsed(r#"{"action":"ping"}"#).action, Action::Ping);
    }

    #[test]
    fn user_connection_frames_name_their_room() {
        assert_eq!(
            parsed(r#"{"action":"typing","room_id":7}"#),
            ClientFrame {
                room_id: Some(RoomId(7)),
                action: Action::Typing
            }
        );
        assert_eq!(
            parsed(r#"{"action":"read","room_id":7,"message_id":41}"#),
            ClientFrame {
                room_id: Some(RoomId(7)),
                action: Action::Read { message_id: 41 }
            }
        );
        for bad in [
            r#"{"action":"typing","room_id":0}"#,
            r#"{"action":"typing","room_id":"7"}"#,
            r#"{"action":"read","room_id":7}"#,
            r#"{"action":"read","room_id":7,"message_id":"x"}"#,
        ] {
            assert_eq!(
                ClientFrame::parse(bad).unwrap_err().error.code(),
                "validation_failed",
                "{bad}"
            );
        }
        let r = ClientFrame::parse(
            r#"{"action":"sendMessage","room_id":-1,"content":"x","client_id":"c3"}"#,
        )
        .unwrap_err();
        assert_eq!(r.client_id.as_deref(), Some("c3"));
    }

    #[test]
    fn bad_frames_are_rejected_with_the_client_id_echoed() {
        assert_eq!(
            ClientFrame::parse("{nope").unwrap_err().error.code(),
            "bad_request"
        );
        assert_eq!(
            ClientFrame::parse("[1]").unwrap_err().error.code(),
            "bad_request"
        );
        let r = ClientFrame::parse(r#"{"action":"fly","client_id":"c9"}"#).unwrap_err();
        assert_eq!(
            (r.error.code(), r.client_id.as_deref()),
            ("bad_request", Some("c9"))
        );
        let r = ClientFrame::parse(r#"{"action":"sendMessage","content":5,"client_id":"c2"}"#)
            .unwrap_err();
        assert_eq!(
            (r.error.code(), r.client_id.as_deref()),
            ("validation_failed", Some("c2"))
        );
        assert_eq!(
            ClientFrame::parse(r#"{"action":"sync","after":"x"}"#)
                .unwrap_err()
                .error
                .code(),
            "validation_failed"
        );
    }

    #[test]
    fn long_histories_are_split_under_the_frame_limit_in_order() {
        use crate::domain::*;
        let message = |id| Message {
            id: MessageId(id),
            room_id: RoomId(1),
            sender: UserSummary {
                id: UserId(1),
                username: "alice".into(),
            },
            content: "😀".repeat(4000),
            created_at: Timestamp(0),
            client_id: None,
            seq: id,
            edited_at: None,
            deleted: false,
            reply_to: None,
            reactions: vec![],
            mentions: vec![],
        };
        let page = |messages| MessagePage {
            messages,
            has_more: true,
            has_more_after: None,
            last_seq: Some(50),
        };
        let frames = ServerFrame::history(RoomId(1), page((1..=50).map(message).collect()), None);
        assert!(frames.len() > 1);
        let mut ids = Vec::new();
        for frame in &frames {
            assert!(frame.to_json().len() <= MAX_FRAME_BYTES);
            let ServerFrame::History {
                messages, has_more, ..
            } = frame
            else {
                panic!("not history")
            };
            assert!(has_more);
            ids.extend(messages.iter().map(|m| m.id.0));
        }
        assert_eq!(ids, (1..=50).collect::<Vec<_>>());
        assert_eq!(
            ServerFrame::history(RoomId(1), page(vec![]), None).len(),
            1,
            "an empty page is still answered"
        );
    }

    #[test]
    fn server_frames_serialize_with_their_type() {
        assert_eq!(
            String::from_utf8(ServerFrame::Pong.to_json()).unwrap(),
            r#"{"type":"pong"}"#
        );
        let frame = ServerFrame::Presence {
            room_id: RoomId(3),
            online: vec![],
            joined: None,
            left: None,
        };
        assert_eq!(
            String::from_utf8(frame.to_json()).unwrap(),
            r#"{"type":"presence","room_id":3,"online":[],"joined":null,"left":null}"#
        );
        let v1_error = ServerFrame::error(&Error::Forbidden("no"), None);
        assert_eq!(
            String::from_utf8(v1_error.to_json()).unwrap(),
            r#"{"type":"error","code":"forbidden","message":"no","client_id":null}"#,
            "an error about no room keeps v1's shape"
        );
    }

    #[test]
    fn every_listed_action_is_one_the_decoder_knows() {
        for action in CLIENT_ACTIONS {
            let frame = format!(r#"{{"action":"{action}"}}"#);
            if let Err(rejected) = ClientFrame::parse(&frame) {
                assert!(
                    !rejected.error.to_string().contains("unknown action"),
                    "{action}"
                );
            }
        }
    }
}
