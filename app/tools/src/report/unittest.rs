//! `python -m unittest -v`: result lines on stderr (`test_x (pkg.mod.Class.test_x) ... ok`,
//! with a docstring's first line on the next line when there is one), then a `FAIL:`/`ERROR:`
//! block per failure with its traceback. A module that fails to import is reported by
//! unittest as a `_FailedTest` and becomes one errored case for that module.
//!
//! unittest's ERROR for a test method is an exception raised while it ran (often the missing
//! behaviour itself, an `AttributeError`, or a `SyntaxError`/`ImportError` raised by the code
//! under test), so it counts as a failure, not as a load error, whatever its message says.
//! Only the loader's structure makes load errors: its `_FailedTest` stand-in for a module it
//! could not import, and, when the tests are named on the command line
//! (`python -m unittest tests.test_x`), the loader's own traceback (through
//! `unittest/loader.py`'s `loadTestsFromName`) before any test ran.

use std::sync::LazyLock;

use regex::Regex;

use super::{CaseOutcome, TestCase, both, compile, parse_u32};

static PATTERNS: LazyLock<Option<[Regex; 4]>> = LazyLock::new(|| {
    compile([
        r"^([\w.]+) \(([\w.]+)\)(?:[^.]*?)(?: \.\.\. (.*))?$",
        r"^.* \.\.\. (ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)$",
        r"^(FAIL|ERROR|UNEXPECTED SUCCESS): ([\w.]+) \(([\w.]+)\)",
        r#"^\s*File "(.+?)", line (\d+)"#,
    ])
});

/// The loader's functions in a traceback that ended the run before any test: importing the
/// modules named on the command line.
const LOADER_FRAMES: [&str; 2] = ["in loadTestsFromName", "in _get_module_from_name"];

const FAILED_IMPORT: [&str; 2] = [
    "unittest.loader._FailedTest",
    "unittest.loader.ModuleImportFailure",
];

pub(super) fn parse(stdout: &str, stderr: &str) -> Vec<TestCase> {
    let Some([result, continued, detail, frame]) = PATTERNS.as_ref() else {
        return Vec::new();
    };
    let text = both(stdout, stderr);
    let lines: Vec<&str> = text.lines().collect();
    let mut cases = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Some(c) = result.captures(line) else {
            continue;
        };
        // A docstring puts the verdict on the next line.
        let verdict = match c.get(3) {
            Some(verdict) => verdict.as_str().to_owned(),
            None => match lines
                .get(index + 1)
                .and_then(|next| continued.captures(next))
            {
                Some(next) => next[1].to_owned(),
                None => continue,
            },
        };
        let (method, qualified) = (&c[1], &c[2]);
        let import_failure = FAILED_IMPORT.iter().any(|p| qualified.starts_with(p));
        let id = if import_failure || qualified.ends_with(&format!(".{method}")) {
            // 3.11+: `(pkg.mod.Class.method)`; a failed import names the module first.
            if import_failure {
                method.to_owned()
            } else {
                qualified.to_owned()
            }
        } else {
            format!("{qualified}.{method}")
        };
        let case = if import_failure {
            let file = format!("{}.py", id.replace('.', "/"));
            TestCase::load_failure(id, "Failed to import test module").at(Some(file), None)
        } else {
            match verdict.as_str() {
                "ok" => TestCase::new(id, CaseOutcome::Passed),
                "FAIL" | "ERROR" | "unexpected success" => {
                    let case = TestCase::new(id, CaseOutcome::Failed);
                    if verdict == "unexpected success" {
                        case.with_message("unexpected success")
                    } else {
                        case
                    }
                }
                "expected failure" => {
                    TestCase::new(id, CaseOutcome::Skipped).with_message("expected failure")
                }
                skipped => TestCase::new(id, CaseOutcome::Skipped).with_message(
                    skipped
                        .trim_start_matches("skipped")
                        .trim()
                        .trim_matches('\''),
                ),
            }
        };
        cases.push(case);
    }

    if cases.is_empty() {
        return loader_crash(&lines, frame).into_iter().collect();
    }

    // `FAIL: name (qualified)` blocks: the traceback's last frame in the project and the
    // exception that ended it.
    let mut index = 0;
    while index < lines.len() {
        let Some(c) = detail.captures(lines[index]) else {
            index += 1;
            continue;
        };
        let (method, qualified) = (c[2].to_owned(), c[3].to_owned());
        let start = index + 2;
        let mut end = start.min(lines.len());
        while end < lines.len()
            && !lines[end].starts_with("=====")
            && !lines[end].starts_with("-----")
        {
            end += 1;
        }
        let body = &lines[start.min(end)..end];
        index = end;
        let frames: Vec<(usize, String, Option<u32>)> = body
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                frame
                    .captures(l)
                    .map(|c| (i, c[1].to_owned(), parse_u32(&c[2])))
            })
            .collect();
        let own = frames
            .iter()
            .rev()
            .find(|(_, file, _)| !file.contains("/lib/python") && !file.starts_with('<'))
            .or(frames.last());
        let after_frames = frames.last().map_or(0, |(i, _, _)| i + 1);
        let message: Vec<&str> = body[after_frames..]
            .iter()
            .skip_while(|l| l.starts_with(' ') || l.trim().is_empty())
            .take_while(|l| !l.trim().is_empty())
            .take(5)
            .copied()
            .collect();
        let message = message.join("\n");
        let id_direct = qualified.clone();
        let id_joined = format!("{qualified}.{method}");
        let import_failure = FAILED_IMPORT.iter().any(|p| qualified.starts_with(p));
        if let Some(case) = cases.iter_mut().find(|case| {
            case.id == id_direct || case.id == id_joined || import_failure && case.id == method
        }) {
            if !message.is_empty() {
                case.message = if import_failure {
                    format!("Failed to import test module: {message}")
                } else {
                    message
                };
            }
            if let Some((_, file, line)) = own {
                *case = case.clone().at(Some(file.clone()), *line);
            }
        }
    }
    cases
}

/// A run that ended in the loader's own traceback before any test ran: the module it was
/// importing (the traceback's last frame in the project) did not load.
fn loader_crash(lines: &[&str], frame: &Regex) -> Option<TestCase> {
    let start = lines
        .iter()
        .position(|l| l.starts_with("Traceback (most recent call last):"))?;
    let body = &lines[start + 1..];
    let frames: Vec<(usize, &str)> = body
        .iter()
        .enumerate()
        .take_while(|(_, l)| l.starts_with(' '))
        .filter(|(_, l)| frame.is_match(l))
        .map(|(i, l)| (i, *l))
        .collect();
    let loader = frames.iter().any(|(_, l)| {
        l.contains("unittest/loader.py") && LOADER_FRAMES.iter().any(|f| l.ends_with(f))
    });
    if !loader {
        return None;
    }
    let (file, line) = frames
        .iter()
        .rev()
        .filter_map(|(_, l)| frame.captures(l))
        .map(|c| (c[1].to_owned(), parse_u32(&c[2])))
        .find(|(file, _)| {
            !file.contains("/lib/python") && !file.starts_with('<') && file.ends_with(".py")
        })?;
    let file = super::relative_path(&file);
    let exception = body
        .iter()
        .find(|l| !l.starts_with(' ') && !l.trim().is_empty())
        .map_or("", |l| l.trim());
    let module = file.trim_end_matches(".py").replace('/', ".");
    Some(
        TestCase::load_failure(module, format!("Failed to import test module: {exception}"))
            .at(Some(file), line),
    )
}
