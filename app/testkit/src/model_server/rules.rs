//! The rules the providers enforce on a tool-calling conversation, as far as a client can
//! break them: every tool call answered in the next turn and nothing else answered, the
//! required fields, tool names and schemas. A request that breaks one is answered 400, as
//! the provider would, and recorded as a violation.

use serde_json::Value;

use super::ModelRequest;

fn non_empty_str(value: Option<&Value>) -> bool {
    value
        .and_then(Value::as_str)
        .is_some_and(|text| !text.is_empty())
}

/// The rules Chat Completions enforces on a tool-calling conversation.
pub(super) fn check_openai(body: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if !non_empty_str(body.get("model")) {
        problems.push("`model` must be a non-empty string".to_string());
    }
    let messages = body.get("messages").and_then(Value::as_array);
    if messages.is_none_or(Vec::is_empty) {
        problems.push("`messages` must be a non-empty array".to_string());
    }
    // Calls of the last assistant message not yet answered by a `tool` message.
    let mut pending: Vec<String> = Vec::new();
    for (index, message) in messages.into_iter().flatten().enumerate() {
        let role = message.get("role").and_then(Value::as_str).unwrap_or("");
        match role {
            "system" | "developer" | "user" | "assistant" => {
                if !pending.is_empty() {
                    problems.push(format!(
                        "messages[{index}] ({role}): an assistant message with `tool_calls` \
                         must be followed by tool messages answering {pending:?}"
                    ));
                    pending.clear();
                }
                let content = message.get("content");
                let calls = message.get("tool_calls");
                if role == "assistant" {
                    if !matches!(
                        content,
                        None | Some(Value::Null | Value::String(_) | Value::Array(_))
                    ) {
                        problems.push(format!(
                            "messages[{index}].content must be a string or null"
                        ));
                    }
                    for (at, call) in calls
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        let ok = non_empty_str(call.get("id"))
                            && call.get("type").and_then(Value::as_str) == Some("function")
                            && non_empty_str(call.pointer("/function/name"))
                            && call
                                .pointer("/function/arguments")
                                .is_some_and(Value::is_string);
                        if !ok {
                            problems.push(format!(
                                "messages[{index}].tool_calls[{at}] needs `id`, `type: function` \
                                 and `function` {{`name`, `arguments` as a string}}"
                            ));
                        }
                        if let Some(id) = call.get("id").and_then(Value::as_str) {
                            pending.push(id.to_string());
                        }
                    }
                } else if !matches!(content, Some(Value::String(_) | Value::Array(_))) {
                    problems.push(format!("messages[{index}].content must be a string"));
                }
            }
            "tool" => {
                let id = message
                    .get("tool_call_id")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                match pending.iter().position(|pending| pending == id) {
                    Some(at) => {
                        pending.remove(at);
                    }
                    None => problems.push(format!(
                        "messages[{index}]: a tool message must answer a `tool_calls` id of the \
                         preceding assistant message, not {id:?}"
                    )),
                }
                if !message.get("content").is_some_and(Value::is_string) {
                    problems.push(format!("messages[{index}].content must be a string"));
                }
            }
            other => problems.push(format!("messages[{index}]: unknown role {other:?}")),
        }
    }
    if !pending.is_empty() {
        problems.push(format!("the tool calls {pending:?} are never answered"));
    }
    let tools = body.get("tools").and_then(Value::as_array);
    for (index, tool) in tools.into_iter().flatten().enumerate() {
        let ok = tool.get("type").and_then(Value::as_str) == Some("function")
            && tool
                .pointer("/function/name")
                .and_then(Value::as_str)
                .is_some_and(valid_tool_name)
            && tool
                .pointer("/function/parameters")
                .is_none_or(Value::is_object);
        if !ok {
            problems.push(format!(
                "tools[{index}] needs `type: function` and `function` {{`name` matching \
                 ^[a-zA-Z0-9_-]{{1,64}}$, `parameters` as an object}}"
            ));
        }
    }
    if body.get("tool_choice").is_some() && tools.is_none_or(Vec::is_empty) {
        problems.push("`tool_choice` is only allowed when `tools` are given".to_string());
    }
    for field in ["max_tokens", "max_completion_tokens"] {
        if let Some(limit) = body.get(field)
            && limit.as_u64().is_none_or(|limit| limit == 0)
        {
            problems.push(format!("`{field}` must be a positive integer"));
        }
    }
    problems
}

fn valid_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
}

/// The rules Messages enforces on a tool-calling conversation.
pub(super) fn check_anthropic(request: &ModelRequest, body: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if request.header("anthropic-version").is_none() {
        problems.push("the `anthropic-version` header is required".to_string());
    }
    if !non_empty_str(body.get("model")) {
        problems.push("`model` must be a non-empty string".to_string());
    }
    if body
        .get("max_tokens")
        .and_then(Value::as_u64)
        .is_none_or(|limit| limit == 0)
    {
        problems.push("`max_tokens` is required and must be a positive integer".to_string());
    }
    if body
        .get("system")
        .is_some_and(|system| !system.is_string() && !system.is_array())
    {
        problems.push("`system` must be a string or an array of text blocks".to_string());
    }
    let messages = body.get("messages").and_then(Value::as_array);
    if messages.is_none_or(Vec::is_empty) {
        problems.push("`messages` must be a non-empty array".to_string());
    }
    // `tool_use` ids of the previous assistant turn, to be answered in the next user turn.
    let mut pending: Vec<String> = Vec::new();
    for (index, message) in messages.into_iter().flatten().enumerate() {
        let role = message.get("role").and_then(Value::as_str).unwrap_or("");
        let blocks: Vec<&Value> = match message.get("content") {
            Some(Value::String(text)) if !text.is_empty() => Vec::new(),
            Some(Value::Array(blocks)) if !blocks.is_empty() => blocks.iter().collect(),
            _ => {
                problems.push(format!(
                    "messages[{index}].content must be a non-empty string or a non-empty array"
                ));
                Vec::new()
            }
        };
        for (at, block) in blocks.iter().enumerate() {
            if block.get("type").and_then(Value::as_str) == Some("text")
                && !non_empty_str(block.get("text"))
            {
                problems.push(format!(
                    "messages[{index}].content[{at}]: text content blocks must be non-empty"
                ));
            }
        }
        let of_type = |kind: &str| {
            blocks
                .iter()
                .filter(|block| block.get("type").and_then(Value::as_str) == Some(kind))
                .copied()
                .collect::<Vec<&Value>>()
        };
        match role {
            "user" => {
                let results = of_type("tool_result");
                let answered: Vec<&str> = results
                    .iter()
                    .filter_map(|block| block.get("tool_use_id").and_then(Value::as_str))
                    .collect();
                for id in &answered {
                    if !pending.iter().any(|pending| pending == id) {
                        problems.push(format!(
                            "messages[{index}]: tool_result {id:?} does not answer a tool_use \
                             block of the previous message"
                        ));
                    }
                }
                let missing: Vec<&String> = pending
                    .iter()
                    .filter(|id| !answered.contains(&id.as_str()))
                    .collect();
                if !missing.is_empty() {
                    problems.push(format!(
                        "messages[{index}]: tool_use ids were found without tool_result blocks \
                         immediately after: {missing:?}"
                    ));
                }
                let first_other = blocks.iter().position(|block| {
                    block.get("type").and_then(Value::as_str) != Some("tool_result")
                });
                let last_result = blocks.iter().rposition(|block| {
                    block.get("type").and_then(Value::as_str) == Some("tool_result")
                });
                if let (Some(other), Some(result)) = (first_other, last_result)
                    && other < result
                {
                    problems.push(format!(
                        "messages[{index}]: tool_result blocks must come first in the content"
                    ));
                }
                for result in &results {
                    if result
                        .get("is_error")
                        .is_some_and(|flag| !flag.is_boolean())
                    {
                        problems.push(format!("messages[{index}]: `is_error` must be a boolean"));
                    }
                }
                pending.clear();
            }
            "assistant" => {
                if !pending.is_empty() {
                    problems.push(format!(
                        "messages[{index}]: tool_use ids were found without tool_result blocks \
                         immediately after: {pending:?}"
                    ));
                }
                pending = Vec::new();
                for (at, call) in of_type("tool_use").into_iter().enumerate() {
                    if !non_empty_str(call.get("id"))
                        || !non_empty_str(call.get("name"))
                        || !call.get("input").is_some_and(Value::is_object)
                    {
                        problems.push(format!(
                            "messages[{index}]: tool_use block {at} needs `id`, `name` and an \
                             object `input`"
                        ));
                    }
                    if let Some(id) = call.get("id").and_then(Value::as_str) {
                        pending.push(id.to_string());
                    }
                }
                if !of_type("tool_result").is_empty() {
                    problems.push(format!(
                        "messages[{index}]: tool_result blocks belong in a user message"
                    ));
                }
            }
            other => problems.push(format!(
                "messages[{index}]: role must be `user` or `assistant`, not {other:?}"
            )),
        }
    }
    if !pending.is_empty() {
        problems.push(format!(
            "tool_use ids were found without tool_result blocks immediately after: {pending:?}"
        ));
    }
    let tools = body.get("tools").and_then(Value::as_array);
    for (index, tool) in tools.into_iter().flatten().enumerate() {
        let ok = tool
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(valid_tool_name)
            && tool.get("input_schema").is_some_and(Value::is_object);
        if !ok {
            problems.push(format!(
                "tools[{index}] needs a `name` matching ^[a-zA-Z0-9_-]{{1,64}}$ and an object \
                 `input_schema`"
            ));
        }
    }
    if let Some(choice) = body.get("tool_choice") {
        if tools.is_none_or(Vec::is_empty) {
            problems.push("`tool_choice` needs `tools`".to_string());
        }
        if !matches!(
            choice.get("type").and_then(Value::as_str),
            Some("auto" | "any" | "tool" | "none")
        ) {
            problems.push("`tool_choice.type` must be auto, any, tool or none".to_string());
        }
    }
    problems
}
