//! `cargo nextest run`: one status line per test (`PASS [0.01s] (1/5) crate tests::x`), the
//! failed tests' captured output after their line, and cargo's compile errors (only before
//! the run starts: see [`super::libtest`]).

use std::sync::LazyLock;

use regex::Regex;

use super::libtest::{compile_errors, panic_details};
use super::{CaseOutcome, TestCase, both, compile};

static STATUS: LazyLock<Option<[Regex; 1]>> = LazyLock::new(|| {
    compile([
        r"^\s*(?:TRY \d+ )?(PASS|FAIL|SKIP|TIMEOUT|LEAK|LEAK-FAIL|FLAKY|ABORT|SIG[A-Z]+)\s+\[[^\]]*\]\s+(?:\(\s*\d+/\d+\)\s+)?(\S+)\s+(\S.*?)\s*$",
    ])
});

pub(super) fn parse(stdout: &str, stderr: &str) -> Vec<TestCase> {
    let text = both(stdout, stderr);
    let lines: Vec<&str> = text.lines().collect();
    let mut cases = compile_errors(stdout, stderr);
    let Some([status]) = STATUS.as_ref() else {
        return cases;
    };
    let mut index = 0;
    while index < lines.len() {
        let Some(c) = status.captures(lines[index]) else {
            index += 1;
            continue;
        };
        let name = c[3].to_owned();
        let outcome = match &c[1] {
            "PASS" | "LEAK" | "FLAKY" => CaseOutcome::Passed,
            "SKIP" => CaseOutcome::Skipped,
            _ => CaseOutcome::Failed,
        };
        // The output nextest shows for a failure runs up to the next status line or rule.
        let start = index + 1;
        let mut end = start;
        while end < lines.len()
            && !status.is_match(lines[end])
            && !lines[end].trim_start().starts_with('─')
            && !lines[end].starts_with("error:")
        {
            end += 1;
        }
        let mut case = TestCase::new(name, outcome);
        if outcome == CaseOutcome::Failed {
            let (message, file, line) = panic_details(&lines[start..end]);
            let message = match &c[1] {
                "TIMEOUT" => format!("timed out{}", prefixed(&message)),
                "FAIL" => message,
                signal => format!("{signal}{}", prefixed(&message)),
            };
            case = case.with_message(message).at(file, line);
        }
        cases.push(case);
        index = end;
    }
    cases
}

fn prefixed(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}
