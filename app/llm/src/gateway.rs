//! The gateway: one `chat` call is a budget check, redaction of everything that will be sent,
//! the HTTP exchange in the configured provider's format with retries, and the accounting of
//! what it cost.

use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use tracing::{info, warn};

use crate::budget::Budget;
use crate::chat::{ChatRequest, ChatResponse};
use crate::config::{GatewayConfig, Provider};
use crate::error::LlmError;
use crate::message::{Message, ToolCall, ToolSpec};
use crate::redact::Redactor;
use crate::retry::{backoff, is_retryable_status, retry_after};
use crate::wire::openai::MaxTokensField;
use crate::wire::{Decoded, anthropic, error_message, openai};

/// A configured model endpoint. Cheap to share (`Arc`) between tasks; it holds no per-task
/// state (that is the [`Budget`] each call is given).
#[derive(Debug)]
pub struct Gateway {
    config: GatewayConfig,
    endpoint: url::Url,
    client: reqwest::Client,
    redactor: Redactor,
    max_tokens_field: MaxTokensField,
}

/// Why one attempt failed in a way worth retrying.
struct Failed {
    status: Option<u16>,
    reason: String,
    retry_after: Option<Duration>,
}

impl Gateway {
    pub fn new(config: GatewayConfig) -> Result<Gateway, LlmError> {
        let refuse = |reason: String| Err(LlmError::Config { reason });
        if !matches!(config.base_url.scheme(), "http" | "https") {
            return refuse(format!(
                "the base URL must be http or https, not {:?}",
                config.base_url.scheme()
            ));
        }
        if config.model.trim().is_empty() {
            return refuse("no model configured (REDGREEN_LLM_MODEL)".to_string());
        }
        if config.request_timeout.is_zero() {
            return refuse("the request timeout must be more than zero".to_string());
        }
        let base = config.base_url.as_str().trim_end_matches('/');
        let endpoint = match url::Url::parse(&format!("{base}{}", config.provider.endpoint_path()))
        {
            Ok(endpoint) => endpoint,
            Err(error) => {
                return refuse(format!(
                    "the base URL cannot take the endpoint path: {error}"
                ));
            }
        };
        let mut secrets = config.secrets.clone();
        secrets.extend(config.api_key.clone());
        let client = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|error| LlmError::Config {
                reason: format!("HTTP client: {error}"),
            })?;
        let max_tokens_field = MaxTokensField::for_host(config.base_url.host_str());
        Ok(Gateway {
            redactor: Redactor::new(&secrets),
            endpoint,
            client,
            max_tokens_field,
            config,
        })
    }

    /// The URL requests go to (`{base}/chat/completions` or `{base}/v1/messages`).
    pub fn endpoint(&self) -> &url::Url {
        &self.endpoint
    }

    pub fn provider(&self) -> Provider {
        self.config.provider
    }

    /// Sends one turn of the conversation and returns the model's reply.
    ///
    /// The budget is checked first: when it is spent nothing is sent
    /// ([`LlmError::BudgetExhausted`]). Every text is redacted before it is serialised.
    /// 408, 409, 429, 5xx, connection errors and timeouts are retried up to `max_retries`
    /// times; the time spent, retries included, is added to the budget's `model_ms`, and a
    /// successful call's tokens and price to its spending.
    pub async fn chat(
        &self,
        budget: &mut Budget,
        request: &ChatRequest,
    ) -> Result<ChatResponse, LlmError> {
        budget.check()?;
        let model = request
            .model
            .as_deref()
            .map(str::trim)
            .filter(|model| !model.is_empty())
            .unwrap_or(&self.config.model);
        let redacted = self.redact_request(request);
        let body = match self.config.provider {
            Provider::OpenAi => openai::request_body(&redacted, model, self.max_tokens_field),
            Provider::Anthropic => anthropic::request_body(&redacted, model),
        };
        let started = Instant::now();
        let outcome = self.send(&body).await;
        let elapsed = started.elapsed();
        budget.add_model_time(elapsed);
        let decoded = outcome?;
        let answered = decoded.model.clone().unwrap_or_else(|| model.to_string());
        let mut cost = self.config.prices.cost(model, &decoded.usage);
        if !cost.priced {
            cost = self.config.prices.cost(&answered, &decoded.usage);
        }
        let spent = &mut budget.spent;
        spent.input_tokens = spent
            .input_tokens
            .saturating_add(decoded.usage.input_tokens);
        spent.output_tokens = spent
            .output_tokens
            .saturating_add(decoded.usage.output_tokens);
        spent.usd += cost.usd;
        spent.calls += 1;
        if !cost.priced {
            spent.unpriced_calls += 1;
        }
        info!(
            provider = %self.config.provider,
            %model,
            input_tokens = decoded.usage.input_tokens,
            output_tokens = decoded.usage.output_tokens,
            tool_calls = decoded.tool_calls.len(),
            elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            priced = cost.priced,
            "model call done"
        );
        let Decoded {
            content,
            tool_calls,
            usage,
            stop,
            ..
        } = decoded;
        Ok(ChatResponse {
            content,
            tool_calls,
            usage,
            stop,
            model: answered,
            cost_usd: cost.priced.then_some(cost.usd),
        })
    }

    /// The request with every text redacted: the system prompt, messages, the model's own
    /// earlier tool-call arguments (it may have quoted a secret it read) and tool results.
    fn redact_request(&self, request: &ChatRequest) -> ChatRequest {
        let redact = |text: &str| self.redactor.redact(text);
        ChatRequest {
            system: redact(&request.system),
            messages: request
                .messages
                .iter()
                .map(|message| match message {
                    Message::User { content } => Message::User {
                        content: redact(content),
                    },
                    Message::Assistant {
                        content,
                        tool_calls,
                    } => Message::Assistant {
                        content: content.as_deref().map(redact),
                        tool_calls: tool_calls
                            .iter()
                            .map(|call| {
                                ToolCall::new(
                                    call.id.clone(),
                                    call.name.clone(),
                                    redact(call.raw_arguments()),
                                )
                            })
                            .collect(),
                    },
                    Message::ToolResult {
                        call_id,
                        content,
                        is_error,
                    } => Message::ToolResult {
                        call_id: call_id.clone(),
                        content: redact(content),
                        is_error: *is_error,
                    },
                })
                .collect(),
            tools: request
                .tools
                .iter()
                .map(|tool| ToolSpec {
                    name: tool.name.clone(),
                    description: redact(&tool.description),
                    parameters: tool.parameters.clone(),
                })
                .collect(),
            max_tokens: request.max_tokens,
            tool_choice: request.tool_choice,
            model: request.model.clone(),
        }
    }

    /// The HTTP exchange with its retries.
    async fn send(&self, body: &serde_json::Value) -> Result<Decoded, LlmError> {
        let headers = self.headers()?;
        let attempts = self.config.max_retries.saturating_add(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failed = match self.attempt(&headers, body).await {
                Ok(decoded) => return decoded,
                Err(failed) => failed,
            };
            warn!(
                provider = %self.config.provider,
                attempt,
                of = attempts,
                status = failed.status,
                reason = %failed.reason,
                "model call failed"
            );
            let unavailable = |reason: String| LlmError::Unavailable {
                status: failed.status,
                attempts: attempt,
                reason,
            };
            if attempt >= attempts {
                return Err(unavailable(failed.reason));
            }
            let pause = match failed.retry_after {
                Some(asked) if asked > self.config.max_retry_delay => {
                    return Err(unavailable(format!(
                        "{}; the provider asked to wait {} s, longer than the {} s redgreen waits",
                        failed.reason,
                        asked.as_secs_f64().ceil(),
                        self.config.max_retry_delay.as_secs_f64()
                    )));
                }
                Some(asked) => asked,
                None => backoff(
                    attempt,
                    self.config.retry_base_delay,
                    self.config.max_retry_delay,
                ),
            };
            tokio::time::sleep(pause).await;
        }
    }

    /// One attempt. `Ok` carries the final outcome (a reply, a rejection, an unreadable
    /// answer); `Err` a failure worth retrying.
    async fn attempt(
        &self,
        headers: &HeaderMap,
        body: &serde_json::Value,
    ) -> Result<Result<Decoded, LlmError>, Failed> {
        let response = self
            .client
            .post(self.endpoint.clone())
            .headers(headers.clone())
            .json(body)
            .send()
            .await
            .map_err(|error| Failed {
                status: None,
                reason: self.describe(&error),
                retry_after: None,
            })?;
        let status = response.status().as_u16();
        let asked = retry_after(response.headers(), SystemTime::now());
        let bytes = response.bytes().await.map_err(|error| Failed {
            status: None,
            reason: format!("the answer was cut off: {}", self.describe(&error)),
            retry_after: None,
        })?;
        if (200..300).contains(&status) {
            let decoded = match self.config.provider {
                Provider::OpenAi => openai::decode(&bytes),
                Provider::Anthropic => anthropic::decode(&bytes),
            };
            return Ok(decoded.map_err(|reason| LlmError::InvalidResponse {
                reason: self.redactor.redact(&reason),
            }));
        }
        let message = self.redactor.redact(&error_message(&bytes));
        if is_retryable_status(status) {
            return Err(Failed {
                status: Some(status),
                reason: message,
                retry_after: asked,
            });
        }
        Ok(Err(LlmError::Rejected { status, message }))
    }

    fn headers(&self) -> Result<HeaderMap, LlmError> {
        let mut headers = HeaderMap::new();
        let secret_header = |value: String| {
            let mut value = HeaderValue::from_str(&value).map_err(|_| LlmError::Config {
                reason: "the API key is not a valid HTTP header value".to_string(),
            })?;
            // Keeps it out of reqwest's and hyper's debug output.
            value.set_sensitive(true);
            Ok::<_, LlmError>(value)
        };
        let key = self
            .config
            .api_key
            .as_ref()
            .map(SecretString::expose_secret);
        match self.config.provider {
            Provider::OpenAi => {
                if let Some(key) = key {
                    headers.insert(
                        reqwest::header::AUTHORIZATION,
                        secret_header(format!("Bearer {key}"))?,
                    );
                }
            }
            Provider::Anthropic => {
                if let Some(key) = key {
                    headers.insert(
                        HeaderName::from_static("x-api-key"),
                        secret_header(key.to_string())?,
                    );
                }
                headers.insert(
                    HeaderName::from_static("anthropic-version"),
                    HeaderValue::from_static(anthropic::API_VERSION),
                );
            }
        }
        Ok(headers)
    }

    /// A transport error in words, without the URL (it could carry credentials) and redacted.
    fn describe(&self, error: &reqwest::Error) -> String {
        if error.is_timeout() {
            return format!(
                "no answer within {} s",
                self.config.request_timeout.as_secs_f64()
            );
        }
        let mut text = if error.is_connect() {
            "cannot connect".to_string()
        } else {
            "request failed".to_string()
        };
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        self.redactor.redact(&text)
    }
}
