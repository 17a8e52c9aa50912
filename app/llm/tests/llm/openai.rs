//! Chat Completions end to end against the scripted server: the request's shape, a tool-call
//! round trip over several turns, failed tool results, and invalid arguments reaching the
//! caller.

use redgreen_llm::{ChatRequest, Message, Provider, StopReason, ToolChoice};
use redgreen_testkit::ModelServer;
use secrecy::SecretString;
use serde_json::json;

use crate::support::{MODEL, config, gateway, request, unlimited, user};

#[tokio::test]
async fn a_tool_call_round_trip() {
    let server = ModelServer::start().await;
    server.require_api_key("test-openai-key");
    server.push_tool_calls(vec![("read_file", json!({ "path": "src/lib.rs" }))]);
    server.push_text("The bug is on line 3.");
    let mut settings = config(&server, Provider::OpenAi);
    settings.api_key = Some(SecretString::from("test-openai-key"));
    let gateway = redgreen_llm::Gateway::new(settings).unwrap();
    let mut budget = unlimited();

    let mut conversation = vec![user("Where is the bug?")];
    let first = gateway
        .chat(&mut budget, &request(conversation.clone()))
        .await
        .unwrap();
    assert_eq!(first.stop, StopReason::ToolUse);
    assert_eq!(first.content, None);
    assert_eq!(first.tool_calls.len(), 1);
    let call = &first.tool_calls[0];
    assert_eq!(call.name, "read_file");
    assert_eq!(call.parsed(), Some(&json!({ "path": "src/lib.rs" })));
    assert!(!call.id.is_empty());

    conversation.push(Message::Assistant {
        content: first.content.clone(),
        tool_calls: first.tool_calls.clone(),
    });
    conversation.push(Message::ToolResult {
        call_id: call.id.clone(),
        content: "fn main() {}".to_string(),
        is_error: false,
    });
    let second = gateway
        .chat(&mut budget, &request(conversation))
        .await
        .unwrap();
    assert_eq!(second.stop, StopReason::EndTurn);
    assert_eq!(second.content.as_deref(), Some("The bug is on line 3."));
    assert!(second.tool_calls.is_empty());
    assert_eq!(budget.spent.calls, 2);

    let sent = server.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].path, "/v1/chat/completions");
    assert_eq!(
        sent[0].header("authorization"),
        Some("Bearer test-openai-key")
    );
    let body = sent[1].body.as_ref().unwrap();
    assert_eq!(body["model"], MODEL);
    assert_eq!(body["max_tokens"], 256);
    assert_eq!(body["tool_choice"], "required");
    assert_eq!(body["tools"][0]["type"], "function");
    assert_eq!(body["tools"][0]["function"]["name"], "read_file");
    assert_eq!(
        body["tools"][0]["function"]["parameters"]["required"],
        json!(["path"])
    );
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(
        messages[0],
        json!({ "role": "system", "content": "You are redgreen." })
    );
    assert_eq!(
        messages[1],
        json!({ "role": "user", "content": "Where is the bug?" })
    );
    assert_eq!(messages[2]["role"], "assistant");
    assert_eq!(messages[2]["tool_calls"][0]["id"], call.id.as_str());
    assert_eq!(
        messages[2]["tool_calls"][0]["function"]["arguments"],
        call.raw_arguments()
    );
    assert_eq!(
        messages[3],
        json!({ "role": "tool", "tool_call_id": call.id, "content": "fn main() {}" })
    );
    server.assert_no_violations();
}

#[tokio::test]
async fn invalid_arguments_reach_the_caller_and_go_back_as_an_error() {
    let server = ModelServer::start().await;
    server.push_tool_calls_raw(vec![("read_file", r#"{"path": "src/lib.rs""#)]);
    server.push_text("ok");
    let gateway = gateway(&server, Provider::OpenAi);
    let mut budget = unlimited();
    let mut conversation = vec![user("go")];
    let reply = gateway
        .chat(&mut budget, &request(conversation.clone()))
        .await
        .unwrap();
    let call = &reply.tool_calls[0];
    assert_eq!(call.parsed(), None);
    assert!(call.parse_error().is_some());
    assert_eq!(call.raw_arguments(), r#"{"path": "src/lib.rs""#);

    conversation.push(Message::Assistant {
        content: None,
        tool_calls: reply.tool_calls.clone(),
    });
    conversation.push(Message::ToolResult {
        call_id: call.id.clone(),
        content: "the arguments are not valid JSON".to_string(),
        is_error: true,
    });
    gateway
        .chat(&mut budget, &request(conversation))
        .await
        .unwrap();
    let body = server.requests()[1].body.clone().unwrap();
    // The model sees its own broken text again, and the result says it failed.
    assert_eq!(
        body["messages"][2]["tool_calls"][0]["function"]["arguments"],
        r#"{"path": "src/lib.rs""#
    );
    assert_eq!(
        body["messages"][3]["content"],
        "ERROR: the arguments are not valid JSON"
    );
}

#[tokio::test]
async fn auto_choice_without_tools_and_a_per_repo_model() {
    let server = ModelServer::start().await;
    server.push_text("plan: do it");
    let gateway = gateway(&server, Provider::OpenAi);
    let request = ChatRequest {
        system: String::new(),
        messages: vec![user("plan")],
        tools: Vec::new(),
        max_tokens: 50,
        tool_choice: ToolChoice::Auto,
        model: Some("repo-model".to_string()),
    };
    let reply = gateway.chat(&mut unlimited(), &request).await.unwrap();
    assert_eq!(reply.content.as_deref(), Some("plan: do it"));
    assert_eq!(reply.model, "repo-model");
    let body = server.requests()[0].body.clone().unwrap();
    assert_eq!(body["model"], "repo-model");
    // No system message when there is no system prompt; no tool fields without tools.
    assert_eq!(
        body["messages"],
        json!([{ "role": "user", "content": "plan" }])
    );
    assert!(body.get("tools").is_none() && body.get("tool_choice").is_none());
}

#[tokio::test]
async fn a_truncated_reply_says_so() {
    let server = ModelServer::start().await;
    server.push_fn(|_| redgreen_testkit::ModelReply::Status {
        status: 200,
        headers: Vec::new(),
        body: json!({
            "model": MODEL,
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": "half an ans" },
                "finish_reason": "length",
            }],
        })
        .to_string(),
    });
    let reply = gateway(&server, Provider::OpenAi)
        .chat(&mut unlimited(), &request(vec![user("x")]))
        .await
        .unwrap();
    assert_eq!(reply.stop, StopReason::MaxTokens);
    // No usage block: counted as zero rather than failing the call.
    assert_eq!(reply.usage.input_tokens, 0);
}
