//! The scripted model server: replies rendered in each API's format, the script's order and
//! exhaustion, raw statuses, replies decided from the request, recording, and the provider
//! rules it holds requests to.

use std::time::Duration;

use redgreen_testkit::{ModelApi, ModelReply, ModelServer};
use serde_json::{Value, json};

async fn post(
    url: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = reqwest::Client::new().post(url).json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, body)
}

async fn openai(server: &ModelServer, body: &Value) -> (u16, Value) {
    let url = format!("{}/chat/completions", server.base_url_openai());
    let (status, _, body) = post(&url, &[], body).await;
    (status, body)
}

async fn anthropic(server: &ModelServer, body: &Value) -> (u16, Value) {
    let url = format!("{}/v1/messages", server.base_url_anthropic());
    let (status, _, body) = post(&url, &[("anthropic-version", "2023-06-01")], body).await;
    (status, body)
}

fn openai_request(user: &str) -> Value {
    json!({
        "model": "gpt-test",
        "messages": [
            { "role": "system", "content": "be brief" },
            { "role": "user", "content": user },
        ],
        "tools": [{
            "type": "function",
            "function": {
                "name": "read_file",
                "description": "read",
                "parameters": { "type": "object", "properties": { "path": { "type": "string" } } },
            },
        }],
        "tool_choice": "required",
        "max_tokens": 100,
    })
}

fn anthropic_request(user: &str) -> Value {
    json!({
        "model": "claude-test",
        "max_tokens": 100,
        "system": "be brief",
        "messages": [{ "role": "user", "content": user }],
        "tools": [{
            "name": "read_file",
            "description": "read",
            "input_schema": { "type": "object", "properties": { "path": { "type": "string" } } },
        }],
        "tool_choice": { "type": "any" },
    })
}

#[tokio::test]
async fn openai_tool_calls_are_rendered_as_chat_completions() {
    let server = ModelServer::start().await;
    server.push_tool_calls(vec![
        ("read_file", json!({ "path": "src/lib.rs" })),
        ("read_file", json!({ "path": "README.md" })),
    ]);
    server.set_usage(120, 30);
    let (status, body) = openai(&server, &openai_request("fix the bug")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["object"], "chat.completion");
    assert_eq!(body["model"], "gpt-test");
    let choice = &body["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls");
    assert_eq!(choice["message"]["role"], "assistant");
    let calls = choice["message"]["tool_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["type"], "function");
    assert_eq!(calls[0]["function"]["name"], "read_file");
    // Arguments travel as a JSON string, as in the real API.
    let arguments: Value =
        serde_json::from_str(calls[1]["function"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(arguments, json!({ "path": "README.md" }));
    assert_ne!(calls[0]["id"], calls[1]["id"]);
    assert_eq!(body["usage"]["prompt_tokens"], 120);
    assert_eq!(body["usage"]["completion_tokens"], 30);
    assert_eq!(body["usage"]["total_tokens"], 150);
    assert_eq!(server.remaining(), 0);

    let recorded = server.requests();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].api, Some(ModelApi::OpenAi));
    assert_eq!(recorded[0].path, "/v1/chat/completions");
    assert_eq!(recorded[0].status, 200);
    assert_eq!(recorded[0].tool_names(), vec!["read_file"]);
    assert!(recorded[0].raw_body.contains("fix the bug"));
    assert_eq!(recorded[0].header("Content-Type"), Some("application/json"));
}

#[tokio::test]
async fn anthropic_replies_are_rendered_as_messages() {
    let server = ModelServer::start().await;
    server.push_text("All done.");
    server.push(ModelReply::ToolCalls {
        text: Some("Let me look.".to_string()),
        calls: vec![redgreen_testkit::ScriptedCall {
            name: "read_file".to_string(),
            arguments: json!({ "path": "a.py" }).to_string(),
        }],
    });

    let (status, text) = anthropic(&server, &anthropic_request("hello")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(text["type"], "message");
    assert_eq!(text["role"], "assistant");
    assert_eq!(text["model"], "claude-test");
    assert_eq!(text["stop_reason"], "end_turn");
    assert_eq!(
        text["content"],
        json!([{ "type": "text", "text": "All done." }])
    );
    // Estimated usage is plausible: something in, something out.
    assert!(text["usage"]["input_tokens"].as_u64().unwrap() > 0);
    assert!(text["usage"]["output_tokens"].as_u64().unwrap() > 0);

    let (status, tools) = anthropic(&server, &anthropic_request("again")).await;
    assert_eq!(status, 200, "{tools}");
    assert_eq!(tools["stop_reason"], "tool_use");
    let content = tools["content"].as_array().unwrap();
    assert_eq!(
        content[0],
        json!({ "type": "text", "text": "Let me look." })
    );
    assert_eq!(content[1]["type"], "tool_use");
    assert_eq!(content[1]["name"], "read_file");
    assert_eq!(content[1]["input"], json!({ "path": "a.py" }));
    assert!(content[1]["id"].as_str().unwrap().starts_with("toolu_"));

    let recorded = server.requests();
    assert_eq!(recorded.len(), 2);
    assert!(recorded.iter().all(|r| r.api == Some(ModelApi::Anthropic)));
    assert_eq!(recorded[1].header("anthropic-version"), Some("2023-06-01"));
}

#[tokio::test]
async fn raw_arguments_are_sent_verbatim() {
    let server = ModelServer::start().await;
    server.push_tool_calls_raw(vec![("read_file", "{\"path\": ")]);
    let (status, body) = openai(&server, &openai_request("x")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
        "{\"path\": "
    );
}

#[tokio::test]
async fn an_exhausted_script_answers_500_in_the_providers_format() {
    let server = ModelServer::start().await;
    let (status, body) = openai(&server, &openai_request("x")).await;
    assert_eq!(status, 500);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("script exhausted"),
        "{body}"
    );
    let (status, body) = anthropic(&server, &anthropic_request("x")).await;
    assert_eq!(status, 500);
    assert_eq!(body["type"], "error");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("script exhausted"),
        "{body}"
    );
}

#[tokio::test]
async fn replies_are_served_in_order_with_statuses_and_headers() {
    let server = ModelServer::start().await;
    server.push_status(429, &[("retry-after", "3")], "slow down");
    server.push_error(529, &[], "Overloaded");
    server.push_text("finally");
    let url = format!("{}/chat/completions", server.base_url_openai());

    let (status, headers, body) = post(&url, &[], &openai_request("x")).await;
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "3");
    assert_eq!(body, "slow down");

    let (status, body) = anthropic(&server, &anthropic_request("x")).await;
    assert_eq!(status, 529);
    assert_eq!(body["error"]["type"], "overloaded_error");
    assert_eq!(body["error"]["message"], "Overloaded");

    let (status, body) = openai(&server, &openai_request("x")).await;
    assert_eq!(status, 200);
    assert_eq!(body["choices"][0]["message"]["content"], "finally");
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![429, 529, 200]);
}

#[tokio::test]
async fn a_function_reply_sees_the_request() {
    let server = ModelServer::start().await;
    server.push_fn(|request| {
        let last = request.body.as_ref().unwrap()["messages"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["content"]
            .as_str()
            .unwrap()
            .to_uppercase();
        ModelReply::Text(last)
    });
    let (status, body) = openai(&server, &openai_request("echo me")).await;
    assert_eq!(status, 200);
    assert_eq!(body["choices"][0]["message"]["content"], "ECHO ME");
}

#[tokio::test]
async fn a_delayed_reply_outlasts_a_short_client_timeout() {
    let server = ModelServer::start().await;
    server.push_delayed(
        Duration::from_secs(30),
        ModelReply::Text("late".to_string()),
    );
    let error = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap()
        .post(format!("{}/chat/completions", server.base_url_openai()))
        .json(&openai_request("x"))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_required_api_key_is_checked_per_provider() {
    let server = ModelServer::start().await;
    server.require_api_key("sk-test-key");
    server.push_text("ok");
    server.push_text("ok");
    let url = format!("{}/chat/completions", server.base_url_openai());
    let (status, _, _) = post(&url, &[], &openai_request("x")).await;
    assert_eq!(status, 401);
    let (status, _, _) = post(
        &url,
        &[("authorization", "Bearer sk-test-key")],
        &openai_request("x"),
    )
    .await;
    assert_eq!(status, 200);
    let url = format!("{}/v1/messages", server.base_url_anthropic());
    let (status, _, body) = post(
        &url,
        &[("anthropic-version", "2023-06-01"), ("x-api-key", "wrong")],
        &anthropic_request("x"),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["type"], "authentication_error");
    let (status, _, _) = post(
        &url,
        &[
            ("anthropic-version", "2023-06-01"),
            ("x-api-key", "sk-test-key"),
        ],
        &anthropic_request("x"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(server.remaining(), 0);
}

#[tokio::test]
async fn openai_conversation_rules_are_enforced() {
    let server = ModelServer::start().await;
    server.push_text("unused");
    // A tool result that answers no call, and a call never answered.
    let broken = [
        json!({ "model": "m", "messages": [
            { "role": "user", "content": "hi" },
            { "role": "tool", "tool_call_id": "call_1", "content": "x" },
        ]}),
        json!({ "model": "m", "messages": [
            { "role": "user", "content": "hi" },
            { "role": "assistant", "content": null, "tool_calls": [
                { "id": "call_1", "type": "function", "function": { "name": "f", "arguments": "{}" } },
            ]},
            { "role": "user", "content": "and?" },
        ]}),
        json!({ "model": "m", "messages": [{ "role": "user", "content": "hi" }], "tool_choice": "auto" }),
        json!({ "messages": [{ "role": "user", "content": "hi" }] }),
    ];
    for body in &broken {
        let (status, answer) = openai(&server, body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(!server.take_violations().is_empty(), "{body}");
    }
    // The valid form of the same conversation passes and consumes the script.
    let valid = json!({ "model": "m", "messages": [
        { "role": "user", "content": "hi" },
        { "role": "assistant", "content": null, "tool_calls": [
            { "id": "call_1", "type": "function", "function": { "name": "f", "arguments": "{}" } },
        ]},
        { "role": "tool", "tool_call_id": "call_1", "content": "result" },
    ]});
    let (status, answer) = openai(&server, &valid).await;
    assert_eq!(status, 200, "{answer}");
    server.assert_no_violations();
    assert_eq!(server.remaining(), 0);
}

#[tokio::test]
async fn anthropic_conversation_rules_are_enforced() {
    let server = ModelServer::start().await;
    server.push_text("unused");
    let tool_use = json!({ "role": "assistant", "content": [
        { "type": "tool_use", "id": "toolu_1", "name": "f", "input": {} },
    ]});
    let broken = [
        // No tool_result for the tool_use.
        json!({ "model": "m", "max_tokens": 10, "messages": [
            { "role": "user", "content": "hi" }, tool_use.clone(),
            { "role": "user", "content": [{ "type": "text", "text": "and?" }] },
        ]}),
        // Text before the tool_result.
        json!({ "model": "m", "max_tokens": 10, "messages": [
            { "role": "user", "content": "hi" }, tool_use.clone(),
            { "role": "user", "content": [
                { "type": "text", "text": "here" },
                { "type": "tool_result", "tool_use_id": "toolu_1", "content": "x" },
            ]},
        ]}),
        // An empty text block, and no max_tokens.
        json!({ "model": "m", "messages": [
            { "role": "user", "content": [{ "type": "text", "text": "" }] },
        ]}),
    ];
    for body in &broken {
        let (status, answer) = anthropic(&server, body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"]["type"], "invalid_request_error");
        assert!(!server.take_violations().is_empty(), "{body}");
    }
    // Without the version header.
    let url = format!("{}/v1/messages", server.base_url_anthropic());
    let (status, _, _) = post(&url, &[], &anthropic_request("x")).await;
    assert_eq!(status, 400);
    assert!(
        server
            .take_violations()
            .iter()
            .any(|v| v.contains("anthropic-version"))
    );
    let valid = json!({ "model": "m", "max_tokens": 10, "messages": [
        { "role": "user", "content": "hi" }, tool_use,
        { "role": "user", "content": [
            { "type": "tool_result", "tool_use_id": "toolu_1", "content": "x", "is_error": true },
        ]},
    ]});
    let (status, answer) = anthropic(&server, &valid).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(server.remaining(), 0);
}

#[tokio::test]
async fn an_unknown_path_is_a_violation() {
    let server = ModelServer::start().await;
    // A base URL without /v1 for OpenAI.
    let url = format!("{}/chat/completions", server.base_url_anthropic());
    let (status, _, _) = post(&url, &[], &openai_request("x")).await;
    assert_eq!(status, 404);
    let violations = server.take_violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("/chat/completions"));
    assert_eq!(server.requests()[0].api, None);
}
