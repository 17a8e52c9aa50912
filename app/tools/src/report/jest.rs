//! jest: the `--verbose` tree (`PASS src/a.test.js`, then `✓ title (2 ms)` indented under
//! their `describe` blocks), the `● describe › test` failure details, and `--json` (whose
//! shape vitest's json reporter shares). A suite that fails to run (a syntax or import error)
//! is one errored case for that file.
//!
//! Test ids are `file › describe › test`, the separator jest itself prints.

use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use super::{CaseOutcome, TestCase, both, compile, first_lines, parse_u32, relative_path};

pub(super) const SEPARATOR: &str = " › ";

static PATTERNS: LazyLock<Option<[Regex; 5]>> = LazyLock::new(|| {
    compile([
        r"^\s*(PASS|FAIL)\s+(\S+)",
        r"^(\s*)(✓|✕|○|✎|√|×)\s+(.*?)(?:\s+\(\d+(?:\.\d+)?\s*m?s\))?$",
        r"^\s*● (.+)$",
        // A code frame's line: `>  8 |   expect(...)`, `   7 |`, `     |    ^`.
        r"^\s*(>)?\s*(\d+)?\s*\|",
        r"\(?((?:/|\.{0,2}/?)[^\s()]+?):(\d+):\d+\)?$",
    ])
});

pub(super) fn parse(stdout: &str, stderr: &str) -> Vec<TestCase> {
    if let Some(cases) = parse_json(stdout) {
        return cases;
    }
    let Some([file_line, test_line, bullet, frame, at]) = PATTERNS.as_ref() else {
        return Vec::new();
    };
    let text = both(stdout, stderr);
    let lines: Vec<&str> = text.lines().collect();
    let mut cases: Vec<TestCase> = Vec::new();
    let mut file = String::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut details = false;
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        index += 1;
        if let Some(c) = file_line.captures(line) {
            file = relative_path(&c[2]);
            stack.clear();
            details = false;
            continue;
        }
        if line.starts_with("Test Suites:") || line.starts_with("Tests:") {
            details = false;
            continue;
        }
        if let Some(c) = bullet.captures(line) {
            details = true;
            // The block runs to the next bullet, suite or summary line.
            let start = index;
            let mut end = start;
            while end < lines.len()
                && !bullet.is_match(lines[end])
                && !file_line.is_match(lines[end])
                && !lines[end].starts_with("Test Suites:")
            {
                end += 1;
            }
            let body = &lines[start..end];
            index = end;
            let text_lines: Vec<&str> = body
                .iter()
                .copied()
                .take_while(|l| !frame.is_match(l) && !l.trim_start().starts_with("at "))
                .collect();
            let message = first_lines(&text_lines, 5);
            if &c[1] == "Test suite failed to run" {
                let line = body.iter().find_map(|l| {
                    frame
                        .captures(l)
                        .filter(|c| c.get(1).is_some())
                        .and_then(|c| parse_u32(c.get(2)?.as_str()))
                });
                let message = format!("Test suite failed to run: {message}");
                cases.push(
                    TestCase::load_failure(file.clone(), message).at(Some(file.clone()), line),
                );
                continue;
            }
            let id = format!("{file}{SEPARATOR}{}", &c[1]);
            let place = body
                .iter()
                .filter(|l| l.trim_start().starts_with("at ") && !l.contains("node_modules"))
                .find_map(|l| at.captures(l.trim_end()))
                .map(|c| (c[1].to_owned(), parse_u32(&c[2])));
            let (place_file, place_line) = place.map_or((None, None), |(f, l)| (Some(f), l));
            match cases.iter_mut().find(|case| case.id == id) {
                Some(case) => {
                    case.message = message;
                    *case = case.clone().at(place_file, place_line);
                }
                None => cases.push(
                    TestCase::new(id, CaseOutcome::Failed)
                        .with_message(message)
                        .at(place_file, place_line),
                ),
            }
            continue;
        }
        if details || file.is_empty() || line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if let Some(c) = test_line.captures(line) {
            let (outcome, title) = match &c[2] {
                "✓" | "√" => (CaseOutcome::Passed, c[3].to_owned()),
                "✕" | "×" => (CaseOutcome::Failed, c[3].to_owned()),
                "○" => (CaseOutcome::Skipped, strip_word(&c[3], "skipped ")),
                _ => (CaseOutcome::Skipped, strip_word(&c[3], "todo ")),
            };
            let mut parts = vec![file.clone()];
            parts.extend(
                stack
                    .iter()
                    .filter(|(i, _)| *i < indent)
                    .map(|(_, t)| t.clone()),
            );
            parts.push(title);
            let message = if c[2].eq("✎") { "todo" } else { "" };
            cases.push(TestCase::new(parts.join(SEPARATOR), outcome).with_message(message));
        } else if indent >= 2 {
            while stack.last().is_some_and(|(i, _)| *i >= indent) {
                stack.pop();
            }
            stack.push((indent, line.trim().to_owned()));
        }
    }
    cases
}

#[derive(Deserialize)]
struct Report {
    #[serde(rename = "testResults")]
    test_results: Vec<Suite>,
}

#[derive(Deserialize)]
struct Suite {
    name: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    message: String,
    #[serde(rename = "assertionResults", default)]
    assertions: Vec<Assertion>,
}

#[derive(Deserialize)]
struct Assertion {
    #[serde(rename = "ancestorTitles", default)]
    ancestors: Vec<String>,
    title: String,
    status: String,
    #[serde(rename = "failureMessages", default)]
    failures: Vec<String>,
    #[serde(default)]
    location: Option<Location>,
}

#[derive(Deserialize)]
struct Location {
    line: u32,
}

/// jest's `--json` (and vitest's json reporter): `None` when stdout is not such a report.
pub(super) fn parse_json(stdout: &str) -> Option<Vec<TestCase>> {
    let start = stdout.find('{')?;
    let report: Report = serde_json::from_str(stdout[start..].trim()).ok()?;
    let at = PATTERNS.as_ref().map(|[.., at]| at);
    let mut cases = Vec::new();
    for suite in report.test_results {
        let file = relative_path(&suite.name);
        if suite.assertions.is_empty() && suite.status == "failed" {
            let lines: Vec<&str> = suite
                .message
                .lines()
                .filter(|l| !l.trim_start().starts_with('●') && !l.trim_start().starts_with("at "))
                .collect();
            let message = format!("Test suite failed to run: {}", first_lines(&lines, 1));
            cases.push(TestCase::load_failure(file.clone(), message).at(Some(file.clone()), None));
            continue;
        }
        for assertion in suite.assertions {
            let outcome = match assertion.status.as_str() {
                "passed" => CaseOutcome::Passed,
                "failed" => CaseOutcome::Failed,
                _ => CaseOutcome::Skipped,
            };
            let mut parts = vec![file.clone()];
            parts.extend(assertion.ancestors);
            parts.push(assertion.title);
            let mut case = TestCase::new(parts.join(SEPARATOR), outcome);
            if let Some(failure) = assertion.failures.first() {
                let lines: Vec<&str> = failure
                    .lines()
                    .take_while(|l| !l.trim_start().starts_with("at "))
                    .collect();
                case.message = first_lines(&lines, 5);
                let place = failure
                    .lines()
                    .filter(|l| l.trim_start().starts_with("at ") && !l.contains("node_modules"))
                    .find_map(|l| at.and_then(|at| at.captures(l.trim_end())))
                    .map(|c| (c[1].to_owned(), parse_u32(&c[2])));
                if let Some((file, line)) = place {
                    case = case.at(Some(file), line);
                }
            } else if outcome == CaseOutcome::Skipped {
                case.message = assertion.status.clone();
            }
            if case.line.is_none()
                && let Some(location) = assertion.location
            {
                case = case.at(Some(file.clone()), Some(location.line));
            }
            cases.push(case);
        }
    }
    Some(cases)
}

/// jest prefixes skipped and todo tests' titles with the word once.
fn strip_word(title: &str, word: &str) -> String {
    title.strip_prefix(word).unwrap_or(title).to_owned()
}
