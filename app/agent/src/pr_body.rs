//! What a run publishes, as text: the pull request's body with its evidence, the branch name,
//! and the check run's report with line annotations.
//!
//! Pure functions of the checkpoint, so a publication repeated after a crash produces the same
//! bytes. Text that came from an issue, the model or test output is neutralised (mentions
//! cannot ping anyone, output stays inside code fences).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use redgreen_core::machine::Machine;
use redgreen_core::run::RunKind;
use redgreen_core::work::{TestOutcome, TestSelection, TestSummary};
use redgreen_git::{FileDiff, Hunk};
use redgreen_indexer::Impact;
use serde_json::json;

use crate::forge::{Annotation, CheckReport};
use crate::run_spec::RunSpec;

/// The check run on fix and follow-up PRs.
pub const TDD_CHECK: &str = "redgreen/tdd";
/// The check run of `@redgreen test`.
pub const TEST_CHECK: &str = "redgreen/test";
/// Marks the machine-readable evidence block in a PR body.
pub const EVIDENCE_MARKER: &str = "<!-- redgreen:evidence -->";

/// `redgreen/<issue>-<slug>`: the slug from the title, lowercase ASCII words joined by `-`,
/// at most 40 characters.
pub fn branch_name(number: Option<i64>, title: &str) -> String {
    let mut slug = String::new();
    for word in title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
    {
        if slug.len() + word.len() + 1 > 40 {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    if slug.is_empty() {
        slug.push_str("fix");
    }
    match number {
        Some(number) => format!("redgreen/{number}-{slug}"),
        None => format!("redgreen/{slug}"),
    }
}

/// The body of a fix PR (and, shortened, of a follow-up reply or a plan comment).
pub fn render_pr_body(run: &RunSpec, machine: &Machine, impacts: &[Impact]) -> String {
    let work = &machine.work;
    let mut body = String::new();
    let plan_text = |key: &str| {
        work.plan
            .as_ref()
            .and_then(|plan| plan.get(key))
            .and_then(|value| value.as_str())
            .map(neutralise)
            .unwrap_or_default()
    };
    let _ = writeln!(body, "## Summary\n");
    let summary = plan_text("summary");
    let _ = writeln!(
        body,
        "{}\n",
        if summary.is_empty() {
            "(no summary)"
        } else {
            &summary
        }
    );
    if let (Some(number), RunKind::Fix) = (run.number, run.kind) {
        let _ = writeln!(body, "Fixes #{number}.\n");
    }
    if run.kind == RunKind::Plan || run.kind == RunKind::Fix || run.kind == RunKind::FollowUp {
        let _ = writeln!(body, "## Plan\n");
        for step in plan_list(machine, "steps") {
            let _ = writeln!(body, "1. {step}");
        }
        let files = plan_list(machine, "files");
        if !files.is_empty() {
            let _ = writeln!(body, "\nFiles: {}", code_list(&files));
        }
        body.push('\n');
    }
    if let Some(red) = &work.red {
        let _ = writeln!(body, "## Red: the new tests fail on the base commit\n");
        let _ = writeln!(body, "Tests: {}\n", code_list(&red.tests));
        if !red.replaced.is_empty() {
            let _ = writeln!(body, "{}\n", replaced_tests(&red.replaced));
        }
        write_run(&mut body, &red.run);
    }
    if let Some(green) = &work.green {
        let heading = if run.kind == RunKind::Test {
            "## Test run"
        } else {
            "## Green: they pass with the change, and nothing else broke"
        };
        let _ = writeln!(body, "{heading}\n");
        if let Some(selection) = &green.selection {
            let _ = writeln!(body, "{}\n", selection_sentence(selection));
        }
        let baseline = green
            .baseline
            .as_ref()
            .or(work.prepared.as_ref().map(|prepared| &prepared.baseline));
        if let Some(baseline) = baseline {
            let _ = writeln!(
                body,
                "On the base commit: {} passed, {} failed, {} skipped. With the change: \
                 {} passed, {} failed, {} skipped.\n",
                baseline.passed,
                baseline.failed,
                baseline.skipped,
                green.suite.passed,
                green.suite.failed,
                green.suite.skipped
            );
        }
        if !green.flaky.is_empty() {
            let _ = writeln!(
                body,
                "Flaky, not counted: {} passed on the base commit and failed with the change, \
                 then, run again on both, passed with the change or failed on the base.\n",
                code_list(&green.flaky)
            );
        }
        write_run(&mut body, &green.suite);
    }
    let red_diff = work.red.as_ref().map(|red| diff_files(&red.diff));
    let patch_diff = work.patch.as_ref().map(|patch| diff_files(&patch.diff));
    let red_files = red_diff.as_deref().map(paths_of);
    let patch_files = patch_diff.as_deref().map(paths_of);
    if red_files.is_some() || patch_files.is_some() {
        let _ = writeln!(body, "## Changes\n");
        let (added, removed) = red_diff.iter().chain(patch_diff.iter()).flatten().fold(
            (0u64, 0u64),
            |(added, removed), file| {
                (
                    added + u64::from(file.added),
                    removed + u64::from(file.removed),
                )
            },
        );
        for (label, files) in [("tests", &red_files), ("code", &patch_files)] {
            if let Some(files) = files {
                let files: Vec<String> = files.iter().cloned().collect();
                let _ = writeln!(body, "- {label}: {}", code_list(&files));
            }
        }
        let _ = writeln!(body, "- lines: +{added} −{removed}\n");
        let _ = writeln!(body, "## Impact\n");
        let all: Vec<&String> = red_files
            .iter()
            .chain(patch_files.iter())
            .flatten()
            .collect();
        let sensitive: Vec<String> = all
            .iter()
            .filter(|path| is_sensitive(path))
            .map(|path| path.to_string())
            .collect();
        write_impacts(&mut body, impacts);
        if sensitive.is_empty() {
            let _ = writeln!(
                body,
                "No workflow, CI, dependency manifest or secret-bearing file is touched.\n"
            );
        } else {
            let _ = writeln!(
                body,
                "Touches files that need a careful review: {}\n",
                code_list(&sensitive)
            );
        }
    }
    if run.kind != RunKind::Test {
        let _ = writeln!(body, "## Risk and rollback\n");
        let risk = plan_text("risk");
        let _ = writeln!(
            body,
            "{}\n\nRollback: revert this pull request's commits; redgreen changed no \
             configuration, data or infrastructure outside them.\n",
            if risk.is_empty() {
                "Not assessed."
            } else {
                &risk
            }
        );
        let _ = writeln!(body, "## Test plan\n");
        let strategy = plan_text("test_strategy");
        if !strategy.is_empty() {
            let _ = writeln!(body, "{strategy}\n");
        }
        if let Some(prepared) = &work.prepared {
            let _ = writeln!(
                body,
                "redgreen ran `{}` in its no-egress sandbox on the base commit, with the new \
                 tests, and with the change; the `{TDD_CHECK}` check carries the result.\n",
                prepared.test_command.replace('`', "'")
            );
        }
    }
    let usage = &machine.usage;
    let _ = writeln!(body, "## Budget used\n");
    let _ = writeln!(
        body,
        "{} tokens ({} in, {} out) in {} model calls, ${:.4}, {:.1} s of work ({:.1} s waiting \
         for the model, {:.1} s running tests).\n",
        usage.tokens(),
        usage.input_tokens,
        usage.output_tokens,
        usage.model_calls,
        usage.usd_micros as f64 / 1_000_000.0,
        usage.wall_ms as f64 / 1000.0,
        usage.model_ms as f64 / 1000.0,
        usage.test_ms as f64 / 1000.0
    );
    let evidence = evidence_json(run, machine);
    let _ = writeln!(
        body,
        "<details><summary>Evidence (machine-readable)</summary>\n\n{EVIDENCE_MARKER}\n```json\n{}\n```\n</details>",
        serde_json::to_string_pretty(&evidence).unwrap_or_default()
    );
    body
}

/// The check run for a run's head commit: `redgreen/tdd` with the red tests and the changed
/// lines annotated, or `redgreen/test` with the failures annotated.
pub fn check_report(kind: RunKind, machine: &Machine) -> Option<CheckReport> {
    let work = &machine.work;
    let green = work.green.as_ref()?;
    match kind {
        RunKind::Test => {
            let passed = green.suite.is_green();
            Some(CheckReport {
                name: TEST_CHECK,
                conclusion: if passed { "success" } else { "failure" },
                title: format!(
                    "{} passed, {} failed, {} skipped",
                    green.suite.passed, green.suite.failed, green.suite.skipped
                ),
                summary: with_failing_tests(summary_of(&green.suite), &green.suite),
                annotations: failure_annotations(&green.suite),
            })
        }
        RunKind::Fix | RunKind::FollowUp => {
            let mut annotations = Vec::new();
            if let Some(red) = &work.red {
                for failing in &red.run.failing {
                    if let (Some(path), Some(line)) = (&failing.file, failing.line) {
                        annotations.push(Annotation {
                            path: path.clone(),
                            start_line: line,
                            end_line: line,
                            level: "notice",
                            title: format!("red: {} failed on the base commit", failing.name),
                            message: format!(
                                "Failed before the change, passes after it.\n{}",
                                truncate(&failing.message, 1000)
                            ),
                        });
                    }
                }
            }
            if let Some(patch) = &work.patch {
                for (path, start, end) in changed_ranges(&diff_files(&patch.diff)) {
                    annotations.push(Annotation {
                        path,
                        start_line: start,
                        end_line: end,
                        level: "notice",
                        title: "changed by redgreen".into(),
                        message: "These lines are the fix; the red tests cover them.".into(),
                    });
                }
            }
            let (tests, replaced) = work
                .red
                .as_ref()
                .map(|red| (red.tests.clone(), red.replaced.clone()))
                .unwrap_or_default();
            let mut summary = format!(
                "Red on the base commit: {}.\n\nGreen with the change: {}.",
                code_list(&tests),
                summary_of(&green.suite)
            );
            if let Some(selection) = &green.selection {
                let _ = write!(summary, "\n\n{}", selection_sentence(selection));
            }
            if !replaced.is_empty() {
                let _ = write!(summary, "\n\n{}", replaced_tests(&replaced));
            }
            Some(CheckReport {
                name: TDD_CHECK,
                conclusion: "success",
                title: format!("{} red test(s) now pass; no regressions", tests.len()),
                summary,
                annotations,
            })
        }
        RunKind::Plan | RunKind::Recommend => None,
    }
}

fn evidence_json(run: &RunSpec, machine: &Machine) -> serde_json::Value {
    let work = &machine.work;
    let outcomes = |summary: &TestSummary| {
        json!({
            "command": summary.command,
            "exit_code": summary.exit_code,
            "passed": summary.passed,
            "failed": summary.failed,
            "skipped": summary.skipped,
            "failing": summary.failing.iter().map(|f| &f.name).collect::<Vec<_>>(),
        })
    };
    json!({
        "redgreen_evidence": 1,
        "run": run.id.to_string(),
        "kind": run.kind.as_str(),
        "base_commit": work.prepared.as_ref().map(|p| &p.base_commit),
        "red": work.red.as_ref().map(|red| json!({
            "tests": red.tests,
            "outcomes": red.tests.iter().map(|t| (t.clone(), crate::verdict::outcome_of(&red.run, t))).collect::<std::collections::BTreeMap<_, _>>(),
            "run": outcomes(&red.run),
            "replaced": red.replaced,
        })),
        "green": work.green.as_ref().map(|green| json!({
            "named": outcomes(&green.named),
            "suite": outcomes(&green.suite),
        })),
        // Under `verify: affected` the baseline is green's run of the selected tests on the
        // base commit; the prepare phase ran none.
        "baseline": work
            .green
            .as_ref()
            .and_then(|green| green.baseline.as_ref())
            .or(work.prepared.as_ref().map(|p| &p.baseline))
            .map(outcomes),
        "usage": machine.usage,
    })
}

fn write_run(body: &mut String, run: &TestSummary) {
    let _ = writeln!(
        body,
        "`{}` → exit code {}, {} passed, {} failed, {} skipped, {} ms.\n",
        run.command.replace('`', "'"),
        run.exit_code
            .map_or_else(|| "none".to_owned(), |code| code.to_string()),
        run.passed,
        run.failed,
        run.skipped,
        run.duration_ms
    );
    let failing: Vec<String> = run
        .failing
        .iter()
        .filter(|f| f.outcome != TestOutcome::Passed)
        .map(|f| f.name.clone())
        .collect();
    if !failing.is_empty() {
        let _ = writeln!(body, "Failing: {}\n", code_list(&failing));
    }
    if !run.excerpt.is_empty() {
        let excerpt = truncate(&run.excerpt, 3000);
        let _ = writeln!(
            body,
            "{}\n",
            redgreen_core::untrusted::markdown_code_block(&excerpt)
        );
    }
}

fn summary_of(run: &TestSummary) -> String {
    format!(
        "`{}`: {} passed, {} failed, {} skipped",
        run.command.replace('`', "'"),
        run.passed,
        run.failed,
        run.skipped
    )
}

/// `summary` followed by the failing tests by name (the first 50: the annotations carry
/// each failure's place and message).
fn with_failing_tests(mut summary: String, run: &TestSummary) -> String {
    const MAX_NAMED: usize = 50;
    if run.failing.is_empty() {
        return summary;
    }
    let names: Vec<String> = run
        .failing
        .iter()
        .take(MAX_NAMED)
        .map(|failing| failing.name.clone())
        .collect();
    let _ = write!(summary, "\n\nFailing: {}", code_list(&names));
    if run.failing.len() > MAX_NAMED {
        let _ = write!(summary, " and {} more", run.failing.len() - MAX_NAMED);
    }
    summary.push('.');
    summary
}

fn failure_annotations(run: &TestSummary) -> Vec<Annotation> {
    run.failing
        .iter()
        .filter_map(|failing| {
            let path = failing.file.clone()?;
            let line = failing.line?;
            // Lower-case the verdict only: test names keep their case.
            let verdict = format!("{:?}", failing.outcome).to_lowercase();
            Some(Annotation {
                path,
                start_line: line,
                end_line: line,
                level: "failure",
                title: format!("{} {verdict}", failing.name),
                message: truncate(&failing.message, 1000),
            })
        })
        .collect()
}

/// The files of a diff the run stored. The executor rebuilt the run's tree from these same
/// diffs with the same parser before anything is published, so a diff that cannot be read here
/// is not expected; the body is still rendered, without its files, and the error logged.
fn diff_files(diff: &str) -> Vec<FileDiff> {
    redgreen_git::parse_unified_diff(diff).unwrap_or_else(|error| {
        tracing::warn!(%error, "a stored diff could not be read; the body leaves its files out");
        Vec::new()
    })
}

/// Every path the files touch (both sides of a rename), sorted.
fn paths_of(files: &[FileDiff]) -> BTreeSet<String> {
    files
        .iter()
        .flat_map(|file| file.paths().map(str::to_owned))
        .collect()
}

/// `(path, first line, last line)` of each hunk's new side; a deleted file and a hunk that
/// only deletes have none.
fn changed_ranges(files: &[FileDiff]) -> Vec<(String, u32, u32)> {
    files
        .iter()
        .filter_map(|file| Some((file.new_path.as_ref()?, &file.hunks)))
        .flat_map(|(path, hunks)| {
            hunks
                .iter()
                .filter_map(Hunk::new_range)
                .map(|(first, last)| (path.clone(), first, last))
        })
        .collect()
}

fn is_sensitive(path: &str) -> bool {
    const SENSITIVE: [&str; 12] = [
        ".github/",
        "CODEOWNERS",
        "Cargo.toml",
        "Cargo.lock",
        "package.json",
        "package-lock.json",
        "requirements",
        "pyproject.toml",
        "setup.py",
        "go.mod",
        "Dockerfile",
        ".env",
    ];
    SENSITIVE.iter().any(|marker| path.contains(marker)) || path.to_lowercase().contains("secret")
}

fn plan_list(machine: &Machine, key: &str) -> Vec<String> {
    machine
        .work
        .plan
        .as_ref()
        .and_then(|plan| plan.get(key))
        .and_then(|value| value.as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str())
                .map(neutralise)
                .collect()
        })
        .unwrap_or_default()
}

/// Which tests verification ran and why, and how a reviewer gets the rest.
fn selection_sentence(selection: &TestSelection) -> String {
    if selection.is_whole_suite() {
        format!("Tests run: the whole suite ({}).", selection.reason)
    } else {
        format!(
            "Tests run: {} ({}); {} other test file(s) of the repository were left out. \
             Comment `@redgreen test` on this pull request to run the whole suite.",
            code_list(&selection.files),
            selection.reason,
            selection.left_out
        )
    }
}

/// The tests the red commit removed or renamed, said so that a reviewer sees every old
/// expectation the change gives up.
fn replaced_tests(replaced: &[String]) -> String {
    format!(
        "Tests this change replaces (they passed on the base commit, and the red commit \
         removes or renames them, so they are compared against nothing): {}.",
        code_list(replaced)
    )
}

fn code_list(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("`{}`", item.replace('`', "'")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text from the model or an issue, made safe to render: no mention pings anyone, no HTML
/// comment hides anything.
fn neutralise(text: &str) -> String {
    redgreen_core::untrusted::sanitize_untrusted(text).replace('@', "@\u{200B}")
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The definitions the change touches and the files that use them, from the code index's
/// reference graph (by name, so a use of another definition of the same name is counted).
fn write_impacts(body: &mut String, impacts: &[Impact]) {
    const MAX_DEFINITIONS: usize = 20;
    const MAX_USERS: usize = 10;
    if impacts.is_empty() {
        let _ = writeln!(
            body,
            "The change touches no definition the code index knows.\n"
        );
        return;
    }
    let _ = writeln!(
        body,
        "Changed definitions and the files that reference them:\n"
    );
    for impact in impacts.iter().take(MAX_DEFINITIONS) {
        let users = match impact.referenced_by.len() {
            0 => "no other file".to_owned(),
            n if n > MAX_USERS => format!(
                "{} and {} more",
                code_list(&impact.referenced_by[..MAX_USERS]),
                n - MAX_USERS
            ),
            _ => code_list(&impact.referenced_by),
        };
        let _ = writeln!(
            body,
            "- {} ({}, {}): referenced by {users}",
            code_list(std::slice::from_ref(&impact.symbol)),
            impact.kind.name(),
            code_list(std::slice::from_ref(&impact.path))
        );
    }
    if impacts.len() > MAX_DEFINITIONS {
        let _ = writeln!(body, "- and {} more", impacts.len() - MAX_DEFINITIONS);
    }
    let _ = writeln!(body);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scanner this replaced cut `diff --git a/x b/y b/x b/y` at its first ` b/`, and
    /// counted an added line starting with `++` as a header.
    #[test]
    fn paths_counts_and_ranges_survive_b_slash_in_a_path() {
        let diff = "diff --git a/docs/a b/c.md b/docs/a b/c.md
index 1111111..2222222 100644
--- a/docs/a b/c.md
+++ b/docs/a b/c.md
@@ -1,2 +1,3 @@
 one
-two
+++two
+three
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
index 3333333..0000000
--- a/gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
";
        let files = diff_files(diff);
        assert_eq!(
            paths_of(&files).into_iter().collect::<Vec<_>>(),
            ["docs/a b/c.md", "gone.txt"]
        );
        assert_eq!(
            files
                .iter()
                .map(|f| (f.added, f.removed))
                .collect::<Vec<_>>(),
            [(2, 1), (0, 1)]
        );
        assert_eq!(changed_ranges(&files), [("docs/a b/c.md".to_owned(), 1, 3)]);
    }
}
