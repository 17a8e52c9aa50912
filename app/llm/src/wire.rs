//! The providers' wire formats. Each submodule turns a (redacted) [`crate::ChatRequest`] into
//! its API's request body and its API's response body into a [`Decoded`] reply; what the two
//! share (the decoded reply, reading an error body) lives here.

pub(crate) mod anthropic;
pub(crate) mod openai;

use serde_json::Value;

use crate::chat::{StopReason, Usage};
use crate::message::ToolCall;

/// A provider's answer, before the gateway prices it.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub content: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Usage,
    pub stop: StopReason,
    /// The model the provider says answered, when it says.
    pub model: Option<String>,
}

/// The most an error message from a provider may contribute to an error.
const ERROR_MESSAGE_LIMIT: usize = 500;

/// The human-readable message of an error body: `error.message` (OpenAI, Anthropic), or the
/// shapes compatible servers use (`error` as a string, `message`, `detail`), else the body's
/// text. Truncated: a proxy may answer with a whole HTML page.
pub(crate) fn error_message(body: &[u8]) -> String {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let from_json = parsed.as_ref().and_then(|value| {
        [
            value.pointer("/error/message"),
            value.get("error"),
            value.get("message"),
            value.get("detail"),
        ]
        .into_iter()
        .flatten()
        .find_map(Value::as_str)
        .map(str::to_string)
    });
    let message = from_json.unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string());
    truncate(&message, ERROR_MESSAGE_LIMIT)
}

/// At most `limit` bytes of `text`, cut at a character boundary, marked when cut.
pub(crate) fn truncate(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… (truncated)", &text[..end])
}
