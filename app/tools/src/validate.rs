//! Checking a model's tool call against the tool's JSON Schema (the same document that is
//! committed and offered), with errors the model can act on: where in the arguments, and what
//! is wrong.

use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::contract::{ToolInput, ToolName, exactly_one_problem};
use crate::error::ToolError;
use crate::schema::input_schema;

/// At most this many problems are listed: the first few are enough to fix a call.
const MAX_PROBLEMS: usize = 5;

/// Validators for every tool's input schema, in `ToolName::ALL` order, compiled once.
fn validators() -> &'static [Result<jsonschema::Validator, String>] {
    static VALIDATORS: OnceLock<Vec<Result<jsonschema::Validator, String>>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        ToolName::ALL
            .into_iter()
            .map(|tool| jsonschema::validator_for(input_schema(tool)).map_err(|e| e.to_string()))
            .collect()
    })
}

/// Validates `arguments` for the tool called `tool` and returns them typed. Every failure is an
/// error whose message names the argument (`/edits/0/old_text`) and the problem.
pub fn validate_arguments(tool: &str, arguments: &Value) -> Result<ToolInput, ToolError> {
    let name = ToolName::from_name(tool).ok_or_else(|| ToolError::UnknownTool {
        name: tool.to_owned(),
        known: ToolName::ALL.map(ToolName::as_str).join(", "),
    })?;
    let invalid = |problems: Vec<String>| ToolError::InvalidArguments {
        tool: tool.to_owned(),
        problems,
    };
    let Some(object) = arguments.as_object() else {
        return Err(invalid(vec![format!(
            "the arguments must be a JSON object, not {}",
            json_type(arguments)
        )]));
    };
    if name == ToolName::CodePatch {
        // The schema's `oneOf` would say only "not valid under any of the schemas": say which.
        let given: Vec<&str> = ["unified_diff", "edits", "content"]
            .into_iter()
            .filter(|key| object.get(*key).is_some_and(|v| !v.is_null()))
            .collect();
        if given.len() != 1 {
            return Err(invalid(vec![exactly_one_problem(&given)]));
        }
    }
    let index = ToolName::ALL
        .iter()
        .position(|t| *t == name)
        .unwrap_or_default();
    let validator = validators()[index]
        .as_ref()
        .map_err(|message| ToolError::Unavailable {
            tool: tool.to_owned(),
            reason: format!("its schema does not compile ({message}); this is a bug in redgreen"),
        })?;
    let problems: Vec<String> = validator
        .iter_errors(arguments)
        .take(MAX_PROBLEMS)
        .map(|error| {
            let at = error.instance_path().to_string();
            if at.is_empty() {
                error.to_string()
            } else {
                format!("at `{at}`: {error}")
            }
        })
        .collect();
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let typed = |problem: serde_json::Error| invalid(vec![problem.to_string()]);
    Ok(match name {
        ToolName::CodeSearch => ToolInput::CodeSearch(decode(arguments).map_err(typed)?),
        ToolName::ReadFile => ToolInput::ReadFile(decode(arguments).map_err(typed)?),
        ToolName::RepoMap => ToolInput::RepoMap(decode(arguments).map_err(typed)?),
        ToolName::CodePatch => ToolInput::CodePatch(decode(arguments).map_err(typed)?),
        ToolName::RunTests => ToolInput::RunTests(decode(arguments).map_err(typed)?),
        ToolName::SastScan => ToolInput::SastScan(decode(arguments).map_err(typed)?),
        ToolName::SbomGenerate => ToolInput::SbomGenerate(decode(arguments).map_err(typed)?),
        ToolName::OpenPr => ToolInput::OpenPr(decode(arguments).map_err(typed)?),
        ToolName::SubmitPlan => ToolInput::SubmitPlan(decode(arguments).map_err(typed)?),
        ToolName::SubmitRed => ToolInput::SubmitRed(decode(arguments).map_err(typed)?),
        ToolName::SubmitPatch => ToolInput::SubmitPatch(decode(arguments).map_err(typed)?),
    })
}

fn decode<T: DeserializeOwned>(arguments: &Value) -> Result<T, serde_json::Error> {
    T::deserialize(arguments)
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
