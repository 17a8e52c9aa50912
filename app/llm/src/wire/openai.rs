//! OpenAI Chat Completions (`POST {base}/chat/completions`), as spoken by OpenAI and by the
//! compatible servers (vLLM, Ollama, llama.cpp server, hosted gateways).
//!
//! Tool calls travel as `tool_calls[].function.arguments`, a string the model wrote that may
//! not be JSON; tool results are `role: tool` messages naming the call. Chat Completions has
//! no error flag on a tool result, so a failed call's result says so in its text.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::chat::{ChatRequest, StopReason, ToolChoice, Usage};
use crate::message::{Message, ToolCall};
use crate::wire::Decoded;

/// Which field carries the reply limit. OpenAI's own API refuses `max_tokens` for its
/// reasoning models and wants `max_completion_tokens`; the compatible servers know
/// `max_tokens` and not always the newer name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MaxTokensField {
    MaxTokens,
    MaxCompletionTokens,
}

impl MaxTokensField {
    /// `max_completion_tokens` for api.openai.com, `max_tokens` for everything else.
    pub(crate) fn for_host(host: Option<&str>) -> MaxTokensField {
        match host {
            Some("api.openai.com") => MaxTokensField::MaxCompletionTokens,
            _ => MaxTokensField::MaxTokens,
        }
    }
}

/// Prefix of a failed tool call's result, standing in for Anthropic's `is_error`.
const ERROR_PREFIX: &str = "ERROR: ";

pub(crate) fn request_body(request: &ChatRequest, model: &str, field: MaxTokensField) -> Value {
    let mut messages = Vec::with_capacity(request.messages.len() + 1);
    if !request.system.is_empty() {
        messages.push(json!({ "role": "system", "content": request.system }));
    }
    for message in &request.messages {
        messages.push(match message {
            Message::User { content } => json!({ "role": "user", "content": content }),
            Message::Assistant {
                content,
                tool_calls,
            } => {
                let mut wire = json!({ "role": "assistant", "content": content });
                if tool_calls.is_empty() {
                    // Some servers refuse an assistant message with neither text nor calls.
                    if content.is_none() {
                        wire["content"] = json!("");
                    }
                } else {
                    wire["tool_calls"] = tool_calls
                        .iter()
                        .map(|call| {
                            json!({
                                "id": call.id,
                                "type": "function",
                                "function": {
                                    "name": call.name,
                                    "arguments": call.raw_arguments(),
                                },
                            })
                        })
                        .collect();
                }
                wire
            }
            Message::ToolResult {
                call_id,
                content,
                is_error,
            } => {
                let content = if *is_error && !content.starts_with(ERROR_PREFIX) {
                    format!("{ERROR_PREFIX}{content}")
                } else {
                    content.clone()
                };
                json!({ "role": "tool", "tool_call_id": call_id, "content": content })
            }
        });
    }
    let limit_field = match field {
        MaxTokensField::MaxTokens => "max_tokens",
        MaxTokensField::MaxCompletionTokens => "max_completion_tokens",
    };
    let mut body = json!({ "model": model, "messages": messages });
    body[limit_field] = json!(request.max_tokens);
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|tool| {
                json!({
                    "type": "function",
                    "function": {
                        "name": tool.name,
                        "description": tool.description,
                        "parameters": tool.parameters,
                    },
                })
            })
            .collect();
        body["tool_choice"] = json!(match request.tool_choice {
            ToolChoice::Auto => "auto",
            ToolChoice::Required => "required",
        });
    }
    body
}

#[derive(Deserialize)]
struct Response {
    model: Option<String>,
    choices: Vec<Choice>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct Choice {
    message: AssistantMessage,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct AssistantMessage {
    content: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<WireToolCall>>,
    /// Set instead of `content` when the model declines.
    refusal: Option<String>,
}

#[derive(Deserialize)]
struct WireToolCall {
    id: Option<String>,
    function: WireFunction,
}

#[derive(Deserialize)]
struct WireFunction {
    name: String,
    /// A string in the specification; some compatible servers send the JSON object itself.
    arguments: Option<Value>,
}

#[derive(Deserialize)]
struct WireUsage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

pub(crate) fn decode(body: &[u8]) -> Result<Decoded, String> {
    let response: Response = serde_json::from_slice(body)
        .map_err(|error| format!("not a Chat Completions response: {error}"))?;
    let Some(choice) = response.choices.into_iter().next() else {
        return Err("a Chat Completions response without choices".to_string());
    };
    let tool_calls: Vec<ToolCall> = choice
        .message
        .tool_calls
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(index, call)| {
            let arguments = match call.function.arguments {
                Some(Value::String(raw)) => raw,
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            // Some local servers leave out the id; the tool result must still name the call.
            let id = call
                .id
                .filter(|id| !id.is_empty())
                .unwrap_or_else(|| format!("call_{index}"));
            ToolCall::new(id, call.function.name, arguments)
        })
        .collect();
    let refused = choice.message.refusal.filter(|text| !text.is_empty());
    let stop = match (choice.finish_reason.as_deref(), &refused) {
        (_, Some(_)) | (Some("content_filter"), _) => StopReason::Refused,
        (Some("tool_calls" | "function_call"), _) => StopReason::ToolUse,
        (Some("length"), _) => StopReason::MaxTokens,
        (Some("stop"), _) if tool_calls.is_empty() => StopReason::EndTurn,
        // Some servers say `stop` even when the model called tools.
        (Some("stop") | None, _) if !tool_calls.is_empty() => StopReason::ToolUse,
        (Some("stop") | None, _) => StopReason::EndTurn,
        (Some(other), _) => StopReason::Other(other.to_string()),
    };
    let usage = response.usage.map_or_else(Usage::default, |usage| Usage {
        input_tokens: usage.prompt_tokens.unwrap_or(0),
        output_tokens: usage.completion_tokens.unwrap_or(0),
    });
    Ok(Decoded {
        content: choice
            .message
            .content
            .filter(|text| !text.is_empty())
            .or(refused),
        tool_calls,
        usage,
        stop,
        model: response.model,
    })
}
