//! Fuzzing (property-based, with proptest) of everything that decodes untrusted input: the
//! WebSocket frame decoder and every validated input type. Arbitrary input must never panic,
//! must be refused with a client error (never an internal one), and whatever is accepted must
//! obey its documented rule. `tests/fuzz-corpus/frames.txt` is the seed corpus of frames;
//! proptest's own regressions are kept next to this file when a case fails.

use proptest::prelude::*;
use shared::domain::{
    ClientId, CursorParams, Emoji, MessageContent, PageCursor, PageLimit, Password, RoomKind,
    RoomName, Username,
};
use shared::realtime::{ClientFrame, frames::CLIENT_ACTIONS};

/// Cases per property: a few seconds in a debug build on two cores.
const CASES: u32 = 5_000;

fn client_error(e: &shared::Error) -> bool {
    e.status().is_client_error()
}

fn check_frame(body: &str) {
    match ClientFrame::parse(body) {
        Ok(_) => {}
        Err(rejected) => assert!(client_error(&rejected.error), "{body}: {}", rejected.error),
    }
}

#[test]
fn the_seed_corpus_decodes_without_panics_or_internal_errors() {
    let corpus = include_str!("fuzz-corpus/frames.txt");
    let mut n = 0;
    for line in corpus.lines() {
        check_frame(line);
        n += 1;
    }
    assert!(n > 30, "the corpus is there");
}

/// JSON values of any shape, a few levels deep.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>().prop_map(|f| serde_json::json!(f)),
        ".{0,40}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Frames that look almost right: a real action, the real field names, values of any type.
const FIELDS: &[&str] = &[
    "room_id",
    "content",
    "client_id",
    "message_id",
    "emoji",
    "after",
    "since",
    "limit",
    "reply_to",
];

fn plausible_frame() -> impl Strategy<Value = String> {
    (
        prop::sample::select(CLIENT_ACTIONS),
        prop::collection::vec((prop::sample::select(FIELDS), json_value()), 0..6),
    )
        .prop_map(|(action, pairs)| {
            let mut object = serde_json::Map::new();
            object.insert("action".into(), action.into());
            for (k, v) in pairs {
                object.insert(k.to_string(), v);
            }
            serde_json::Value::Object(object).to_string()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_frames_never_panic(body in ".{0,200}") {
        check_frame(&body);
    }

    #[test]
    fn arbitrary_json_frames_never_panic(value in json_value()) {
        check_frame(&value.to_string());
    }

    #[test]
    fn plausible_frames_are_decoded_or_refused_as_client_errors(body in plausible_frame()) {
        check_frame(&body);
    }

    #[test]
    fn usernames_accepted_follow_the_rule(raw in ".{0,40}") {
        match Username::parse(&raw) {
            Ok(name) => {
                prop_assert!((3..=32).contains(&raw.chars().count()));
                prop_assert!(raw.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)));
                prop_assert!(name.key().len() <= 32);
            }
            Err(e) => prop_assert!(client_error(&e)),
        }
    }

    #[test]
    fn passwords_accepted_are_8_to_128_characters(raw in ".{0,140}") {
        match Password::parse(&raw) {
            Ok(_) => prop_assert!((8..=128).contains(&raw.chars().count())),
            Err(e) => prop_assert!(client_error(&e)),
        }
    }

    #[test]
    fn room_names_accepted_fit_their_column_once_folded(raw in "[İi\u{307}a-zA-Z \t\u{0}\u{85}\u{3000}.]{0,80}") {
        match RoomName::parse(&raw) {
            Ok(name) => {
                let chars = name.as_str().chars().count();
                prop_assert!((1..=64).contains(&chars));
                prop_assert!(!name.as_str().chars().any(char::is_control));
                // rooms.name_key is VARCHAR(128): folding may double, never more.
                prop_assert!(name.key().chars().count() <= 128);
            }
            Err(e) => prop_assert!(client_error(&e)),
        }
    }

    #[test]
    fn message_content_accepted_is_trimmed_and_bounded(raw in ".{0,300}") {
        match MessageContent::parse(&raw) {
            Ok(content) => {
                let text = content.as_str();
                prop_assert!(!text.is_empty() && text.chars().count() <= 4000);
                prop_assert_eq!(text, text.trim());
                prop_assert!(!text.contains('\0'));
            }
            Err(e) => prop_assert!(client_error(&e)),
        }
    }

    #[test]
    fn client_ids_emoji_and_kinds_never_panic(raw in ".{0,80}") {
        for result in [
            ClientId::parse(&raw).map(|_| ()),
            Emoji::parse(&raw).map(|_| ()),
            RoomKind::parse_new(Some(&raw)).map(|_| ()),
            shared::search::terms(&raw).map(|_| ()),
        ] {
            if let Err(e) = result {
                prop_assert!(client_error(&e));
            }
        }
        if let Ok(emoji) = Emoji::parse(&raw) {
            prop_assert!((1..=32).contains(&emoji.as_str().len()));
        }
    }

    #[test]
    fn page_limits_and_cursors_accept_only_their_ranges(
        limit in proptest::option::of(any::<i64>()),
        before in proptest::option::of(any::<i64>()),
        after in proptest::option::of(any::<i64>()),
        since in proptest::option::of(any::<i64>()),
        around in proptest::option::of(any::<i64>()),
    ) {
        match PageLimit::parse(limit) {
            Ok(PageLimit(n)) => prop_assert!((1..=100).contains(&n)),
            Err(e) => prop_assert!(client_error(&e)),
        }
        let given = [before, after, since, around].iter().filter(|c| c.is_some()).count();
        match PageCursor::parse_params(CursorParams { before, after, since, around }) {
            Ok(_) => prop_assert!(given <= 1),
            Err(e) => prop_assert!(client_error(&e)),
        }
    }
}

#[test]
fn no_character_folds_to_more_than_two() {
    // The premise of rooms.name_key's size, over every Unicode scalar value.
    for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
        assert!(c.to_lowercase().count() <= 2, "{c:?}");
    }
}
