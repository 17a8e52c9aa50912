//! The check run a run reports on its head commit, case by case: which check, its
//! conclusion and title, and the lines it annotates.

use redgreen_agent::{CheckReport, check_report};
use redgreen_core::machine::Machine;
use redgreen_core::run::RunKind;
use redgreen_core::work::TestOutcome::{Failed, Passed};

use super::fixtures::{
    EXISTING_TEST, PATCH_DIFF, RED_TEST, green_suite, machine_after_green, summary, with_replaced,
    with_selection,
};

/// What a case expects of the report: its name, conclusion and title, and each annotation as
/// `(path, start, end, level, title)`.
struct Expected {
    name: &'static str,
    conclusion: &'static str,
    title: &'static str,
    summary_contains: &'static [&'static str],
    annotations: &'static [(&'static str, u32, u32, &'static str, &'static str)],
}

fn check(case: &str, report: Option<CheckReport>, expected: Option<Expected>) {
    let (report, expected) = match (report, expected) {
        (None, None) => return,
        (Some(report), None) => panic!("case {case:?}: expected no check, got {report:#?}"),
        (None, Some(expected)) => {
            panic!(
                "case {case:?}: expected the `{}` check, got none",
                expected.name
            )
        }
        (Some(report), Some(expected)) => (report, expected),
    };
    assert_eq!(report.name, expected.name, "case {case:?}: check name");
    assert_eq!(
        report.conclusion, expected.conclusion,
        "case {case:?}: conclusion"
    );
    assert_eq!(report.title, expected.title, "case {case:?}: title");
    for phrase in expected.summary_contains {
        assert!(
            report.summary.contains(phrase),
            "case {case:?}: the summary does not mention {phrase:?}:\n{}",
            report.summary
        );
    }
    let annotations: Vec<(&str, u32, u32, &str, &str)> = report
        .annotations
        .iter()
        .map(|a| {
            (
                a.path.as_str(),
                a.start_line,
                a.end_line,
                a.level,
                a.title.as_str(),
            )
        })
        .collect();
    assert_eq!(
        annotations, expected.annotations,
        "case {case:?}: annotations"
    );
}

#[test]
fn check_report_cases() {
    let failing_suite = summary(
        &[(EXISTING_TEST, Failed), (RED_TEST, Passed)],
        "assert 5 == 1",
    );
    let cases: Vec<(&str, RunKind, Machine, Option<Expected>)> = vec![
        (
            "a test run whose suite passes",
            RunKind::Test,
            machine_after_green(RunKind::Test, "", green_suite()),
            Some(Expected {
                name: "redgreen/test",
                conclusion: "success",
                title: "2 passed, 0 failed, 0 skipped",
                summary_contains: &[],
                annotations: &[],
            }),
        ),
        (
            "a test run with a failure, annotated where it failed",
            RunKind::Test,
            machine_after_green(RunKind::Test, "", failing_suite),
            Some(Expected {
                name: "redgreen/test",
                conclusion: "failure",
                title: "1 passed, 1 failed, 0 skipped",
                summary_contains: &["tests/test_calc.py::test_sub"],
                annotations: &[(
                    "tests/test_calc.py",
                    12,
                    12,
                    "failure",
                    "tests/test_calc.py::test_sub failed",
                )],
            }),
        ),
        (
            "a fix: the red test and the changed lines",
            RunKind::Fix,
            machine_after_green(RunKind::Fix, PATCH_DIFF, green_suite()),
            Some(Expected {
                name: "redgreen/tdd",
                conclusion: "success",
                title: "1 red test(s) now pass; no regressions",
                summary_contains: &[
                    "Red on the base commit: `tests/test_calc.py::test_add_small_numbers`",
                ],
                annotations: &[
                    (
                        "tests/test_calc.py",
                        12,
                        12,
                        "notice",
                        "red: tests/test_calc.py::test_add_small_numbers failed on the base commit",
                    ),
                    ("calc.py", 1, 4, "notice", "changed by redgreen"),
                ],
            }),
        ),
        (
            "a fix whose red commit replaced a test lists it",
            RunKind::Fix,
            with_replaced(
                machine_after_green(RunKind::Fix, PATCH_DIFF, green_suite()),
                &[EXISTING_TEST],
            ),
            Some(Expected {
                name: "redgreen/tdd",
                conclusion: "success",
                title: "1 red test(s) now pass; no regressions",
                summary_contains: &[
                    "Tests this change replaces",
                    "`tests/test_calc.py::test_sub`",
                ],
                annotations: &[
                    (
                        "tests/test_calc.py",
                        12,
                        12,
                        "notice",
                        "red: tests/test_calc.py::test_add_small_numbers failed on the base commit",
                    ),
                    ("calc.py", 1, 4, "notice", "changed by redgreen"),
                ],
            }),
        ),
        (
            "a fix verified on the affected tests says so in the check",
            RunKind::Fix,
            with_selection(
                machine_after_green(RunKind::Fix, PATCH_DIFF, green_suite()),
                &["tests/test_calc.py"],
                "1 test file(s) the run changed",
            ),
            Some(Expected {
                name: "redgreen/tdd",
                conclusion: "success",
                title: "1 red test(s) now pass; no regressions",
                summary_contains: &[
                    "Tests run: `tests/test_calc.py` (1 test file(s) the run changed); 12 other",
                    "`@redgreen test`",
                ],
                annotations: &[
                    (
                        "tests/test_calc.py",
                        12,
                        12,
                        "notice",
                        "red: tests/test_calc.py::test_add_small_numbers failed on the base commit",
                    ),
                    ("calc.py", 1, 4, "notice", "changed by redgreen"),
                ],
            }),
        ),
        (
            "a follow-up reports like a fix",
            RunKind::FollowUp,
            machine_after_green(RunKind::FollowUp, PATCH_DIFF, green_suite()),
            Some(Expected {
                name: "redgreen/tdd",
                conclusion: "success",
                title: "1 red test(s) now pass; no regressions",
                summary_contains: &["Green with the change:"],
                annotations: &[
                    (
                        "tests/test_calc.py",
                        12,
                        12,
                        "notice",
                        "red: tests/test_calc.py::test_add_small_numbers failed on the base commit",
                    ),
                    ("calc.py", 1, 4, "notice", "changed by redgreen"),
                ],
            }),
        ),
        (
            "a plan has no check",
            RunKind::Plan,
            machine_after_green(RunKind::Plan, "", green_suite()),
            None,
        ),
        (
            "a recommendation has no check",
            RunKind::Recommend,
            machine_after_green(RunKind::Recommend, "", green_suite()),
            None,
        ),
        (
            "nothing to report before green",
            RunKind::Fix,
            {
                let mut machine = machine_after_green(RunKind::Fix, PATCH_DIFF, green_suite());
                machine.work.green = None;
                machine
            },
            None,
        ),
    ];
    for (case, kind, machine, expected) in cases {
        check(case, check_report(kind, &machine), expected);
    }
}
