//! The test-integrity guard: a patch may not make the suite pass by deleting tests, skipping
//! them, weakening their assertions or editing the tests written in red. Each changed file is
//! compared before and after with its language's [`rules`]: the tests it defines (by name),
//! its skip markers, its assertions (all, strong and trivially true).

mod changes;
mod limits;
mod rules;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

pub use changes::working_tree_changes;
pub(crate) use limits::line_changes;
pub use limits::{DiffStats, diff_limits};

use redgreen_indexer::is_test_path;
use rules::{Rules, rules_for};

/// One file's change: its content before (at the base) and after (in the work tree); `None`
/// where the file does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What the guard objects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IntegrityKind {
    /// A test function is gone from a file that still exists.
    DeletedTest,
    /// A new skip marker (`@pytest.mark.skip`, `#[ignore]`, `t.Skip(`, `it.skip(`, `xit(`...).
    SkippedTest,
    /// Fewer assertions, a pinning assertion replaced by a weaker one, or a new assertion
    /// that can never fail.
    WeakenedAssertion,
    /// A test file written in the red phase was changed afterwards.
    EditedRedTest,
    /// A test file was deleted.
    DeletedTestFile,
}

impl IntegrityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IntegrityKind::DeletedTest => "deleted test",
            IntegrityKind::SkippedTest => "skipped test",
            IntegrityKind::WeakenedAssertion => "weakened assertion",
            IntegrityKind::EditedRedTest => "edited red test",
            IntegrityKind::DeletedTestFile => "deleted test file",
        }
    }
}

/// One objection, with where it is (a line of the new file, or of the old one for deletions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityFinding {
    pub path: String,
    pub line: Option<u32>,
    pub kind: IntegrityKind,
    pub detail: String,
}

impl fmt::Display for IntegrityFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: ", self.path)?,
            None => write!(f, "{}: ", self.path)?,
        }
        write!(f, "{}: {}", self.kind.as_str(), self.detail)
    }
}

/// Checks every change; `red_tests` are the paths written in the red phase, which must not
/// change afterwards. An empty result means the patch keeps the tests intact.
pub fn check_integrity(
    changes: &[FileChange],
    red_tests: &BTreeSet<String>,
) -> Vec<IntegrityFinding> {
    let mut findings = Vec::new();
    for change in changes {
        check_file(change, red_tests, &mut findings);
    }
    findings
}

fn check_file(change: &FileChange, red_tests: &BTreeSet<String>, out: &mut Vec<IntegrityFinding>) {
    let path = change.path.as_str();
    let finding = |line: Option<u32>, kind, detail: String| IntegrityFinding {
        path: path.to_owned(),
        line,
        kind,
        detail,
    };
    if red_tests.contains(path) && change.before != change.after {
        let line = first_difference(change.before.as_deref(), change.after.as_deref());
        out.push(finding(
            line,
            IntegrityKind::EditedRedTest,
            "the tests written in the red phase must stay as they were verified".into(),
        ));
    }
    let rules = rules_for(path).filter(|rules| rules.all_files || is_test_path(path));
    let (Some(before), after) = (change.before.as_deref(), change.after.as_deref()) else {
        // A new file cannot weaken an existing test.
        return;
    };
    let Some(after) = after else {
        let had_tests = rules.is_some_and(|rules| !tests_in(before, rules).is_empty());
        if is_test_path(path) || had_tests {
            out.push(finding(
                None,
                IntegrityKind::DeletedTestFile,
                "the test file was deleted".into(),
            ));
        }
        return;
    };
    let Some(rules) = rules else {
        return;
    };

    let mut remaining: BTreeMap<String, usize> = BTreeMap::new();
    for (name, _) in tests_in(after, rules) {
        *remaining.entry(name).or_default() += 1;
    }
    for (name, line) in tests_in(before, rules) {
        match remaining.get_mut(&name) {
            Some(count) if *count > 0 => *count -= 1,
            _ => out.push(finding(
                Some(line),
                IntegrityKind::DeletedTest,
                format!("test `{name}` (line {line} before the change) is gone"),
            )),
        }
    }

    for (line, text) in new_lines_matching(before, after, &rules.skip) {
        out.push(finding(
            Some(line),
            IntegrityKind::SkippedTest,
            format!("new skip marker `{text}`"),
        ));
    }

    let assertions_before = count_matches(before, &rules.assertion);
    let assertions_after = count_matches(after, &rules.assertion);
    let strong_before = count_matches(before, &rules.strong);
    let strong_after = count_matches(after, &rules.strong);
    if assertions_after < assertions_before {
        let line = removed_lines_matching(before, after, &rules.assertion)
            .first()
            .map(|(line, _)| *line);
        out.push(finding(
            line,
            IntegrityKind::WeakenedAssertion,
            format!("assertions went from {assertions_before} to {assertions_after}"),
        ));
    } else if strong_after < strong_before {
        let removed = removed_lines_matching(before, after, &rules.strong);
        let shown = removed
            .first()
            .map(|(_, text)| format!(": `{text}` is gone"))
            .unwrap_or_default();
        out.push(finding(
            removed.first().map(|(line, _)| *line),
            IntegrityKind::WeakenedAssertion,
            format!(
                "assertions that pin a value went from {strong_before} to {strong_after} (replaced by weaker ones){shown}"
            ),
        ));
    }
    for (line, text) in new_lines_matching(before, after, &rules.trivial) {
        out.push(finding(
            Some(line),
            IntegrityKind::WeakenedAssertion,
            format!("`{text}` can never fail"),
        ));
    }
}

/// The tests a file defines, by name, with their 1-based line.
fn tests_in(text: &str, rules: &Rules) -> Vec<(String, u32)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut tests = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Some(captures) = rules.test_item.captures(line) else {
            continue;
        };
        let named = captures
            .name("name")
            .or_else(|| captures.name("defname"))
            .map(|m| m.as_str().to_owned());
        // Attribute-style markers name their test on the next lines (`#[test]` then `fn x`).
        let after = || {
            let pattern = rules.name_after.as_ref()?;
            lines[index..lines.len().min(index + 6)]
                .iter()
                .find_map(|l| {
                    pattern
                        .captures(l)?
                        .name("name")
                        .map(|m| m.as_str().to_owned())
                })
        };
        let line_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let name = named
            .or_else(after)
            .unwrap_or_else(|| format!("unnamed test at line {line_number}"));
        tests.push((name, line_number));
    }
    tests
}

fn count_matches(text: &str, pattern: &regex::Regex) -> usize {
    text.lines()
        .map(|line| pattern.find_iter(line).count())
        .sum()
}

/// Lines of `after` matching `pattern` that `before` does not have (compared trimmed, as a
/// multiset, so moving a line is not a new line).
fn new_lines_matching(before: &str, after: &str, pattern: &regex::Regex) -> Vec<(u32, String)> {
    lines_only_in(after, before, pattern)
}

/// Lines of `before` matching `pattern` that `after` no longer has.
fn removed_lines_matching(before: &str, after: &str, pattern: &regex::Regex) -> Vec<(u32, String)> {
    lines_only_in(before, after, pattern)
}

fn lines_only_in(text: &str, other: &str, pattern: &regex::Regex) -> Vec<(u32, String)> {
    let mut available: BTreeMap<&str, usize> = BTreeMap::new();
    for line in other.lines().filter(|l| pattern.is_match(l)) {
        *available.entry(line.trim()).or_default() += 1;
    }
    let mut only = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if !pattern.is_match(line) {
            continue;
        }
        match available.get_mut(line.trim()) {
            Some(count) if *count > 0 => *count -= 1,
            _ => only.push((
                u32::try_from(index + 1).unwrap_or(u32::MAX),
                line.trim().to_owned(),
            )),
        }
    }
    only
}

/// The first line (1-based, of `after`) where two versions differ.
fn first_difference(before: Option<&str>, after: Option<&str>) -> Option<u32> {
    let (before, after) = (before.unwrap_or_default(), after?);
    let mut old = before.lines();
    for (index, line) in after.lines().enumerate() {
        if old.next() != Some(line) {
            return u32::try_from(index + 1).ok();
        }
    }
    None
}
