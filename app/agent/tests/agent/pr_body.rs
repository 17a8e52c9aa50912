//! `render_pr_body`, case by case: the sections each kind of run gets, and what the body must
//! never contain.

use redgreen_agent::render_pr_body;
use redgreen_core::machine::Machine;
use redgreen_core::run::RunKind;

use super::fixtures::{
    EXISTING_TEST, PATCH_DIFF, WORKFLOW_DIFF, green_suite, machine_after_green, run_spec,
    with_replaced, with_selection,
};

struct Case {
    name: &'static str,
    kind: RunKind,
    number: Option<i64>,
    machine: Machine,
    contains: &'static [&'static str],
    lacks: &'static [&'static str],
}

#[test]
fn render_pr_body_cases() {
    let both_diffs = format!("{PATCH_DIFF}{WORKFLOW_DIFF}");
    let cases = vec![
        Case {
            name: "a fix",
            kind: RunKind::Fix,
            number: Some(7),
            machine: machine_after_green(RunKind::Fix, PATCH_DIFF, green_suite()),
            contains: &[
                "## Summary\n\nadd() subtracts; make it add",
                "Fixes #7.",
                "## Plan\n\n1. Write a failing test for add(2, 3)\n1. Fix add\n",
                "Files: `calc.py`",
                "## Red: the new tests fail on the base commit",
                "Tests: `tests/test_calc.py::test_add_small_numbers`",
                "## Green: they pass with the change, and nothing else broke",
                "On the base commit: 1 passed, 0 failed, 0 skipped. With the change: 2 passed, 0 failed, 0 skipped.",
                "- tests: `tests/test_calc.py`",
                "- code: `calc.py`",
                "- lines: +5 −1",
                "No workflow, CI, dependency manifest or secret-bearing file is touched.",
                "The change touches no definition the code index knows.",
                "## Risk and rollback\n\nLow: one operator.",
                "## Test plan\n\nA pytest case for small numbers.",
                "the `redgreen/tdd` check carries the result",
                "1500 tokens (1200 in, 300 out) in 4 model calls, $0.0045",
                "<!-- redgreen:evidence -->",
            ],
            lacks: &["@octocat", "## Test run", "Tests this change replaces"],
        },
        Case {
            name: "a fix whose red commit replaced a test",
            kind: RunKind::Fix,
            number: Some(7),
            machine: with_replaced(
                machine_after_green(RunKind::Fix, PATCH_DIFF, green_suite()),
                &[EXISTING_TEST],
            ),
            contains: &[
                "Tests this change replaces (they passed on the base commit, and the red commit \
                 removes or renames them, so they are compared against nothing): \
                 `tests/test_calc.py::test_sub`.",
                // In the evidence block, pretty-printed: a non-empty list.
                "\"replaced\": [\n",
            ],
            lacks: &[],
        },
        Case {
            name: "a fix verified on the affected tests says which and how to get the rest",
            kind: RunKind::Fix,
            number: Some(7),
            machine: with_selection(
                machine_after_green(RunKind::Fix, PATCH_DIFF, green_suite()),
                &["tests/test_calc.py"],
                "1 test file(s) the run changed, and 0 that import or use a changed file",
            ),
            contains: &[
                "Tests run: `tests/test_calc.py` (1 test file(s) the run changed, and 0 that \
                 import or use a changed file); 12 other test file(s) of the repository were \
                 left out. Comment `@redgreen test` on this pull request to run the whole suite.",
                "On the base commit: 1 passed, 0 failed, 0 skipped.",
            ],
            lacks: &["the whole suite ("],
        },
        Case {
            name: "a fix whose selection fell back to the whole suite says why",
            kind: RunKind::Fix,
            number: Some(7),
            machine: with_selection(
                machine_after_green(RunKind::Fix, PATCH_DIFF, green_suite()),
                &[],
                "`tests/conftest.py` changed",
            ),
            contains: &["Tests run: the whole suite (`tests/conftest.py` changed)."],
            lacks: &["left out"],
        },
        Case {
            name: "a fix with a flaky test lists it as not counted",
            kind: RunKind::Fix,
            number: Some(7),
            machine: {
                let mut machine = machine_after_green(RunKind::Fix, PATCH_DIFF, green_suite());
                if let Some(green) = machine.work.green.as_mut() {
                    green.flaky = vec![EXISTING_TEST.to_owned()];
                }
                machine
            },
            contains: &[
                "Flaky, not counted: `tests/test_calc.py::test_sub` passed on the base \
                 commit and failed with the change, then, run again on both, passed with the \
                 change or failed on the base.",
            ],
            lacks: &[],
        },
        Case {
            name: "a fix without an issue number",
            kind: RunKind::Fix,
            number: None,
            machine: machine_after_green(RunKind::Fix, PATCH_DIFF, green_suite()),
            contains: &["## Red:", "## Green:"],
            lacks: &["Fixes #"],
        },
        Case {
            name: "a fix that touches the CI workflow",
            kind: RunKind::Fix,
            number: Some(7),
            machine: machine_after_green(RunKind::Fix, &both_diffs, green_suite()),
            contains: &[
                "- code: `.github/workflows/ci.yml`, `calc.py`",
                "Touches files that need a careful review: `.github/workflows/ci.yml`",
            ],
            lacks: &["No workflow, CI, dependency manifest"],
        },
        Case {
            name: "a follow-up does not close the issue",
            kind: RunKind::FollowUp,
            number: Some(12),
            machine: machine_after_green(RunKind::FollowUp, PATCH_DIFF, green_suite()),
            contains: &["## Plan", "## Red:", "## Changes"],
            lacks: &["Fixes #"],
        },
        Case {
            name: "a test run reports the suite only",
            kind: RunKind::Test,
            number: Some(3),
            machine: machine_after_green(RunKind::Test, "", green_suite()),
            contains: &["## Test run", "(no summary)", "## Budget used"],
            lacks: &[
                "## Plan",
                "## Red:",
                "## Changes",
                "## Risk and rollback",
                "Fixes #",
            ],
        },
        Case {
            name: "a plan",
            kind: RunKind::Plan,
            number: Some(5),
            machine: machine_after_green(RunKind::Plan, "", green_suite()),
            contains: &["## Plan", "## Risk and rollback", "## Test plan"],
            lacks: &["## Red:", "## Green:", "## Changes", "Fixes #"],
        },
    ];
    for case in cases {
        let body = render_pr_body(&run_spec(case.kind, case.number), &case.machine, &[]);
        for phrase in case.contains {
            assert!(
                body.contains(phrase),
                "case {:?}: the body lacks {phrase:?}:\n{body}",
                case.name
            );
        }
        for phrase in case.lacks {
            assert!(
                !body.contains(phrase),
                "case {:?}: the body must not contain {phrase:?}:\n{body}",
                case.name
            );
        }
        // Rendering is a pure function of the checkpoint: the same bytes again.
        assert_eq!(
            body,
            render_pr_body(&run_spec(case.kind, case.number), &case.machine, &[]),
            "case {:?}: rendering twice differs",
            case.name
        );
    }
}
