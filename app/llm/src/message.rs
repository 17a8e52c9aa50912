//! The conversation as redgreen keeps it, independent of the provider: messages, the tools
//! offered and the calls the model made. These are stored in checkpoints, so their serialized
//! form is part of the task's durable state.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One turn of the conversation. The system prompt is not a message: it is
/// [`crate::ChatRequest::system`], because the providers place it differently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Message {
    User {
        content: String,
    },
    Assistant {
        content: Option<String>,
        #[serde(default)]
        tool_calls: Vec<ToolCall>,
    },
    /// The answer to one tool call; `is_error` tells the model the call failed (it was
    /// invalid, refused, or the tool reported an error).
    ToolResult {
        call_id: String,
        content: String,
        #[serde(default)]
        is_error: bool,
    },
}

/// A tool offered to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// The JSON Schema of the arguments (an object schema).
    pub parameters: Value,
}

/// A call the model made. The arguments are kept exactly as the model sent them: OpenAI
/// sends them as a string that may not be JSON at all, and that must reach the caller so it
/// can tell the model, rather than be dropped or "repaired" here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredToolCall", into = "StoredToolCall")]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    arguments: String,
    parsed: Result<Value, String>,
}

/// The stored form: the raw arguments only, so the parsed value can never disagree with them.
#[derive(Serialize, Deserialize)]
struct StoredToolCall {
    id: String,
    name: String,
    arguments: String,
}

impl From<StoredToolCall> for ToolCall {
    fn from(stored: StoredToolCall) -> ToolCall {
        ToolCall::new(stored.id, stored.name, stored.arguments)
    }
}

impl From<ToolCall> for StoredToolCall {
    fn from(call: ToolCall) -> StoredToolCall {
        StoredToolCall {
            id: call.id,
            name: call.name,
            arguments: call.arguments,
        }
    }
}

impl ToolCall {
    /// A call with its arguments as the model sent them (parsed here, once).
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        arguments: impl Into<String>,
    ) -> ToolCall {
        let arguments = arguments.into();
        let parsed = serde_json::from_str::<Value>(&arguments).map_err(|error| error.to_string());
        ToolCall {
            id: id.into(),
            name: name.into(),
            arguments,
            parsed,
        }
    }

    /// A call whose arguments arrived already as JSON (Anthropic's `tool_use.input`).
    pub fn from_value(
        id: impl Into<String>,
        name: impl Into<String>,
        arguments: Value,
    ) -> ToolCall {
        ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: arguments.to_string(),
            parsed: Ok(arguments),
        }
    }

    /// The arguments exactly as the model sent them.
    pub fn raw_arguments(&self) -> &str {
        &self.arguments
    }

    /// The arguments as JSON, or `None` when they are not valid JSON.
    pub fn parsed(&self) -> Option<&Value> {
        self.parsed.as_ref().ok()
    }

    /// Why the arguments are not JSON (serde_json's message, with line and column), if so.
    pub fn parse_error(&self) -> Option<&str> {
        self.parsed.as_ref().err().map(String::as_str)
    }
}
