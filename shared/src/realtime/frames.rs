//! The WebSocket frames of API.md. Client frames are parsed by hand from JSON so that every
//! mistake gets a precise `error` frame instead of a generic serde message.

use serde::Serialize;
use serde_json::Value;

use crate::domain::{Message, UserSummary};
use crate::error::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientFrame {
    Sync {
        after: Option<i64>,
        limit: Option<i64>,
    },
    SendMessage {
        content: String,
        client_id: Option<String>,
    },
    Typing,
    Ping,
}

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
        match action {
            "sync" => Ok(ClientFrame::Sync {
                after: optional_int("after")?,
                limit: optional_int("limit")?,
            }),
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
                Ok(ClientFrame::SendMessage { content, client_id })
            }
            "typing" => Ok(ClientFrame::Typing),
            "ping" => Ok(ClientFrame::Ping),
            other => {
                let shown: String = other.chars().take(40).collect();
                Err(reject(
                    Error::BadRequest(format!("unknown action \"{shown}\"")),
                    client_id,
                ))
            }
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    History {
        messages: Vec<Message>,
        has_more: bool,
    },
    Message {
        message: Message,
    },
    Presence {
        online: Vec<UserSummary>,
        joined: Option<UserSummary>,
        left: Option<UserSummary>,
    },
    Typing {
        user: UserSummary,
    },
    Error {
        code: String,
        message: String,
        client_id: Option<String>,
    },
    Pong,
}

/// API Gateway closes a socket that receives a frame over 32 KB; frames stay under this.
pub const MAX_FRAME_BYTES: usize = 32 * 1024;
/// Room for the frame's envelope around its messages.
const ENVELOPE_BYTES: usize = 256;

impl ServerFrame {
    /// One page of history as one or more `history` frames, oldest first, each under the
    /// 32 KB frame limit (50 long messages do not fit in one). Each part carries the page's
    /// `has_more`; clients merge parts by id.
    pub fn history(messages: Vec<crate::domain::Message>, has_more: bool) -> Vec<ServerFrame> {
        let mut frames = Vec::new();
        let mut part = Vec::new();
        let mut part_bytes = ENVELOPE_BYTES;
        for message in messages {
            let size = serde_json::to_vec(&message).map_or(MAX_FRAME_BYTES, |v| v.len()) + 1;
            if !part.is_empty() && part_bytes + size > MAX_FRAME_BYTES {
                frames.push(ServerFrame::History {
                    messages: std::mem::take(&mut part),
                    has_more,
                });
                part_bytes = ENVELOPE_BYTES;
            }
            part_bytes += size;
            part.push(message);
        }
        if !part.is_empty() || frames.is_empty() {
            frames.push(ServerFrame::History {
                messages: part,
                has_more,
            });
        }
        frames
    }

    pub fn error(error: &Error, client_id: Option<String>) -> ServerFrame {
        error.log();
        ServerFrame::Error {
            code: error.code().to_string(),
            message: error.public_message(),
            client_id,
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_else(|_| br#"{"type":"error","code":"internal","message":"internal server error","client_id":null}"#.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_frames_parse_as_api_md_writes_them() {
        assert_eq!(
            ClientFrame::parse(r#"{"action":"sync","after":null,"limit":50}"#).unwrap(),
            ClientFrame::Sync {
                after: None,
                limit: Some(50)
            }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"action":"sendMessage","content":"hi","client_id":"c1"}"#)
                .unwrap(),
            ClientFrame::SendMessage {
                content: "hi".into(),
                client_id: Some("c1".into())
            }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"action":"typing"}"#).unwrap(),
            ClientFrame::Typing
        );
        assert_eq!(
            ClientFrame::parse(r#"{"action":"ping"}"#).unwrap(),
            ClientFrame::Ping
        );
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
        };
        let frames = ServerFrame::history((1..=50).map(message).collect(), true);
        assert!(frames.len() > 1);
        let mut ids = Vec::new();
        for frame in &frames {
            assert!(frame.to_json().len() <= MAX_FRAME_BYTES);
            let ServerFrame::History { messages, has_more } = frame else {
                panic!("not history")
            };
            assert!(has_more);
            ids.extend(messages.iter().map(|m| m.id.0));
        }
        assert_eq!(ids, (1..=50).collect::<Vec<_>>());
        assert_eq!(
            ServerFrame::history(vec![], false).len(),
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
            online: vec![],
            joined: None,
            left: None,
        };
        assert_eq!(
            String::from_utf8(frame.to_json()).unwrap(),
            r#"{"type":"presence","online":[],"joined":null,"left":null}"#
        );
    }
}
