//! pytest: the `-v` lines (`tests/x.py::test_a PASSED [ 50%]`), the `-rA` short summary
//! (`FAILED tests/x.py::test_b - assert 2 == 3`), and the FAILURES/ERRORS sections for
//! messages and locations.
//!
//! Only the run's structure makes a load error: an `ERROR collecting <path>` section of the
//! ERRORS section, or a short-summary `ERROR <path>` line without `::` (a file or package that
//! did not import or collect). A test that ran and raised anything (a `SyntaxError` from
//! `compile`, an `ImportError` from `importlib`) is a plain failure, whatever its message
//! says; an error at setup or teardown (a broken fixture) is errored, not a load error.
//!
//! The output a test captured (`--- Captured stdout call ---` blocks, shown under its failure
//! or, with `-rP`/`-rA`, under PASSES) is not the run's own: a test that runs pytest itself
//! (`pytester`) prints a whole inner session there, with its own rules, sections, verbose and
//! summary lines. Those blocks are left out before anything is read. A block ends at the
//! next `____ title ____` header or `====` rule of the outer run; an inner session (from its
//! `=== test session starts ===` rule to its closing `=== ... in 0.12s ===` counts) is skipped
//! as a whole, nested sessions included. Limits: captured text that is not a whole pytest
//! session but prints a `____ x ____` header or a `====` line of its own ends the block early,
//! and an inner session cut off before its closing counts hides the rest of the output; output
//! not captured at all (`-s`) is read as the run's own.

use std::sync::LazyLock;

use regex::Regex;

use super::{CaseOutcome, TestCase, both, compile, first_lines, parse_u32};

static PATTERNS: LazyLock<Option<[Regex; 7]>> = LazyLock::new(|| {
    compile([
        r"^(\S.*?::\S.*?) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)(?: \((.*?)\))?\s*(?:\[\s*\d+%\])?$",
        r"^(PASSED|FAILED|ERROR|XFAIL|XPASS) (\S+)(?: - (.*))?$",
        r"^SKIPPED \[\d+\] (.+?):(\d+): (.*)$",
        r"^_{3,} (.+?) _{3,}$",
        r"^(\S+?\.py):(\d+): (.+)$",
        r"^E\s?(.*)$",
        r#"File "(.+?)", line (\d+)"#,
    ])
});

static STRUCTURE: LazyLock<Option<[Regex; 4]>> = LazyLock::new(|| {
    compile([
        // A section rule: `===== FAILURES =====`, `===== short test summary info =====`.
        r"^={3,} (.+?) ={3,}$",
        // A captured-output block: `----- Captured stdout call -----`, `--- Captured log setup ---`.
        r"^-{3,} Captured (?:stdout|stderr|log)(?: \w+)? -{3,}$",
        r"^={3,} test session starts ={3,}$",
        // A session's closing counts: `===== 1 failed, 2 passed in 0.12s =====`.
        r"^={3,} .*\bin \d+(?:\.\d+)?s\b.* ={3,}$",
    ])
});

fn outcome(word: &str) -> CaseOutcome {
    match word {
        "PASSED" | "XPASS" => CaseOutcome::Passed,
        "FAILED" => CaseOutcome::Failed,
        "ERROR" => CaseOutcome::Errored,
        _ => CaseOutcome::Skipped,
    }
}

/// The run's own lines, each with the section it is in (`None` before the first rule): the
/// blocks of captured output are left out (see the module's documentation).
fn outer_lines<'a>(lines: &[&'a str], header: &Regex) -> Vec<(Option<&'a str>, &'a str)> {
    let Some([rule, captured, session, closing]) = STRUCTURE.as_ref() else {
        return lines.iter().map(|l| (None, *l)).collect();
    };
    let mut out = Vec::with_capacity(lines.len());
    let mut section: Option<&'a str> = None;
    let mut in_capture = false;
    // Inner sessions open inside the current capture block.
    let mut depth = 0usize;
    for line in lines {
        if in_capture {
            if depth > 0 {
                if session.is_match(line) {
                    depth += 1;
                } else if closing.is_match(line) {
                    depth -= 1;
                }
                continue;
            }
            if session.is_match(line) {
                depth = 1;
                continue;
            }
            if captured.is_match(line) || !(header.is_match(line) || rule.is_match(line)) {
                continue;
            }
            in_capture = false;
        }
        if captured.is_match(line) {
            in_capture = true;
            depth = 0;
            continue;
        }
        if let Some(c) = rule.captures(line) {
            section = c.get(1).map(|m| m.as_str());
        }
        out.push((section, *line));
    }
    out
}

pub(super) fn parse(stdout: &str, stderr: &str) -> Vec<TestCase> {
    let Some(
        [
            verbose,
            summary,
            skipped,
            header,
            location,
            e_line,
            file_line,
        ],
    ) = PATTERNS.as_ref()
    else {
        return Vec::new();
    };
    let text = both(stdout, stderr);
    let all: Vec<&str> = text.lines().collect();
    let outer = outer_lines(&all, header);
    let lines: Vec<&str> = outer.iter().map(|(_, line)| *line).collect();
    let mut cases: Vec<TestCase> = Vec::new();

    // The `-v` lines come between the session's start and its first section.
    for (section, line) in &outer {
        if !matches!(section, None | Some("test session starts")) {
            continue;
        }
        if let Some(c) = verbose.captures(line) {
            let message = match (&c[2], c.get(3)) {
                ("XFAIL", reason) => format!(
                    "xfail{}",
                    reason.map_or(String::new(), |r| format!(": {}", r.as_str()))
                ),
                (_, Some(reason)) => reason.as_str().to_owned(),
                _ => String::new(),
            };
            cases.push(TestCase::new(&c[1], outcome(&c[2])).with_message(message));
        }
    }

    // FAILURES and ERRORS sections: `____ title ____` up to the next title or `====` rule.
    let mut index = 0;
    while index < lines.len() {
        let Some(c) = header.captures(lines[index]) else {
            index += 1;
            continue;
        };
        let title = c[1].to_owned();
        let in_errors = outer[index].0 == Some("ERRORS");
        let start = index + 1;
        let mut end = start;
        while end < lines.len() && !header.is_match(lines[end]) && !lines[end].starts_with("===") {
            end += 1;
        }
        let body = &lines[start..end];
        index = end;
        let errors: Vec<&str> = body
            .iter()
            .filter_map(|l| {
                e_line
                    .captures(l)
                    .and_then(|c| c.get(1))
                    .map(|m| m.as_str())
            })
            .collect();
        let places: Vec<(String, Option<u32>)> = body
            .iter()
            .filter_map(|l| location.captures(l))
            .map(|c| (c[1].to_owned(), parse_u32(&c[2])))
            .filter(|(file, _)| !file.contains("site-packages") && !file.starts_with('/'))
            .collect();
        let message = exception_line(&errors).unwrap_or_else(|| first_lines(&errors, 5));
        // Only the ERRORS section's `ERROR collecting` says a file did not collect.
        if let Some(path) = title
            .strip_prefix("ERROR collecting ")
            .filter(|_| in_errors)
        {
            // A syntax error names its line in `File "...", line N`; an import error in the
            // last traceback entry of the module.
            let line = errors
                .iter()
                .rev()
                .find_map(|l| file_line.captures(l).and_then(|c| parse_u32(&c[2])))
                .or_else(|| places.last().and_then(|(_, line)| *line));
            let message = if message.is_empty() {
                first_lines(body, 3)
            } else {
                message
            };
            cases.push(TestCase::load_failure(path, message).at(Some(path.to_owned()), line));
            continue;
        }
        let name = title
            .strip_prefix("ERROR at setup of ")
            .or_else(|| title.strip_prefix("ERROR at teardown of "))
            .unwrap_or(&title)
            .replace('.', "::");
        let suffix = format!("::{name}");
        if let Some(case) = cases
            .iter_mut()
            .find(|case| case.id.ends_with(&suffix) && case.outcome != CaseOutcome::Passed)
        {
            let detailed = first_lines(&errors, 5);
            case.message = if detailed.is_empty() {
                message
            } else {
                detailed
            };
            if let Some((file, line)) = places.last() {
                *case = case.clone().at(Some(file.clone()), *line);
            }
        }
    }

    let any_skipped = cases.iter().any(|c| c.outcome == CaseOutcome::Skipped);
    // The short summary's lines; `ERROR <path>` without `::` is a file that did not collect.
    for (section, line) in &outer {
        if *section != Some("short test summary info") {
            continue;
        }
        if let Some(c) = summary.captures(line) {
            let id = &c[2];
            let message = c.get(3).map_or("", |m| m.as_str());
            match cases.iter_mut().find(|case| case.id == id) {
                Some(case) => {
                    if case.message.is_empty() {
                        case.message = message.to_owned();
                    }
                }
                None if &c[1] == "ERROR" && !id.contains("::") => {
                    cases.push(TestCase::load_failure(id, message).at(Some(id.to_owned()), None));
                }
                None => cases.push(TestCase::new(id, outcome(&c[1])).with_message(message)),
            }
        } else if !any_skipped && let Some(c) = skipped.captures(line) {
            cases.push(
                TestCase::new(format!("{}:{}", &c[1], &c[2]), CaseOutcome::Skipped)
                    .with_message(&c[3])
                    .at(Some(c[1].to_owned()), parse_u32(&c[2])),
            );
        }
    }
    cases
}

/// The last `SomethingError: ...` line of a traceback: the exception that ended it.
fn exception_line(errors: &[&str]) -> Option<String> {
    errors
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| {
            l.split(':')
                .next()
                .is_some_and(|head| head.ends_with("Error") || head.ends_with("Exception"))
        })
        .map(str::to_owned)
}
