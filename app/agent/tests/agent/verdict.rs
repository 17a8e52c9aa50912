//! `judge_red` and `judge_green`, case by case: what holds, and what each rejection tells the
//! model.

use redgreen_agent::{judge_green, judge_red, judge_red_again};
use redgreen_core::work::TestOutcome::{Errored, Failed, Passed, Skipped};
use redgreen_core::work::TestSummary;

use super::fixtures::{
    EXISTING_TEST, RED_TEST, baseline, green_suite, names, red_run, summary, timed_out, unparsed,
    with_load_failure,
};

/// `Ok` when the verdict must hold; otherwise the phrases the rejection must contain.
type Expected = Result<(), &'static [&'static str]>;

fn check(name: &str, verdict: Result<(), String>, expected: Expected) {
    match (verdict, expected) {
        (Ok(()), Ok(())) => {}
        (Ok(()), Err(phrases)) => {
            panic!("case {name:?}: expected a rejection mentioning {phrases:?}, but it held")
        }
        (Err(evidence), Ok(())) => {
            panic!("case {name:?}: expected it to hold, but it was rejected:\n{evidence}")
        }
        (Err(evidence), Err(phrases)) => {
            for phrase in phrases {
                assert!(
                    evidence.contains(phrase),
                    "case {name:?}: the rejection does not mention {phrase:?}:\n{evidence}"
                );
            }
        }
    }
}

#[test]
fn judge_red_cases() {
    let assertion = "AssertionError: assert -1 == 5";
    let cases: Vec<(&str, TestSummary, Vec<String>, Expected)> = vec![
        (
            "the named test fails on an assertion",
            red_run(),
            names(&[RED_TEST]),
            Ok(()),
        ),
        (
            "named by its function name only",
            red_run(),
            names(&["test_add_small_numbers"]),
            Ok(()),
        ),
        (
            "named in dotted form",
            red_run(),
            names(&["tests.test_calc.test_add_small_numbers"]),
            Err(&["is not among the tests"]),
        ),
        (
            "no test named",
            red_run(),
            names(&[]),
            Err(&["named no tests"]),
        ),
        (
            "the run timed out",
            timed_out(red_run()),
            names(&[RED_TEST]),
            Err(&["timed out after 20 ms", "make the new tests fast"]),
        ),
        (
            "the named test passes on the base commit",
            red_run(),
            names(&[EXISTING_TEST]),
            Err(&[
                "`tests/test_calc.py::test_sub` passes on the base commit",
                "`python -m pytest -q`, exit code 1",
            ]),
        ),
        (
            "the named test was skipped",
            summary(&[(RED_TEST, Skipped)], ""),
            names(&[RED_TEST]),
            Err(&["was skipped"]),
        ),
        (
            "the named test errored in a fixture",
            summary(&[(RED_TEST, Errored)], "RuntimeError: fixture broke"),
            names(&[RED_TEST]),
            Err(&["errored outside its body"]),
        ),
        (
            "the named test's file did not collect",
            with_load_failure(
                summary(&[(EXISTING_TEST, Passed)], ""),
                "tests/test_calc.py",
                "tests/test_calc.py",
                "SyntaxError: expected ':'",
            ),
            names(&[RED_TEST]),
            Err(&[
                "`tests/test_calc.py::test_add_small_numbers` did not run",
                "`tests/test_calc.py` did not load (SyntaxError: expected ':')",
            ]),
        ),
        (
            "the named unittest test's module did not import",
            with_load_failure(
                TestSummary::default(),
                "tests.test_calc",
                "tests/test_calc.py",
                "Failed to import test module",
            ),
            names(&["tests.test_calc.TestCalc.test_add_small_numbers"]),
            Err(&["`tests.test_calc` did not load (Failed to import test module)"]),
        ),
        (
            "a test named by its function alone, in a module that did not import",
            with_load_failure(
                TestSummary::default(),
                "tests.test_calc",
                "tests/test_calc.py",
                "Failed to import test module",
            ),
            names(&["test_add_small_numbers"]),
            Err(&[
                "is not among the tests the run reported",
                "The run could not load: `tests.test_calc` (Failed to import test module).",
            ]),
        ),
        (
            "another file did not load, the named test ran and failed",
            with_load_failure(
                red_run(),
                "tests/test_other.py",
                "tests/test_other.py",
                "ImportError: cannot import name 'x'",
            ),
            names(&[RED_TEST]),
            Ok(()),
        ),
        (
            "the named test was not reported",
            red_run(),
            names(&["tests/test_calc.py::test_mul"]),
            Err(&["`tests/test_calc.py::test_mul` is not among the tests"]),
        ),
        // An exception the code under test raises while the test runs is the red evidence,
        // whatever its type: only the runner's structure says a file did not load.
        (
            "it fails because the code under test raises SyntaxError",
            summary(
                &[(RED_TEST, Failed)],
                "sympy.core.sympify.SympifyError: Sympify of expression 'x(' failed, because \
                 of exception being raised:\nSyntaxError: '(' was never closed",
            ),
            names(&[RED_TEST]),
            Ok(()),
        ),
        (
            "it fails because the code under test raises ImportError",
            summary(
                &[(RED_TEST, Failed)],
                "ModuleNotFoundError: No module named 'calc_plugins'",
            ),
            names(&[RED_TEST]),
            Ok(()),
        ),
        (
            "it fails because the code under test raises NameError",
            summary(
                &[(RED_TEST, Failed)],
                "NameError: name 'undefined_helper' is not defined",
            ),
            names(&[RED_TEST]),
            Ok(()),
        ),
        (
            "one of two named tests passes",
            red_run(),
            names(&[RED_TEST, EXISTING_TEST]),
            Err(&["`tests/test_calc.py::test_sub` passes on the base commit"]),
        ),
        (
            "two named tests both fail",
            summary(
                &[
                    (RED_TEST, Failed),
                    ("tests/test_calc.py::test_add_zero", Failed),
                ],
                assertion,
            ),
            names(&[RED_TEST, "tests/test_calc.py::test_add_zero"]),
            Ok(()),
        ),
    ];
    for (name, run, tests, expected) in cases {
        check(name, judge_red(&run, &tests), expected);
    }
}

#[test]
fn judge_green_cases() {
    let named_green = summary(&[(RED_TEST, Passed)], "");
    /// (case, the named tests' run, the suite's, the baseline, the named tests, the tests the
    /// red commit replaced, verdict)
    type Case = (
        &'static str,
        TestSummary,
        TestSummary,
        TestSummary,
        Vec<String>,
        Vec<String>,
        Expected,
    );
    let cases: Vec<Case> = vec![
        (
            "the named test passes and nothing else broke",
            named_green.clone(),
            green_suite(),
            baseline(),
            names(&[RED_TEST]),
            names(&[]),
            Ok(()),
        ),
        (
            "named by its function name only",
            named_green.clone(),
            green_suite(),
            baseline(),
            names(&["test_add_small_numbers"]),
            names(&[]),
            Ok(()),
        ),
        (
            "the named test still fails",
            summary(&[(RED_TEST, Failed)], "AssertionError: assert -1 == 5"),
            green_suite(),
            baseline(),
            names(&[RED_TEST]),
            names(&[]),
            Err(&[
                "still does not pass (Failed)",
                "== 1 failed, 1 passed in 0.02s ==",
            ]),
        ),
        (
            "the named test did not run",
            TestSummary::default(),
            green_suite(),
            baseline(),
            names(&[RED_TEST]),
            names(&[]),
            Err(&["did not run"]),
        ),
        (
            "a test that passed on the base commit fails",
            named_green.clone(),
            summary(
                &[(EXISTING_TEST, Failed), (RED_TEST, Passed)],
                "assert 5 == 1",
            ),
            baseline(),
            names(&[RED_TEST]),
            names(&[]),
            Err(&["no longer pass: `tests/test_calc.py::test_sub`"]),
        ),
        (
            "a test that passed on the base commit disappears",
            named_green.clone(),
            summary(&[(RED_TEST, Passed)], ""),
            baseline(),
            names(&[RED_TEST]),
            names(&[]),
            Err(&["no longer pass: `tests/test_calc.py::test_sub`"]),
        ),
        (
            "a test the red commit removed or renamed is compared against nothing",
            named_green.clone(),
            summary(&[(RED_TEST, Passed)], ""),
            baseline(),
            names(&[RED_TEST]),
            names(&[EXISTING_TEST]),
            Ok(()),
        ),
        (
            "a replaced test does not excuse another that disappears",
            named_green.clone(),
            summary(&[(RED_TEST, Passed)], ""),
            baseline(),
            names(&[RED_TEST]),
            names(&["tests/test_calc.py::test_mul"]),
            Err(&["no longer pass: `tests/test_calc.py::test_sub`"]),
        ),
        (
            "a test that already failed on the base commit still fails",
            named_green.clone(),
            summary(&[(EXISTING_TEST, Failed), (RED_TEST, Passed)], "flaky"),
            summary(&[(EXISTING_TEST, Failed)], "flaky"),
            names(&[RED_TEST]),
            names(&[]),
            Ok(()),
        ),
        (
            "the suite timed out",
            named_green.clone(),
            timed_out(green_suite()),
            baseline(),
            names(&[RED_TEST]),
            names(&[]),
            Err(&["a test run timed out"]),
        ),
        (
            "an unreadable suite that passed before now fails",
            named_green.clone(),
            unparsed(Some(2)),
            unparsed(Some(0)),
            names(&[RED_TEST]),
            names(&[]),
            Err(&[
                "the suite passed on the base commit and now exits with 2",
                "make test",
            ]),
        ),
        (
            "an unreadable suite that was killed",
            named_green.clone(),
            unparsed(None),
            unparsed(Some(0)),
            names(&[RED_TEST]),
            names(&[]),
            Err(&["now exits with none (killed)"]),
        ),
        (
            "an unreadable suite that passes",
            named_green,
            unparsed(Some(0)),
            unparsed(Some(0)),
            names(&[RED_TEST]),
            names(&[]),
            Ok(()),
        ),
    ];
    for (name, named, suite, base, tests, replaced, expected) in cases {
        check(
            name,
            judge_green(&named, &suite, &base, &tests, &replaced),
            expected,
        );
    }
}

#[test]
fn judge_red_again_cases() {
    let assertion = "AssertionError: assert -1 == 5";
    let cases: Vec<(&str, TestSummary, TestSummary, Expected)> = vec![
        (
            "it fails again on the same assertion",
            summary(&[(RED_TEST, Failed)], assertion),
            summary(&[(RED_TEST, Failed)], "AssertionError: assert -2 == 5"),
            Ok(()),
        ),
        (
            "pytest's bare assert is an assertion too",
            summary(&[(RED_TEST, Failed)], "assert -1 == 5"),
            summary(&[(RED_TEST, Failed)], assertion),
            Ok(()),
        ),
        (
            "a qualified exception type is its last part",
            summary(&[(RED_TEST, Failed)], "sympy.core.sympify.SympifyError: x"),
            summary(&[(RED_TEST, Failed)], "SympifyError: y"),
            Ok(()),
        ),
        (
            "it passes the second time",
            summary(&[(RED_TEST, Failed)], assertion),
            summary(&[(RED_TEST, Passed)], ""),
            Err(&[
                "failed on the first run and passed on the second",
                "make it deterministic",
                "The second run (`python -m pytest -q`",
            ]),
        ),
        (
            "it fails the second time for another reason",
            summary(&[(RED_TEST, Failed)], assertion),
            summary(&[(RED_TEST, Failed)], "KeyError: 'x'"),
            Err(&["failed twice for different reasons (`AssertionError`, then `KeyError`)"]),
        ),
        (
            "it does not run the second time",
            summary(&[(RED_TEST, Failed)], assertion),
            summary(&[(EXISTING_TEST, Passed)], ""),
            Err(&["failed on the first run and did not run on the second"]),
        ),
    ];
    for (name, first, again, expected) in cases {
        check(
            name,
            judge_red_again(&first, &again, &names(&[RED_TEST])),
            expected,
        );
    }
}
