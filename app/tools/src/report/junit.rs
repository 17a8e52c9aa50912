//! JUnit XML (Maven Surefire, Gradle, pytest `--junitxml`, jest-junit, go-junit-report...):
//! `<testcase classname name [file] [line]>` with a `<failure>`, `<error>` or `<skipped>`
//! child. A `<failure>` or an `<error>` is a test that ran and failed (an assertion, or any
//! exception of the code under test, a `SyntaxError` or an `ImportError` included), whatever
//! its message says. Only the way a producer encodes a file that did not load makes a load
//! error:
//!
//! - pytest (`--junitxml`): an `<error message="collection failure">` (the testcase is the
//!   module, with an empty classname);
//! - jest-junit: a testcase whose classname is `Test suite failed to run` (its name is the
//!   file), with an `<error>` or a `<failure>`;
//! - vitest (`--reporter=junit`): a testcase that is the file itself (classname, name and its
//!   testsuite's name all the file's path), with a `<failure>` or an `<error>`.
//!
//! Surefire, Gradle and cargo-nextest write no report for a target that does not compile
//! (their console output says so), and an `<error>` there is an exception while a test ran.
//! pytest's `failed on setup`/`failed on teardown` errors (a broken fixture) are errored cases,
//! not load errors.

use std::sync::LazyLock;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use regex::Regex;

use super::{CaseOutcome, TestCase, TestReport, compile, parse_u32};
use crate::test_command::Runner;

static LOCATION: LazyLock<Option<[Regex; 2]>> = LazyLock::new(|| {
    compile([
        // pytest: `tests/test_x.py:10: AssertionError`
        r"^\s*(\S+?\.\w+):(\d+): ",
        // Java stack frames: `at com.x.CalcTest.testAdd(CalcTest.java:15)`
        r"at [\w.$]+\(([\w$]+\.(?:java|kt|scala|groovy)):(\d+)\)",
    ])
});

/// jest-junit's classname for a suite that did not run.
const JEST_SUITE_FAILED: &str = "Test suite failed to run";

/// The case being read: its attributes, then what its children say.
struct Open {
    case: TestCase,
    /// `classname` and `name` as written, and the enclosing testsuite's `name`.
    class: String,
    name: String,
    suite: Option<String>,
    /// `failure`, `error` or `skipped`, while inside one.
    child: Option<&'static str>,
    text: String,
}

/// Reads a JUnit XML report. Malformed XML ends the reading; what was read is kept.
pub fn parse_junit_xml(xml: &str) -> TestReport {
    let mut reader = Reader::from_str(xml);
    let mut cases = Vec::new();
    let mut open: Option<Open> = None;
    let mut suites: Vec<Option<String>> = Vec::new();
    loop {
        let event = match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(event) => event,
            Err(error) => {
                tracing::warn!(%error, "malformed JUnit XML; keeping the cases read so far");
                break;
            }
        };
        match event {
            Event::Start(element) if element.local_name().as_ref() == b"testsuite" => {
                suites.push(attribute(&element, b"name"));
            }
            Event::End(element) if element.local_name().as_ref() == b"testsuite" => {
                suites.pop();
            }
            Event::Start(element) | Event::Empty(element)
                if element.local_name().as_ref() == b"testcase" =>
            {
                if let Some(done) = open.take() {
                    push(&mut cases, finish(done));
                }
                let class = attribute(&element, b"classname").unwrap_or_default();
                let name = attribute(&element, b"name").unwrap_or_default();
                open = Some(Open {
                    case: start_case(&element, &class, &name),
                    class,
                    name,
                    suite: suites.last().cloned().flatten(),
                    child: None,
                    text: String::new(),
                });
            }
            Event::Start(element) | Event::Empty(element) => {
                if let Some(current) = open.as_mut() {
                    let kind = match element.local_name().as_ref() {
                        b"failure" => Some("failure"),
                        b"error" => Some("error"),
                        b"skipped" => Some("skipped"),
                        _ => None,
                    };
                    if let Some(kind) = kind {
                        apply_child(current, kind, &element);
                    }
                }
            }
            Event::Text(text) => {
                if let Some(current) = open.as_mut().filter(|o| o.child.is_some()) {
                    current
                        .text
                        .push_str(&text.xml10_content().unwrap_or_default());
                }
            }
            Event::CData(text) => {
                if let Some(current) = open.as_mut().filter(|o| o.child.is_some()) {
                    current.text.push_str(&text.decode().unwrap_or_default());
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(current) = open.as_mut().filter(|o| o.child.is_some()) {
                    let name = reference.decode().unwrap_or_default();
                    let entity = format!("&{name};");
                    current
                        .text
                        .push_str(&quick_xml::escape::unescape(&entity).unwrap_or_default());
                }
            }
            Event::End(element) => match element.local_name().as_ref() {
                b"testcase" => {
                    if let Some(done) = open.take() {
                        push(&mut cases, finish(done));
                    }
                }
                b"failure" | b"error" | b"skipped" => {
                    if let Some(current) = open.as_mut() {
                        current.child = None;
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    if let Some(done) = open.take() {
        push(&mut cases, finish(done));
    }
    TestReport {
        runner: None::<Runner>,
        cases,
    }
}

fn attribute(element: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// Adds a case; jest-junit writes a suite that did not run twice (an `<error>`, then a
/// `<failure>` for the same suite), which is one load error.
fn push(cases: &mut Vec<TestCase>, case: TestCase) {
    if case.load_error && cases.iter().any(|c| c.load_error && c.id == case.id) {
        return;
    }
    cases.push(case);
}

fn start_case(element: &BytesStart<'_>, class: &str, name: &str) -> TestCase {
    let id = if class.is_empty() {
        name.to_owned()
    } else {
        format!("{class}.{name}")
    };
    let file = attribute(element, b"file");
    let line = attribute(element, b"line").and_then(|l| parse_u32(&l));
    TestCase::new(id, CaseOutcome::Passed).at(file, line)
}

fn apply_child(open: &mut Open, kind: &'static str, element: &BytesStart<'_>) {
    let message = attribute(element, b"message").unwrap_or_default();
    let load_error = kind != "skipped" && is_load_failure(open, kind, &message);
    let case = &mut open.case;
    match kind {
        "skipped" => {
            case.outcome = CaseOutcome::Skipped;
            case.message = message;
        }
        _ if load_error => {
            let file = if open.class.is_empty() {
                case.file.clone()
            } else {
                // jest-junit and vitest name the file the testcase stands for.
                case.id = open.name.clone();
                Some(open.name.clone())
            };
            *case = TestCase::load_failure(case.id.clone(), message).at(file, case.line);
        }
        // pytest reports a broken fixture as an error "failed on setup": the test never ran.
        "error"
            if message.starts_with("failed on setup")
                || message.starts_with("failed on teardown") =>
        {
            case.outcome = CaseOutcome::Errored;
            case.message = message;
        }
        _ => {
            case.outcome = CaseOutcome::Failed;
            case.message = message;
        }
    }
    open.child = Some(kind);
}

/// Whether a `<failure>` or `<error>` is its producer's encoding of a file that did not load
/// (see the module's documentation).
fn is_load_failure(open: &Open, kind: &str, message: &str) -> bool {
    let pytest = kind == "error" && message == "collection failure";
    let jest = open.class == JEST_SUITE_FAILED && !open.name.is_empty();
    let vitest = !open.class.is_empty()
        && open.class == open.name
        && open.suite.as_deref() == Some(open.name.as_str());
    pytest || jest || vitest
}

fn finish(open: Open) -> TestCase {
    let Open { mut case, text, .. } = open;
    if case.outcome == CaseOutcome::Passed {
        return case;
    }
    if case.message.is_empty() {
        case.message = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default()
            .to_owned();
    }
    if case.file.is_none()
        && let Some([pytest, java]) = LOCATION.as_ref()
    {
        let place = text
            .lines()
            .rev()
            .find_map(|l| pytest.captures(l).or_else(|| java.captures(l)))
            .map(|c| (c[1].to_owned(), parse_u32(&c[2])));
        if let Some((file, line)) = place {
            case = case.at(Some(file), line);
        }
    }
    case
}
