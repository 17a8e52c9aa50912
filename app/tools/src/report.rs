//! Test results read from the runners' own output: one [`TestCase`] per test with its outcome,
//! and where a failure happened. Each runner's format has its own module; [`parse_report`]
//! picks by runner, and tries them all when the runner is unknown.
//!
//! Outcomes follow redgreen's evidence model: `Failed` is a test that ran and did not pass
//! (an assertion, or an exception raised by the code under test); `Errored` is a test that
//! did not run to a verdict (a file that does not compile, import or collect, a broken
//! fixture). [`is_collection_or_syntax_error`] tells the orchestrator whether a red test
//! "fails" only because it does not load; each parser decides that from its runner's
//! structure (which section, which line, which element), never from words in a message, and
//! leaves out the output of runs nested in a test's own output.

mod gotest;
mod jest;
mod junit;
mod libtest;
mod maven;
mod nextest;
mod pytest;
mod unittest;
mod vitest;

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

pub use junit::parse_junit_xml;

use crate::test_command::Runner;

/// How one test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseOutcome {
    Passed,
    Failed,
    Skipped,
    /// Did not run to a verdict (see the module's documentation).
    Errored,
}

/// One test as its runner reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestCase {
    /// The runner's id (`tests/test_x.py::test_y`, `tests::parses`, `TestParse/empty`,
    /// `src/sum.test.js › sum › adds`); for a file or package that did not load, its path or
    /// name.
    pub id: String,
    pub outcome: CaseOutcome,
    /// Why it failed or was skipped (empty for a pass).
    pub message: String,
    /// Repository-relative where the runner said so.
    pub file: Option<String>,
    pub line: Option<u32>,
    /// The case stands for a file that does not compile, import or collect.
    pub load_error: bool,
}

impl TestCase {
    pub(crate) fn new(id: impl Into<String>, outcome: CaseOutcome) -> TestCase {
        TestCase {
            id: id.into(),
            outcome,
            message: String::new(),
            file: None,
            line: None,
            load_error: false,
        }
    }

    pub(crate) fn load_failure(id: impl Into<String>, message: impl Into<String>) -> TestCase {
        TestCase {
            message: message.into(),
            load_error: true,
            ..TestCase::new(id, CaseOutcome::Errored)
        }
    }

    pub(crate) fn at(mut self, file: Option<String>, line: Option<u32>) -> TestCase {
        self.file = file.map(|f| relative_path(&f));
        self.line = line;
        self
    }

    pub(crate) fn with_message(mut self, message: impl Into<String>) -> TestCase {
        self.message = message.into();
        self
    }
}

/// Everything read from one run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TestReport {
    /// The format the cases were read with (for an unknown runner, the one that read most).
    pub runner: Option<Runner>,
    pub cases: Vec<TestCase>,
}

impl TestReport {
    pub fn count(&self, outcome: CaseOutcome) -> u32 {
        let n = self.cases.iter().filter(|c| c.outcome == outcome).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The cases that did not pass and were not skipped.
    pub fn failing(&self) -> impl Iterator<Item = &TestCase> {
        self.cases
            .iter()
            .filter(|c| matches!(c.outcome, CaseOutcome::Failed | CaseOutcome::Errored))
    }

    /// The cases that stand for a file that does not load.
    pub fn load_errors(&self) -> impl Iterator<Item = &TestCase> {
        self.cases
            .iter()
            .filter(|c| is_collection_or_syntax_error(c))
    }

    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }
}

/// Whether the case is a test file, module or package that did not compile, import or collect
/// (so a "failure" proves nothing about the behaviour under test). Only the runner's structure
/// says so (each parser sets [`TestCase::load_error`] from it: pytest's `ERROR collecting`,
/// unittest's `_FailedTest`, cargo's `could not compile` before any test ran, go's
/// `[build failed]`, jest's `Test suite failed to run`, a JUnit `collection failure`...),
/// never the words of a message: a test that ran and failed on an assertion or on any
/// exception of the code under test (a `SyntaxError` from `compile`, an `ImportError` from
/// `importlib`) is not one, and neither is a broken fixture.
pub fn is_collection_or_syntax_error(case: &TestCase) -> bool {
    case.load_error
}

/// Reads the cases of a run of `runner` from its stdout and stderr.
pub fn parse_report(runner: Runner, stdout: &str, stderr: &str) -> TestReport {
    let (stdout, stderr) = (strip_ansi(stdout), strip_ansi(stderr));
    let (stdout, stderr) = (stdout.as_ref(), stderr.as_ref());
    let parse = |runner: Runner| -> Vec<TestCase> {
        match runner {
            Runner::Cargo => libtest::parse(stdout, stderr),
            Runner::Nextest => nextest::parse(stdout, stderr),
            Runner::Pytest => pytest::parse(stdout, stderr),
            Runner::Unittest => unittest::parse(stdout, stderr),
            Runner::Go => gotest::parse(stdout, stderr),
            Runner::Jest => jest::parse(stdout, stderr),
            Runner::Vitest => vitest::parse(stdout, stderr),
            Runner::Maven | Runner::Gradle => maven::parse(stdout, stderr),
            Runner::Npm | Runner::Unknown => Vec::new(),
        }
    };
    let candidates: &[Runner] = match runner {
        Runner::Npm => &[Runner::Jest, Runner::Vitest],
        Runner::Unknown => &[
            Runner::Cargo,
            Runner::Nextest,
            Runner::Pytest,
            Runner::Unittest,
            Runner::Go,
            Runner::Jest,
            Runner::Vitest,
            Runner::Maven,
        ],
        _ => std::slice::from_ref(&runner),
    };
    let mut best = TestReport::default();
    for candidate in candidates {
        let cases = dedupe(parse(*candidate));
        if cases.len() > best.cases.len() || best.runner.is_none() {
            best = TestReport {
                runner: Some(*candidate),
                cases,
            };
        }
    }
    best
}

/// Colour codes, for runners that colour even when not on a terminal.
fn strip_ansi(text: &str) -> std::borrow::Cow<'_, str> {
    static ANSI: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]").ok());
    match ANSI.as_ref() {
        Some(ansi) => ansi.replace_all(text, ""),
        None => std::borrow::Cow::Borrowed(text),
    }
}

/// One case per id: a runner that repeats failures in a closing summary (nextest) or retries
/// a test reports it more than once; the last report wins.
fn dedupe(cases: Vec<TestCase>) -> Vec<TestCase> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<TestCase> = Vec::with_capacity(cases.len());
    for case in cases {
        match index.get(&case.id) {
            Some(&at) => {
                let previous = &out[at];
                // A closing summary repeats an outcome with less detail: keep the details.
                let same = previous.outcome == case.outcome;
                if !same || previous.message.is_empty() && !case.message.is_empty() {
                    out[at] = case;
                }
            }
            None => {
                index.insert(case.id.clone(), out.len());
                out.push(case);
            }
        }
    }
    out
}

/// A path as the runner printed it, made repository-relative: the sandbox mounts the
/// workspace at `/workspace`, and runners print `./x` or absolute paths.
pub(crate) fn relative_path(path: &str) -> String {
    let path = path.trim();
    let path = path
        .strip_prefix(redgreen_sandbox::WORKSPACE_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(path);
    path.trim_start_matches("./").to_owned()
}

/// Compiles a parser's patterns (constants, checked by the fixture tests); `None` if one does
/// not compile, and the parser then reads nothing rather than failing the run.
pub(crate) fn compile<const N: usize>(patterns: [&str; N]) -> Option<[Regex; N]> {
    let compiled: Option<Vec<Regex>> = patterns
        .iter()
        .map(|pattern| match Regex::new(pattern) {
            Ok(regex) => Some(regex),
            Err(error) => {
                tracing::error!(%error, "test-report pattern does not compile");
                None
            }
        })
        .collect();
    compiled?.try_into().ok()
}

/// Joins stdout and stderr: most runners split their report between them.
pub(crate) fn both(stdout: &str, stderr: &str) -> String {
    format!("{stdout}\n{stderr}")
}

/// The first `max` non-empty lines of a block, trimmed, joined.
pub(crate) fn first_lines(lines: &[&str], max: usize) -> String {
    lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .take(max)
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn parse_u32(text: &str) -> Option<u32> {
    text.parse().ok()
}
