//! Anthropic Messages (`POST {host}/v1/messages`).
//!
//! The system prompt is a top-level field; a conversation alternates `user` and `assistant`
//! turns made of content blocks. A tool call is a `tool_use` block (its input a JSON object)
//! and its answer a `tool_result` block, with `is_error`, in the next user turn; every result
//! of one assistant turn goes into that one user turn, before any text.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::chat::{ChatRequest, StopReason, ToolChoice, Usage};
use crate::message::{Message, ToolCall};
use crate::wire::Decoded;

/// The API version redgreen speaks (`anthropic-version`).
pub(crate) const API_VERSION: &str = "2023-06-01";

pub(crate) fn request_body(request: &ChatRequest, model: &str) -> Value {
    let mut turns: Vec<(&'static str, Vec<Value>)> = Vec::new();
    for message in &request.messages {
        let (role, blocks) = match message {
            Message::User { content } => ("user", vec![text_block(content)]),
            Message::Assistant {
                content,
                tool_calls,
            } => {
                let mut blocks: Vec<Value> = content
                    .iter()
                    .filter(|text| !text.is_empty())
                    .map(|text| text_block(text))
                    .collect();
                blocks.extend(tool_calls.iter().map(|call| {
                    json!({
                        "type": "tool_use",
                        "id": call.id,
                        "name": call.name,
                        "input": tool_input(call),
                    })
                }));
                ("assistant", blocks)
            }
            Message::ToolResult {
                call_id,
                content,
                is_error,
            } => {
                let mut block = json!({
                    "type": "tool_result",
                    "tool_use_id": call_id,
                    "content": content,
                });
                if *is_error {
                    block["is_error"] = json!(true);
                }
                ("user", vec![block])
            }
        };
        // An empty assistant turn is refused; leaving it out merges its neighbours.
        if blocks.is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some((last_role, last_blocks)) if *last_role == role => last_blocks.extend(blocks),
            _ => turns.push((role, blocks)),
        }
    }
    let messages: Vec<Value> = turns
        .into_iter()
        .map(|(role, mut blocks)| {
            // Tool results must open the user turn that answers the calls.
            blocks.sort_by_key(|block| block["type"] != "tool_result");
            json!({ "role": role, "content": blocks })
        })
        .collect();
    let mut body = json!({
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": messages,
    });
    if !request.system.is_empty() {
        body["system"] = json!(request.system);
    }
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|tool| {
                json!({
                    "name": tool.name,
                    "description": tool.description,
                    "input_schema": tool.parameters,
                })
            })
            .collect();
        body["tool_choice"] = json!({
            "type": match request.tool_choice {
                ToolChoice::Auto => "auto",
                ToolChoice::Required => "any",
            }
        });
    }
    body
}

/// Text blocks may not be empty.
fn text_block(text: &str) -> Value {
    let text = if text.is_empty() { "(empty)" } else { text };
    json!({ "type": "text", "text": text })
}

/// A `tool_use` input must be an object. A call from another provider whose arguments were
/// not a JSON object is replayed with its raw text, so the model still sees what it sent.
fn tool_input(call: &ToolCall) -> Value {
    match call.parsed() {
        Some(object @ Value::Object(_)) => object.clone(),
        _ => json!({ "invalid_arguments": call.raw_arguments() }),
    }
}

#[derive(Deserialize)]
struct Response {
    model: Option<String>,
    content: Vec<Block>,
    stop_reason: Option<String>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Block {
    Text {
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    /// Thinking and server-tool blocks: not part of what redgreen acts on.
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct WireUsage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cache_creation_input_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
}

pub(crate) fn decode(body: &[u8]) -> Result<Decoded, String> {
    let response: Response = serde_json::from_slice(body)
        .map_err(|error| format!("not a Messages response: {error}"))?;
    let mut texts = Vec::new();
    let mut tool_calls = Vec::new();
    for block in response.content {
        match block {
            Block::Text { text } => texts.push(text),
            Block::ToolUse { id, name, input } => {
                tool_calls.push(ToolCall::from_value(id, name, input));
            }
            Block::Other => {}
        }
    }
    let content = Some(texts.join("\n")).filter(|text| !text.is_empty());
    let stop = match response.stop_reason.as_deref() {
        Some("end_turn" | "stop_sequence") | None => StopReason::EndTurn,
        Some("tool_use") => StopReason::ToolUse,
        Some("max_tokens") => StopReason::MaxTokens,
        Some("refusal") => StopReason::Refused,
        Some(other) => StopReason::Other(other.to_string()),
    };
    let usage = response.usage.map_or_else(Usage::default, |usage| Usage {
        // Cache writes and reads are input the provider bills (at other rates; the price
        // table has one input price, so they count at it).
        input_tokens: usage.input_tokens.unwrap_or(0)
            + usage.cache_creation_input_tokens.unwrap_or(0)
            + usage.cache_read_input_tokens.unwrap_or(0),
        output_tokens: usage.output_tokens.unwrap_or(0),
    });
    Ok(Decoded {
        content,
        tool_calls,
        usage,
        stop,
        model: response.model,
    })
}
