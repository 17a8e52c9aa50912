//! `go test -v` (`=== RUN`, `--- FAIL: TestX (0.00s)`, `    x_test.go:12: message`) and
//! `go test -json` (one event per line). A package that does not build is one errored case for
//! that package, with the first compiler error.
//!
//! Only go's own structure says a package did not build: its `FAIL pkg [build failed]` line
//! (with the compiler's `file.go:line:col:` lines before it), read while no test of the run is
//! open (between its `=== RUN` and its `--- PASS/FAIL/SKIP`), so that a test that runs go
//! itself and prints its output makes no load error; in `-json`, a package that failed
//! without a failing test. A test that ran and failed is a failure whatever its output says.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use super::{CaseOutcome, TestCase, both, compile, parse_u32};

static PATTERNS: LazyLock<Option<[Regex; 7]>> = LazyLock::new(|| {
    compile([
        r"^=== (?:RUN|CONT|PAUSE|NAME)\s+(\S+)",
        r"^\s*--- (PASS|FAIL|SKIP): (\S+) \([\d.]+s\)",
        r"^\s+(\S+\.go):(\d+): (.*)$",
        r"^FAIL\s+(\S+)\s+\[(build|setup) failed\]",
        r"^(\S+\.go):(\d+):\d+: (.*)$",
        r"^panic: (.*)$",
        // A package's result: `ok  pkg 0.01s`, `FAIL pkg 0.01s` (not `[build failed]`).
        r"^(?:ok|FAIL)\s+\S+\s+(?:[\d.]+s|\(cached\))",
    ])
});

pub(super) fn parse(stdout: &str, stderr: &str) -> Vec<TestCase> {
    if stdout
        .lines()
        .any(|l| l.starts_with('{') && l.contains("\"Action\""))
    {
        return parse_json(stdout, stderr);
    }
    let Some(
        [
            run,
            verdict,
            message,
            build_failed,
            compiler,
            panic,
            package_done,
        ],
    ) = PATTERNS.as_ref()
    else {
        return Vec::new();
    };
    let text = both(stdout, stderr);
    let mut cases: Vec<TestCase> = Vec::new();
    let mut messages: BTreeMap<String, Vec<(String, String, Option<u32>)>> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut compiler_errors: Vec<(String, String, Option<u32>)> = Vec::new();
    let mut pending_panic: Option<String> = None;
    // The tests started and not yet ended; a package's closing line ends them all (a panic
    // leaves its tests without a verdict).
    let mut open: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(c) = run.captures(line) {
            current = Some(c[1].to_owned());
            if line.starts_with("=== RUN") && !open.contains(&c[1].to_owned()) {
                open.push(c[1].to_owned());
            }
        } else if let Some(c) = verdict.captures(line) {
            open.retain(|test| test != &c[2]);
            let outcome = match &c[1] {
                "PASS" => CaseOutcome::Passed,
                "FAIL" => CaseOutcome::Failed,
                _ => CaseOutcome::Skipped,
            };
            cases.push(TestCase::new(&c[2], outcome));
        } else if let Some(c) = message.captures(line) {
            if let Some(test) = &current {
                messages.entry(test.clone()).or_default().push((
                    c[3].to_owned(),
                    c[1].to_owned(),
                    parse_u32(&c[2]),
                ));
            }
        } else if let Some(c) = compiler.captures(line) {
            if open.is_empty() {
                compiler_errors.push((c[3].to_owned(), c[1].to_owned(), parse_u32(&c[2])));
            }
        } else if let Some(c) = panic.captures(line) {
            pending_panic.get_or_insert_with(|| c[1].to_owned());
        } else if package_done.is_match(line) {
            open.clear();
        } else if open.is_empty()
            && let Some(c) = build_failed.captures(line)
        {
            let package = c[1].to_owned();
            let (text, file, line) = compiler_errors
                .first()
                .cloned()
                .unwrap_or_else(|| (format!("{} failed", &c[2]), String::new(), None));
            let file = (!file.is_empty()).then_some(file);
            cases.push(
                TestCase::load_failure(package.clone(), format!("[{} failed] {text}", &c[2]))
                    .at(file, line),
            );
            compiler_errors.clear();
        }
    }
    for case in &mut cases {
        if case.outcome == CaseOutcome::Passed {
            continue;
        }
        if let Some(found) = messages.get(&case.id).and_then(|m| m.first()) {
            let all: Vec<&str> = messages[&case.id]
                .iter()
                .map(|(m, _, _)| m.as_str())
                .take(5)
                .collect();
            case.message = all.join("\n");
            *case = case.clone().at(Some(found.1.clone()), found.2);
        } else if case.outcome == CaseOutcome::Failed
            && let Some(panic) = pending_panic.take()
        {
            case.message = format!("panic: {panic}");
        }
    }
    cases
}

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "Action")]
    action: String,
    #[serde(rename = "Package", default)]
    package: Option<String>,
    #[serde(rename = "ImportPath", default)]
    import_path: Option<String>,
    #[serde(rename = "Test", default)]
    test: Option<String>,
    #[serde(rename = "Output", default)]
    output: Option<String>,
}

fn parse_json(stdout: &str, stderr: &str) -> Vec<TestCase> {
    let Some([_, _, message, _, compiler, _, _]) = PATTERNS.as_ref() else {
        return Vec::new();
    };
    let mut cases: Vec<TestCase> = Vec::new();
    let mut output: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut package_output: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut failed_packages: Vec<String> = Vec::new();
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let Ok(event) = serde_json::from_str::<Event>(line) else {
            continue;
        };
        // A build's events name `pkg [pkg.test]`; its test events name `pkg`.
        let package = event
            .package
            .clone()
            .or_else(|| event.import_path.clone())
            .unwrap_or_default()
            .split(" [")
            .next()
            .unwrap_or_default()
            .to_owned();
        match (event.action.as_str(), &event.test) {
            ("output", Some(test)) => output
                .entry((package, test.clone()))
                .or_default()
                .push(event.output.unwrap_or_default()),
            ("output" | "build-output", None) => package_output
                .entry(package)
                .or_default()
                .push(event.output.unwrap_or_default()),
            ("pass", Some(test)) => cases.push(TestCase::new(test, CaseOutcome::Passed)),
            ("skip", Some(test)) => cases.push(TestCase::new(test, CaseOutcome::Skipped)),
            ("fail", Some(test)) => {
                let mut case = TestCase::new(test, CaseOutcome::Failed);
                let lines = output
                    .get(&(package, test.clone()))
                    .cloned()
                    .unwrap_or_default();
                let found: Vec<(String, String, Option<u32>)> = lines
                    .iter()
                    .filter_map(|l| message.captures(l.trim_end()))
                    .map(|c| (c[3].to_owned(), c[1].to_owned(), parse_u32(&c[2])))
                    .collect();
                if let Some((_, file, line)) = found.first() {
                    case.message = found
                        .iter()
                        .map(|(m, _, _)| m.as_str())
                        .take(5)
                        .collect::<Vec<_>>()
                        .join("\n");
                    case = case.at(Some(file.clone()), *line);
                } else if let Some(panic) = lines.iter().find(|l| l.starts_with("panic: ")) {
                    case.message = panic.trim_end().to_owned();
                }
                cases.push(case);
            }
            ("fail" | "build-fail", None) if !failed_packages.contains(&package) => {
                failed_packages.push(package);
            }
            _ => {}
        }
    }
    // A package that failed without a failing test did not build (or its test binary could
    // not start): its output, or go's stderr, holds the compiler's errors.
    for package in failed_packages {
        let had_failing_test = output.keys().any(|(p, t)| {
            p == &package
                && cases
                    .iter()
                    .any(|c| &c.id == t && c.outcome == CaseOutcome::Failed)
        });
        if had_failing_test {
            continue;
        }
        let lines: Vec<String> = package_output
            .get(&package)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .chain(stderr.lines().map(str::to_owned))
            .collect();
        let error = lines.iter().find_map(|l| {
            compiler
                .captures(l.trim_end())
                .map(|c| (c[3].to_owned(), c[1].to_owned(), parse_u32(&c[2])))
        });
        let case = match error {
            Some((text, file, line)) => {
                TestCase::load_failure(&package, format!("[build failed] {text}"))
                    .at(Some(file), line)
            }
            None => TestCase::load_failure(&package, "[build failed]"),
        };
        cases.push(case);
    }
    cases
}
