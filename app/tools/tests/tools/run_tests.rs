//! run_tests with a real process: the executor here runs the command directly on a temporary
//! checkout (NOT sandboxed; the sandboxed executor is exercised by the binary's end-to-end
//! tests, since the sandbox needs its helper program).

use std::sync::Arc;
use std::time::Duration;

use redgreen_tools::{
    CancelToken, PhasePolicy, Runner, TestCommand, ToolBox, WriteScope, execute_tests,
};
use serde_json::{Value, json};

use crate::support::{UnsandboxedExecutor, repo_with};

const CALC: &str = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n";
const TESTS: &str = "import unittest\n\nfrom calc import add, mul\n\n\nclass TestCalc(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(1, 2), 3)\n\n    def test_mul(self):\n        self.assertEqual(mul(2, 3), 6)\n\n    @unittest.skip(\"later\")\n    def test_div(self):\n        pass\n";

fn python_repo() -> tempfile::TempDir {
    repo_with(&[
        ("calc.py", CALC),
        ("tests/__init__.py", ""),
        ("tests/test_calc.py", TESTS),
    ])
}

fn toolbox(root: &std::path::Path, command: &str) -> ToolBox {
    ToolBox::new(root, WriteScope::default(), command.to_owned())
        .unwrap()
        .with_executor(Arc::new(UnsandboxedExecutor))
}

#[tokio::test]
async fn run_tests_reports_counts_and_failures_of_a_real_run() {
    let repo = python_repo();
    let tools = toolbox(repo.path(), "python3 -m unittest -v");
    let result = tools
        .call(&PhasePolicy::red(), "run_tests", &json!({}))
        .await;
    assert!(!result.is_error, "{}", result.content);
    let output: Value = serde_json::from_str(&result.content).unwrap();
    assert_eq!(
        (
            output["passed"].as_u64(),
            output["failed"].as_u64(),
            output["skipped"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{output}"
    );
    let failing = &output["failing"][0];
    assert_eq!(failing["name"], "tests.test_calc.TestCalc.test_add");
    assert_eq!(failing["message"], "AssertionError: -1 != 3");
    assert_eq!(failing["file"], "tests/test_calc.py");
    assert_eq!(failing["line"], 8);
    assert!(
        output["log_excerpt"]
            .as_str()
            .unwrap()
            .contains("FAILED (failures=1, skipped=1)")
    );
    assert_eq!(output["truncated"], false);
}

#[tokio::test]
async fn the_target_selects_tests_the_runners_way() {
    let repo = python_repo();
    let tools = toolbox(repo.path(), "python3 -m unittest -v");
    let result = tools
        .call(
            &PhasePolicy::red(),
            "run_tests",
            &json!({"target": "tests.test_calc.TestCalc.test_mul", "timeout_s": 60}),
        )
        .await;
    let output: Value = serde_json::from_str(&result.content).unwrap();
    assert_eq!(
        (output["passed"].as_u64(), output["failed"].as_u64()),
        (Some(1), Some(0)),
        "{output}"
    );

    // A target is one shell word, whatever it contains.
    let run = execute_tests(
        &UnsandboxedExecutor,
        repo.path(),
        &TestCommand::configured("python3 -m unittest -v"),
        Some("x; touch pwned"),
        Duration::from_secs(60),
        4096,
        &CancelToken::new(),
    )
    .unwrap();
    assert_eq!(run.command, "python3 -m unittest -v 'x; touch pwned'");
    assert!(!repo.path().join("pwned").exists());
    assert_ne!(
        run.exit_code,
        Some(0),
        "unittest was asked for a module named `x; touch pwned`"
    );
    assert!(
        run.log_excerpt.contains("x; touch pwned"),
        "{}",
        run.log_excerpt
    );
}

#[tokio::test]
async fn a_failing_command_without_readable_tests_is_still_a_failure() {
    let repo = repo_with(&[]);
    let tools = toolbox(repo.path(), "echo 'segmentation fault' >&2; exit 3");
    let result = tools
        .call(
            &PhasePolicy::patch(Default::default()),
            "run_tests",
            &json!({}),
        )
        .await;
    let output: Value = serde_json::from_str(&result.content).unwrap();
    assert_eq!(output["failed"], 1);
    assert_eq!(output["failing"][0]["name"], "(test command)");
    assert!(
        output["failing"][0]["message"]
            .as_str()
            .unwrap()
            .contains("exited with status 3")
    );
    assert!(
        output["log_excerpt"]
            .as_str()
            .unwrap()
            .contains("segmentation fault")
    );
}

#[test]
fn long_output_is_cut_to_head_and_tail() {
    let repo = repo_with(&[]);
    let command = TestCommand {
        command: "for i in $(seq 1 2000); do echo \"line $i\"; done".into(),
        runner: Runner::Unknown,
        reason: "test".into(),
    };
    let run = execute_tests(
        &UnsandboxedExecutor,
        repo.path(),
        &command,
        None,
        Duration::from_secs(60),
        1000,
        &CancelToken::new(),
    )
    .unwrap();
    assert!(run.truncated);
    assert!(run.log_excerpt.len() <= 1100, "{}", run.log_excerpt.len());
    assert!(run.log_excerpt.starts_with("line 1\n"));
    assert!(run.log_excerpt.trim_end().ends_with("line 2000"));
    assert!(run.log_excerpt.contains("bytes omitted"));
}
