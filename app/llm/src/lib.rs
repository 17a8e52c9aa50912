//! The model gateway: OpenAI-compatible Chat Completions and Anthropic Messages with tool
//! calling, retries, budgets and redaction.
//!
//! [`Gateway::chat`] is the one way redgreen talks to a model. It checks the task's
//! [`Budget`] before sending anything, redacts secrets and key-shaped strings from every text,
//! retries outages with backoff (honouring `retry-after`), and accounts tokens, US dollars
//! (by the [`PriceTable`]) and time. [`fence_untrusted`] is how untrusted text enters a
//! prompt. The crate reads no environment: configuration is a [`GatewayConfig`].

mod budget;
mod chat;
mod config;
mod error;
mod fence;
mod gateway;
mod message;
mod prices;
mod redact;
mod retry;
mod wire;

pub use budget::{Budget, BudgetKind, BudgetLimits, Spent};
pub use chat::{ChatRequest, ChatResponse, StopReason, ToolChoice, Usage};
pub use config::{GatewayConfig, Provider};
pub use error::LlmError;
pub use fence::fence_untrusted;
pub use gateway::Gateway;
pub use message::{Message, ToolCall, ToolSpec};
pub use prices::{Cost, ModelPrice, PriceTable};
pub use redact::{REDACTED, Redactor, redact};
