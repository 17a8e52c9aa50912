//! One exchange with the model: what redgreen asks ([`ChatRequest`]) and what it gets back
//! ([`ChatResponse`]), in provider-neutral terms.

use serde::{Deserialize, Serialize};

use crate::message::{Message, ToolCall, ToolSpec};

#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub system: String,
    pub messages: Vec<Message>,
    pub tools: Vec<ToolSpec>,
    pub max_tokens: u32,
    pub tool_choice: ToolChoice,
    /// A per-repository model that overrides the gateway's (`model:` in `.github/redgreen.yml`).
    pub model: Option<String>,
}

/// Whether the model may answer in prose (`Auto`) or must call a tool (`Required`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolChoice {
    Auto,
    Required,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatResponse {
    pub content: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Usage,
    pub stop: StopReason,
    /// The model that answered, as the provider named it (it may be a dated snapshot of the
    /// one asked for).
    pub model: String,
    /// What this call cost by the price table; `None` when the model has no price.
    pub cost_usd: Option<f64>,
}

/// Tokens the provider counted for one call. Anthropic's prompt-cache reads and writes are
/// counted as input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// It finished its answer.
    EndTurn,
    /// It wants its tool calls run.
    ToolUse,
    /// It hit `max_tokens`; the answer (or a tool call's arguments) may be cut short.
    MaxTokens,
    /// The provider withheld or filtered the answer.
    Refused,
    /// Anything else, as the provider named it.
    Other(String),
}
