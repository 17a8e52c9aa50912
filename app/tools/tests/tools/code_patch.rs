//! code_patch through the tool box: unified diffs applied with offset and fuzz, a clear error
//! when a hunk does not apply, exact edits, whole contents, and the phase's write rules.

use std::collections::BTreeSet;

use redgreen_tools::{PhasePolicy, ToolBox, WriteScope};
use serde_json::{Value, json};

use crate::support::{read, repo_with};

fn numbered(n: usize) -> String {
    (1..=n).map(|i| format!("line {i}\n")).collect()
}

fn toolbox(root: &std::path::Path) -> ToolBox {
    ToolBox::new(root, WriteScope::default(), String::new()).unwrap()
}

async fn patch(toolbox: &ToolBox, policy: &PhasePolicy, arguments: Value) -> (bool, String) {
    let result = toolbox.call(policy, "code_patch", &arguments).await;
    (result.is_error, result.content)
}

fn anything() -> PhasePolicy {
    PhasePolicy::patch(BTreeSet::new())
}

#[tokio::test]
async fn a_diff_with_wrong_line_numbers_applies_where_its_context_is() {
    let repo = repo_with(&[("src/lines.txt", &numbered(40))]);
    let tools = toolbox(repo.path());
    // The hunk claims line 5; the text is at line 21. Counts are wrong too.
    let diff = "--- a/src/lines.txt\n+++ b/src/lines.txt\n@@ -5,9 +5,9 @@\n line 20\n line 21\n-line 22\n+line twenty-two\n line 23\n";
    let (error, content) = patch(
        &tools,
        &anything(),
        json!({"file_path": "src/lines.txt", "rationale": "rename", "unified_diff": diff}),
    )
    .await;
    assert!(!error, "{content}");
    let text = read(repo.path(), "src/lines.txt");
    assert!(
        text.contains("line 21\nline twenty-two\nline 23\n"),
        "{text}"
    );
    assert!(!text.contains("line 22\n"));
    let output: Value = serde_json::from_str(&content).unwrap();
    assert_eq!(output["lines_changed"], 2);
    assert_eq!(output["risk_level"], "low");
    assert!(output["patch_id"].as_str().unwrap().starts_with("p-"));
    assert_eq!(
        tools.written_paths(),
        BTreeSet::from(["src/lines.txt".to_owned()])
    );
}

#[tokio::test]
async fn fuzzy_context_and_bare_hunks_apply() {
    let repo = repo_with(&[(
        "calc.py",
        "def add(a, b):\n    # add two numbers\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n",
    )]);
    let tools = toolbox(repo.path());
    // No file header, no line numbers, and a context line that is slightly off.
    let diff =
        "@@ @@\n def add(a, b):\n     # adds two numbers\n-    return a - b\n+    return a + b\n";
    let (error, content) = patch(
        &tools,
        &anything(),
        json!({"file_path": "calc.py", "rationale": "fix add", "unified_diff": diff}),
    )
    .await;
    assert!(!error, "{content}");
    assert_eq!(
        read(repo.path(), "calc.py"),
        "def add(a, b):\n    # add two numbers\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
    );
}

#[tokio::test]
async fn a_hunk_that_does_not_apply_is_named_with_what_it_expected_and_where_it_looked() {
    let original = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n";
    let repo = repo_with(&[("calc.py", original)]);
    let tools = toolbox(repo.path());
    let diff = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n@@ -5,2 +5,2 @@\n def multiply(x, y):\n-    return x ** y\n+    return x * y\n";
    let (error, message) = patch(
        &tools,
        &anything(),
        json!({"file_path": "calc.py", "rationale": "fix", "unified_diff": diff}),
    )
    .await;
    assert!(error);
    assert!(message.contains("hunk 2 of 2"), "{message}");
    assert!(
        message.contains(" def multiply(x, y):\n-    return x ** y"),
        "{message}"
    );
    assert!(message.contains("The nearest place is lines"), "{message}");
    assert!(
        message.contains("def mul(a, b):"),
        "shows the file's text: {message}"
    );
    // Nothing was written: the first hunk is not applied on its own.
    assert_eq!(read(repo.path(), "calc.py"), original);
    assert!(tools.written_paths().is_empty());
}

#[tokio::test]
async fn malformed_and_misdirected_diffs_are_refused() {
    let repo = repo_with(&[("a.py", "x = 1\n")]);
    let tools = toolbox(repo.path());
    let (error, message) = patch(
        &tools,
        &anything(),
        json!({"file_path": "a.py", "rationale": "r", "unified_diff": "--- a/b.py\n+++ b/b.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"}),
    )
    .await;
    assert!(
        error && message.contains("the diff is for `b.py` but file_path is `a.py`"),
        "{message}"
    );
    let (error, message) = patch(
        &tools,
        &anything(),
        json!({"file_path": "a.py", "rationale": "r", "unified_diff": "just some text"}),
    )
    .await;
    assert!(error && message.contains("no hunk"), "{message}");
    let (error, message) = patch(
        &tools,
        &anything(),
        json!({"file_path": "missing.py", "rationale": "r", "unified_diff": "@@ -1 +1 @@\n-a\n+b\n"}),
    )
    .await;
    assert!(error && message.contains("does not exist"), "{message}");
}

#[tokio::test]
async fn a_diff_from_dev_null_creates_the_file() {
    let repo = repo_with(&[]);
    let tools = toolbox(repo.path());
    let diff = "--- /dev/null\n+++ b/tests/test_new.py\n@@ -0,0 +1,2 @@\n+def test_x():\n+    assert 1 == 2\n";
    let (error, content) = patch(
        &tools,
        &PhasePolicy::red(),
        json!({"file_path": "tests/test_new.py", "rationale": "red", "unified_diff": diff}),
    )
    .await;
    assert!(!error, "{content}");
    assert_eq!(
        read(repo.path(), "tests/test_new.py"),
        "def test_x():\n    assert 1 == 2\n"
    );
}

#[tokio::test]
async fn edits_must_match_exactly_once() {
    let repo = repo_with(&[("a.py", "x = 1\ny = 1\nz = 2\n")]);
    let tools = toolbox(repo.path());
    let (error, message) = patch(
        &tools,
        &anything(),
        json!({"file_path": "a.py", "rationale": "r", "edits": [{"old_text": " = 1", "new_text": " = 3"}]}),
    )
    .await;
    assert!(error && message.contains("occurs 2 times"), "{message}");
    let (error, message) = patch(
        &tools,
        &anything(),
        json!({"file_path": "a.py", "rationale": "r", "edits": [{"old_text": "w = 9", "new_text": "w = 0"}]}),
    )
    .await;
    assert!(
        error && message.contains("edit 1 of 1: old_text was not found"),
        "{message}"
    );
    let (error, message) = patch(
        &tools,
        &anything(),
        json!({"file_path": "a.py", "rationale": "r", "edits": [
            {"old_text": "x = 1", "new_text": "x = 10"},
            {"old_text": "y = 1\n", "new_text": ""}
        ]}),
    )
    .await;
    assert!(!error, "{message}");
    assert_eq!(read(repo.path(), "a.py"), "x = 10\nz = 2\n");
}

#[tokio::test]
async fn content_replaces_or_creates_and_the_id_is_deterministic() {
    let first = repo_with(&[("src/app.py", "old\n")]);
    let second = repo_with(&[("src/app.py", "old\n")]);
    let arguments = json!({"file_path": "src/app.py", "rationale": "r", "content": "new\n"});
    let (_, one) = patch(&toolbox(first.path()), &anything(), arguments.clone()).await;
    let (_, two) = patch(&toolbox(second.path()), &anything(), arguments.clone()).await;
    let one: Value = serde_json::from_str(&one).unwrap();
    let two: Value = serde_json::from_str(&two).unwrap();
    assert_eq!(one["patch_id"], two["patch_id"]);
    // The same content again is no change at all.
    let (error, message) = patch(&toolbox(first.path()), &anything(), arguments).await;
    assert!(error && message.contains("exactly as it is"), "{message}");
}

#[tokio::test]
async fn risk_follows_the_documented_rule() {
    let repo = repo_with(&[
        ("Cargo.toml", "[package]\nname = \"x\"\n"),
        ("src/big.rs", ""),
    ]);
    let tools = toolbox(repo.path());
    let (_, manifest) = patch(
        &tools,
        &anything(),
        json!({"file_path": "Cargo.toml", "rationale": "r", "content": "[package]\nname = \"y\"\n"}),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&manifest).unwrap()["risk_level"],
        "high"
    );
    let (_, config) = patch(
        &tools,
        &anything(),
        json!({"file_path": "config/app.yml", "rationale": "r", "content": "a: 1\n"}),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&config).unwrap()["risk_level"],
        "medium"
    );
    let (_, big) = patch(
        &tools,
        &anything(),
        json!({"file_path": "src/big.rs", "rationale": "r", "content": numbered(250)}),
    )
    .await;
    let big: Value = serde_json::from_str(&big).unwrap();
    assert_eq!(big["lines_changed"], 250);
    assert_eq!(big["risk_level"], "high");
}

#[tokio::test]
async fn phases_limit_what_may_be_written() {
    let repo = repo_with(&[
        ("calc.py", "def add(a, b):\n    return a - b\n"),
        (
            "tests/test_calc.py",
            "def test_add():\n    assert add(1, 1) == 2\n",
        ),
        (
            "tests/test_other.py",
            "def test_one():\n    assert 1\n\n\ndef test_two():\n    assert 2\n",
        ),
    ]);
    let tools = toolbox(repo.path());

    let planning = tools
        .call(
            &PhasePolicy::read_only(),
            "code_patch",
            &json!({"file_path": "calc.py", "rationale": "r", "content": "x"}),
        )
        .await;
    assert!(
        planning.is_error
            && planning
                .content
                .contains("not available in the planning phase"),
        "{}",
        planning.content
    );

    let (error, message) = patch(
        &tools,
        &PhasePolicy::red(),
        json!({"file_path": "calc.py", "rationale": "r", "content": "fixed\n"}),
    )
    .await;
    assert!(
        error && message.contains("may only write test files"),
        "{message}"
    );
    let (error, message) = patch(
        &tools,
        &PhasePolicy::red(),
        json!({"file_path": "tests/test_calc.py", "rationale": "r", "edits": [{"old_text": "== 2", "new_text": "== 3"}]}),
    )
    .await;
    assert!(!error, "{message}");

    let red: BTreeSet<String> = BTreeSet::from(["tests/test_calc.py".to_owned()]);
    let (error, message) = patch(
        &tools,
        &PhasePolicy::patch(red.clone()),
        json!({"file_path": "tests/test_calc.py", "rationale": "r", "content": "def test_add():\n    pass\n"}),
    )
    .await;
    assert!(
        error && message.contains("written in the red phase"),
        "{message}"
    );
    let (error, message) = patch(
        &tools,
        &PhasePolicy::patch(red.clone()),
        json!({"file_path": "tests/test_other.py", "rationale": "r", "content": "def test_one():\n    assert 1\n"}),
    )
    .await;
    assert!(
        error && message.contains("may not delete tests") && message.contains("test_two"),
        "{message}"
    );
    let (error, message) = patch(
        &tools,
        &PhasePolicy::patch(red),
        json!({"file_path": "calc.py", "rationale": "r", "edits": [{"old_text": "a - b", "new_text": "a + b"}]}),
    )
    .await;
    assert!(!error, "{message}");

    let (error, message) = patch(
        &tools,
        &anything(),
        json!({"file_path": ".github/workflows/ci.yml", "rationale": "r", "content": "on: push\n"}),
    )
    .await;
    assert!(error && message.contains("write scope denies"), "{message}");
    assert!(!repo.path().join(".github").exists());
}
