//! The gateway's one error type. Every message here has been through redaction: no API key,
//! token or configured secret can reach a log or a comment through an error.

use crate::budget::BudgetKind;

#[derive(Debug, Clone, thiserror::Error)]
pub enum LlmError {
    /// The task's allowance is spent; nothing was sent. The caller parks the task until
    /// someone says `continue`.
    #[error("budget exhausted: {which} limit {limit} reached (spent {spent})")]
    BudgetExhausted {
        which: BudgetKind,
        /// In the unit of `which`: tokens, US dollars or minutes.
        limit: f64,
        spent: f64,
    },
    /// The provider kept failing (429, 5xx, connection errors, timeouts) through every retry,
    /// or asked to be left alone for longer than the gateway waits.
    #[error("model provider unavailable after {attempts} attempt(s){}: {reason}", status_text(*status))]
    Unavailable {
        /// The last HTTP status, or `None` when the last attempt got no answer at all.
        status: Option<u16>,
        attempts: u32,
        reason: String,
    },
    /// The provider refused the request (a 4xx other than 429): sending it again cannot help.
    #[error("model provider rejected the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    /// The provider answered 2xx with something that is not its API's response (often a base
    /// URL that points at the wrong server or lacks `/v1`).
    #[error("model provider sent an unreadable response: {reason}")]
    InvalidResponse { reason: String },
    /// The configuration cannot work (bad base URL, no model, an unreadable price table).
    #[error("model gateway configuration: {reason}")]
    Config { reason: String },
}

fn status_text(status: Option<u16>) -> String {
    status.map_or_else(String::new, |status| format!(" (last status {status})"))
}

impl LlmError {
    /// Whether the same task may succeed if it tries again later: only an outage is
    /// transient. A spent budget needs a person's `continue`; a rejection, an unreadable
    /// answer and a bad configuration need a change.
    pub fn is_retryable(&self) -> bool {
        matches!(self, LlmError::Unavailable { .. })
    }
}
