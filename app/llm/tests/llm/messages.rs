//! The stored conversation: tool calls keep their raw arguments and re-parse them on load.

use redgreen_llm::{Message, ToolCall};
use serde_json::json;

#[test]
fn valid_arguments_are_parsed() {
    let call = ToolCall::new("call_1", "read_file", r#"{"path": "a.rs"}"#);
    assert_eq!(call.parsed(), Some(&json!({ "path": "a.rs" })));
    assert_eq!(call.parse_error(), None);
    assert_eq!(call.raw_arguments(), r#"{"path": "a.rs"}"#);
}

#[test]
fn invalid_arguments_keep_their_text_and_the_reason() {
    let call = ToolCall::new("call_1", "read_file", r#"{"path": "a.rs""#);
    assert_eq!(call.parsed(), None);
    assert!(
        call.parse_error().unwrap().contains("EOF"),
        "{:?}",
        call.parse_error()
    );
    assert_eq!(call.raw_arguments(), r#"{"path": "a.rs""#);
}

#[test]
fn a_conversation_round_trips_through_a_checkpoint() {
    let conversation = vec![
        Message::User {
            content: "fix it".to_string(),
        },
        Message::Assistant {
            content: None,
            tool_calls: vec![
                ToolCall::new("call_1", "read_file", "{broken"),
                ToolCall::from_value("call_2", "read_file", json!({ "path": "b.rs" })),
            ],
        },
        Message::ToolResult {
            call_id: "call_1".to_string(),
            content: "the arguments are not JSON".to_string(),
            is_error: true,
        },
    ];
    let stored = serde_json::to_value(&conversation).unwrap();
    assert_eq!(stored[0]["role"], "user");
    assert_eq!(stored[1]["tool_calls"][0]["arguments"], "{broken");
    // Only the raw text is stored: the parsed form cannot disagree with it.
    assert_eq!(
        stored[1]["tool_calls"][1],
        json!({ "id": "call_2", "name": "read_file", "arguments": "{\"path\":\"b.rs\"}" })
    );
    let restored: Vec<Message> = serde_json::from_value(stored).unwrap();
    assert_eq!(restored, conversation);
    let Message::Assistant { tool_calls, .. } = &restored[1] else {
        panic!("{restored:?}");
    };
    assert_eq!(tool_calls[0].parsed(), None);
    assert_eq!(tool_calls[1].parsed(), Some(&json!({ "path": "b.rs" })));
}
