//! JUnit XML (Maven Surefire, Gradle, pytest `--junitxml`, jest-junit, go-junit-report...):
//! `<testcase classname name [file] [line]>` with a `<failure>`, `<error>` or `<skipped>`
//! child. An `<error>` is an exception while the test ran (a failure of the behaviour), unless
//! it says the file did not load (pytest's `collection failure`, a syntax or import error).

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

/// The case being read: its attributes, then what its children say.
struct Open {
    case: TestCase,
    /// `failure`, `error` or `skipped`, while inside one.
    child: Option<&'static str>,
    text: String,
}

/// Reads a JUnit XML report. Malformed XML ends the reading; what was read is kept.
pub fn parse_junit_xml(xml: &str) -> TestReport {
    let mut reader = Reader::from_str(xml);
    let mut cases = Vec::new();
    let mut open: Option<Open> = None;
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
            Event::Start(element) | Event::Empty(element)
                if element.local_name().as_ref() == b"testcase" =>
            {
                if let Some(done) = open.take() {
                    cases.push(finish(done));
                }
                open = Some(Open {
                    case: start_case(&element),
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
                        cases.push(finish(done));
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
        cases.push(finish(done));
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

fn start_case(element: &BytesStart<'_>) -> TestCase {
    let name = attribute(element, b"name").unwrap_or_default();
    let id = match attribute(element, b"classname").filter(|c| !c.is_empty()) {
        Some(class) => format!("{class}.{name}"),
        None => name,
    };
    let file = attribute(element, b"file");
    let line = attribute(element, b"line").and_then(|l| parse_u32(&l));
    TestCase::new(id, CaseOutcome::Passed).at(file, line)
}

fn apply_child(open: &mut Open, kind: &'static str, element: &BytesStart<'_>) {
    let message = attribute(element, b"message").unwrap_or_default();
    let case = &mut open.case;
    match kind {
        "skipped" => {
            case.outcome = CaseOutcome::Skipped;
            case.message = message;
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
    if case.outcome == CaseOutcome::Failed {
        let probe = TestCase {
            outcome: CaseOutcome::Errored,
            message: format!("{}\n{text}", case.message),
            ..case.clone()
        };
        if super::is_collection_or_syntax_error(&probe) {
            case.outcome = CaseOutcome::Errored;
            case.load_error = true;
        }
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
