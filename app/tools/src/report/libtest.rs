//! `cargo test`: libtest's human output (`test x ... ok`), the `---- x stdout ----` blocks of
//! failures, and cargo's compile errors (a test target that does not compile is one errored
//! case for that target).
//!
//! cargo builds every test target before it runs any, so only its own `error: could not
//! compile` lines before the first test binary starts (`Running unittests src/lib.rs (...)`,
//! `running 3 tests`, nextest's `Starting 5 tests across 2 binaries`) make load errors. A
//! test that ran and panicked with compiler-like words in its message (`error[E0425]`, or a
//! test that runs cargo itself and prints its output) is a plain failure.

use std::sync::LazyLock;

use regex::Regex;

use super::{CaseOutcome, TestCase, both, compile, parse_u32};

static PATTERNS: LazyLock<Option<[Regex; 3]>> = LazyLock::new(|| {
    compile([
        r"^test (.+?) \.\.\. (ok|FAILED|ignored(?:, (.*))?)$",
        r"^---- (.+?) stdout ----$",
        r"^failures:$",
    ])
});

static PANIC: LazyLock<Option<[Regex; 2]>> = LazyLock::new(|| {
    compile([
        // Rust 1.73 and later: location, then the message on the next lines.
        r"panicked at (.+?):(\d+):\d+:$",
        // Before: the message quoted, then the location.
        r"panicked at '(.*)', (.+?):(\d+):\d+$",
    ])
});

static COMPILE: LazyLock<Option<[Regex; 4]>> = LazyLock::new(|| {
    compile([
        r"^error(\[E\d+\])?: (.+)$",
        r"^\s*--> (.+?):(\d+):\d+$",
        r"^error: could not compile `(.+?)`(?: \((.+?)\))?",
        // A test binary starts: cargo's `Running tests/api.rs (target/...)` (not `-v`'s
        // ``Running `rustc ...` ``), libtest's `running 3 tests`, nextest's `Starting`.
        r"^(?:\s+Running [^`].*\(.+\)$|running \d+ tests?$|\s*Starting \d+ tests? across )",
    ])
});

pub(super) fn parse(stdout: &str, stderr: &str) -> Vec<TestCase> {
    let text = both(stdout, stderr);
    let lines: Vec<&str> = text.lines().collect();
    let mut cases = compile_errors(stdout, stderr);
    let Some([result, block, failures]) = PATTERNS.as_ref() else {
        return cases;
    };
    for line in &lines {
        if let Some(c) = result.captures(line) {
            let (outcome, message) = match &c[2] {
                "ok" => (CaseOutcome::Passed, String::new()),
                "FAILED" => (CaseOutcome::Failed, String::new()),
                _ => (
                    CaseOutcome::Skipped,
                    c.get(3).map_or("ignored", |m| m.as_str()).to_owned(),
                ),
            };
            cases.push(TestCase::new(&c[1], outcome).with_message(message));
        }
    }
    // Failure details: `---- name stdout ----` up to the next block or the list of failures.
    let mut index = 0;
    while index < lines.len() {
        let Some(c) = block.captures(lines[index]) else {
            index += 1;
            continue;
        };
        let name = c[1].to_owned();
        let start = index + 1;
        let mut end = start;
        while end < lines.len() && !block.is_match(lines[end]) && !failures.is_match(lines[end]) {
            end += 1;
        }
        let (message, file, line) = panic_details(&lines[start..end]);
        if let Some(case) = cases.iter_mut().rev().find(|case| case.id == name) {
            case.message = message;
            *case = case.clone().at(file, line);
        }
        index = end;
    }
    cases
}

/// The panic message and location in a failed test's output (lines may be indented, as
/// nextest prints them).
pub(super) fn panic_details(lines: &[&str]) -> (String, Option<String>, Option<u32>) {
    let Some([new, old]) = PANIC.as_ref() else {
        return (String::new(), None, None);
    };
    for (index, line) in lines.iter().enumerate() {
        let line = line.trim();
        if let Some(c) = new.captures(line) {
            let message: Vec<&str> = lines[index + 1..]
                .iter()
                .map(|l| l.trim())
                .take_while(|l| {
                    !l.is_empty() && !l.starts_with("note:") && !l.starts_with("stack backtrace:")
                })
                .collect();
            return (message.join("\n"), Some(c[1].to_owned()), parse_u32(&c[2]));
        }
        if let Some(c) = old.captures(line) {
            return (c[1].to_owned(), Some(c[2].to_owned()), parse_u32(&c[3]));
        }
    }
    let message = super::first_lines(lines, 5);
    (message, None, None)
}

/// A file and line.
type Place = (String, Option<u32>);

/// One errored case per target cargo could not compile, with the first error and its place:
/// read in each stream up to the first test binary that started (see the module's
/// documentation; the streams are apart, and cargo writes its errors on stderr).
pub(super) fn compile_errors(stdout: &str, stderr: &str) -> Vec<TestCase> {
    let Some([.., started]) = COMPILE.as_ref() else {
        return Vec::new();
    };
    let mut cases = Vec::new();
    for stream in [stdout, stderr] {
        let lines: Vec<&str> = stream
            .lines()
            .take_while(|line| !started.is_match(line))
            .collect();
        cases.extend(compile_errors_in(&lines));
    }
    cases
}

fn compile_errors_in(lines: &[&str]) -> Vec<TestCase> {
    let Some([error, location, failed, _]) = COMPILE.as_ref() else {
        return Vec::new();
    };
    let mut cases = Vec::new();
    // Each compiler error and where it points (`--> file:line:col`).
    let mut errors: Vec<(String, Option<Place>)> = Vec::new();
    for line in lines {
        if let Some(c) = failed.captures(line) {
            let target = match c.get(2) {
                Some(target) => format!("could not compile `{}` ({})", &c[1], target.as_str()),
                None => format!("could not compile `{}`", &c[1]),
            };
            let message = errors
                .iter()
                .map(|(m, _)| m.as_str())
                .take(3)
                .collect::<Vec<_>>()
                .join("\n");
            let place = errors.iter().find_map(|(_, place)| place.clone());
            let (file, line) = place.map_or((None, None), |(f, l)| (Some(f), l));
            let message = if message.is_empty() {
                target.clone()
            } else {
                message
            };
            cases.push(TestCase::load_failure(target, message).at(file, line));
            errors.clear();
        } else if let Some(c) = error.captures(line) {
            let text = &c[2];
            // cargo's own closing lines are not compiler errors.
            if c.get(1).is_none()
                && (text.starts_with("test failed")
                    || text.starts_with("could not compile")
                    || text.contains("targets failed")
                    || text.starts_with("aborting due to"))
            {
                continue;
            }
            errors.push((
                format!("error{}: {text}", c.get(1).map_or("", |m| m.as_str())),
                None,
            ));
        } else if let Some(c) = location.captures(line)
            && let Some((_, place @ None)) = errors.last_mut()
        {
            *place = Some((c[1].to_owned(), parse_u32(&c[2])));
        }
    }
    cases
}
