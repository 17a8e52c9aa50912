//! Verification: red holds when the named tests fail for a reason other than not loading,
//! a patch respects the limits and the test-integrity guard, green passes the named tests
//! without breaking the baseline.
//!
//! Under `verify: affected` (the default) red runs only its own test files and green only the
//! selected ones (`test_selection`), each on the base commit as well as with the change, so
//! that no phase runs the whole suite where a selection can be trusted.

use std::collections::BTreeSet;

use redgreen_core::machine::{Machine, PhaseOutput};
use redgreen_core::repo_config::{RepoConfig, Verify};
use redgreen_core::run::{RunKind, RunState};
use redgreen_core::work::{
    GreenProof, PatchWork, Prepared, RedProof, TestOutcome, TestSelection, TestSummary, Usage,
};
use redgreen_git::WorkTree;
use redgreen_tools::{Runner, ToolBox};
use tracing::info;

use crate::baseline_cache::{BaselineCache, BaselineKey};
use crate::diff::changed_paths;
use crate::error::AgentError;
use crate::forge::Forge;
use crate::run_spec::RunSpec;
use crate::test_selection::{is_test_module, select, whole_suite};
use crate::verdict::{judge_green, judge_red, judge_red_again, names_match};

use super::work_tree::read_repo_config;
use super::{Outcome, PhaseExecutor, parse_oid, prepared, succeeded};

/// At most this many tests that passed on the base and fail with the change are run again to
/// tell flaky ones apart; a change that breaks more is not flaky.
const MAX_RERUN_TESTS: usize = 20;

impl<F: Forge> PhaseExecutor<F> {
    /// Red holds when the named tests fail on base + the new tests, for a reason other than
    /// not loading.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn verify_red(
        &self,
        run: &RunSpec,
        tree: &WorkTree,
        prepared: &Prepared,
        config: &RepoConfig,
        toolbox: &ToolBox,
        submitted: serde_json::Value,
        usage: &mut Usage,
    ) -> Result<Outcome, AgentError> {
        let tests: Vec<String> = string_list(&submitted, "tests");
        let rationale = string_field(&submitted, "rationale");
        let written = toolbox.written_paths();
        if written.is_empty() {
            return Ok(Outcome::Rejected(
                "no test file was written: write the failing tests with code_patch first".into(),
            ));
        }
        let diff = tree.diff_paths_to_head(&written.iter().collect::<Vec<_>>())?;
        // Judge on a clean tree holding exactly the diff that will be committed, set up
        // again (the reset removed what setup and the model's test runs had left).
        tree.reset_to(parse_oid(&prepared.base_commit)?)?;
        self.set_up(tree, config, usage).await?;
        let (command, before) = if prepared.verify == Verify::Full {
            (prepared.test_command.clone(), prepared.baseline.clone())
        } else {
            // The red test files alone: first on the base commit, those that exist there (to
            // see which old tests the red commit removes or renames), then with the new tests.
            let files: Vec<String> = changed_paths(&diff)?
                .into_iter()
                .filter(|path| is_test_module(path))
                .collect();
            let on_base = present_at(tree, parse_oid(&prepared.base_commit)?, &files)?;
            let before = if on_base.is_empty() {
                TestSummary::default()
            } else {
                let command = narrowed(&prepared.test_command, &on_base);
                let key = BaselineKey {
                    repository: &run.repository,
                    base_commit: &prepared.base_commit,
                    setup: &config.setup,
                    command: &command,
                };
                self.run_on_base(tree, &key, usage).await?
            };
            (narrowed(&prepared.test_command, &files), before)
        };
        tree.apply(&diff)?;
        let run_summary = self.run_tests(tree, &command, usage).await?;
        if let Err(evidence) = judge_red(&run_summary, &tests) {
            return Ok(Outcome::Rejected(evidence));
        }
        // A red test must fail every time, the same way: the named tests run once more.
        let ids: Vec<String> = run_summary
            .outcomes
            .keys()
            .filter(|id| tests.iter().any(|test| names_match(id, test)))
            .cloned()
            .collect();
        let again_command = Runner::from_command(&prepared.test_command)
            .with_tests(&prepared.test_command, &ids)
            .unwrap_or_else(|_| command.clone());
        let again = self.run_tests(tree, &again_command, usage).await?;
        if let Err(evidence) = judge_red_again(&run_summary, &again, &tests) {
            return Ok(Outcome::Rejected(evidence));
        }
        let replaced = run_summary.vanished_since(&before);
        info!(tests = ?tests, replaced = replaced.len(), "red verified");
        Ok(succeeded(PhaseOutput::Red(RedProof {
            tests,
            rationale,
            diff,
            run: run_summary,
            replaced,
        })))
    }

    /// A patch is kept when it respects the diff limit and the test-integrity guard; whether
    /// it works is green's question.
    pub(super) fn verify_patch(
        &self,
        tree: &WorkTree,
        config: &RepoConfig,
        toolbox: &ToolBox,
        red_paths: &BTreeSet<String>,
        carried: BTreeSet<String>,
        submitted: serde_json::Value,
    ) -> Result<Outcome, AgentError> {
        let mut written = toolbox.written_paths();
        written.extend(carried);
        if written.is_empty() {
            return Ok(Outcome::Rejected(
                "no file was changed: make the fix with code_patch first".into(),
            ));
        }
        let changes = redgreen_tools::working_tree_changes(tree.path(), &written)
            .map_err(|error| AgentError::Sandbox(error.to_string()))?;
        let findings = redgreen_tools::check_integrity(&changes, red_paths);
        if !findings.is_empty() {
            let listed: Vec<String> = findings.iter().map(ToString::to_string).collect();
            return Ok(Outcome::Rejected(format!(
                "the test-integrity guard rejected the patch:\n{}",
                listed.join("\n")
            )));
        }
        let max_lines = config
            .max_diff_lines
            .unwrap_or(self.settings.max_diff_lines);
        if let Err(error) = redgreen_tools::diff_limits(&changes, max_lines) {
            return Ok(Outcome::Rejected(error.to_string()));
        }
        let diff = tree.diff_paths_to_head(&written.iter().collect::<Vec<_>>())?;
        Ok(succeeded(PhaseOutput::Patched(PatchWork {
            rationale: string_field(&submitted, "rationale"),
            diff,
        })))
    }

    pub(super) async fn green(
        &self,
        run: &RunSpec,
        machine: &Machine,
        usage: &mut Usage,
    ) -> Result<Outcome, AgentError> {
        let prepared = prepared(machine)?;
        let tree = self.tree_at(run, machine, RunState::Green, usage).await?;
        if run.kind == RunKind::Test {
            // `@redgreen test` reports what it saw on the whole suite; nothing to verify.
            let suite = self.run_tests(&tree, &prepared.test_command, usage).await?;
            return Ok(succeeded(PhaseOutput::Green(Box::new(GreenProof {
                named: TestSummary::default(),
                suite,
                selection: Some(whole_suite("`@redgreen test` runs the whole suite".into())),
                baseline: None,
                flaky: Vec::new(),
            }))));
        }
        let (tests, replaced) = machine
            .work
            .red
            .as_ref()
            .map(|red| (red.tests.clone(), red.replaced.clone()))
            .unwrap_or_default();
        let (selection, suite, baseline, at_base) = if prepared.verify == Verify::Full {
            let suite = self.run_tests(&tree, &prepared.test_command, usage).await?;
            let selection = whole_suite("the repository asks for it (`verify: full`)".into());
            (selection, suite, None, false)
        } else {
            let (selection, suite, baseline, at_base) = self
                .run_affected(run, machine, prepared, &tree, usage)
                .await?;
            (selection, suite, Some(baseline), at_base)
        };
        let named = named_only(&suite, &tests);
        let before = baseline.as_ref().unwrap_or(&prepared.baseline);
        let mut suspects = suite.regressions_against(before);
        suspects.retain(|name| !replaced.contains(name));
        let flaky = if suspects.is_empty() || suspects.len() > MAX_RERUN_TESTS {
            Vec::new()
        } else {
            self.flaky_among(run, machine, prepared, &tree, &suspects, at_base, usage)
                .await?
        };
        let excused: Vec<String> = replaced.iter().chain(&flaky).cloned().collect();
        if let Err(evidence) = judge_green(&named, &suite, before, &tests, &excused) {
            return Ok(Outcome::Rejected(evidence));
        }
        info!(
            selected = selection.files.len(),
            left_out = selection.left_out,
            reason = %selection.reason,
            flaky = ?flaky,
            "green verified"
        );
        Ok(succeeded(PhaseOutput::Green(Box::new(GreenProof {
            named,
            suite,
            selection: Some(selection),
            baseline,
            flaky,
        }))))
    }

    /// Runs `suspects` (tests that passed on the base commit and fail with the change) once
    /// more on each tree, the one `tree` is at first (`at_base`), then the other. Those that
    /// pass with the change this time, or fail on the base commit too, are flaky: the patch is
    /// not blamed for them.
    #[allow(clippy::too_many_arguments)]
    async fn flaky_among(
        &self,
        run: &RunSpec,
        machine: &Machine,
        prepared: &Prepared,
        tree: &WorkTree,
        suspects: &[String],
        at_base: bool,
        usage: &mut Usage,
    ) -> Result<Vec<String>, AgentError> {
        let whole = &prepared.test_command;
        let command = Runner::from_command(whole)
            .with_tests(whole, suspects)
            .unwrap_or_else(|_| whole.clone());
        let first = self.run_tests(tree, &command, usage).await?;
        let second = if at_base {
            let patched = self.tree_at(run, machine, RunState::Green, usage).await?;
            self.run_tests(&patched, &command, usage).await?
        } else {
            let base = parse_oid(&prepared.base_commit)?;
            tree.reset_to(base)?;
            let config = read_repo_config(tree, base)?;
            self.set_up(tree, &config, usage).await?;
            self.run_tests(tree, &command, usage).await?
        };
        let (on_base, with_change) = if at_base {
            (first, second)
        } else {
            (second, first)
        };
        let flaky: Vec<String> = suspects
            .iter()
            .filter(|name| {
                with_change.outcomes.get(*name) == Some(&TestOutcome::Passed)
                    || on_base
                        .outcomes
                        .get(*name)
                        .is_some_and(|outcome| *outcome != TestOutcome::Passed)
            })
            .cloned()
            .collect();
        info!(
            suspects = suspects.len(),
            flaky = flaky.len(),
            "regressions run again"
        );
        Ok(flaky)
    }

    /// The affected tests on the patched `tree`, then the same tests on the base commit (those
    /// that exist there, from the baseline cache when they ran before): the selection, the run
    /// with the change, the baseline, and whether the tree was left at the base commit (the
    /// next phase rebuilds it either way).
    async fn run_affected(
        &self,
        run: &RunSpec,
        machine: &Machine,
        prepared: &Prepared,
        tree: &WorkTree,
        usage: &mut Usage,
    ) -> Result<(TestSelection, TestSummary, TestSummary, bool), AgentError> {
        let mut changed = BTreeSet::new();
        if let Some(red) = &machine.work.red {
            changed.extend(changed_paths(&red.diff)?);
        }
        if let Some(patch) = &machine.work.patch {
            changed.extend(changed_paths(&patch.diff)?);
        }
        let index = self.index(run, tree).await?;
        let mut selection = select(&index, &changed);
        let whole = &prepared.test_command;
        let command = if selection.is_whole_suite() {
            whole.clone()
        } else {
            match Runner::from_command(whole).with_files(whole, &selection.files) {
                Ok(command) => command,
                Err(reason) => {
                    selection = whole_suite(format!("{reason}, so it cannot run chosen files"));
                    whole.clone()
                }
            }
        };
        let suite = self.run_tests(tree, &command, usage).await?;
        let base = parse_oid(&prepared.base_commit)?;
        let on_base = present_at(tree, base, &selection.files)?;
        let base_command = if selection.is_whole_suite() {
            whole.clone()
        } else if on_base.is_empty() {
            return Ok((selection, suite, TestSummary::default(), false));
        } else {
            narrowed(whole, &on_base)
        };
        let config = read_repo_config(tree, base)?;
        let key = BaselineKey {
            repository: &run.repository,
            base_commit: &prepared.base_commit,
            setup: &config.setup,
            command: &base_command,
        };
        // A cached run spares the reset and the setup too; the tree stays patched then.
        if let Some(cached) = BaselineCache::new(&self.settings.baselines_dir).get(&key) {
            return Ok((selection, suite, cached, false));
        }
        tree.reset_to(base)?;
        self.set_up(tree, &config, usage).await?;
        let baseline = self.run_and_keep(tree, &key, usage).await?;
        Ok((selection, suite, baseline, true))
    }
}

/// The `files` that `commit` has, read from git's objects (not the working files).
fn present_at(
    tree: &WorkTree,
    commit: git2::Oid,
    files: &[String],
) -> Result<Vec<String>, AgentError> {
    let mut present = Vec::new();
    for path in files {
        if tree.read_at(commit, path)?.is_some() {
            present.push(path.clone());
        }
    }
    Ok(present)
}

/// `command` narrowed to `files` where its runner takes files, else the whole command.
fn narrowed(command: &str, files: &[String]) -> String {
    Runner::from_command(command)
        .with_files(command, files)
        .unwrap_or_else(|_| command.to_owned())
}

/// The part of `suite` about the named tests.
fn named_only(suite: &TestSummary, tests: &[String]) -> TestSummary {
    let outcomes = suite
        .outcomes
        .iter()
        .filter(|(id, _)| {
            tests
                .iter()
                .any(|test| crate::verdict::names_match(id, test))
        })
        .map(|(id, outcome)| (id.clone(), *outcome))
        .collect();
    let failing = suite
        .failing
        .iter()
        .filter(|failing| {
            tests
                .iter()
                .any(|test| crate::verdict::names_match(&failing.name, test))
        })
        .cloned()
        .collect();
    let mut named = TestSummary {
        outcomes,
        failing,
        ..suite.clone()
    };
    named.passed = count(&named, redgreen_core::work::TestOutcome::Passed);
    named.failed = count(&named, redgreen_core::work::TestOutcome::Failed);
    named.skipped = count(&named, redgreen_core::work::TestOutcome::Skipped);
    named.exit_code = Some(i32::from(!named.failing.is_empty()));
    named
}

fn count(summary: &TestSummary, outcome: redgreen_core::work::TestOutcome) -> u32 {
    let n = summary.outcomes.values().filter(|o| **o == outcome).count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn string_list(value: &serde_json::Value, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(|v| v.as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn string_field(value: &serde_json::Value, key: &str) -> String {
    value
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}
