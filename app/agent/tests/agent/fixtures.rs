//! Realistic inputs, shaped like what the end-to-end runs record (the calculator repository
//! of `redgreen_testkit`): test summaries, diffs, runs and checkpoints.

use std::collections::BTreeMap;

use redgreen_agent::RunSpec;
use redgreen_core::RunId;
use redgreen_core::machine::Machine;
use redgreen_core::repo_config::Verify;
use redgreen_core::run::RunKind;
use redgreen_core::work::{
    BudgetLimits, FailingTest, GreenProof, IssueText, PatchWork, Prepared, RedProof, TestOutcome,
    TestSelection, TestSummary, Usage,
};
use serde_json::json;

pub const RED_TEST: &str = "tests/test_calc.py::test_add_small_numbers";
pub const EXISTING_TEST: &str = "tests/test_calc.py::test_sub";

/// A pytest run with these outcomes; each test that did not pass has a failure at line 12 of
/// its file, with `message`.
pub fn summary(outcomes: &[(&str, TestOutcome)], message: &str) -> TestSummary {
    let failing: Vec<FailingTest> = outcomes
        .iter()
        .filter(|(_, outcome)| *outcome != TestOutcome::Passed && *outcome != TestOutcome::Skipped)
        .map(|(name, outcome)| FailingTest {
            name: (*name).to_owned(),
            outcome: *outcome,
            message: message.to_owned(),
            file: name.split("::").next().map(str::to_owned),
            line: Some(12),
            load_error: false,
        })
        .collect();
    let count = |wanted: TestOutcome| {
        u32::try_from(outcomes.iter().filter(|(_, o)| *o == wanted).count()).unwrap()
    };
    TestSummary {
        command: "python -m pytest -q".to_owned(),
        exit_code: Some(i32::from(!failing.is_empty())),
        timed_out: false,
        passed: count(TestOutcome::Passed),
        failed: count(TestOutcome::Failed) + count(TestOutcome::Errored),
        skipped: count(TestOutcome::Skipped),
        failing,
        outcomes: outcomes
            .iter()
            .map(|(name, outcome)| ((*name).to_owned(), *outcome))
            .collect::<BTreeMap<_, _>>(),
        excerpt: "== 1 failed, 1 passed in 0.02s ==".to_owned(),
        duration_ms: 20,
    }
}

pub fn timed_out(mut summary: TestSummary) -> TestSummary {
    summary.timed_out = true;
    summary.exit_code = None;
    summary
}

/// `run` plus a case that stands for `id` (a test file or module) not loading, as the report
/// parsers mark a collection or import failure.
pub fn with_load_failure(mut run: TestSummary, id: &str, file: &str, message: &str) -> TestSummary {
    run.failing.push(FailingTest {
        name: id.to_owned(),
        outcome: TestOutcome::Errored,
        message: message.to_owned(),
        file: Some(file.to_owned()),
        line: None,
        load_error: true,
    });
    run.outcomes.insert(id.to_owned(), TestOutcome::Errored);
    run.failed += 1;
    run
}

/// `machine` whose red commit removed or renamed `replaced`.
pub fn with_replaced(mut machine: Machine, replaced: &[&str]) -> Machine {
    if let Some(red) = machine.work.red.as_mut() {
        red.replaced = names(replaced);
    }
    machine
}

/// `machine` whose green ran `files` (with `baseline` on the base commit), or the whole suite
/// when `files` is empty.
pub fn with_selection(mut machine: Machine, files: &[&str], reason: &str) -> Machine {
    if let Some(green) = machine.work.green.as_mut() {
        green.selection = Some(TestSelection {
            files: names(files),
            reason: reason.to_owned(),
            left_out: if files.is_empty() { 0 } else { 12 },
        });
        green.baseline = Some(summary(&[(EXISTING_TEST, TestOutcome::Passed)], ""));
    }
    machine
}

/// A run whose output could not be read per test: only its exit code.
pub fn unparsed(exit_code: Option<i32>) -> TestSummary {
    TestSummary {
        command: "make test".to_owned(),
        exit_code,
        excerpt: "make: *** [test] Error 1".to_owned(),
        ..TestSummary::default()
    }
}

pub fn names(tests: &[&str]) -> Vec<String> {
    tests.iter().map(|t| (*t).to_owned()).collect()
}

/// The red phase's diff: a new test in `tests/test_calc.py`.
pub const RED_DIFF: &str = "diff --git a/tests/test_calc.py b/tests/test_calc.py
index 1111111..2222222 100644
--- a/tests/test_calc.py
+++ b/tests/test_calc.py
@@ -5,1 +5,5 @@ def test_sub():
     assert sub(3, 2) == 1
+
+
+def test_add_small_numbers():
+    assert add(2, 3) == 5
";

/// The patch: two lines of `calc.py` changed.
pub const PATCH_DIFF: &str = "diff --git a/calc.py b/calc.py
index 3333333..4444444 100644
--- a/calc.py
+++ b/calc.py
@@ -1,4 +1,4 @@
 def add(a, b):
-    return a - b
+    return a + b
 
 
";

/// A patch that also edits the CI workflow.
pub const WORKFLOW_DIFF: &str = "diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml
index 5555555..6666666 100644
--- a/.github/workflows/ci.yml
+++ b/.github/workflows/ci.yml
@@ -1,2 +1,2 @@
 on: push
-jobs: {}
+jobs: {test: {}}
";

pub fn run_spec(kind: RunKind, number: Option<i64>) -> RunSpec {
    RunSpec {
        id: serde_json::from_value::<RunId>(json!("7f1c2a4e-0000-4000-8000-000000000001"))
            .expect("a run id"),
        kind,
        repository: "octo/calculator".to_owned(),
        number,
        instructions: String::new(),
        created_at_seconds: 1_700_000_000,
        head_ref: None,
    }
}

pub fn baseline() -> TestSummary {
    summary(&[(EXISTING_TEST, TestOutcome::Passed)], "")
}

pub fn red_run() -> TestSummary {
    summary(
        &[
            (EXISTING_TEST, TestOutcome::Passed),
            (RED_TEST, TestOutcome::Failed),
        ],
        "AssertionError: assert -1 == 5",
    )
}

pub fn green_suite() -> TestSummary {
    summary(
        &[
            (EXISTING_TEST, TestOutcome::Passed),
            (RED_TEST, TestOutcome::Passed),
        ],
        "",
    )
}

/// A checkpoint of `kind` after green: prepared, planned, red and patched as a fix run
/// records them (the parts a kind does not have are left out).
pub fn machine_after_green(kind: RunKind, patch_diff: &str, suite: TestSummary) -> Machine {
    let mut machine = Machine::new(kind);
    machine.work.prepared = Some(Prepared {
        issue: IssueText {
            title: "add() is wrong".to_owned(),
            body: "add(2, 3) gives -1.".to_owned(),
        },
        base_commit: "0123456789abcdef0123456789abcdef01234567".to_owned(),
        test_command: "python -m pytest -q".to_owned(),
        test_command_source: ".github/redgreen.yml".to_owned(),
        max_attempts: 3,
        budget: BudgetLimits::default(),
        baseline: baseline(),
        verify: Verify::Full,
    });
    if kind != RunKind::Test {
        machine.work.plan = Some(json!({
            "summary": "add() subtracts; make it add (thanks @octocat)",
            "steps": ["Write a failing test for add(2, 3)", "Fix add"],
            "files": ["calc.py"],
            "test_strategy": "A pytest case for small numbers.",
            "risk": "Low: one operator.",
        }));
    }
    if matches!(kind, RunKind::Fix | RunKind::FollowUp) {
        machine.work.red = Some(RedProof {
            tests: names(&[RED_TEST]),
            rationale: "add(2, 3) must be 5".to_owned(),
            diff: RED_DIFF.to_owned(),
            run: red_run(),
            replaced: Vec::new(),
        });
        machine.work.patch = Some(PatchWork {
            rationale: "use +".to_owned(),
            diff: patch_diff.to_owned(),
        });
    }
    if kind != RunKind::Plan {
        machine.work.green = Some(GreenProof {
            named: TestSummary::default(),
            suite,
            selection: None,
            baseline: None,
            flaky: Vec::new(),
        });
    }
    machine.usage = Usage {
        input_tokens: 1200,
        output_tokens: 300,
        usd_micros: 4500,
        model_calls: 4,
        model_ms: 2000,
        test_ms: 1500,
        wall_ms: 5000,
    };
    machine
}
