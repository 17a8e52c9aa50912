//! Anthropic Messages end to end against the scripted server: headers, the request's shape,
//! content blocks both ways, `is_error` results, and several results in one user turn.

use redgreen_llm::{Message, Provider, StopReason};
use redgreen_testkit::{ModelReply, ModelServer, ScriptedCall};
use secrecy::SecretString;
use serde_json::json;

use crate::support::{MODEL, config, request, unlimited, user};

#[tokio::test]
async fn a_tool_call_round_trip_with_two_results() {
    let server = ModelServer::start().await;
    server.require_api_key("test-anthropic-key");
    server.push(ModelReply::ToolCalls {
        text: Some("Reading both.".to_string()),
        calls: vec![
            ScriptedCall {
                name: "read_file".to_string(),
                arguments: json!({ "path": "a.py" }).to_string(),
            },
            ScriptedCall {
                name: "read_file".to_string(),
                arguments: json!({ "path": "missing.py" }).to_string(),
            },
        ],
    });
    server.push_text("Found it.");
    let mut settings = config(&server, Provider::Anthropic);
    settings.api_key = Some(SecretString::from("test-anthropic-key"));
    let gateway = redgreen_llm::Gateway::new(settings).unwrap();
    let mut budget = unlimited();

    let mut conversation = vec![user("Find the bug.")];
    let first = gateway
        .chat(&mut budget, &request(conversation.clone()))
        .await
        .unwrap();
    assert_eq!(first.stop, StopReason::ToolUse);
    assert_eq!(first.content.as_deref(), Some("Reading both."));
    assert_eq!(first.tool_calls.len(), 2);
    assert_eq!(
        first.tool_calls[1].parsed(),
        Some(&json!({ "path": "missing.py" }))
    );
    conversation.push(Message::Assistant {
        content: first.content.clone(),
        tool_calls: first.tool_calls.clone(),
    });
    conversation.push(Message::ToolResult {
        call_id: first.tool_calls[0].id.clone(),
        content: "print('a')".to_string(),
        is_error: false,
    });
    conversation.push(Message::ToolResult {
        call_id: first.tool_calls[1].id.clone(),
        content: "no such file".to_string(),
        is_error: true,
    });
    let second = gateway
        .chat(&mut budget, &request(conversation))
        .await
        .unwrap();
    assert_eq!(second.stop, StopReason::EndTurn);
    assert_eq!(second.content.as_deref(), Some("Found it."));

    let sent = server.requests();
    assert_eq!(sent[0].path, "/v1/messages");
    assert_eq!(sent[0].header("x-api-key"), Some("test-anthropic-key"));
    assert_eq!(sent[0].header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(sent[0].header("authorization"), None);
    let body = sent[1].body.clone().unwrap();
    assert_eq!(body["model"], MODEL);
    assert_eq!(body["max_tokens"], 256);
    assert_eq!(body["system"], "You are redgreen.");
    assert_eq!(body["tool_choice"], json!({ "type": "any" }));
    assert_eq!(body["tools"][0]["name"], "read_file");
    assert_eq!(body["tools"][0]["input_schema"]["type"], "object");
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3, "{body}");
    assert_eq!(
        messages[0],
        json!({ "role": "user", "content": [{ "type": "text", "text": "Find the bug." }] })
    );
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(
        messages[1]["content"][0],
        json!({ "type": "text", "text": "Reading both." })
    );
    assert_eq!(messages[1]["content"][2]["type"], "tool_use");
    assert_eq!(
        messages[1]["content"][2]["input"],
        json!({ "path": "missing.py" })
    );
    // Both results in the one user turn that follows, the failed one flagged.
    assert_eq!(
        messages[2],
        json!({ "role": "user", "content": [
            { "type": "tool_result", "tool_use_id": first.tool_calls[0].id, "content": "print('a')" },
            { "type": "tool_result", "tool_use_id": first.tool_calls[1].id, "content": "no such file", "is_error": true },
        ]})
    );
    server.assert_no_violations();
}

#[tokio::test]
async fn a_nudge_after_tool_results_joins_their_user_turn() {
    // The agent answers calls, then adds a user message: Anthropic wants one user turn with
    // the results first.
    let server = ModelServer::start().await;
    server.push_text("ok");
    let gateway = redgreen_llm::Gateway::new(config(&server, Provider::Anthropic)).unwrap();
    let conversation = vec![
        user("start"),
        Message::Assistant {
            content: None,
            tool_calls: vec![redgreen_llm::ToolCall::new(
                "toolu_1",
                "read_file",
                r#"{"path":"x"}"#,
            )],
        },
        Message::ToolResult {
            call_id: "toolu_1".to_string(),
            content: "contents".to_string(),
            is_error: false,
        },
        user("Now call submit_plan."),
        // An empty assistant turn is dropped, not sent.
        Message::Assistant {
            content: None,
            tool_calls: Vec::new(),
        },
        user("Please."),
    ];
    gateway
        .chat(&mut unlimited(), &request(conversation))
        .await
        .unwrap();
    let body = server.requests()[0].body.clone().unwrap();
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3, "{body}");
    let last = messages[2]["content"].as_array().unwrap();
    assert_eq!(last[0]["type"], "tool_result");
    assert_eq!(last[1]["text"], "Now call submit_plan.");
    assert_eq!(last[2]["text"], "Please.");
    server.assert_no_violations();
}

#[tokio::test]
async fn cache_tokens_count_as_input() {
    let server = ModelServer::start().await;
    server.push_status(
        200,
        &[],
        json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x",
            "content": [{ "type": "thinking", "thinking": "hmm", "signature": "s" }, { "type": "text", "text": "hi" }],
            "stop_reason": "max_tokens", "stop_sequence": null,
            "usage": { "input_tokens": 10, "cache_creation_input_tokens": 100, "cache_read_input_tokens": 1000, "output_tokens": 7 },
        })
        .to_string(),
    );
    let gateway = redgreen_llm::Gateway::new(config(&server, Provider::Anthropic)).unwrap();
    let reply = gateway
        .chat(&mut unlimited(), &request(vec![user("x")]))
        .await
        .unwrap();
    assert_eq!(reply.usage.input_tokens, 1110);
    assert_eq!(reply.usage.output_tokens, 7);
    assert_eq!(reply.stop, StopReason::MaxTokens);
    assert_eq!(reply.content.as_deref(), Some("hi"));
    assert_eq!(reply.model, "claude-x");
}
