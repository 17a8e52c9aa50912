//! The tools' JSON Schemas (draft 2020-12), generated from the contract types: the documents
//! committed under `schemas/tools/` and `schemas/mcp/`, and the tool list offered to a model.

use std::sync::OnceLock;

use redgreen_core::canonical_json::sorted;
use schemars::JsonSchema;
use schemars::generate::{Contract, SchemaSettings};
use serde_json::{Map, Value, json};

use crate::contract::{
    CodePatchInput, CodePatchOutput, CodeSearchInput, CodeSearchOutput, OpenPrInput, OpenPrOutput,
    ReadFileInput, ReadFileOutput, RepoMapInput, RepoMapOutput, RunTestsInput, RunTestsOutput,
    SastScanInput, SastScanOutput, SbomGenerateInput, SbomGenerateOutput, SubmitPatchInput,
    SubmitPlanInput, SubmitRedInput, ToolName,
};

/// A tool as offered to a model: its name, what it does, and its parameters' schema.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpecDoc {
    pub name: String,
    pub description: String,
    /// The input schema, less what model providers refuse at the top level (`$schema`, and
    /// the `oneOf` of `code_patch`, which its description states and validation enforces).
    pub input_schema: Value,
}

/// Generates a root schema, every subschema inlined: models and MCP clients read one
/// self-contained object, with no `$ref` to follow.
fn generate<T: JsonSchema>(contract: Contract) -> Value {
    let schema = SchemaSettings::draft2020_12()
        .with(|settings| {
            settings.inline_subschemas = true;
            settings.contract = contract;
        })
        .into_generator()
        .into_root_schema_for::<T>();
    let mut value = schema.to_value();
    if let Some(object) = value.as_object_mut() {
        // The title is the Rust type's name, which means nothing to a reader of the contract.
        object.remove("title");
    }
    unwrap_descriptions(&mut value);
    value
}

/// Doc comments are wrapped at 100 columns; a description reads as one paragraph per blank
/// line, so single line breaks become spaces.
fn unwrap_descriptions(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                match child {
                    Value::String(text) if key == "description" => {
                        *text = text
                            .split("\n\n")
                            .map(|paragraph| {
                                paragraph
                                    .split('\n')
                                    .map(str::trim)
                                    .collect::<Vec<_>>()
                                    .join(" ")
                            })
                            .collect::<Vec<_>>()
                            .join("\n\n");
                    }
                    other => unwrap_descriptions(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}

/// Input schemas, output schemas, in `ToolName::ALL` order; built once.
fn schemas() -> &'static [(Value, Option<Value>)] {
    static SCHEMAS: OnceLock<Vec<(Value, Option<Value>)>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        ToolName::ALL
            .into_iter()
            .map(|tool| {
                let input = Contract::Deserialize;
                let output = Contract::Serialize;
                match tool {
                    ToolName::CodeSearch => (
                        generate::<CodeSearchInput>(input),
                        Some(generate::<CodeSearchOutput>(output)),
                    ),
                    ToolName::ReadFile => (
                        generate::<ReadFileInput>(input),
                        Some(generate::<ReadFileOutput>(output)),
                    ),
                    ToolName::RepoMap => (
                        generate::<RepoMapInput>(input),
                        Some(generate::<RepoMapOutput>(output)),
                    ),
                    ToolName::CodePatch => (
                        generate::<CodePatchInput>(input),
                        Some(generate::<CodePatchOutput>(output)),
                    ),
                    ToolName::RunTests => (
                        generate::<RunTestsInput>(input),
                        Some(generate::<RunTestsOutput>(output)),
                    ),
                    ToolName::SastScan => (
                        generate::<SastScanInput>(input),
                        Some(generate::<SastScanOutput>(output)),
                    ),
                    ToolName::SbomGenerate => (
                        generate::<SbomGenerateInput>(input),
                        Some(generate::<SbomGenerateOutput>(output)),
                    ),
                    ToolName::OpenPr => (
                        generate::<OpenPrInput>(input),
                        Some(generate::<OpenPrOutput>(output)),
                    ),
                    ToolName::SubmitPlan => (generate::<SubmitPlanInput>(input), None),
                    ToolName::SubmitRed => (generate::<SubmitRedInput>(input), None),
                    ToolName::SubmitPatch => (generate::<SubmitPatchInput>(input), None),
                }
            })
            .collect()
    })
}

fn entry(tool: ToolName) -> &'static (Value, Option<Value>) {
    let index = ToolName::ALL
        .iter()
        .position(|t| *t == tool)
        .unwrap_or_default();
    &schemas()[index]
}

/// The JSON Schema of a tool's arguments.
pub fn input_schema(tool: ToolName) -> &'static Value {
    &entry(tool).0
}

/// The JSON Schema of a tool's result; `None` for the phase-ending tools, whose verdict comes
/// back as the next message rather than as a result.
pub fn output_schema(tool: ToolName) -> Option<&'static Value> {
    entry(tool).1.as_ref()
}

/// The document committed as `schemas/tools/<tool>.json`.
/// Keys are sorted, so the bytes do not depend on serde_json's features in the build.
pub fn tool_document(tool: ToolName) -> Value {
    sorted(json!({
        "name": tool.as_str(),
        "description": tool.description(),
        "input_schema": input_schema(tool),
        "output_schema": output_schema(tool),
    }))
}

/// The MCP tool descriptor (keys sorted) committed as `schemas/mcp/<tool>.json` (MCP 2025-11-25 `Tool`:
/// `inputSchema` and `outputSchema` are objects at the root, JSON Schema 2020-12). `None` for
/// the phase-ending tools, which exist only inside redgreen's own loop.
pub fn mcp_descriptor(tool: ToolName) -> Option<Value> {
    if tool.is_phase_ending() {
        return None;
    }
    let effects = tool.effects();
    let mut descriptor = Map::new();
    descriptor.insert("name".into(), tool.as_str().into());
    descriptor.insert("title".into(), tool.title().into());
    descriptor.insert("description".into(), tool.description().into());
    descriptor.insert("inputSchema".into(), input_schema(tool).clone());
    if let Some(output) = output_schema(tool) {
        descriptor.insert("outputSchema".into(), output.clone());
    }
    descriptor.insert(
        "annotations".into(),
        json!({
            "title": tool.title(),
            "readOnlyHint": effects.read_only,
            "destructiveHint": effects.destructive,
            "idempotentHint": effects.idempotent,
            "openWorldHint": effects.open_world,
        }),
    );
    Some(sorted(Value::Object(descriptor)))
}

/// The tools named, as offered to a model. Unknown names are left out (and logged): offering
/// a tool that cannot be called would only produce errors.
pub fn tool_specs(names: &[&str]) -> Vec<ToolSpecDoc> {
    names
        .iter()
        .filter_map(|name| {
            let tool = ToolName::from_name(name);
            if tool.is_none() {
                tracing::warn!(tool = %name, "asked to offer an unknown tool");
            }
            tool
        })
        .map(|tool| {
            let mut schema = input_schema(tool).clone();
            if let Some(object) = schema.as_object_mut() {
                // Anthropic refuses `oneOf`/`anyOf`/`allOf` at the top of a tool's schema and
                // neither provider needs `$schema`.
                for key in ["$schema", "oneOf", "anyOf", "allOf"] {
                    object.remove(key);
                }
            }
            ToolSpecDoc {
                name: tool.as_str().to_owned(),
                description: tool.description().to_owned(),
                input_schema: schema,
            }
        })
        .collect()
}
