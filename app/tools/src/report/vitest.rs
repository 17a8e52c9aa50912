//! vitest: `--reporter=verbose` lines (`✓ file > describe > test 3ms`, `× ...` followed by
//! `→ reason`), the `FAIL file > describe > test` details with their `❯ file:line:col`, a
//! suite that fails to load (`FAIL file [ file ]`), and `--reporter=json` (jest's shape).
//! Ids use jest's ` › ` separator, so the two runners name tests alike.

use std::sync::LazyLock;

use regex::Regex;

use super::jest::{SEPARATOR, parse_json};
use super::{CaseOutcome, TestCase, both, compile, first_lines, parse_u32, relative_path};

static PATTERNS: LazyLock<Option<[Regex; 5]>> = LazyLock::new(|| {
    compile([
        r"^\s*(✓|×|↓|✗|√)\s+(.+?)(?:\s+\d+(?:\.\d+)?m?s)?(?:\s+\[skipped\])?$",
        r"^\s*→\s+(.*)$",
        r"^\s*FAIL\s+(\S+) \[ (.+) \]\s*$",
        r"^\s*FAIL\s+(.+? > .+?)\s*$",
        r"^\s*❯\s+(\S+?):(\d+):\d+",
    ])
});

pub(super) fn parse(stdout: &str, stderr: &str) -> Vec<TestCase> {
    if let Some(cases) = parse_json(stdout) {
        return cases;
    }
    let Some([test_line, reason, suite_failed, test_failed, place]) = PATTERNS.as_ref() else {
        return Vec::new();
    };
    let text = both(stdout, stderr);
    let lines: Vec<&str> = text.lines().collect();
    let mut cases: Vec<TestCase> = Vec::new();
    let id_of = |path: &str| {
        let mut parts = path.split(" > ");
        let file = relative_path(parts.next().unwrap_or_default());
        std::iter::once(file)
            .chain(parts.map(str::to_owned))
            .collect::<Vec<_>>()
            .join(SEPARATOR)
    };
    for (index, line) in lines.iter().enumerate() {
        if let Some(c) = suite_failed.captures(line) {
            let body: Vec<&str> = lines[index + 1..]
                .iter()
                .copied()
                .take_while(|l| !l.trim_start().starts_with('❯') && !l.starts_with('⎯'))
                .collect();
            let file = relative_path(&c[1]);
            cases.push(
                TestCase::load_failure(
                    file.clone(),
                    format!("Failed to load the suite: {}", first_lines(&body, 1)),
                )
                .at(Some(file), None),
            );
        } else if let Some(c) = test_failed.captures(line) {
            let id = id_of(&c[1]);
            let rest = &lines[index + 1..];
            let message_lines: Vec<&str> = rest
                .iter()
                .copied()
                .take_while(|l| !l.trim_start().starts_with('❯') && !l.starts_with('⎯'))
                .collect();
            let message = first_lines(&message_lines, 5);
            let location = rest
                .iter()
                .take_while(|l| !l.starts_with('⎯'))
                .find_map(|l| place.captures(l))
                .map(|c| (relative_path(&c[1]), parse_u32(&c[2])));
            let (file, line) = location.map_or((None, None), |(f, l)| (Some(f), l));
            match cases.iter_mut().find(|case| case.id == id) {
                Some(case) => {
                    case.message = message;
                    *case = case.clone().at(file, line);
                }
                None => cases.push(
                    TestCase::new(id, CaseOutcome::Failed)
                        .with_message(message)
                        .at(file, line),
                ),
            }
        } else if let Some(c) = test_line.captures(line) {
            // The default reporter's per-file line (`✓ a.test.ts (3 tests)`) is no test.
            if !c[2].contains(" > ") {
                continue;
            }
            let outcome = match &c[1] {
                "✓" | "√" => CaseOutcome::Passed,
                "↓" => CaseOutcome::Skipped,
                _ => CaseOutcome::Failed,
            };
            let mut case = TestCase::new(id_of(&c[2]), outcome);
            if let Some(r) = lines.get(index + 1).and_then(|next| reason.captures(next)) {
                case.message = r[1].to_owned();
            }
            cases.push(case);
        }
    }
    cases
}
