//! The gateway's configuration. The crate reads no environment: the binary builds this from
//! `REDGREEN_LLM_*` and hands it in.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::error::LlmError;
use crate::prices::PriceTable;

/// The wire protocol spoken to the model endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// OpenAI Chat Completions, and every server that speaks it (vLLM, Ollama, llama.cpp
    /// server, most hosted gateways). The base URL includes the version (`.../v1`).
    #[serde(rename = "openai")]
    OpenAi,
    /// Anthropic Messages. The base URL is the host.
    Anthropic,
}

impl Provider {
    /// The provider's public endpoint, the default base URL.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Provider::OpenAi => "https://api.openai.com/v1",
            Provider::Anthropic => "https://api.anthropic.com",
        }
    }

    /// The path redgreen appends to the base URL (the official SDKs' convention).
    pub fn endpoint_path(self) -> &'static str {
        match self {
            Provider::OpenAi => "/chat/completions",
            Provider::Anthropic => "/v1/messages",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::OpenAi => "openai",
            Provider::Anthropic => "anthropic",
        })
    }
}

impl FromStr for Provider {
    type Err = LlmError;

    /// `openai` or `anthropic` (the values of `REDGREEN_LLM_PROVIDER`).
    fn from_str(text: &str) -> Result<Provider, LlmError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "openai" => Ok(Provider::OpenAi),
            "anthropic" => Ok(Provider::Anthropic),
            other => Err(LlmError::Config {
                reason: format!("unknown provider {other:?}: expected `openai` or `anthropic`"),
            }),
        }
    }
}

/// Everything the gateway needs. `Debug` shows no secret (they are `SecretString`s).
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub provider: Provider,
    /// `http(s)://host[:port][/path]`: for OpenAI with the version (`.../v1`), for Anthropic
    /// the host.
    pub base_url: url::Url,
    pub api_key: Option<SecretString>,
    /// The default model; a request may name another.
    pub model: String,
    /// The limit on one HTTP attempt, from connecting to the last byte of the answer.
    pub request_timeout: Duration,
    /// Attempts after the first, on 408, 409, 429, 5xx, connection errors and timeouts.
    pub max_retries: u32,
    /// The first pause between attempts; it doubles with each retry (with jitter).
    pub retry_base_delay: Duration,
    /// The longest pause between attempts. A `retry-after` longer than this ends the retries
    /// at once (the provider asked to be left alone longer than a task should wait).
    pub max_retry_delay: Duration,
    pub prices: PriceTable,
    /// Exact strings redacted from everything sent and every error (webhook secret, tokens,
    /// the App's private key). The API key is added by the gateway itself.
    pub secrets: Vec<SecretString>,
}

impl GatewayConfig {
    /// A configuration with the usual defaults: 120 s per attempt, 4 retries starting at 1 s
    /// and at most 60 s apart, the built-in price table, no extra secrets.
    pub fn new(provider: Provider, base_url: url::Url, model: impl Into<String>) -> GatewayConfig {
        GatewayConfig {
            provider,
            base_url,
            api_key: None,
            model: model.into(),
            request_timeout: Duration::from_secs(120),
            max_retries: 4,
            retry_base_delay: Duration::from_secs(1),
            max_retry_delay: Duration::from_secs(60),
            prices: PriceTable::default(),
            secrets: Vec::new(),
        }
    }
}
