//! validate_arguments: the schema decides, and a failure says where and what, so that the
//! model can fix its call.

use redgreen_tools::contract::{PatchForm, SearchModeName};
use redgreen_tools::{ToolError, ToolInput, validate_arguments};
use serde_json::json;

fn problems(tool: &str, arguments: serde_json::Value) -> String {
    match validate_arguments(tool, &arguments) {
        Err(error @ ToolError::InvalidArguments { .. }) => error.to_string(),
        other => panic!("expected invalid arguments, got {other:?}"),
    }
}

#[test]
fn valid_calls_come_back_typed() {
    let input = validate_arguments(
        "code_search",
        &json!({"query": "parse", "mode": "symbol", "scope": {"paths": ["src/"]}, "limit": 5}),
    )
    .unwrap();
    let ToolInput::CodeSearch(search) = input else {
        panic!("wrong tool");
    };
    assert_eq!(search.mode, Some(SearchModeName::Symbol));
    assert_eq!(search.limit, Some(5));

    let input = validate_arguments(
        "code_patch",
        &json!({"file_path": "a.py", "rationale": "r", "edits": [{"old_text": "a", "new_text": "b"}]}),
    )
    .unwrap();
    let ToolInput::CodePatch(patch) = input else {
        panic!("wrong tool");
    };
    assert!(matches!(patch.form().unwrap(), PatchForm::Edits(edits) if edits.len() == 1));
}

#[test]
fn a_missing_argument_is_named() {
    let message = problems("read_file", json!({"start_line": 3}));
    assert!(
        message.contains("\"path\" is a required property"),
        "{message}"
    );
}

#[test]
fn a_wrong_type_is_located_by_its_path() {
    let message = problems(
        "code_patch",
        json!({"file_path": "a.py", "rationale": "r", "edits": [{"old_text": 1, "new_text": "b"}]}),
    );
    assert!(message.contains("/edits/0/old_text"), "{message}");
    assert!(message.contains("string"), "{message}");
}

#[test]
fn unknown_arguments_and_out_of_range_values_are_refused() {
    let message = problems("read_file", json!({"path": "a", "lines": "1-3"}));
    assert!(message.contains("lines"), "{message}");
    let message = problems("code_search", json!({"query": "x", "limit": 0}));
    assert!(message.contains("/limit"), "{message}");
    let message = problems("code_search", json!({"query": "x", "mode": "fuzzy"}));
    assert!(message.contains("/mode"), "{message}");
}

#[test]
fn code_patch_needs_exactly_one_form_of_change() {
    let none = problems("code_patch", json!({"file_path": "a.py", "rationale": "r"}));
    assert!(
        none.contains("exactly one of `unified_diff`, `edits` or `content`; none was given"),
        "{none}"
    );
    let two = problems(
        "code_patch",
        json!({"file_path": "a.py", "rationale": "r", "content": "x", "unified_diff": "@@ -1 +1 @@\n-a\n+b\n"}),
    );
    assert!(two.contains("unified_diff and content were given"), "{two}");
    // null counts as absent: some models send every optional key.
    assert!(
        validate_arguments(
            "code_patch",
            &json!({"file_path": "a.py", "rationale": "r", "content": "x", "edits": null, "unified_diff": null}),
        )
        .is_ok()
    );
}

#[test]
fn unknown_tools_and_non_objects_are_refused() {
    let error = validate_arguments("rm_rf", &json!({})).unwrap_err();
    assert!(matches!(error, ToolError::UnknownTool { .. }));
    assert!(
        error.to_string().contains("code_search"),
        "lists the real tools: {error}"
    );
    let message = problems("read_file", json!(["a.py"]));
    assert!(
        message.contains("must be a JSON object, not an array"),
        "{message}"
    );
}

#[test]
fn submit_tools_validate_too() {
    assert!(validate_arguments("submit_red", &json!({"tests": [], "rationale": "r"})).is_err());
    assert!(matches!(
        validate_arguments("submit_red", &json!({"tests": ["t::x"], "rationale": "r"})).unwrap(),
        ToolInput::SubmitRed(_)
    ));
    let message = problems(
        "submit_plan",
        json!({"summary": "s", "steps": ["a"], "files": []}),
    );
    assert!(
        message.contains("test_strategy") && message.contains("risk"),
        "{message}"
    );
}
