//! The test-report parsers against their runners' output. Captured from real runs on this
//! machine (paths rewritten to the sandbox's `/workspace`): cargo test, cargo nextest (console
//! and JUnit), unittest and pytest (Python 3.11, pytest 9, console and JUnit), jest 29 (with
//! jest-junit 16) and vitest 2 (console and JUnit). Written from the runners' documented
//! formats because the runner is not installed here: go test (`-v` and `-json`, including a
//! build failure, and a test whose output holds an inner `go test`'s build failure), Maven
//! Surefire 3 and Gradle console output, and the Surefire JUnit XML report.
//!
//! The `*_runtime_*` fixtures come from tiny projects whose code under test raises a
//! `SyntaxError`, an `ImportError` and a `NameError` (or panics with compiler-like words) while
//! a test runs, beside a test file that does not parse: only the file is a load error.

use redgreen_tools::{
    CaseOutcome, Runner, TestCase, TestReport, is_collection_or_syntax_error, parse_junit_xml,
    parse_report,
};

use crate::support::fixture;

/// Where a scenario's report comes from.
enum Source {
    /// A runner's console output: its stdout and stderr fixtures (`""` for none).
    Console(Runner, &'static str, &'static str),
    /// A JUnit XML report.
    Junit(&'static str),
}

/// One real run and the verdicts the parsers must read from it: every case listed, and the
/// load errors exactly those marked so.
struct Scenario {
    source: Source,
    cases: usize,
    expect: &'static [(&'static str, CaseOutcome, bool)],
}

const PASSED: CaseOutcome = CaseOutcome::Passed;
const FAILED: CaseOutcome = CaseOutcome::Failed;
const ERRORED: CaseOutcome = CaseOutcome::Errored;

const SCENARIOS: &[Scenario] = &[
    Scenario {
        source: Source::Console(
            Runner::Pytest,
            "pytest_runtime_exceptions_and_broken_file.stdout",
            "",
        ),
        cases: 5,
        expect: &[
            ("tests/test_runtime.py::test_add", PASSED, false),
            (
                "tests/test_runtime.py::test_syntax_error_at_run_time",
                FAILED,
                false,
            ),
            (
                "tests/test_runtime.py::test_import_error_at_run_time",
                FAILED,
                false,
            ),
            (
                "tests/test_runtime.py::test_name_error_at_run_time",
                FAILED,
                false,
            ),
            ("tests/test_broken.py", ERRORED, true),
        ],
    },
    Scenario {
        source: Source::Junit("pytest_runtime_exceptions_and_broken_file_junit.xml"),
        cases: 5,
        expect: &[
            ("tests.test_runtime.test_add", PASSED, false),
            (
                "tests.test_runtime.test_syntax_error_at_run_time",
                FAILED,
                false,
            ),
            (
                "tests.test_runtime.test_import_error_at_run_time",
                FAILED,
                false,
            ),
            (
                "tests.test_runtime.test_name_error_at_run_time",
                FAILED,
                false,
            ),
            ("tests.test_broken", ERRORED, true),
        ],
    },
    // A test that runs pytest itself (`pytester`): the inner session in its captured stdout
    // (a collection error, verbose and summary lines) is none of the outer run's cases.
    Scenario {
        source: Source::Console(Runner::Pytest, "pytest_pytester_inner_run.stdout", ""),
        cases: 2,
        expect: &[
            (
                "tests/test_inner.py::test_inner_run_reports_collection_error",
                FAILED,
                false,
            ),
            ("tests/test_inner.py::test_outer_passes", PASSED, false),
        ],
    },
    Scenario {
        source: Source::Console(
            Runner::Unittest,
            "",
            "unittest_runtime_exceptions_and_broken_file.stderr",
        ),
        cases: 5,
        expect: &[
            (
                "tests.test_runtime_unittest.TestRuntime.test_add",
                PASSED,
                false,
            ),
            (
                "tests.test_runtime_unittest.TestRuntime.test_syntax_error_at_run_time",
                FAILED,
                false,
            ),
            (
                "tests.test_runtime_unittest.TestRuntime.test_import_error_at_run_time",
                FAILED,
                false,
            ),
            (
                "tests.test_runtime_unittest.TestRuntime.test_name_error_at_run_time",
                FAILED,
                false,
            ),
            ("tests.test_broken", ERRORED, true),
        ],
    },
    // `python -m unittest tests.test_broken`: the loader's own traceback, before any test.
    Scenario {
        source: Source::Console(
            Runner::Unittest,
            "",
            "unittest_named_module_syntax_error.stderr",
        ),
        cases: 1,
        expect: &[("tests.test_broken", ERRORED, true)],
    },
    // Panics whose messages (and printed output) carry compiler words are plain failures.
    Scenario {
        source: Source::Console(
            Runner::Cargo,
            "cargo_test_runtime_compiler_words.stdout",
            "cargo_test_runtime_compiler_words.stderr",
        ),
        cases: 3,
        expect: &[
            ("tests::adds", PASSED, false),
            ("tests::compiler_words_at_run_time", FAILED, false),
            ("tests::syntax_error_at_run_time", FAILED, false),
        ],
    },
    Scenario {
        source: Source::Console(Runner::Nextest, "", "nextest_runtime_compiler_words.stderr"),
        cases: 3,
        expect: &[
            ("tests::adds", PASSED, false),
            ("tests::compiler_words_at_run_time", FAILED, false),
            ("tests::syntax_error_at_run_time", FAILED, false),
        ],
    },
    Scenario {
        source: Source::Junit("nextest_junit_runtime_compiler_words.xml"),
        cases: 3,
        expect: &[
            ("rs.tests::adds", PASSED, false),
            ("rs.tests::compiler_words_at_run_time", FAILED, false),
            ("rs.tests::syntax_error_at_run_time", FAILED, false),
        ],
    },
    Scenario {
        source: Source::Console(Runner::Cargo, "", "cargo_compile_error.stderr"),
        cases: 1,
        expect: &[("could not compile `rs` (test \"broken\")", ERRORED, true)],
    },
    // Written from go's format (go is not installed here): a test that runs `go test` on a
    // broken module and prints its output; the inner `[build failed]` is no load error.
    Scenario {
        source: Source::Console(Runner::Go, "go_test_v_inner_build_failure.stdout", ""),
        cases: 2,
        expect: &[
            ("TestAdd", PASSED, false),
            ("TestGoBuildOfBrokenModule", FAILED, false),
        ],
    },
    Scenario {
        source: Source::Console(Runner::Go, "go_build_failed.stdout", ""),
        cases: 1,
        expect: &[("example.com/calc", ERRORED, true)],
    },
    Scenario {
        source: Source::Console(
            Runner::Jest,
            "",
            "jest_runtime_exceptions_and_broken_file.stderr",
        ),
        cases: 5,
        expect: &[
            ("src/runtime.test.js › calc › adds", PASSED, false),
            (
                "src/runtime.test.js › calc › syntax error at run time",
                FAILED,
                false,
            ),
            (
                "src/runtime.test.js › calc › import error at run time",
                FAILED,
                false,
            ),
            (
                "src/runtime.test.js › calc › reference error at run time",
                FAILED,
                false,
            ),
            ("src/broken.test.js", ERRORED, true),
        ],
    },
    // jest-junit writes a suite that did not run twice (an error and a failure): one case.
    Scenario {
        source: Source::Junit("jest_junit_runtime_exceptions_and_broken_file.xml"),
        cases: 5,
        expect: &[
            ("calc adds.calc adds", PASSED, false),
            (
                "calc syntax error at run time.calc syntax error at run time",
                FAILED,
                false,
            ),
            (
                "calc import error at run time.calc import error at run time",
                FAILED,
                false,
            ),
            (
                "calc reference error at run time.calc reference error at run time",
                FAILED,
                false,
            ),
            ("src/broken.test.js", ERRORED, true),
        ],
    },
    Scenario {
        source: Source::Console(
            Runner::Vitest,
            "vitest_runtime_exceptions_and_broken_file.stdout",
            "vitest_runtime_exceptions_and_broken_file.stderr",
        ),
        cases: 5,
        expect: &[
            ("runtime.test.js › calc › adds", PASSED, false),
            (
                "runtime.test.js › calc › syntax error at run time",
                FAILED,
                false,
            ),
            (
                "runtime.test.js › calc › import error at run time",
                FAILED,
                false,
            ),
            (
                "runtime.test.js › calc › reference error at run time",
                FAILED,
                false,
            ),
            ("broken.test.js", ERRORED, true),
        ],
    },
    Scenario {
        source: Source::Junit("vitest_junit_runtime_exceptions_and_broken_file.xml"),
        cases: 5,
        expect: &[
            ("runtime.test.js.calc > adds", PASSED, false),
            (
                "runtime.test.js.calc > syntax error at run time",
                FAILED,
                false,
            ),
            (
                "runtime.test.js.calc > import error at run time",
                FAILED,
                false,
            ),
            (
                "runtime.test.js.calc > reference error at run time",
                FAILED,
                false,
            ),
            ("broken.test.js", ERRORED, true),
        ],
    },
];

#[test]
fn load_errors_come_from_the_runners_structure_not_from_words() {
    for scenario in SCENARIOS {
        let (name, report) = match scenario.source {
            Source::Console(runner, stdout, stderr) => {
                let read = |name: &str| {
                    if name.is_empty() {
                        String::new()
                    } else {
                        fixture(name)
                    }
                };
                (
                    format!("{stdout} {stderr}"),
                    parse_report(runner, &read(stdout), &read(stderr)),
                )
            }
            Source::Junit(xml) => (xml.to_owned(), parse_junit_xml(&fixture(xml))),
        };
        assert_eq!(
            report.cases.len(),
            scenario.cases,
            "{name}: {:#?}",
            report.cases
        );
        for (id, outcome, load_error) in scenario.expect {
            let found = report
                .cases
                .iter()
                .find(|c| c.id == *id)
                .unwrap_or_else(|| panic!("{name}: no case {id:?} in {:#?}", report.cases));
            assert_eq!(
                (
                    found.outcome,
                    found.load_error,
                    is_collection_or_syntax_error(found)
                ),
                (*outcome, *load_error, *load_error),
                "{name}: {found:#?}"
            );
        }
        let mut load_errors: Vec<&str> = report.load_errors().map(|c| c.id.as_str()).collect();
        let mut expected: Vec<&str> = scenario
            .expect
            .iter()
            .filter(|(_, _, load)| *load)
            .map(|(id, _, _)| *id)
            .collect();
        load_errors.sort_unstable();
        expected.sort_unstable();
        assert_eq!(load_errors, expected, "{name}");
    }
}

#[test]
fn a_run_time_exception_keeps_its_message_and_place() {
    let pytest = parse_report(
        Runner::Pytest,
        &fixture("pytest_runtime_exceptions_and_broken_file.stdout"),
        "",
    );
    let syntax = case(
        &pytest,
        "tests/test_runtime.py::test_syntax_error_at_run_time",
    );
    assert!(
        syntax.message.contains("SyntaxError: '(' was never closed"),
        "{}",
        syntax.message
    );
    assert_eq!(
        (syntax.file.as_deref(), syntax.line),
        (Some("calc.py"), Some(5))
    );
    let broken = case(&pytest, "tests/test_broken.py");
    assert_eq!(broken.message, "SyntaxError: expected ':'");
    assert_eq!(broken.line, Some(4));

    let junit = parse_junit_xml(&fixture(
        "pytest_runtime_exceptions_and_broken_file_junit.xml",
    ));
    let import = case(&junit, "tests.test_runtime.test_import_error_at_run_time");
    assert_eq!(
        import.message,
        "ModuleNotFoundError: No module named 'nope_not_installed'"
    );

    let cargo = parse_report(
        Runner::Cargo,
        &fixture("cargo_test_runtime_compiler_words.stdout"),
        &fixture("cargo_test_runtime_compiler_words.stderr"),
    );
    let words = case(&cargo, "tests::compiler_words_at_run_time");
    assert!(
        words.message.starts_with("error[E0425]"),
        "{}",
        words.message
    );
    assert_eq!(
        (words.file.as_deref(), words.line),
        (Some("src/lib.rs"), Some(27))
    );

    let unittest = parse_report(
        Runner::Unittest,
        "",
        &fixture("unittest_named_module_syntax_error.stderr"),
    );
    let named = case(&unittest, "tests.test_broken");
    assert_eq!(
        (named.file.as_deref(), named.line),
        (Some("tests/test_broken.py"), Some(4))
    );
    assert!(
        named.message.contains("SyntaxError: expected ':'"),
        "{}",
        named.message
    );

    let jest = parse_junit_xml(&fixture(
        "jest_junit_runtime_exceptions_and_broken_file.xml",
    ));
    assert_eq!(
        case(&jest, "src/broken.test.js").file.as_deref(),
        Some("src/broken.test.js")
    );
}

/// Output nested in a test's own output does not confuse the pytest parser: an inner
/// `ERROR collecting` in a captured block, or a rule line printed by a test, reads as none of
/// the outer run's structure.
#[test]
fn pytest_ignores_captured_output() {
    let inner = fixture("pytest_pytester_inner_run.stdout");
    let report = parse_report(Runner::Pytest, &inner, "");
    let outer = case(
        &report,
        "tests/test_inner.py::test_inner_run_reports_collection_error",
    );
    assert_eq!(
        outer.message,
        "AssertionError: the inner run should have passed\nassert <ExitCode.TESTS_FAILED: 1> == 0\n+  where <ExitCode.TESTS_FAILED: 1> = <RunResult ret=1 len(stdout.lines)=42 len(stderr.lines)=0 duration=0.17s>.ret"
    );
    // Without the captured block, the inner session's lines would be the outer run's.
    let uncaptured = inner.replace(
        "----------------------------- Captured stdout call -----------------------------\n",
        "",
    );
    let naive = parse_report(Runner::Pytest, &uncaptured, "");
    assert!(naive.load_errors().next().is_some(), "{:#?}", naive.cases);

    // A word in a summary message is only a word.
    let summary = "=========================== short test summary info ============================\n\
        FAILED tests/test_x.py::test_x - SympifyError: Sympify of expression 'could not parse' failed, because of exception being raised:\n\
        SyntaxError: invalid syntax (<string>, line 1)\n\
        ERROR tests/test_y.py::test_y - ImportError: cannot import name 'z'\n\
        ========================= 1 failed, 1 error in 0.12s ==========================\n";
    let report = parse_report(Runner::Pytest, summary, "");
    assert_eq!(report.cases.len(), 2, "{:#?}", report.cases);
    assert_eq!(report.load_errors().count(), 0, "{:#?}", report.cases);
    assert_eq!(case(&report, "tests/test_x.py::test_x").outcome, FAILED);
    assert_eq!(case(&report, "tests/test_y.py::test_y").outcome, ERRORED);
}

fn case<'a>(report: &'a TestReport, id: &str) -> &'a TestCase {
    report
        .cases
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no case {id:?} in {:#?}", report.cases))
}

fn counts(report: &TestReport) -> (u32, u32, u32, u32) {
    (
        report.count(CaseOutcome::Passed),
        report.count(CaseOutcome::Failed),
        report.count(CaseOutcome::Skipped),
        report.count(CaseOutcome::Errored),
    )
}

#[test]
fn cargo_test() {
    let report = parse_report(
        Runner::Cargo,
        &fixture("cargo_test.stdout"),
        &fixture("cargo_test.stderr"),
    );
    assert_eq!(counts(&report), (2, 3, 1, 0), "{:#?}", report.cases);
    let wrong = case(&report, "tests::adds_wrong");
    assert_eq!(wrong.outcome, CaseOutcome::Failed);
    assert!(
        wrong
            .message
            .starts_with("assertion `left == right` failed: sum of 1 and 2"),
        "{}",
        wrong.message
    );
    assert!(wrong.message.contains("left: 3"));
    assert_eq!(
        (wrong.file.as_deref(), wrong.line),
        (Some("src/lib.rs"), Some(9))
    );
    assert_eq!(case(&report, "tests::panics_plain").message, "boom here");
    let api = case(&report, "api_fails");
    assert_eq!(
        (api.file.as_deref(), api.line),
        (Some("tests/api.rs"), Some(4))
    );
    assert_eq!(case(&report, "tests::ignored_one").message, "slow");
    assert_eq!(report.load_errors().count(), 0);
}

#[test]
fn cargo_compile_error_is_one_load_error() {
    let report = parse_report(Runner::Cargo, "", &fixture("cargo_compile_error.stderr"));
    assert_eq!(counts(&report), (0, 0, 0, 1), "{:#?}", report.cases);
    let broken = &report.cases[0];
    assert_eq!(broken.id, "could not compile `rs` (test \"broken\")");
    assert!(
        broken
            .message
            .contains("error[E0425]: cannot find function `subtract`"),
        "{}",
        broken.message
    );
    assert_eq!(
        (broken.file.as_deref(), broken.line),
        (Some("tests/broken.rs"), Some(2))
    );
    assert!(is_collection_or_syntax_error(broken));
}

#[test]
fn nextest() {
    let report = parse_report(Runner::Nextest, "", &fixture("nextest.stderr"));
    assert_eq!(counts(&report), (2, 3, 0, 0), "{:#?}", report.cases);
    let wrong = case(&report, "tests::adds_wrong");
    assert!(
        wrong
            .message
            .starts_with("assertion `left == right` failed"),
        "{}",
        wrong.message
    );
    assert_eq!(
        (wrong.file.as_deref(), wrong.line),
        (Some("src/lib.rs"), Some(9))
    );
    assert_eq!(
        case(&report, "api_fails").message,
        "assertion failed: rs::add(2, 2) == 5"
    );
    let compile = parse_report(
        Runner::Nextest,
        "",
        &fixture("nextest_compile_error.stderr"),
    );
    assert_eq!(counts(&compile), (0, 0, 0, 1));
    assert!(compile.load_errors().next().is_some());
}

#[test]
fn unittest() {
    let report = parse_report(Runner::Unittest, "", &fixture("unittest.stderr"));
    assert_eq!(counts(&report), (2, 2, 2, 1), "{:#?}", report.cases);
    let wrong = case(&report, "tests.test_calc.TestCalc.test_add_wrong");
    assert_eq!(wrong.message, "AssertionError: 3 != 4");
    assert_eq!(
        (wrong.file.as_deref(), wrong.line),
        (Some("tests/test_calc.py"), Some(10))
    );
    // An exception while the test ran is a failure of the behaviour, not a load error.
    let error = case(&report, "tests.test_calc.TestCalc.test_error");
    assert_eq!(
        (error.outcome, error.message.as_str()),
        (CaseOutcome::Failed, "ValueError: bad value")
    );
    // The docstring variant still reads as one passing test.
    assert_eq!(
        case(&report, "tests.test_calc.TestCalc.test_documented").outcome,
        CaseOutcome::Passed
    );
    assert_eq!(
        case(&report, "tests.test_calc.TestCalc.test_skipped").message,
        "not now"
    );
    let broken = case(&report, "tests.test_broken");
    assert!(is_collection_or_syntax_error(broken));
    assert!(
        broken.message.contains("SyntaxError: expected ':'"),
        "{}",
        broken.message
    );
    assert_eq!(
        (broken.file.as_deref(), broken.line),
        (Some("tests/test_broken.py"), Some(4))
    );
}

#[test]
fn pytest_verbose_and_summary() {
    let report = parse_report(Runner::Pytest, &fixture("pytest.stdout"), "");
    // 5 passed, 4 failed, 2 skipped + 2 xfailed, 1 error (a broken fixture).
    assert_eq!(counts(&report), (5, 4, 4, 1), "{:#?}", report.cases);
    let bad = case(&report, "tests/test_pyt.py::test_bad");
    assert!(bad.message.starts_with("assert 2 == 3"), "{}", bad.message);
    assert_eq!(
        (bad.file.as_deref(), bad.line),
        (Some("tests/test_pyt.py"), Some(10))
    );
    let param = case(&report, "tests/test_pyt.py::test_param[2-2-5]");
    assert_eq!((param.outcome, param.line), (CaseOutcome::Failed, Some(20)));
    let in_class = case(&report, "tests/test_calc.py::TestCalc::test_add_wrong");
    assert_eq!(in_class.message, "AssertionError: 3 != 4");
    let fixture_error = case(&report, "tests/test_pyt.py::test_uses_broken");
    assert_eq!(fixture_error.outcome, CaseOutcome::Errored);
    assert!(
        fixture_error
            .message
            .contains("RuntimeError: fixture broke")
    );
    assert!(!is_collection_or_syntax_error(fixture_error));
    assert_eq!(
        case(&report, "tests/test_pyt.py::test_skip").message,
        "later"
    );
}

#[test]
fn pytest_collection_error() {
    let report = parse_report(
        Runner::Pytest,
        &fixture("pytest_collection_error.stdout"),
        "",
    );
    assert_eq!(counts(&report), (0, 0, 0, 1), "{:#?}", report.cases);
    let broken = case(&report, "tests/test_broken.py");
    assert!(is_collection_or_syntax_error(broken));
    assert_eq!(broken.message, "SyntaxError: expected ':'");
    assert_eq!(
        (broken.file.as_deref(), broken.line),
        (Some("tests/test_broken.py"), Some(4))
    );
}

#[test]
fn junit_xml_from_pytest_and_surefire() {
    let pytest = parse_junit_xml(&fixture("pytest_junit.xml"));
    assert_eq!(counts(&pytest), (5, 4, 4, 1), "{:#?}", pytest.cases);
    let bad = case(&pytest, "tests.test_pyt.test_bad");
    assert_eq!(bad.message, "assert 2 == 3\n +  where 2 = add(1, 1)");
    assert_eq!(
        (bad.file.as_deref(), bad.line),
        (Some("tests/test_pyt.py"), Some(10))
    );
    assert_eq!(
        case(&pytest, "tests.test_pyt.test_uses_broken").outcome,
        CaseOutcome::Errored
    );

    let collection = parse_junit_xml(&fixture("pytest_collection_error_junit.xml"));
    assert_eq!(collection.cases.len(), 1);
    assert!(is_collection_or_syntax_error(&collection.cases[0]));

    let surefire = parse_junit_xml(&fixture("surefire_junit.xml"));
    assert_eq!(counts(&surefire), (1, 2, 1, 0), "{:#?}", surefire.cases);
    let subtracts = case(&surefire, "com.example.CalcTest.subtracts");
    assert_eq!(subtracts.message, "expected: <2> but was: <4>");
    assert_eq!(
        (subtracts.file.as_deref(), subtracts.line),
        (Some("CalcTest.java"), Some(17))
    );
    let zero = case(&surefire, "com.example.CalcTest.throwsOnZero");
    assert_eq!((zero.outcome, zero.line), (CaseOutcome::Failed, Some(25)));
    assert_eq!(
        case(&surefire, "com.example.CalcTest.divides").message,
        "not yet"
    );

    let broken =
        parse_junit_xml("<testsuite><testcase classname=\"a\" name=\"b\"><failure message=\"m\">");
    assert_eq!(
        broken.cases.len(),
        1,
        "what was read before the XML broke off is kept"
    );
}

#[test]
fn go_test_verbose_and_build_failure() {
    let report = parse_report(Runner::Go, &fixture("go_test_v.stdout"), "");
    assert_eq!(counts(&report), (3, 3, 1, 0), "{:#?}", report.cases);
    let sub = case(&report, "TestSub");
    assert_eq!(sub.message, "Sub(3, 1) = 4, want 2");
    assert_eq!(
        (sub.file.as_deref(), sub.line),
        (Some("calc_test.go"), Some(14))
    );
    assert_eq!(case(&report, "TestTable/negative").line, Some(27));
    assert_eq!(case(&report, "TestSkipped").outcome, CaseOutcome::Skipped);

    let build = parse_report(Runner::Go, &fixture("go_build_failed.stdout"), "");
    assert_eq!(counts(&build), (0, 0, 0, 1), "{:#?}", build.cases);
    let package = case(&build, "example.com/calc");
    assert!(is_collection_or_syntax_error(package));
    assert!(package.message.contains("undefined: Mul"));
    assert_eq!(
        (package.file.as_deref(), package.line),
        (Some("calc_test.go"), Some(20))
    );
}

#[test]
fn go_test_json() {
    let report = parse_report(Runner::Go, &fixture("go_test_json.stdout"), "");
    assert_eq!(counts(&report), (1, 1, 1, 1), "{:#?}", report.cases);
    assert_eq!(case(&report, "TestSub").message, "Sub(3, 1) = 4, want 2");
    let broken = case(&report, "example.com/broken");
    assert!(is_collection_or_syntax_error(broken));
    assert!(
        broken.message.contains("undefined: Missing"),
        "{}",
        broken.message
    );
}

#[test]
fn jest_verbose_and_json() {
    let report = parse_report(Runner::Jest, "", &fixture("jest_verbose.stderr"));
    assert_eq!(counts(&report), (3, 1, 2, 1), "{:#?}", report.cases);
    let wrong = case(&report, "src/sum.test.js › sum › adds wrong");
    assert!(
        wrong.message.starts_with("expect(received).toBe(expected)"),
        "{}",
        wrong.message
    );
    assert!(wrong.message.contains("Received: 3"));
    assert_eq!(
        (wrong.file.as_deref(), wrong.line),
        (Some("src/sum.test.js"), Some(8))
    );
    assert_eq!(
        case(&report, "src/sum.test.js › sum › nested › works deep").outcome,
        CaseOutcome::Passed
    );
    assert_eq!(
        case(&report, "src/sum.test.js › top level").outcome,
        CaseOutcome::Passed
    );
    let broken = case(&report, "src/broken.test.js");
    assert!(is_collection_or_syntax_error(broken));
    assert!(broken.message.contains("SyntaxError"), "{}", broken.message);
    assert_eq!(broken.line, Some(3));

    let json = parse_report(Runner::Jest, &fixture("jest.json"), "");
    assert_eq!(counts(&json), (3, 1, 2, 1), "{:#?}", json.cases);
    let wrong = case(&json, "src/sum.test.js › sum › adds wrong");
    assert_eq!(
        (wrong.file.as_deref(), wrong.line),
        (Some("src/sum.test.js"), Some(8))
    );
    // An unknown npm runner reads the same.
    assert_eq!(
        counts(&parse_report(
            Runner::Npm,
            "",
            &fixture("jest_verbose.stderr")
        )),
        (3, 1, 2, 1)
    );
}

#[test]
fn vitest_verbose_and_json() {
    let report = parse_report(
        Runner::Vitest,
        &fixture("vitest_verbose.stdout"),
        &fixture("vitest_verbose.stderr"),
    );
    assert_eq!(counts(&report), (3, 1, 0, 1), "{:#?}", report.cases);
    let wrong = case(&report, "sum.test.js › sum › adds wrong");
    assert!(
        wrong
            .message
            .starts_with("AssertionError: expected 3 to be 4"),
        "{}",
        wrong.message
    );
    assert_eq!(
        (wrong.file.as_deref(), wrong.line),
        (Some("sum.test.js"), Some(9))
    );
    assert!(is_collection_or_syntax_error(case(
        &report,
        "broken.test.js"
    )));

    let json = parse_report(Runner::Vitest, &fixture("vitest.json"), "");
    assert_eq!(counts(&json), (3, 1, 2, 1), "{:#?}", json.cases);
    assert_eq!(
        case(&json, "sum.test.js › sum › nested › works deep").outcome,
        CaseOutcome::Passed
    );
}

#[test]
fn maven_and_gradle_consoles() {
    let maven = parse_report(Runner::Maven, &fixture("maven_surefire.stdout"), "");
    assert_eq!(counts(&maven), (0, 1, 0, 0), "{:#?}", maven.cases);
    let subtracts = case(&maven, "com.example.CalcTest.subtracts");
    assert_eq!(
        subtracts.message,
        "org.opentest4j.AssertionFailedError: expected: <2> but was: <4>"
    );
    assert_eq!(
        (subtracts.file.as_deref(), subtracts.line),
        (Some("CalcTest.java"), Some(17))
    );

    let compile = parse_report(Runner::Maven, &fixture("maven_compile_error.stdout"), "");
    assert_eq!(counts(&compile), (0, 0, 0, 1));
    assert!(is_collection_or_syntax_error(&compile.cases[0]));
    assert_eq!(
        compile.cases[0].file.as_deref(),
        Some("src/test/java/com/example/CalcTest.java")
    );
    assert_eq!(compile.cases[0].line, Some(21));

    let gradle = parse_report(Runner::Gradle, &fixture("gradle.stdout"), "");
    assert_eq!(counts(&gradle), (1, 1, 1, 0), "{:#?}", gradle.cases);
    assert_eq!(case(&gradle, "CalcTest.subtracts()").line, Some(17));
}

#[test]
fn an_unknown_runner_is_read_with_the_format_that_fits() {
    let report = parse_report(
        Runner::Unknown,
        &fixture("cargo_test.stdout"),
        &fixture("cargo_test.stderr"),
    );
    assert_eq!(report.runner, Some(Runner::Cargo));
    assert_eq!(report.cases.len(), 6);
    assert!(
        parse_report(Runner::Unknown, "hello\n", "")
            .cases
            .is_empty()
    );
    // Colour codes do not get in the way.
    let coloured = "test a ... \u{1b}[32mok\u{1b}[0m\n";
    assert_eq!(
        parse_report(Runner::Cargo, coloured, "").count(CaseOutcome::Passed),
        1
    );
}

/// A compiler error a test prints while it runs (a compiler it drives) is its own output,
/// not a module that did not compile (Maven's console, written from its format).
#[test]
fn maven_compiler_lines_inside_the_test_step_are_output() {
    let surefire = fixture("maven_surefire.stdout").replacen(
        "T E S T S\n",
        "T E S T S\n[ERROR] /workspace/gen/Gen.java:[3,1] cannot find symbol\n",
        1,
    );
    assert!(surefire.contains("Gen.java"));
    let report = parse_report(Runner::Maven, &surefire, "");
    assert_eq!(report.load_errors().count(), 0, "{:#?}", report.cases);
    assert_eq!(counts(&report), (0, 1, 0, 0), "{:#?}", report.cases);
}
