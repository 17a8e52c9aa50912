//! One phase's conversation with the model: offer the phase's tools, run the calls it makes
//! through the tool box, and stop when it calls the phase's submit tool with valid arguments.
//!
//! A bad call (unknown tool, arguments that fail the schema, a write outside the phase's
//! scope, a hunk that does not apply) is answered with an error result the model can act on;
//! it is never executed. The budget is checked by the gateway before every call.

use std::time::Instant;

use redgreen_llm::{Budget, ChatRequest, Gateway, Message, ToolCall, ToolChoice, ToolSpec};
use redgreen_tools::{PhasePolicy, ToolBox, tool_specs, validate_arguments};
use tracing::{debug, info};

use crate::error::AgentError;
use crate::prompt::ModelPhase;

/// The limits of one conversation.
#[derive(Debug, Clone, Copy)]
pub struct ConversationLimits {
    /// Model turns before the phase gives up (the run then asks for a human).
    pub max_turns: u32,
    /// `max_tokens` of each model reply.
    pub max_reply_tokens: u32,
}

impl Default for ConversationLimits {
    fn default() -> Self {
        ConversationLimits {
            max_turns: 40,
            max_reply_tokens: 4096,
        }
    }
}

/// Runs the conversation of `phase` to its submit call and returns that call's validated
/// arguments.
#[allow(clippy::too_many_arguments)]
pub async fn converse(
    gateway: &Gateway,
    budget: &mut Budget,
    toolbox: &ToolBox,
    policy: &PhasePolicy,
    phase: ModelPhase,
    system: String,
    opening: String,
    model: Option<String>,
    limits: ConversationLimits,
) -> Result<serde_json::Value, AgentError> {
    let submit = phase.submit_tool();
    let mut offered: Vec<&str> = phase.working_tools().to_vec();
    offered.push(submit);
    let tools: Vec<ToolSpec> = tool_specs(&offered)
        .into_iter()
        .map(|doc| ToolSpec {
            name: doc.name,
            description: doc.description,
            parameters: doc.input_schema,
        })
        .collect();
    let mut messages = vec![Message::User { content: opening }];
    // The wall-clock cap counts the whole task, tool calls included, not only model time.
    let mut last = Instant::now();
    for turn in 1..=limits.max_turns {
        budget.add_wall(last.elapsed());
        last = Instant::now();
        let request = ChatRequest {
            system: system.clone(),
            messages: messages.clone(),
            tools: tools.clone(),
            max_tokens: limits.max_reply_tokens,
            tool_choice: ToolChoice::Required,
            model: model.clone(),
        };
        let reply = gateway.chat(budget, &request).await?;
        debug!(turn, calls = reply.tool_calls.len(), "model replied");
        messages.push(Message::Assistant {
            content: reply.content.clone(),
            tool_calls: reply.tool_calls.clone(),
        });
        if reply.tool_calls.is_empty() {
            messages.push(Message::User {
                content: format!("Use the tools. When the phase's work is done, call `{submit}`."),
            });
            continue;
        }
        for call in &reply.tool_calls {
            if call.name == submit {
                match submission(call) {
                    Ok(arguments) => {
                        info!(turn, tool = submit, "phase submitted");
                        return Ok(arguments);
                    }
                    Err(error) => {
                        messages.push(Message::ToolResult {
                            call_id: call.id.clone(),
                            content: error,
                            is_error: true,
                        });
                        continue;
                    }
                }
            }
            let result = match call.parsed() {
                Some(arguments) => toolbox.call(policy, &call.name, arguments).await,
                None => redgreen_tools::ToolResult::error(format!(
                    "the arguments of `{}` are not valid JSON; send a JSON object",
                    call.name
                )),
            };
            messages.push(Message::ToolResult {
                call_id: call.id.clone(),
                content: result.content,
                is_error: result.is_error,
            });
        }
    }
    Err(AgentError::TurnsExhausted {
        phase: submit,
        turns: limits.max_turns,
    })
}

/// The submit call's arguments, or the error to show the model.
fn submission(call: &ToolCall) -> Result<serde_json::Value, String> {
    let arguments = call
        .parsed()
        .ok_or_else(|| format!("the arguments of `{}` are not valid JSON", call.name))?;
    validate_arguments(&call.name, arguments).map_err(|error| error.to_string())?;
    Ok(arguments.clone())
}
