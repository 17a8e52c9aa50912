//! Shared helpers: a gateway pointed at the scripted model server with short retry pauses,
//! an unlimited budget, and a small conversation with one tool.

use std::time::Duration;

use redgreen_llm::{
    Budget, BudgetLimits, ChatRequest, Gateway, GatewayConfig, Message, PriceTable, Provider,
    ToolChoice, ToolSpec,
};
use redgreen_testkit::ModelServer;
use serde_json::json;

pub const MODEL: &str = "test-model";

/// A configuration for `server` in `provider`'s format: 2 retries, pauses of a millisecond,
/// an empty price table.
pub fn config(server: &ModelServer, provider: Provider) -> GatewayConfig {
    let base = match provider {
        Provider::OpenAi => server.base_url_openai(),
        Provider::Anthropic => server.base_url_anthropic(),
    };
    let mut config = GatewayConfig::new(provider, base.parse().unwrap(), MODEL);
    config.request_timeout = Duration::from_secs(10);
    config.max_retries = 2;
    config.retry_base_delay = Duration::from_millis(1);
    config.max_retry_delay = Duration::from_secs(5);
    config.prices = PriceTable::empty();
    config
}

pub fn gateway(server: &ModelServer, provider: Provider) -> Gateway {
    Gateway::new(config(server, provider)).unwrap()
}

pub fn unlimited() -> Budget {
    Budget::new(BudgetLimits::default())
}

pub fn read_file_tool() -> ToolSpec {
    ToolSpec {
        name: "read_file".to_string(),
        description: "Reads a file of the repository.".to_string(),
        parameters: json!({
            "type": "object",
            "properties": { "path": { "type": "string" } },
            "required": ["path"],
        }),
    }
}

pub fn request(messages: Vec<Message>) -> ChatRequest {
    ChatRequest {
        system: "You are redgreen.".to_string(),
        messages,
        tools: vec![read_file_tool()],
        max_tokens: 256,
        tool_choice: ToolChoice::Required,
        model: None,
    }
}

pub fn user(text: &str) -> Message {
    Message::User {
        content: text.to_string(),
    }
}
