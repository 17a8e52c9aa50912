//! The committed schemas (`schemas/tools/`, `schemas/mcp/`) are generated from the contract
//! types: this test regenerates them and fails on any difference. `REDGREEN_BLESS=1` rewrites
//! the files instead (and says so).

use std::collections::BTreeSet;
use std::path::PathBuf;

use redgreen_tools::{
    ToolName, input_schema, mcp_descriptor, output_schema, tool_document, tool_specs,
};
use serde_json::Value;

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

fn pretty(value: &Value) -> String {
    format!("{}\n", serde_json::to_string_pretty(value).unwrap())
}

#[test]
fn committed_schemas_match_the_contract_types() {
    let bless = std::env::var("REDGREEN_BLESS").is_ok_and(|v| v == "1");
    let mut expected: Vec<(PathBuf, String)> = Vec::new();
    for tool in ToolName::ALL {
        expected.push((
            schemas_dir().join("tools").join(format!("{tool}.json")),
            pretty(&tool_document(tool)),
        ));
        if let Some(descriptor) = mcp_descriptor(tool) {
            expected.push((
                schemas_dir().join("mcp").join(format!("{tool}.json")),
                pretty(&descriptor),
            ));
        }
    }
    let mut stale = Vec::new();
    for (path, text) in &expected {
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        if committed != *text {
            if bless {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, text).unwrap();
                eprintln!("REDGREEN_BLESS=1: rewrote {}", path.display());
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "these committed schemas differ from the contract types (run with REDGREEN_BLESS=1 to \
         regenerate them, then review the diff):\n{}",
        stale.join("\n")
    );
    // No committed schema without a tool behind it.
    let wanted: BTreeSet<PathBuf> = expected.iter().map(|(p, _)| p.clone()).collect();
    for dir in ["tools", "mcp"] {
        for entry in std::fs::read_dir(schemas_dir().join(dir)).unwrap() {
            let path = schemas_dir().join(dir).join(entry.unwrap().file_name());
            assert!(
                wanted.contains(&path),
                "{} has no tool behind it",
                path.display()
            );
        }
    }
}

#[test]
fn every_schema_is_valid_json_schema_2020_12() {
    for tool in ToolName::ALL {
        let input = input_schema(tool);
        assert_eq!(
            input["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{tool}"
        );
        jsonschema::meta::validate(input).unwrap_or_else(|e| panic!("{tool} input: {e}"));
        if let Some(output) = output_schema(tool) {
            jsonschema::meta::validate(output).unwrap_or_else(|e| panic!("{tool} output: {e}"));
        }
    }
}

fn properties(schema: &Value) -> BTreeSet<String> {
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn schemas_carry_exactly_the_contract_field_names() {
    let cases: [(ToolName, &[&str], &[&str]); 11] = [
        (
            ToolName::CodeSearch,
            &["query", "mode", "scope", "limit"],
            &["hits"],
        ),
        (
            ToolName::ReadFile,
            &["path", "start_line", "end_line"],
            &["content", "start_line", "end_line", "total_lines"],
        ),
        (ToolName::RepoMap, &["max_tokens", "focus"], &["map"]),
        (
            ToolName::CodePatch,
            &["file_path", "rationale", "unified_diff", "edits", "content"],
            &["patch_id", "lines_changed", "risk_level"],
        ),
        (
            ToolName::RunTests,
            &["target", "timeout_s"],
            &[
                "passed",
                "failed",
                "skipped",
                "failing",
                "duration_ms",
                "log_excerpt",
                "truncated",
            ],
        ),
        (
            ToolName::SastScan,
            &["profile"],
            &["findings", "severity_histogram"],
        ),
        (
            ToolName::SbomGenerate,
            &["target"],
            // PRODUCT.md's three, plus two additions (contracts may grow, never change).
            &[
                "sbom_path",
                "packages",
                "licenses",
                "lockfiles",
                "vulnerabilities",
            ],
        ),
        (
            ToolName::OpenPr,
            &["title", "body", "branch", "reviewers"],
            &["pr_number", "url"],
        ),
        (
            ToolName::SubmitPlan,
            &["summary", "steps", "files", "test_strategy", "risk"],
            &[],
        ),
        (ToolName::SubmitRed, &["tests", "rationale"], &[]),
        (ToolName::SubmitPatch, &["rationale"], &[]),
    ];
    for (tool, input, output) in cases {
        assert_eq!(properties(input_schema(tool)), set(input), "{tool} input");
        assert_eq!(
            input_schema(tool)["additionalProperties"],
            false,
            "{tool} refuses unknown arguments"
        );
        match output_schema(tool) {
            Some(schema) => assert_eq!(properties(schema), set(output), "{tool} output"),
            None => assert!(output.is_empty(), "{tool} has an output"),
        }
    }
    let hit = &output_schema(ToolName::CodeSearch).unwrap()["properties"]["hits"]["items"];
    assert_eq!(
        properties(hit),
        set(&[
            "path",
            "start_line",
            "end_line",
            "symbol",
            "kind",
            "snippet",
            "score"
        ])
    );
    let failing = &output_schema(ToolName::RunTests).unwrap()["properties"]["failing"]["items"];
    assert_eq!(
        properties(failing),
        set(&["name", "message", "file", "line"])
    );
    let edit = &input_schema(ToolName::CodePatch)["properties"]["edits"]["items"];
    assert_eq!(properties(edit), set(&["old_text", "new_text"]));
    // "exactly one of" is part of the contract.
    assert_eq!(
        input_schema(ToolName::CodePatch)["oneOf"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn mcp_descriptors_have_the_shape_of_an_mcp_tool() {
    for tool in ToolName::ALL {
        let Some(descriptor) = mcp_descriptor(tool) else {
            assert!(tool.is_phase_ending(), "{tool} needs an MCP descriptor");
            continue;
        };
        assert_eq!(descriptor["name"], tool.as_str());
        assert!(
            descriptor["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
        assert_eq!(descriptor["inputSchema"]["type"], "object", "{tool}");
        assert_eq!(descriptor["outputSchema"]["type"], "object", "{tool}");
        let annotations = &descriptor["annotations"];
        for hint in [
            "readOnlyHint",
            "destructiveHint",
            "idempotentHint",
            "openWorldHint",
        ] {
            assert!(annotations[hint].is_boolean(), "{tool} {hint}");
        }
        // Only the snake_case contract keys of the tools file are renamed for MCP.
        assert!(descriptor.get("input_schema").is_none());
    }
    assert_eq!(
        mcp_descriptor(ToolName::ReadFile).unwrap()["annotations"]["readOnlyHint"],
        true
    );
    assert_eq!(
        mcp_descriptor(ToolName::CodePatch).unwrap()["annotations"]["readOnlyHint"],
        false
    );
}

#[test]
fn tool_specs_offer_what_model_providers_accept() {
    let specs = tool_specs(&["read_file", "code_patch", "no_such_tool", "submit_red"]);
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["read_file", "code_patch", "submit_red"]);
    for spec in &specs {
        assert_eq!(spec.input_schema["type"], "object");
        for refused in ["oneOf", "anyOf", "allOf", "$schema"] {
            assert!(
                spec.input_schema.get(refused).is_none(),
                "{} has {refused}",
                spec.name
            );
        }
        assert!(!spec.description.is_empty());
    }
    let patch = &specs[1];
    assert!(patch.description.contains("exactly one of"));
    assert_eq!(
        properties(&patch.input_schema),
        properties(input_schema(ToolName::CodePatch))
    );
}
