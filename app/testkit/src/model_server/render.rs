//! Scripted replies rendered as each API writes them: a Chat Completions `chat.completion`
//! or a Messages `message`, with ids, a stop reason and usage, and errors in each provider's
//! error format.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::{ModelApi, ModelReply, ModelRequest, Script};

/// What goes back on the wire.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: String,
    pub(super) delay: Duration,
}

/// The answer to `request` (whose JSON body is `body`) from one scripted reply, in the format
/// of the endpoint called; ids are numbered from the script's counter.
pub(super) fn render(
    script: &mut Script,
    api: ModelApi,
    request: &ModelRequest,
    body: &Value,
    reply: ModelReply,
) -> Answer {
    let (text, calls) = match reply {
        ModelReply::Delayed { delay, reply } => {
            let mut answer = render(script, api, request, body, *reply);
            answer.delay += delay;
            return answer;
        }
        ModelReply::Status {
            status,
            headers,
            body,
        } => {
            return Answer {
                status,
                headers,
                body,
                delay: Duration::ZERO,
            };
        }
        ModelReply::Error {
            status,
            headers,
            message,
        } => return error_answer(api, status, headers, &message),
        ModelReply::Text(text) => (Some(text), Vec::new()),
        ModelReply::ToolCalls { text, calls } => (text, calls),
    };
    let output_size = text.as_ref().map_or(0, String::len)
        + calls
            .iter()
            .map(|call| call.name.len() + call.arguments.len())
            .sum::<usize>();
    let (input_tokens, output_tokens) = script.usage.unwrap_or((
        (request.raw_body.len() as u64).div_ceil(4),
        (output_size as u64).div_ceil(4).max(1),
    ));
    let model = body.get("model").cloned().unwrap_or(Value::Null);
    let serial = script.next_id;
    script.next_id += calls.len() as u64 + 1;
    let rendered = match api {
        ModelApi::OpenAi => {
            let tool_calls: Vec<Value> = calls
                .iter()
                .enumerate()
                .map(|(index, call)| {
                    json!({
                        "id": format!("call_rg{}", serial + index as u64),
                        "type": "function",
                        "function": { "name": call.name, "arguments": call.arguments },
                    })
                })
                .collect();
            let mut message = json!({ "role": "assistant", "content": text, "refusal": null });
            if !tool_calls.is_empty() {
                message["tool_calls"] = Value::Array(tool_calls);
            }
            json!({
                "id": format!("chatcmpl-rg{serial}"),
                "object": "chat.completion",
                "created": SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs()),
                "model": model,
                "choices": [{
                    "index": 0,
                    "message": message,
                    "logprobs": null,
                    "finish_reason": if calls.is_empty() { "stop" } else { "tool_calls" },
                }],
                "usage": {
                    "prompt_tokens": input_tokens,
                    "completion_tokens": output_tokens,
                    "total_tokens": input_tokens + output_tokens,
                },
            })
        }
        ModelApi::Anthropic => {
            let mut content: Vec<Value> = text
                .iter()
                .map(|text| json!({ "type": "text", "text": text }))
                .collect();
            content.extend(calls.iter().enumerate().map(|(index, call)| {
                json!({
                    "type": "tool_use",
                    "id": format!("toolu_rg{}", serial + index as u64),
                    "name": call.name,
                    "input": serde_json::from_str::<Value>(&call.arguments)
                        .unwrap_or_else(|_| Value::String(call.arguments.clone())),
                })
            }));
            json!({
                "id": format!("msg_rg{serial}"),
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": content,
                "stop_reason": if calls.is_empty() { "end_turn" } else { "tool_use" },
                "stop_sequence": null,
                "usage": { "input_tokens": input_tokens, "output_tokens": output_tokens },
            })
        }
    };
    Answer {
        status: 200,
        headers: Vec::new(),
        body: rendered.to_string(),
        delay: Duration::ZERO,
    }
}

/// An error body as the provider would write it.
pub(super) fn error_answer(
    api: ModelApi,
    status: u16,
    headers: Vec<(String, String)>,
    message: &str,
) -> Answer {
    let body = match api {
        ModelApi::OpenAi => json!({
            "error": {
                "message": message,
                "type": match status {
                    401 => "invalid_request_error",
                    429 => "requests",
                    400..=499 => "invalid_request_error",
                    _ => "server_error",
                },
                "param": null,
                "code": null,
            }
        }),
        ModelApi::Anthropic => json!({
            "type": "error",
            "error": {
                "type": match status {
                    400 => "invalid_request_error",
                    401 => "authentication_error",
                    403 => "permission_error",
                    404 => "not_found_error",
                    413 => "request_too_large",
                    429 => "rate_limit_error",
                    529 => "overloaded_error",
                    _ => "api_error",
                },
                "message": message,
            }
        }),
    };
    Answer {
        status,
        headers,
        body: body.to_string(),
        delay: Duration::ZERO,
    }
}
