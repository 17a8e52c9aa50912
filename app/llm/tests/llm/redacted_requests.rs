//! What the provider receives: no configured secret and no key-shaped string, from any part of
//! the conversation, in either format; and no secret in an error built from its answer.

use redgreen_llm::{Gateway, LlmError, Message, Provider, REDACTED, ToolCall};
use redgreen_testkit::ModelServer;
use secrecy::SecretString;

use crate::redaction::fake_keys;
use crate::support::{config, read_file_tool, request, unlimited, user};

const WEBHOOK_SECRET: &str = "whsec-7f3a9c0e-redgreen-webhook";
const INSTALLATION_TOKEN: &str = "v1.3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a";
const API_KEY: &str = "local-gateway-key-42";

/// Every secret and key in one text.
fn leaky_text() -> String {
    let mut text =
        format!("webhook secret {WEBHOOK_SECRET}, token {INSTALLATION_TOKEN}, key {API_KEY}\n");
    for (format, key) in fake_keys() {
        text.push_str(&format!("{format}: {key}\n"));
    }
    text
}

fn secrets_in(sent: &str) -> Vec<String> {
    let mut found = Vec::new();
    for secret in [WEBHOOK_SECRET, INSTALLATION_TOKEN, API_KEY] {
        if sent.contains(secret) {
            found.push(secret.to_string());
        }
    }
    for (format, key) in fake_keys() {
        // Keys travel JSON-escaped (the PEM's newlines as `\n`).
        let escaped = serde_json::to_string(&key).unwrap();
        if sent.contains(escaped.trim_matches('"')) {
            found.push(format.to_string());
        }
    }
    found
}

async fn leak_through(provider: Provider) {
    let server = ModelServer::start().await;
    server.push_text("noted");
    let mut settings = config(&server, provider);
    settings.api_key = Some(SecretString::from(API_KEY));
    settings.secrets = vec![
        SecretString::from(WEBHOOK_SECRET),
        SecretString::from(INSTALLATION_TOKEN),
    ];
    let gateway = Gateway::new(settings).unwrap();
    let leaky = leaky_text();
    let arguments = serde_json::json!({ "path": leaky.clone() }).to_string();
    let mut conversation = request(vec![
        user(&leaky),
        Message::Assistant {
            content: Some(leaky.clone()),
            tool_calls: vec![ToolCall::new("call_1", "read_file", arguments)],
        },
        Message::ToolResult {
            call_id: "call_1".to_string(),
            content: leaky.clone(),
            is_error: false,
        },
    ]);
    conversation.system = format!("Rules.\n{leaky}");
    let mut tool = read_file_tool();
    tool.description = leaky.clone();
    conversation.tools = vec![tool];

    gateway.chat(&mut unlimited(), &conversation).await.unwrap();
    let sent = &server.requests()[0];
    let body = &sent.raw_body;
    assert_eq!(secrets_in(body), Vec::<String>::new(), "{provider}: leaked");
    assert!(
        body.matches(REDACTED).count() >= 6 * fake_keys().len(),
        "{provider}"
    );
    // The redacted arguments are still JSON the provider accepts.
    server.assert_no_violations();
    // The key itself is only in its header.
    let in_headers = sent
        .headers
        .values()
        .filter(|value| value.contains(API_KEY))
        .count();
    assert_eq!(in_headers, 1, "{provider}");
}

#[tokio::test]
async fn nothing_secret_reaches_an_openai_provider() {
    leak_through(Provider::OpenAi).await;
}

#[tokio::test]
async fn nothing_secret_reaches_an_anthropic_provider() {
    leak_through(Provider::Anthropic).await;
}

#[tokio::test]
async fn an_error_that_quotes_a_secret_is_redacted() {
    let server = ModelServer::start().await;
    let token = fake_keys()[3].1.clone();
    server.push_error(
        400,
        &[],
        format!("cannot parse message containing {token} and {WEBHOOK_SECRET}"),
    );
    let mut settings = config(&server, Provider::Anthropic);
    settings.secrets = vec![SecretString::from(WEBHOOK_SECRET)];
    let error = Gateway::new(settings)
        .unwrap()
        .chat(&mut unlimited(), &request(vec![user("x")]))
        .await
        .unwrap_err();
    let LlmError::Rejected { message, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(
        message,
        "cannot parse message containing [REDACTED] and [REDACTED]"
    );
}
